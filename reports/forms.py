from django import forms
from django.utils.translation import gettext_lazy as _

from core.month_field import MonthField

from .exports import FORMATS, KINDS


class RecomputeForm(forms.Form):
    month = MonthField(label=_("月份"))


class ExportForm(forms.Form):
    month = MonthField(label=_("月份"))
    kind = forms.ChoiceField(choices=[(k, k) for k in KINDS])
    scope = forms.CharField(required=False)
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS], required=False)

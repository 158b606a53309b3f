from django import forms
from django.utils.translation import gettext_lazy as _

from .months import parse_month


class MonthField(forms.CharField):
    """A month typed as YYYY-MM, cleaned to the date of its first day."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError as exc:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM。")) from exc

"""The questionnaire: one 1–5 choice per active dimension (the QR page and the callback
page alike)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Dimension

SCALE = [
    (5, _("5 很满意")),
    (4, _("4 满意")),
    (3, _("3 一般")),
    (2, _("2 不满意")),
    (1, _("1 很不满意")),
]


class AnswerForm(forms.Form):
    def __init__(self, *args, dimensions: list[Dimension], **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        for dimension in dimensions:
            self.fields[f"d_{dimension.code}"] = forms.TypedChoiceField(
                label=dimension.name,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("请为“%(name)s”打分。") % {"name": dimension.name},
                    "invalid_choice": _("评分应为 1–5 分。"),
                },
            )

    def scores(self) -> dict[str, int]:
        return {d.code: self.cleaned_data[f"d_{d.code}"] for d in self.dimensions}

    def rows(self):
        """(dimension, bound field) in the questionnaire's order, for the templates."""
        return [(d, self[f"d_{d.code}"]) for d in self.dimensions]

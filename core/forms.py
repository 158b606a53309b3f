"""The project's form renderer (settings.FORM_RENDERER): one rule for labels, whoever wrote
the form. Labels sit above their fields (``.field`` is a column), so they carry no suffix —
Django's default ":" (“：” in Chinese) appeared on the labels Django rendered and not on the
ones the templates wrote, which read as mixed colons. A field's own ``label_suffix``, or
one passed to ``label_tag``, is still used."""

from __future__ import annotations

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext


class LabelAboveBoundField(BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        if label_suffix is None and self.field.label_suffix is None:
            # Form.__init__ sets label_suffix to the translated default when none is given
            label_suffix = "" if self.form.label_suffix == gettext(":") else None
        return super().label_tag(contents, attrs, label_suffix, tag)


class FormRenderer(DjangoTemplates):
    bound_field_class = LabelAboveBoundField

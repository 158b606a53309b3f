from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Customer


class CustomerEditForm(forms.ModelForm):
    """What the owning customer manager maintains; code, licence and owner are not here."""

    class Meta:
        model = Customer
        fields = [
            "contact",
            "phone",
            "address",
            "latitude",
            "longitude",
            "business_format",
            "trade_area",
            "visit_method",
            "visit_frequency",
        ]
        error_messages = {"visit_method": {"required": _("请选择拜访方式：拜访方式是必填项。")}}
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
        }

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not all(ch.isdigit() or ch in "-+ " for ch in phone):
            raise forms.ValidationError(_("电话只能包含数字、空格、+ 和 -。"))
        return phone

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and "latitude" not in self.errors:
            raise forms.ValidationError(_("纬度和经度要同时填写，或同时留空。"))
        if lat is not None and not -90 <= lat <= 90:
            self.add_error("latitude", _("纬度应在 -90 到 90 之间。"))
        if lon is not None and not -180 <= lon <= 180:
            self.add_error("longitude", _("经度应在 -180 到 180 之间。"))
        return data

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import ImportKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("UTF-8 编码的 CSV（可带 BOM）或 .xlsx，第一行为列名。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(label=_("仅校验，不写入"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("只支持 .csv 或 .xlsx 文件。"))
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s），上限 %(limit)s；更大的文件请用命令 import_data 导入。")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload

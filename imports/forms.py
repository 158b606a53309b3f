from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.tabular.upload_checks import check_upload

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
        check_upload(
            upload,
            max_bytes=settings.IMPORT_MAX_BYTES,
            too_big_hint=_("更大的文件请用命令 import_data 导入。"),
        )
        return upload

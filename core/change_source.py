"""Where a recorded change to a customer or a SKU came from. Shared by both histories so
the detail pages and the admin say it the same way."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeSource(models.TextChoices):
    PAGE = "page", _("页面")
    ADMIN = "admin", _("管理后台")
    IMPORT = "import", _("导入")

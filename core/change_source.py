"""Where a recorded change to a customer or a SKU came from, and who runs an import.
Shared by both histories so the detail pages and the admin say it the same way."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeSource(models.TextChoices):
    PAGE = "page", _("页面")
    ADMIN = "admin", _("管理后台")
    IMPORT = "import", _("导入")


# Who runs the import under way: set by the import job around the whole import so the
# kinds' ``write(clean)`` contract stays one argument. None (the import_data command) shows
# as 系统导入.
_importing_user: ContextVar = ContextVar("importing_user", default=None)


@contextmanager
def importing_as(user):
    token = _importing_user.set(user)
    try:
        yield
    finally:
        _importing_user.reset(token)


def importing_user():
    return _importing_user.get()

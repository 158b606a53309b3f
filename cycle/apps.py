from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CycleConfig(AppConfig):
    name = "cycle"
    verbose_name = _("工作循环")

    def ready(self) -> None:
        # the export that may run as a job, registered with core.export_jobs by name
        from . import export_kinds  # noqa: F401

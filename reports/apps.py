from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("指标与报表")

    def ready(self) -> None:
        # the exports that may run as jobs, registered with core.export_jobs by name
        from . import export_kinds  # noqa: F401

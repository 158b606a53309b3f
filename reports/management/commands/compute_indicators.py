import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.months import parse_month
from reports.services import indicators_compute


def month_argument(text: str):
    """'YYYY-MM' → the month's first day; CommandError with the expected format otherwise."""
    try:
        return parse_month(text)
    except ValueError as exc:  # also a month like 2026-13
        raise CommandError(
            _("月份应为 YYYY-MM 格式，例如 2026-03，而不是 %(value)s。") % {"value": text}
        ) from exc


class Command(BaseCommand):
    help = (
        "Compute the monthly indicators (DESIGN.md §5) of one month; replaces that month's "
        "stored results."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, month, verbosity, **options):
        month = month_argument(month)
        started = time.perf_counter()

        def progress(percent: int, step: str) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {percent:3d}% {step}")

        try:
            run = indicators_compute(month=month, progress=progress)
        except Exception as exc:
            raise CommandError(
                _("%(month)s 的指标计算失败：%(error)s") % {"month": f"{month:%Y-%m}", "error": exc}
            ) from exc
        self.stdout.write(
            _("%(month)s：写入 %(rows)s 行，用时 %(seconds).1f 秒。")
            % {
                "month": f"{month:%Y-%m}",
                "rows": f"{run.rows_written:,}",
                "seconds": time.perf_counter() - started,
            }
        )

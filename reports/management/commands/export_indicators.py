from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.exports import (
    FORMATS,
    KINDS,
    ExportError,
    export_table,
    parse_scope,
    write_csv,
    write_xlsx,
)

from .compute_indicators import month_argument


class Command(BaseCommand):
    help = (
        "Export the stored indicators of one month: brand rows (per SKU and per brand), "
        "customer rows or customer-manager rows, as CSV (UTF-8 with BOM) or xlsx."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument(
            "--scope", default="company", help="company (default), team:CODE or manager:USERNAME"
        )
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=FORMATS,
            help="csv or xlsx (default: from the file name, else csv)",
        )
        parser.add_argument("-o", "--output", required=True, type=Path, help="file to write")

    def handle(self, *args, month, kind, scope, file_format, output, **options):
        month = month_argument(month)
        if file_format is None:
            file_format = "xlsx" if output.suffix.lower() == ".xlsx" else "csv"
        try:
            header, rows = export_table(month=month, kind=kind, scope=parse_scope(scope))
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        try:
            if file_format == "xlsx":
                write_xlsx(output, header, rows, title=f"{kind} {month:%Y-%m}")
            else:
                write_csv(output, header, rows)
        except OSError as exc:
            raise CommandError(
                _("无法写入 %(path)s：%(error)s") % {"path": output, "error": exc}
            ) from exc
        self.stdout.write(_("%(path)s：%(rows)s 行。") % {"path": output, "rows": f"{len(rows):,}"})

"""``manage.py export_action_effects``: the stored action effects of one month (DESIGN.md
§6, a stable contract)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.xlsx import Column, Sheet, write_workbook
from reports.exports import ExportError, parse_scope, write_csv
from reports.management.commands.compute_indicators import month_argument
from reports.selectors import indicators_stored

from ...selectors.effects import EXPORT_COLUMNS, action_effect_export_rows

NUMBERS = {"treated_mean_change", "control_mean_change", "effect", "ci_low", "ci_high"}


class Command(BaseCommand):
    help = (
        "Export the measured effects of the standard actions done in one month: one row per "
        "(rule, standard action), as CSV (UTF-8 with BOM) or xlsx."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--month", required=True, help="YYYY-MM: the month the actions were done"
        )
        parser.add_argument(
            "--scope", default="company", help="company (default), team:CODE or manager:USERNAME"
        )
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=["csv", "xlsx"],
            help="csv or xlsx (default: from the file name, else csv)",
        )
        parser.add_argument("-o", "--output", required=True, type=Path, help="file to write")

    def handle(self, *args, month, scope, file_format, output, **options):
        month = month_argument(month)
        if file_format is None:
            file_format = "xlsx" if output.suffix.lower() == ".xlsx" else "csv"
        try:
            parsed = parse_scope(scope)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        if not indicators_stored(month=month):
            raise CommandError(
                _(
                    "%(month)s 的指标尚未计算，动作效果要等该月指标计算后才有。"
                    "请先运行：manage.py compute_indicators --month %(month)s"
                )
                % {"month": f"{month:%Y-%m}"}
            )
        rows = action_effect_export_rows(
            month=month, scope_type=parsed.scope_type, scope_key=parsed.key
        )
        try:
            if file_format == "xlsx":
                columns = [
                    Column(name, number_format="0.0000" if name in NUMBERS else None)
                    for name in EXPORT_COLUMNS
                ]
                write_workbook(output, [Sheet(f"effects {month:%Y-%m}", columns, rows)])
            else:
                write_csv(output, EXPORT_COLUMNS, rows)
        except OSError as exc:
            raise CommandError(
                _("无法写入 %(path)s：%(error)s") % {"path": output, "error": exc}
            ) from exc
        self.stdout.write(_("%(path)s：%(rows)s 行。") % {"path": output, "rows": f"{len(rows):,}"})

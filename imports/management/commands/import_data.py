import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.tabular.columns import more_errors_note
from imports.models import ImportKind
from imports.services import import_file


class Command(BaseCommand):
    help = (
        "Import users, customers, skus, orders or forecasts from CSV (UTF-8) or .xlsx; "
        "all-or-nothing: any bad row rejects the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--replace-months",
            action="store_true",
            help="orders only: each month in the file keeps exactly the file's lines "
            "(the month's other lines are removed)",
        )
        parser.add_argument(
            "--max-rows",
            type=int,
            default=None,
            help="data rows the file may hold (default: the IMPORT_MAX_ROWS setting); "
            "raise it for a bigger CSV",
        )

    def handle(self, *args, kind, file, dry_run, max_rows, replace_months, **options):
        if not file.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": file})
        if replace_months and kind != "orders":
            raise CommandError(_("只有订单导入可以替换整月数据。"))
        result = import_file(
            kind=kind,
            content=file.read_bytes(),
            filename=file.name,
            dry_run=dry_run,
            max_rows=max_rows,
            replace_months=replace_months,
        )
        if result.file_error:
            raise CommandError(result.file_error)
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            if result.more_errors:
                self.stderr.write(more_errors_note(result.more_errors))
            raise CommandError(
                _("%(file)s：%(bad)s 行有错误（共 %(total)s 行），整个文件未导入。")
                % {
                    "file": file.name,
                    "bad": result.bad_row_count,
                    "total": result.rows_total,
                }
            )
        counts = result.counts
        if dry_run:
            message = _("%(file)s：校验通过，共 %(total)s 行（试运行，未写入）。")
        else:
            message = _(
                "%(file)s：共 %(total)s 行，"
                "新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s。"
            )
        self.stdout.write(
            message
            % {
                "file": file.name,
                "total": result.rows_total,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            }
        )
        sys.stdout.flush()

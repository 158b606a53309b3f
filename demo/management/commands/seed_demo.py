"""``manage.py seed_demo``: realistic demo data (see demo/)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core.months import add_months
from customers.selectors import customers_exist
from demo.flush import demo_conflicts, flush_demo_tables
from demo.logins import demo_people, login_lines
from demo.scale import SCALES
from demo.seed import seed
from reports.services import indicators_compute

MAX_MONTHS = 60


class Command(BaseCommand):
    @property
    def help(self) -> str:  # argparse wants a str, not a lazy translation
        return _(
            "生成演示数据：用户与团队、零售客户、品牌规格与品类树、订单、需求预测、走访检查记录，"
            "以及上月和本月已批准的月计划、营销动作、周安排和拜访记录。"
            "只能写入空库；--flush 先清空这些表（连同引用它们的记录，包括全部用户）。"
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="small",
            help=_("small：8 名客户经理约 1,500 户；city：100 名客户经理约 30,000 户"),
        )
        parser.add_argument(
            "--months",
            type=int,
            help=_("订单月数，截至上一个完整月（small 默认 13，city 默认 3）"),
        )
        parser.add_argument(
            "--seed", type=int, default=135, help=_("随机种子，相同种子生成相同数据")
        )
        parser.add_argument("--flush", action="store_true", help=_("先清空演示数据涉及的表"))
        parser.add_argument(
            "--no-indicators",
            dest="indicators",
            action="store_false",
            help=_("不计算各月指标（默认在生成后逐月计算）"),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("库中已有客户时不生成，只列出演示账号（bin/dev 每次启动时用）"),
        )

    def handle(self, *args, **options):
        if options["if_empty"] and customers_exist():
            people, teams = demo_people()
            for line in login_lines(people, teams):
                self.stdout.write(line)
            return
        scale = SCALES[options["scale"]]
        months = options["months"] or scale.default_months
        if not 1 <= months <= MAX_MONTHS:
            raise CommandError(_("--months 须在 1 到 %(max)d 之间。") % {"max": MAX_MONTHS})
        started = time.perf_counter()
        with transaction.atomic():
            self._make_room(scale, options["flush"])
            self.stdout.write(
                _("生成演示数据（规模 %(scale)s，%(months)d 个月，种子 %(seed)d）……")
                % {"scale": scale.name, "months": months, "seed": options["seed"]}
            )
            people, counts, first, last = seed(scale, months, options["seed"], self.stdout.write)
        self._print_logins(people, scale)
        self.stdout.write("")
        self.stdout.write(
            _("订单月份：%(first)s 至 %(last)s")
            % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
        )
        for model, count in counts.items():
            self.stdout.write(f"  {model._meta.verbose_name_plural}: {count:,}")
        if options["indicators"]:
            self._compute_indicators(first, last)
        self.stdout.write(
            self.style.SUCCESS(
                _("演示数据已生成，用时 %(seconds).1f 秒。")
                % {"seconds": time.perf_counter() - started}
            )
        )

    def _compute_indicators(self, first, last) -> None:
        """So that the analysis pages have months and trends to show from the first start."""
        month = first
        while month <= last:
            run = indicators_compute(month=month)
            self.stdout.write(
                _("  指标 %(month)s：%(rows)s 行")
                % {"month": f"{month:%Y-%m}", "rows": f"{run.rows_written:,}"}
            )
            month = add_months(month, 1)

    def _make_room(self, scale, flush: bool) -> None:
        usernames = ["admin", "brand1"] + [f"mm{i + 1}" for i in range(len(scale.teams))]
        usernames += [scale.username(i) for i in range(scale.manager_count)]
        conflicts = demo_conflicts(usernames, [code for code, _name in scale.teams])
        if not conflicts:
            return
        if not flush:
            labels = {
                "customers": _("客户"),
                "skus": _("单品"),
                "users": _("同名用户"),
                "teams": _("同编码团队"),
                "categories": _("品类"),
                "brands": _("品牌"),
            }
            found = "、".join(f"{labels[k]} {v:,}" for k, v in conflicts.items())
            raise CommandError(
                _(
                    "数据库中已有数据（%(found)s），演示数据只写入空库。"
                    "如确要清空这些表（连同引用它们的记录和全部用户）后重新生成，请加 --flush。"
                )
                % {"found": found}
            )
        started = time.perf_counter()
        tables = flush_demo_tables()
        self.stdout.write(
            _("已清空 %(count)d 张表（%(seconds).1f 秒）：%(tables)s")
            % {
                "count": len(tables),
                "seconds": time.perf_counter() - started,
                "tables": ", ".join(tables),
            }
        )

    def _print_logins(self, people, scale) -> None:
        self.stdout.write("")
        for line in login_lines(people, dict(scale.teams)):
            self.stdout.write(line)

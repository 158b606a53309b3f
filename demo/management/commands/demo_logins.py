"""``manage.py demo_logins``: print the demo accounts that exist (``bin/dev`` runs it)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demo.logins import demo_people, login_lines


class Command(BaseCommand):
    help = gettext_lazy("列出数据库中的演示账号")

    def handle(self, *args, **options):
        people, teams = demo_people()
        if not people:
            self.stdout.write(_("没有演示账号。运行 manage.py seed_demo 生成演示数据。"))
            return
        for line in login_lines(people, teams):
            self.stdout.write(line)

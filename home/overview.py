"""What each role's home page shows: real figures from the selectors of every app."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.policy import role_of
from accounts.selectors import (
    managers_visible_to,
    team_members_with_counts,
    teams_visible_to,
    users_by_role,
)
from brands.selectors import sku_summary
from core.charts import column_chart, line_chart
from core.months import add_months, current_month, previous_month
from customers.selectors import customer_status_counts, customers_visible_to
from cycle.selectors import approval_queue, cycle_for, evaluation_queue
from cycle.selectors.steps import CURRENT, Step, cycle_steps
from imports.selectors import recent_import_jobs
from markets.selectors import order_line_count
from reports.selectors import customer_month_totals, manager_completion_trend, manager_volumes

TREND_MONTHS = 6


def _completion_chart(user: User, last, title: str):
    """The six months' action completion rate of the customer managers ``user`` sees (their
    own for a customer manager, the team's mean for a market manager); months without stored
    indicators are gaps."""
    months = [add_months(last, n) for n in range(1 - TREND_MONTHS, 1)]
    rates = manager_completion_trend(
        managers=managers_visible_to(user=user), first=months[0], last=last
    )
    return line_chart([(m, rates.get(m)) for m in months], title=title)


# The customer manager's main button: the current step's page, named by the step
STEP_BUTTONS = {
    1: gettext_lazy("分析：查看预警与指标"),
    2: gettext_lazy("计划：打开月计划"),
    3: gettext_lazy("实施：今日拜访"),
    4: gettext_lazy("评估：月度评估"),
    5: gettext_lazy("改进：改进事项"),
}


def main_step(steps: list[Step]) -> Step:
    """The step the month is at: the first current one; the last once every step is done."""
    return next((step for step in steps if step.state == CURRENT), steps[-1])


def _customer_manager(user: User, last) -> dict:
    cycle = cycle_for(user=user, manager=user, month=current_month())
    steps = cycle_steps(cycle=cycle)
    step = main_step(steps)
    return {
        "cycle": cycle,
        "steps": steps,
        "main_step": step,
        "main_label": STEP_BUTTONS[step.number],
        "rate_chart": _completion_chart(user, last, _("我的动作完成率")),
    }


def _market_manager(user: User, last) -> dict:
    members = list(team_members_with_counts(user=user))
    volumes = manager_volumes(managers=[m.pk for m in members], month=last)
    for member in members:
        member.last_month_volume = volumes.get(member.pk)
    return {
        "teams": teams_visible_to(user=user),
        "members": members,
        # what waits for them leads the page: plans to approve, else evaluations to review
        "queue_count": approval_queue(user=user).count(),
        "evaluation_count": evaluation_queue(user=user).count(),
        "rate_chart": _completion_chart(user, last, _("团队平均动作完成率")),
    }


def _brand_manager(user: User, last) -> dict:
    return {"skus": sku_summary()}


def _admin(user: User, last) -> dict:
    order_lines, exact = order_line_count()
    return {
        "users_by_role": [(Role(r).label, n) for r, n in users_by_role().items()],
        "skus": sku_summary(),
        "order_lines": order_lines,
        "order_lines_exact": exact,
        "imports": recent_import_jobs(limit=5),
    }


# Each role's home page: its template and what it shows beyond the common figures.
PAGES = {
    Role.CUSTOMER_MANAGER: ("accounts/home_customer_manager.html", _customer_manager),
    Role.MARKET_MANAGER: ("accounts/home_market_manager.html", _market_manager),
    Role.BRAND_MANAGER: ("accounts/home_brand_manager.html", _brand_manager),
    Role.ADMIN: ("accounts/home_admin.html", _admin),
}


def home_template(*, user: User) -> str:
    return PAGES[role_of(user)][0]


def home_overview(*, user: User) -> dict:
    last = previous_month()
    customers = customers_visible_to(user=user).filter(status="active")
    # from the stored indicators, not the order lines: the company-wide trend would sum six
    # months of millions of lines on every visit
    trend = customer_month_totals(
        customers=customers, first=add_months(last, 1 - TREND_MONTHS), last=last
    )
    context = {
        "month": last,
        "status_counts": customer_status_counts(user=user),
        "trend": trend,
        # a month not computed is a gap, not a zero
        "volume_chart": column_chart(
            [(row["month"], row["volume"] if row["computed"] else None) for row in trend],
            title=_("近六个月订货量（条）"),
        ),
    }
    page = PAGES.get(role_of(user))
    return context | page[1](user, last) if page else context

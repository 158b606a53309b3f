"""Reads of the monthly cycle, by what they hold: see the modules of this package. Selectors
only read (a month nobody has written into is an unsaved cycle); writes go through
``cycle.services``, which may import from here but never the other way round."""

from .cycles import (
    cycle_for,
    cycle_rows,
    evaluation_history,
    own_customers,
    plan_for,
    plan_history,
    previous_plan_month,
    started,
    team_plans,
)
from .feed import (
    arrangement_get,
    brand_task_feed,
    brand_tasks_recent,
    feed_entries,
    feed_index,
    feed_unread_by_manager,
    feed_unread_total,
)
from .plans import CustomerActions, action_counts, action_get, plan_actions, removed_actions
from .queues import (
    approval_queue,
    evaluation_queue,
    pending_improvements,
    submitted_evaluations,
    submitted_plans,
)
from .schedule import (
    DAY_LIMIT_RURAL,
    DAY_LIMIT_URBAN,
    Day,
    calendar_weeks,
    day_customers,
    day_limit,
    schedule_days,
    unscheduled_customers,
)

__all__ = [
    "DAY_LIMIT_RURAL",
    "DAY_LIMIT_URBAN",
    "CustomerActions",
    "Day",
    "action_counts",
    "action_get",
    "approval_queue",
    "arrangement_get",
    "brand_task_feed",
    "brand_tasks_recent",
    "calendar_weeks",
    "cycle_for",
    "cycle_rows",
    "day_customers",
    "day_limit",
    "evaluation_history",
    "evaluation_queue",
    "feed_entries",
    "feed_index",
    "feed_unread_by_manager",
    "feed_unread_total",
    "own_customers",
    "pending_improvements",
    "plan_actions",
    "plan_for",
    "plan_history",
    "previous_plan_month",
    "removed_actions",
    "schedule_days",
    "started",
    "submitted_evaluations",
    "submitted_plans",
    "team_plans",
    "unscheduled_customers",
]

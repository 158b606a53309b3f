"""Writes to the monthly cycle, by document: see the modules of this package."""

from .brand_tasks import Criteria, brand_task_send
from .cycles import cycle_can_edit, cycle_get_or_create, cycle_save_problems
from .errors import NotAllowedNow
from .feed import (
    arrangement_post,
    feed_mark_read,
    feedback_post,
    guidance_post,
    manager_leads,
    notice_post,
)
from .plans import (
    Generated,
    action_add,
    action_remove,
    action_update,
    flowing_arrangements,
    own_customers,
    plan_forecasts_import,
    plan_forecasts_save,
    plan_generate,
    plan_update,
    schedule_set_day,
)
from .workflow import PLAN_TRANSITIONS, plan_approve, plan_may, plan_reject, plan_submit

__all__ = [
    "PLAN_TRANSITIONS",
    "Criteria",
    "Generated",
    "NotAllowedNow",
    "action_add",
    "action_remove",
    "action_update",
    "arrangement_post",
    "brand_task_send",
    "cycle_can_edit",
    "cycle_get_or_create",
    "cycle_save_problems",
    "feed_mark_read",
    "feedback_post",
    "flowing_arrangements",
    "guidance_post",
    "manager_leads",
    "notice_post",
    "own_customers",
    "plan_approve",
    "plan_forecasts_save",
    "plan_forecasts_import",
    "plan_generate",
    "plan_may",
    "plan_reject",
    "plan_submit",
    "plan_update",
    "schedule_set_day",
]

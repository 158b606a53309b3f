"""Writes to the monthly cycle, by document: see the modules of this package."""

from .actions import action_add, action_remove, action_update
from .brand_tasks import Criteria, brand_task_send
from .cycles import cycle_can_edit, cycle_get_or_create, cycle_save_problems, cycle_start
from .errors import NotAllowedNow
from .evaluation import (
    evaluation_save_summary,
    improvement_add,
    improvement_due_range,
    improvement_may_review,
    improvement_review,
    improvement_set_done,
    improvement_update,
    month_weeks,
    weekly_summary_save,
)
from .feed import (
    arrangement_post,
    feed_mark_read,
    feedback_post,
    guidance_post,
    manager_leads,
    notice_post,
)
from .photos import shelf_photo_add, shelf_photo_delete
from .plan_forecasts import plan_forecasts_import, plan_forecasts_save
from .plan_generation import Generated, flowing_arrangements, plan_generate
from .plans import plan_update
from .schedule import schedule_set_day
from .visits import (
    Position,
    action_mark,
    execution_lock,
    temporary_task_add,
    visit_check_in,
    visit_check_out,
    visit_open,
    visit_record_check,
    visit_record_market_info,
    visit_refusal,
    visit_update,
)
from .workflow import (
    PLAN_TRANSITIONS,
    evaluation_approve,
    evaluation_may,
    evaluation_reject,
    evaluation_submit,
    plan_approve,
    plan_may,
    plan_reject,
    plan_submit,
)

__all__ = [
    "Criteria",
    "Generated",
    "NotAllowedNow",
    "Position",
    "shelf_photo_add",
    "shelf_photo_delete",
    "PLAN_TRANSITIONS",
    "action_add",
    "action_mark",
    "action_remove",
    "action_update",
    "arrangement_post",
    "brand_task_send",
    "cycle_can_edit",
    "cycle_get_or_create",
    "cycle_save_problems",
    "cycle_start",
    "evaluation_approve",
    "evaluation_may",
    "evaluation_reject",
    "evaluation_save_summary",
    "evaluation_submit",
    "execution_lock",
    "feed_mark_read",
    "feedback_post",
    "flowing_arrangements",
    "guidance_post",
    "improvement_add",
    "improvement_due_range",
    "improvement_may_review",
    "improvement_review",
    "improvement_set_done",
    "improvement_update",
    "manager_leads",
    "month_weeks",
    "notice_post",
    "plan_approve",
    "plan_forecasts_import",
    "plan_forecasts_save",
    "plan_generate",
    "plan_may",
    "plan_reject",
    "plan_submit",
    "plan_update",
    "schedule_set_day",
    "temporary_task_add",
    "visit_check_in",
    "visit_check_out",
    "visit_open",
    "visit_record_check",
    "visit_record_market_info",
    "visit_refusal",
    "visit_update",
    "weekly_summary_save",
]

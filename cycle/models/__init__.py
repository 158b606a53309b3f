from .cycles import (
    PROBLEMS_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    ApprovalRecord,
    Cycle,
    Document,
    EvaluationStatus,
    PlanStatus,
    Transition,
)
from .feed import ArrangementTarget, BrandTask, EntryKind, FeedEntry, FeedRead
from .plans import ACTION_TEXT_MAX_LENGTH, ActionSource, MarketingAction, PlannedVisit
from .strategy import SEVERITY_ORDER, Severity, StandardAction, WarningRule
from .visits import (
    MIN_VISIT_SECONDS,
    Improvement,
    ImprovementStatus,
    IssueKind,
    ReviewStatus,
    Visit,
    WeeklySummary,
)

__all__ = [
    "ACTION_TEXT_MAX_LENGTH",
    "MIN_VISIT_SECONDS",
    "Improvement",
    "ImprovementStatus",
    "IssueKind",
    "ReviewStatus",
    "Visit",
    "WeeklySummary",
    "PROBLEMS_MAX_LENGTH",
    "SEVERITY_ORDER",
    "TEXT_MAX_LENGTH",
    "ActionSource",
    "ApprovalRecord",
    "ArrangementTarget",
    "BrandTask",
    "Cycle",
    "Document",
    "EntryKind",
    "FeedEntry",
    "FeedRead",
    "MarketingAction",
    "EvaluationStatus",
    "PlanStatus",
    "PlannedVisit",
    "Severity",
    "StandardAction",
    "Transition",
    "WarningRule",
]

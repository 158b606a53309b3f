"""Reading the interaction feeds and the brand tasks. Brand managers read only the
brand-task part of a feed."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.policy import can_see_brand_tasks, reads_brand_part_only, reads_feeds
from accounts.selectors import managers_visible_to

from ..models import BrandTask, EntryKind, FeedEntry, FeedRead


def _brand_part() -> Q:
    return Q(brand_task__isnull=False)


def feed_entries(*, user: User, manager: User) -> QuerySet[FeedEntry]:
    """The entries of ``manager``'s feed that ``user`` may read (the caller has already
    checked that ``user`` may see ``manager``)."""
    entries = FeedEntry.objects.filter(manager=manager)
    if reads_brand_part_only(user):
        entries = entries.filter(_brand_part())
    return (
        entries.select_related("author", "reply_to", "brand_task__sku", "cycle")
        .prefetch_related("customers", "replies__author")
        .order_by("-created_at", "-id")
    )


def arrangement_get(*, manager: User, pk: int) -> FeedEntry:
    found = FeedEntry.objects.filter(manager=manager, pk=pk, kind=EntryKind.ARRANGEMENT).first()
    if found is None:
        raise Http404("no such arrangement")
    return found


def _unread_filter(user: User) -> QuerySet[FeedEntry]:
    read = FeedRead.objects.filter(user=user, manager=OuterRef("manager_id"))
    entries = FeedEntry.objects.filter(manager__in=managers_visible_to(user=user)).exclude(
        author=user
    )
    if reads_brand_part_only(user):
        entries = entries.filter(_brand_part())
    newer = Q(~Exists(read)) | Q(
        created_at__gt=FeedRead.objects.filter(user=user, manager=OuterRef("manager_id")).values(
            "read_at"
        )[:1]
    )
    return entries.filter(newer)


def feed_unread_total(*, user: User) -> int:
    if not reads_feeds(user):
        return 0
    return _unread_filter(user).count()


def feed_unread_by_manager(*, user: User) -> dict[int, int]:
    rows = _unread_filter(user).values("manager_id").annotate(n=Count("id")).order_by()
    return {row["manager_id"]: row["n"] for row in rows}


def feed_index(*, user: User) -> list[dict]:
    """The feeds ``user`` reads, each with its latest entry time and unread count."""
    managers = managers_visible_to(user=user).select_related("team").order_by("username")
    unread = feed_unread_by_manager(user=user)
    return [{"manager": m, "unread": unread.get(m.pk, 0)} for m in managers]


def brand_task_feed(*, user: User, kind: str | None = None):
    """The brand tasks' arrangements and their feedback, for brand managers and admins."""
    if not can_see_brand_tasks(user):
        return FeedEntry.objects.none()
    entries = FeedEntry.objects.filter(_brand_part()).select_related(
        "manager", "author", "brand_task__sku", "reply_to"
    )
    if kind is not None:
        entries = entries.filter(kind=kind)
    return entries.order_by("-created_at", "-id")


def brand_tasks_recent(*, limit: int = 50) -> list[BrandTask]:
    """Brand tasks are company-wide: every brand manager sees them all."""
    return list(BrandTask.objects.select_related("sku", "author")[:limit])

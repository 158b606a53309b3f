"""The day's visits (今日拜访) and the visit log (拜访记录), made for a phone.

Opening the log writes nothing: it shows the visit as recorded, or the empty form of a visit
not recorded yet. The first save of any field (a check-in, a mark, a check, the browser's
automatic save) creates the visit, once: a visit is one customer on one day.

The visit log saves one field per request (htmx posts a control's value when it changes and
gets back a small partial: "已保存" or the error beside the field; the typed value stays in
the control). Without JS the page is one form whose save button sends every field: each
changed field goes through its service inside one transaction, and if any is refused the
whole save is rolled back and the page comes back with every error and everything typed."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import allowed_if
from accounts.policy import has_role, works_own_cycle
from accounts.selectors import managers_visible_to
from core.images import ACCEPT
from core.months import month_start
from core.workdays import next_workday
from customers.models import MarketType, VisitMethod

from ..selectors import cycle_for, day_limit, plan_for
from ..selectors.photos import visit_photos
from ..selectors.today import today_customers
from ..selectors.visit_log import (
    TEXT_FIELDS,
    check_field,
    duration_text,
    log_action,
    log_actions,
    log_customer,
    log_page,
    log_visit,
    same_value,
)
from ..services import (
    NotAllowedNow,
    Position,
    action_mark,
    temporary_task_add,
    visit_check_in,
    visit_check_out,
    visit_open,
    visit_record_check,
    visit_record_market_info,
    visit_refusal,
    visit_update,
)
from ..services.sync import (
    KEPT,
    client_write_applied,
    client_write_once,
    client_write_record,
    tap_time,
)
from .common import refusal, refused_now, url_date

TODAY = "cycle/today.html"
LOG = "cycle/visit_log.html"


# --- the day's list -----------------------------------------------------------------------


@allowed_if(has_role)
def today(request):
    """A customer manager's own day; anyone else picks a customer manager they may see."""
    picked = request.GET.get("date", "")
    if works_own_cycle(request.user):
        if picked:
            return redirect("visits:day", url_date(picked).isoformat())
        return _own_day(request, timezone.localdate())
    members = managers_visible_to(user=request.user).select_related("team")
    date = timezone.localdate()
    context = {
        "chooser": True,
        "members": members.order_by("username"),
        "date": date,
        "day": date.isoformat(),
    }
    return render(request, TODAY, context)


@allowed_if(works_own_cycle)
def day(request, date: str):
    picked = request.GET.get("date", "")
    if picked:
        return redirect("visits:day", url_date(picked).isoformat())
    return _own_day(request, url_date(date))


@allowed_if(has_role)
def member_day(request, username: str, date: str):
    """A team member's day, read-only (whoever may see that manager's plan)."""
    picked = request.GET.get("date", "")
    if picked:
        return redirect("visits:member_day", username, url_date(picked).isoformat())
    date = url_date(date)
    cycle = plan_for(user=request.user, username=username, month=month_start(date))
    if cycle.manager_id == request.user.pk:
        return redirect("visits:day", date.isoformat())
    return _day_page(request, cycle, date, own=False)


def _own_day(request, date: dt.date):
    cycle = cycle_for(user=request.user, manager=request.user, month=month_start(date))
    return _day_page(request, cycle, date, own=True)


def _day_page(request, cycle, date: dt.date, *, own: bool):
    """The day's list. A day off (weekend, holiday: ``core.workdays``) says so and links the
    next workday; nothing on it counts against the day's capacity."""
    listing = today_customers(cycle=cycle, date=date)
    listed = [e for e in listing.entries if e.listed]
    rural = sum(1 for e in listed if e.customer.market_type == MarketType.RURAL)
    limit = day_limit(customers=len(listed), rural=rural)
    today_date = timezone.localdate()
    context = {
        "listing": listing,
        "cycle": cycle,
        "manager": cycle.manager,
        "date": date,
        "day": date.isoformat(),
        "today": today_date,
        "is_today": date == today_date,
        "is_future": date > today_date,
        "previous": (date - dt.timedelta(days=1)).isoformat(),
        "next": (date + dt.timedelta(days=1)).isoformat(),
        "limit": limit,
        "over_capacity": not listing.day_off and len(listed) > limit,
        "next_workday": next_workday(date) if listing.day_off else None,
        "own": own,
    }
    return render(request, TODAY, context)


# --- the visit log ------------------------------------------------------------------------


def _log_target(request, date: str, customer_id: int):
    """The day, the customer (own and active, else 404) and the month's cycle."""
    day_ = url_date(date)
    customer = log_customer(user=request.user, customer_id=customer_id)
    cycle = cycle_for(user=request.user, manager=request.user, month=month_start(day_))
    return day_, customer, cycle


def _log_context(cycle, customer, visit, date, **extra) -> dict:
    context = log_page(
        cycle=cycle,
        customer=customer,
        visit=visit,
        date=date,
        typed=extra.pop("typed", None),
        errors=extra.pop("errors", None),
    )
    return context | {
        "day": date.isoformat(),
        "is_visit_day": date == timezone.localdate(),
        "method_choices": VisitMethod.choices,
        "shelf_choices": [("1", _("已上柜")), ("0", _("未上柜")), ("", _("未查"))],
        "read_only": False,
        "closed_reason": "",
        "task": "",
        # shelf photos (templates/cycle/_shelf_photos.html, cycle/views/photos.py)
        "photos": visit_photos(visit=visit),
        "photo_accept": ACCEPT,
        "location_enabled": settings.VISIT_LOCATION_ENABLED,
        # the whole-page form's id: a second submit of the same form (a double tap, the
        # browser's resend) changes nothing (cycle.services.sync)
        "page_client_id": uuid.uuid4(),
        **extra,
    }


# Only the customer's own manager records; to anyone else the page does not exist (404).
@allowed_if(has_role)
def log(request, date: str, customer_id: int):
    """The visit log page; POST is the whole page's form (the no-JS path)."""
    date, customer, cycle = _log_target(request, date, customer_id)
    refused = visit_refusal(cycle=cycle, date=date)
    if refused is not None:
        return _refused_page(request, cycle, customer, date, refused)
    if request.method == "POST":
        return _save_page(request, cycle, customer, date)
    visit = log_visit(cycle=cycle, customer_id=customer.pk, date=date)
    return render(request, LOG, _log_context(cycle, customer, visit, date))


def _refused_page(request, cycle, customer, date, exc: ValidationError):
    if isinstance(exc, NotAllowedNow):
        # the month's results are submitted or approved: shown, not changed
        visit = log_visit(cycle=cycle, customer_id=customer.pk, date=date)
        context = _log_context(cycle, customer, visit, date, read_only=True)
        context["closed_reason"] = " ".join(exc.messages)
        return render(request, LOG, context, status=409 if request.method == "POST" else 200)
    # a day in the future
    context = {"customer": customer, "date": date, "refused": " ".join(exc.messages)}
    return render(request, LOG, context, status=400)


def _save_page(request, cycle, customer, date):
    """Save every changed field of the page at once, or nothing (not even the visit)."""
    data = request.POST
    saved = log_visit(cycle=cycle, customer_id=customer.pk, date=date)
    page = _log_context(cycle, customer, saved, date)
    typed = {name: data[name] for name in page["values"] if name in data}
    changed = [n for n, v in typed.items() if not same_value(n, v, page["values"][n])]
    task = data.get("task", "").strip()
    op = data.get("op", "save")
    errors: dict[str, str] = {}
    closed = False
    client_id = _uuid_or_none(data.get("client_id", ""))

    def attempt(key: str, write) -> None:
        nonlocal closed
        try:
            write()
        except ValidationError as exc:
            errors[key] = " ".join(exc.messages)
            closed = closed or isinstance(exc, NotAllowedNow)

    try:
        with transaction.atomic():
            visit = visit_open(customer_id=customer.pk, by=request.user, date=date)
            if client_id and client_write_applied(by=request.user, client_id=client_id):
                changed, task, op = [], "", "save"  # sent twice: saved the first time
                data = {}
            for name in changed:
                attempt(name, lambda n=name: _save_field(visit, request.user, n, typed[n]))
            if task or op == "task":  # "添加" with nothing typed says what is missing
                attempt("task", lambda: temporary_task_add(visit=visit, by=request.user, text=task))
            if data.get("mark"):
                attempt("mark", lambda: _mark(cycle, customer, visit, request.user, data["mark"]))
            if op in ("checkin", "checkout"):
                attempt("times", lambda: _stamp(visit, request.user, op, data=data))
            if errors:
                transaction.set_rollback(True)
            elif client_id and (changed or task or data.get("mark") or op != "save"):
                client_write_record(
                    visit=visit,
                    by=request.user,
                    client_id=client_id,
                    field="page",
                    value="",
                    tapped_at=None,
                )
    except ValidationError as exc:  # the month was closed meanwhile
        return _refused_page(request, cycle, customer, date, exc)
    if not errors:
        messages.success(request, _("已保存。"))
        anchor = "#times" if op in ("checkin", "checkout") else ""
        return redirect(reverse("visits:log", args=[date.isoformat(), customer.pk]) + anchor)
    visit = log_visit(cycle=cycle, customer_id=customer.pk, date=date)  # after the rollback
    context = _log_context(cycle, customer, visit, date, typed=typed, errors=errors, task=task)
    context["page_error"] = _("没有保存：请按提示修改标出的内容后再保存。")
    return render(request, LOG, context, status=409 if closed else 400)


def _save_field(visit, user, name: str, value: str) -> None:
    """One field of the page through its service."""
    if name == "method":
        visit_update(visit=visit, by=user, method=value)
    elif name == "feeling":
        visit_update(visit=visit, by=user, feeling=value)
    elif name == "info":
        visit_record_market_info(visit=visit, by=user, content=value)
    else:
        kind, sku_id = check_field(name)
        visit_record_check(visit=visit, by=user, kind=kind, sku_id=sku_id, value=value)


def _mark(cycle, customer, visit, user, value: str, at=None):
    """``"<action id>:1"`` marks the action done (★), ``":0"`` undoes it."""
    pk, _sep, done = value.partition(":")
    if not pk.isdigit() or done not in ("0", "1"):
        raise ValidationError(_("无法识别的操作，请刷新页面后重试。"))
    action = log_action(cycle=cycle, customer_id=customer.pk, pk=int(pk))
    return action_mark(action=action, by=user, done=done == "1", visit=visit, at=at)


def _stamp(visit, user, op: str, at=None, data=None):
    if op == "checkin":
        return visit_check_in(visit=visit, by=user, at=at, position=_position(data))
    return visit_check_out(visit=visit, by=user, at=at)


def _position(data) -> Position | None:
    """The browser's position posted with a check-in (static/js/visit_location.js), when the
    company records it (settings.VISIT_LOCATION_ENABLED); otherwise ignored."""
    if data is None or not settings.VISIT_LOCATION_ENABLED:
        return None
    return Position.parse(
        data.get("latitude", ""), data.get("longitude", ""), data.get("accuracy_m", "")
    )


FIELD_OPS = ("checkin", "checkout", "mark", "task")
# a request sent from the device's offline queue (static/js/offline.js) carries this header:
# a refusal of the month's state is answered to the queue, not by reloading the page
QUEUE_HEADER = "X-Sync-Queue"


@allowed_if(has_role)
@require_POST
def log_field(request, date: str, customer_id: int, name: str):
    """One field of the visit log (htmx): its own partial back, saved or refused.

    htmx swaps only 2xx answers (and django-htmx's debug script replaces the whole page on a
    400), so a wrong input is a 200 whose partial carries the message beside the field; the
    no-JS form (``log``) answers 400/409. A write the month's state refuses (closed meanwhile
    in another tab) reloads the whole page, read-only, with the reason (``refused_now``).

    With ``client_id`` (and ``tapped_at``, the device's time of the tap) the write is
    applied once for that id (``cycle.services.sync``); the answer says what became of it in
    the ``X-Sync`` header: applied, replayed, kept (as a note on the visit) or refused
    (with ``X-Sync-Message``, URL-encoded)."""
    if name not in FIELD_OPS and name not in TEXT_FIELDS and check_field(name) is None:
        raise Http404("no such field")
    date, customer, cycle = _log_target(request, date, customer_id)
    value = request.POST.get(name, "")
    queued = request.headers.get(QUEUE_HEADER) == "1"
    error, visit, result, synced = "", None, None, None
    try:
        client_id, tapped_at = _sync_fields(request.POST)
        # the first field saved creates the visit; a refused one creates nothing
        with transaction.atomic():
            visit = visit_open(customer_id=customer.pk, by=request.user, date=date)
            cycle = visit.cycle
            user = request.user
            synced = client_write_once(
                visit=visit,
                by=user,
                client_id=client_id,
                field=name,
                value=value,
                tapped_at=tapped_at,
                kept_note=_kept_note(cycle, customer, name, value),
                write=lambda: _write_field(
                    cycle,
                    customer,
                    visit,
                    user,
                    name,
                    value,
                    tap_time(tapped_at=tapped_at),
                    request.POST,
                ),
            )
            result = synced.result
            if name in ("checkin", "checkout"):
                visit.refresh_from_db()
    except ValidationError as exc:
        # the month closed or the action removed meanwhile: the page is stale. Checking out
        # before checking in is a slip on this very page: told beside the buttons
        if isinstance(exc, NotAllowedNow) and exc.code != "not_checked_in":
            if queued:
                return _queue_refused(" ".join(exc.messages))
            page = reverse("visits:log", args=[date.isoformat(), customer.pk])
            return refused_now(request, exc, page)
        error = refusal(exc)[0]
        visit = log_visit(cycle=cycle, customer_id=customer.pk, date=date)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("visits:log", date.isoformat(), customer.pk)
    state = "refused" if error or synced is None else synced.state
    if state == KEPT:
        error = synced.note  # shown beside the action, and on the visit from now on
    response = _field_partial(request, name, value, error, date, customer, cycle, visit, result)
    response["X-Sync"] = state
    if error:
        response["X-Sync-Message"] = quote(error)
    return response


def _sync_fields(data) -> tuple[uuid.UUID | None, dt.datetime | None]:
    """The queue's ``client_id`` and ``tapped_at`` (ISO 8601; without an offset it is the
    local time), each optional; malformed ones are refused."""
    raw_id, raw_at = data.get("client_id", "").strip(), data.get("tapped_at", "").strip()
    client_id = _uuid_or_none(raw_id)
    if raw_id and client_id is None:
        raise ValidationError(_("无法识别的同步编号，请刷新页面后重试。"))
    tapped_at = None
    if raw_at:
        try:
            tapped_at = parse_datetime(raw_at)
        except ValueError:
            tapped_at = None
        if tapped_at is None:
            raise ValidationError(_("无法识别的操作时间，请刷新页面后重试。"))
        if timezone.is_naive(tapped_at):
            tapped_at = timezone.make_aware(tapped_at)
    return client_id, tapped_at


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _write_field(cycle, customer, visit, user, name: str, value: str, at: dt.datetime, data=None):
    if name in ("checkin", "checkout"):
        return _stamp(visit, user, name, at, data)
    if name == "mark":
        return _mark(cycle, customer, visit, user, value, at)
    if name == "task":
        return temporary_task_add(visit=visit, by=user, text=value)
    return _save_field(visit, user, name, value)


def _kept_note(cycle, customer, name: str, value: str) -> str:
    """What a queued mark on an action removed meanwhile becomes: a note on the visit."""
    if name != "mark":
        return ""
    action = _action_or_none(cycle, customer, value)
    if action is None:
        return ""
    if value.endswith(":1"):
        text = _(
            "离线时标记完成（★）的动作“%(text)s”已从计划中删除，未计为完成："
            "作为备注保留在本次拜访。"
        )
    else:
        text = _("离线时撤销完成的动作“%(text)s”已从计划中删除：作为备注保留在本次拜访。")
    return text % {"text": action.text}


def _queue_refused(message: str) -> HttpResponse:
    """The month's state refuses a queued write: the device keeps it as 未能同步."""
    return HttpResponse(
        message,
        status=409,
        content_type="text/plain; charset=utf-8",
        headers={"X-Sync": "refused", "X-Sync-Message": quote(message)},
    )


def _field_partial(request, name, value, error, date, customer, cycle, visit, result):
    base = {"day": date.isoformat(), "customer": customer, "visit": visit}
    if name in ("checkin", "checkout"):
        context = base | {
            "duration": duration_text(visit.seconds if visit else None),
            "is_visit_day": date == timezone.localdate(),
            "times_error": error,
        }
        return render(request, f"{LOG}#times", context)
    if name == "mark":
        action = result or _action_or_none(cycle, customer, value)
        if action is None:
            return render(request, f"{LOG}#status", {"name": name, "error": error})
        context = base | {"action": action, "action_error": error}
        return render(request, f"{LOG}#action", context)
    if name == "task":
        context = base | {
            "actions": log_actions(cycle=cycle, customer_id=customer.pk),
            "task": value if error else "",
            "task_error": error,
            "task_saved": not error,
        }
        return render(request, f"{LOG}#actions", context)
    context = {"name": name, "error": error, "saved": not error}
    return render(request, f"{LOG}#status", context)


def _action_or_none(cycle, customer, value: str):
    pk = value.partition(":")[0]
    if not pk.isdigit():
        return None
    return log_action(cycle=cycle, customer_id=customer.pk, pk=int(pk))

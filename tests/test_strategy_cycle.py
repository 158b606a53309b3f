"""The monthly cycle record (DESIGN.md §4): one per customer manager and month; only its owner
writes the problems and reasons; who may read it follows DESIGN.md §2."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts.models import Role
from cycle.models import Cycle
from cycle.selectors import cycle_for
from cycle.services import cycle_get_or_create, cycle_save_problems
from tests.factories import CycleFactory, UserFactory

pytestmark = pytest.mark.django_db

M = dt.date(2026, 10, 1)


def test_one_cycle_per_manager_and_month(two_teams):
    a1 = two_teams["cm"]["a1"]
    first = cycle_get_or_create(manager=a1, month=dt.date(2026, 10, 17))
    assert first.month == M
    assert first.problems == ""
    again = cycle_get_or_create(manager=a1, month=M)
    assert again.pk == first.pk
    assert cycle_get_or_create(manager=a1, month=dt.date(2026, 11, 1)).pk != first.pk
    assert cycle_get_or_create(manager=two_teams["cm"]["a2"], month=M).pk != first.pk
    assert Cycle.objects.count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.create(manager=a1, month=M)


def test_a_cycle_month_is_the_first_day(two_teams):
    cycle = Cycle(manager=two_teams["cm"]["a1"], month=dt.date(2026, 10, 2))
    with pytest.raises(ValidationError) as error:
        cycle.full_clean()
    assert error.value.message_dict == {"month": ["月份须为该月第一天。"]}


def test_only_customer_managers_have_cycles(two_teams):
    with pytest.raises(ValueError):
        cycle_get_or_create(manager=two_teams["mm_a"], month=M)


def test_the_owner_saves_the_problems_stripped(two_teams):
    cycle = CycleFactory(manager=two_teams["cm"]["a1"])
    before = cycle.updated_at
    saved = cycle_save_problems(
        cycle=cycle,
        text="  \r\n1. 城中村客户销量下滑：拆迁，客流减少。\r\n2. 库存偏高\r\n ",
        by=cycle.manager,
    )
    assert saved.problems == "1. 城中村客户销量下滑：拆迁，客流减少。\n2. 库存偏高"
    cycle.refresh_from_db()
    assert cycle.problems == saved.problems
    assert cycle.updated_at >= before
    cycle_save_problems(cycle=cycle, text="   ", by=cycle.manager)
    cycle.refresh_from_db()
    assert cycle.problems == ""


@pytest.mark.parametrize("who", ["a2", "b1", "mm_a", "mm_b", "brand", "admin"])
def test_nobody_else_writes_the_problems(two_teams, who):
    cycle = CycleFactory(manager=two_teams["cm"]["a1"], problems="原文")
    user = two_teams["cm"].get(who) or two_teams[who]
    with pytest.raises(PermissionDenied):
        cycle_save_problems(cycle=cycle, text="改写", by=user)
    cycle.refresh_from_db()
    assert cycle.problems == "原文"


def test_problems_are_at_most_5000_characters(two_teams):
    cycle = CycleFactory(manager=two_teams["cm"]["a1"])
    # 5,000 characters once the Windows line breaks are counted as one
    cycle_save_problems(cycle=cycle, text="问" * 4998 + "\r\n题", by=cycle.manager)
    cycle.refresh_from_db()
    assert len(cycle.problems) == 5000
    with pytest.raises(ValidationError) as error:
        cycle_save_problems(cycle=cycle, text="问" * 5001, by=cycle.manager)
    assert error.value.message_dict == {
        "problems": ["问题与原因最多 5000 字，当前 5001 字，请精简后再保存。"]
    }
    cycle.refresh_from_db()
    assert len(cycle.problems) == 5000


@pytest.mark.parametrize("who", ["a1", "mm_a", "brand", "admin"])
def test_who_may_read_a_cycle(two_teams, who):
    a1 = two_teams["cm"]["a1"]
    user = two_teams["cm"].get(who) or two_teams[who]
    # a month nobody has written into: an unsaved draft, and reading it creates nothing
    unstarted = cycle_for(user=user, manager=a1, month=dt.date(2026, 10, 9))
    assert (unstarted.manager, unstarted.month, unstarted.pk) == (a1, M, None)
    assert unstarted.plan_status == "draft" and not Cycle.objects.exists()
    saved = CycleFactory(manager=a1, month=M, problems="原文")
    cycle = cycle_for(user=user, manager=a1, month=dt.date(2026, 10, 9))
    assert (cycle.pk, cycle.problems) == (saved.pk, "原文")
    # the same row for everyone, by user or by id
    assert cycle_for(user=a1, manager=a1.pk, month=M).pk == cycle.pk


def test_the_owners_first_write_starts_the_month(two_teams):
    a1 = two_teams["cm"]["a1"]
    unstarted = cycle_for(user=two_teams["brand"], manager=a1, month=M)
    with pytest.raises(PermissionDenied):
        cycle_save_problems(cycle=unstarted, text="别人写的", by=two_teams["mm_a"])
    assert not Cycle.objects.exists()
    mine = cycle_for(user=a1, manager=a1, month=M)
    saved = cycle_save_problems(cycle=mine, text="库存偏高", by=a1)
    assert saved.pk is not None and saved.pk == Cycle.objects.get(manager=a1, month=M).pk
    assert Cycle.objects.get().problems == "库存偏高"


@pytest.mark.parametrize("who", ["a2", "b1", "mm_b"])
def test_others_get_404(two_teams, who):
    user = two_teams["cm"].get(who) or two_teams[who]
    with pytest.raises(Http404):
        cycle_for(user=user, manager=two_teams["cm"]["a1"], month=M)
    assert not Cycle.objects.exists()


def test_404_for_anyone_who_is_not_an_active_customer_manager(two_teams):
    boss = two_teams["admin"]
    for target in (two_teams["mm_a"].pk, 999_999):
        with pytest.raises(Http404):
            cycle_for(user=boss, manager=target, month=M)
    gone = UserFactory(username="gone", role=Role.CUSTOMER_MANAGER, is_active=False)
    with pytest.raises(Http404):
        cycle_for(user=boss, manager=gone, month=M)

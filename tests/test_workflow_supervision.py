"""Supervision: 督办单 raised and closed, leaders' 批示, 化解 dates, one open notice per level."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.choices import SupervisionLevel
from xinfang.workflow import calendar
from xinfang.workflow import supervision as sv
from xinfang.workflow.models import LeaderInstruction, SupervisionNotice
from xinfang.workflow.supervision_rules import (
    SupervisionKind,
    SupervisionOutcome,
    SupervisionSource,
)

from .conftest import District
from .workflow_support import events, fresh, new_matter

pytestmark = pytest.mark.django_db
CITY, DISTRICT = SupervisionLevel.CITY, SupervisionLevel.DISTRICT


def test_raise_sets_the_ledger_facts_and_a_due_date_past_national_day(district: District) -> None:
    m = new_matter(district)
    notice = sv.supervision_raise(
        actor=district.users["supervisor"],
        matter=m,
        version=m.version,
        level=CITY,
        kind=SupervisionKind.CONCENTRATED,
        reason="群众反映强烈",
        unit=district.housing,
        on=date(2025, 9, 20),
    )
    # 20 Sep + 15 = Sun 5 Oct 2025, inside National Day (1-8 Oct): due Thursday 9 Oct
    assert notice.due == calendar.deadline(date(2025, 9, 20), 15) == date(2025, 10, 9)
    assert (notice.level, notice.kind, notice.source) == ("city", "concentrated", "manual")
    assert notice.unit == district.housing and notice.closed_on is None
    m2 = fresh(m)
    assert m2.version == m.version + 1
    assert (m2.supervision_level, m2.supervision_started_on, m2.supervision_due) == (
        "city",
        date(2025, 9, 20),
        date(2025, 10, 9),
    )
    [event] = events(m)
    assert event.action == "workflow.supervision_raise"
    assert event.data["due"] == "2025-10-09" and event.data["notice"] == notice.pk


def test_raised_on_a_working_day_that_lands_on_a_working_day_keeps_it(district: District) -> None:
    m = new_matter(district)
    n = sv.supervision_raise(
        actor=district.users["officer"],
        matter=m,
        version=m.version,
        level=DISTRICT,
        reason="超期未办结",
        on=date(2025, 9, 25),
    )
    # Thu 25 Sep + 15 = Fri 10 Oct 2025, the first ordinary working day after the holiday
    assert n.due == date(2025, 10, 10)
    assert n.unit is None  # the matter has no responsible unit yet


def test_a_later_notice_does_not_rewrite_the_first_ones_ledger_facts(district: District) -> None:
    m, officer = new_matter(district), district.users["officer"]
    sv.supervision_raise(
        actor=officer, matter=m, version=m.version, level=DISTRICT, reason="a", on=date(2025, 9, 1)
    )
    m = fresh(m)
    sv.supervision_raise(
        actor=officer,
        matter=m,
        version=m.version,
        level=CITY,
        reason="b",
        due=date(2025, 9, 30),
        on=date(2025, 9, 10),
    )
    m = fresh(m)
    assert (m.supervision_level, m.supervision_started_on) == ("district", date(2025, 9, 1))
    assert m.supervision_due == date(2025, 9, 16)  # 1 Sep + 15, a Tuesday
    assert SupervisionNotice.objects.filter(matter=m, closed_on__isnull=True).count() == 2


def test_the_clock_raising_twice_opens_one_notice_and_writes_one_event(district: District) -> None:
    m = new_matter(district)
    seen = m.version
    first = sv.supervision_raise(
        actor=SYSTEM,
        matter=m,
        version=seen,
        level=DISTRICT,
        source=SupervisionSource.CLOCK,
        reason="办理期限已过",
        on=date(2025, 10, 10),
    )
    # the second scan still holds the version it read before the first one wrote
    again = sv.supervision_raise(
        actor=SYSTEM,
        matter=m,
        version=seen,
        level=DISTRICT,
        source=SupervisionSource.CLOCK,
        reason="办理期限已过",
        on=date(2025, 10, 11),
    )
    assert again.pk == first.pk
    assert SupervisionNotice.objects.filter(matter=m).count() == 1
    assert [e.action for e in events(m)] == ["workflow.supervision_raise"]
    assert events(m)[0].actor is None
    assert fresh(m).version == seen + 1


def test_a_manual_second_open_notice_at_one_level_is_refused(district: District) -> None:
    m, officer = new_matter(district), district.users["officer"]
    sv.supervision_raise(
        actor=officer, matter=m, version=m.version, level=CITY, reason="a", on=date(2025, 9, 1)
    )
    m = fresh(m)
    with pytest.raises(ConflictError, match="已有未办结的市级督办单"):
        sv.supervision_raise(
            actor=officer, matter=m, version=m.version, level=CITY, reason="b", on=date(2025, 9, 2)
        )
    assert len(events(m)) == 1 and fresh(m).version == m.version


def test_raise_refusals_change_nothing(district: District) -> None:
    m = new_matter(district)
    u = district.users
    with pytest.raises(PermissionRefusedError, match="督查人员"):
        sv.supervision_raise(actor=u["leader"], matter=m, version=m.version, level=CITY, reason="a")
    with pytest.raises(PermissionRefusedError):
        sv.supervision_raise(actor=SYSTEM, matter=m, version=m.version, level=CITY, reason="a")
    with pytest.raises(InputError, match="督办级别"):
        sv.supervision_raise(actor=u["officer"], matter=m, version=m.version, level="x", reason="a")
    with pytest.raises(InputError, match="督办事由"):
        sv.supervision_raise(
            actor=u["officer"], matter=m, version=m.version, level=CITY, reason=" "
        )
    with pytest.raises(ConflictError, match="已被他人更新"):
        sv.supervision_raise(
            actor=u["officer"], matter=m, version=m.version - 1, level=CITY, reason="a"
        )
    with pytest.raises(InputError, match="首次登记日期"):
        sv.supervision_raise(
            actor=u["officer"],
            matter=m,
            version=m.version,
            level=CITY,
            reason="a",
            on=date(2025, 7, 31),
        )
    assert not SupervisionNotice.objects.exists()
    assert events(m) == [] and fresh(m).version == m.version
    assert fresh(m).supervision_level == ""


def test_the_database_allows_one_open_notice_per_level(district: District) -> None:
    m = new_matter(district)
    row = {"matter": m, "level": CITY, "kind": "routine", "source": "manual", "reason": "a"}
    day = date(2025, 9, 1)
    SupervisionNotice.objects.create(**row, raised_on=day, due=day)
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisionNotice.objects.create(**row, raised_on=day, due=day)
    # a closed one does not count, and another level is another notice
    SupervisionNotice.objects.create(**row, raised_on=day, due=day, closed_on=day)
    SupervisionNotice.objects.create(**{**row, "level": DISTRICT}, raised_on=day, due=day)
    assert SupervisionNotice.objects.filter(matter=m).count() == 3


def _open(district: District) -> SupervisionNotice:
    m = new_matter(district)
    return sv.supervision_raise(
        actor=district.users["officer"],
        matter=m,
        version=m.version,
        level=CITY,
        reason="a",
        on=date(2025, 9, 20),
    )


def test_close_records_outcome_date_and_closer_once(district: District) -> None:
    notice, sup = _open(district), district.users["supervisor"]
    m = fresh(notice.matter)
    closed = sv.supervision_close(
        actor=sup,
        notice=notice,
        version=m.version,
        outcome=SupervisionOutcome.RESOLVED,
        note="已达成协议",
        on=date(2025, 10, 9),
    )
    assert (closed.outcome, closed.outcome_note) == ("resolved", "已达成协议")
    assert (closed.closed_on, closed.closed_by) == (date(2025, 10, 9), sup)
    event = events(m)[-1]
    assert event.action == "workflow.supervision_close"
    assert event.data["on_time"] is True
    assert fresh(m).version == m.version + 1
    # a new notice at the same level may open once the old one is closed
    m = fresh(m)
    sv.supervision_raise(
        actor=sup, matter=m, version=m.version, level=CITY, reason="再督办", on=date(2025, 10, 10)
    )
    m = fresh(m)
    with pytest.raises(ConflictError, match="已于2025年10月9日办结"):
        sv.supervision_close(
            actor=sup, notice=notice, version=m.version, outcome="concluded", on=date(2025, 10, 11)
        )
    assert len(events(m)) == 3


def test_close_refusals(district: District) -> None:
    notice = _open(district)
    m, u = fresh(notice.matter), district.users
    cases: list[tuple[type[Exception], str, dict[str, object]]] = [
        (PermissionRefusedError, "督查人员", {"actor": u["leader"]}),
        (InputError, "督办结果", {"outcome": "done"}),
        (ConflictError, "已被他人更新", {"version": m.version + 1}),
        (InputError, "早于督办日期", {"on": date(2025, 9, 19)}),
        (InputError, "不能晚于今天", {"on": timezone.localdate() + timedelta(days=1)}),
    ]
    for error, text, change in cases:
        args: dict[str, object] = {
            "actor": u["officer"],
            "notice": notice,
            "version": m.version,
            "outcome": "concluded",
            "on": date(2025, 10, 1),
            **change,
        }
        with pytest.raises(error, match=text):
            sv.supervision_close(**args)  # type: ignore[arg-type]
    notice.refresh_from_db()
    assert notice.closed_on is None and len(events(m)) == 1


def test_only_a_leader_adds_an_instruction(district: District) -> None:
    m, u = new_matter(district), district.users
    with pytest.raises(PermissionRefusedError, match="领导"):
        sv.instruction_add(actor=u["officer"], matter=m, version=m.version, text="请尽快办理")
    with pytest.raises(InputError, match="批示内容"):
        sv.instruction_add(actor=u["leader"], matter=m, version=m.version, text="  ")
    given = sv.instruction_add(
        actor=u["leader"],
        matter=m,
        version=m.version,
        text="请区住建局牵头化解",
        on=date(2025, 8, 4),
    )
    assert LeaderInstruction.objects.get(matter=m) == given
    assert (given.leader, given.given_on, given.text) == (
        u["leader"],
        date(2025, 8, 4),
        "请区住建局牵头化解",
    )
    [event] = events(m)
    assert (event.action, event.data["text"]) == ("workflow.instruction_add", "请区住建局牵头化解")
    with pytest.raises(ConflictError):
        sv.instruction_add(actor=u["leader"], matter=m, version=m.version, text="再批")
    assert LeaderInstruction.objects.count() == 1


def test_resolve_records_the_date_and_refuses_the_future_and_the_past(district: District) -> None:
    m, u = new_matter(district), district.users
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InputError, match="不能晚于今天"):
        sv.matter_resolve(actor=u["officer"], matter=m, version=m.version, on=tomorrow)
    with pytest.raises(InputError, match="2025年8月1日"):
        sv.matter_resolve(actor=u["officer"], matter=m, version=m.version, on=date(2025, 7, 31))
    with pytest.raises(PermissionRefusedError):
        sv.matter_resolve(actor=u["supervisor"], matter=m, version=m.version, on=date(2025, 9, 1))
    with pytest.raises(ConflictError):
        sv.matter_resolve(actor=u["leader"], matter=m, version=m.version + 3, on=date(2025, 9, 1))
    assert events(m) == [] and fresh(m).resolved_on is None
    done = sv.matter_resolve(actor=u["leader"], matter=m, version=m.version, on=date(2025, 9, 1))
    assert fresh(m).resolved_on == done.resolved_on == date(2025, 9, 1)
    assert fresh(m).version == m.version + 1
    [event] = events(m)
    assert (event.action, event.data) == (
        "workflow.resolve",
        {  # with the day it was entered; recorded as the suite's history (conftest)
            "on": "2025-09-01",
            "before": None,
            "entered_on": timezone.localdate().isoformat(),
            "history": "tests",
        },
    )
    assert AuditEvent.objects.filter(matter=m, action="workflow.resolve").count() == 1


def test_an_accusation_is_supervised_only_at_a_discipline_organ(district: District) -> None:
    from xinfang.intake.choices import Purpose

    m, officer = new_matter(district, purpose=Purpose.ACCUSATION), district.users["officer"]
    with pytest.raises(InputError, match="只能督办纪检监察机关"):
        sv.supervision_raise(
            actor=officer,
            matter=m,
            version=m.version,
            level=CITY,
            reason="a",
            unit=district.street_a,
            on=date(2025, 9, 1),
        )
    assert not SupervisionNotice.objects.filter(matter=m).exists()
    notice = sv.supervision_raise(
        actor=officer,
        matter=m,
        version=m.version,
        level=CITY,
        reason="a",
        unit=district.discipline,
        on=date(2025, 9, 1),
    )
    assert notice.unit == district.discipline

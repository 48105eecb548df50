"""End to end, with time travel: one matter through every step of its life, each due date checked
against the working calendar (National Day 2025, New Year and Spring Festival 2026 with their
swapped working days), then the same facts refused; and the shorter paths beside it.

Time travel: the services take "today" from django.utils.timezone (their `on` defaults to it and a
later date is refused), so the `today` fixture replaces timezone.now — localdate() reads it too —
and every step below runs with `on` left out, on the day the clock shows. A small fixture, not
freezegun: the product depends on nothing for this, and only django.utils.timezone needs moving.

The expected dates are written out from the State Council's arrangements (chinesecalendar 1.11):
  2025 国庆节+中秋节: 10-01..10-08 off; Sun 09-28 and Sat 10-11 are working days.
  2026 元旦: 01-01..01-03 off; Sun 01-04 is a working day.
  2026 春节: 02-15..02-23 off; Sat 02-14 and Sat 02-28 are working days.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.errors import ConflictError, InputError
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Evaluation
from xinfang.intake.models import Matter, Registration, RegistrationOutcome
from xinfang.workflow import calendar, clocks
from xinfang.workflow import services as wf
from xinfang.workflow.models import Assignment, MatterWorkflow
from xinfang.workflow.selectors import new_assignments
from xinfang.workflow.states import MatterStatus as S
from xinfang.workflow.transitions import LegalChannel, ReplyOutcome

from .conftest import TZ, District, register
from .workflow_support import events, fresh, step

pytestmark = pytest.mark.django_db


class Today:
    """The day the product believes it is; it only moves forward, like the bureau's own."""

    def __init__(self) -> None:
        self.day: date | None = None

    def go(self, day: date) -> date:
        assert self.day is None or day >= self.day, "time travel only forward"
        self.day = day
        return day

    def now(self) -> datetime:
        assert self.day is not None, "set the day first"
        return datetime.combine(self.day, time(10, 0), tzinfo=TZ).astimezone(UTC)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Iterator[Today]:
    clock = Today()
    monkeypatch.setattr(timezone, "now", clock.now)
    yield clock


def arrive(district: District, day: date, matter: Matter | None = None, **kw: Any) -> Registration:
    """王小明 comes to the desk at 09:00 on `day` (the clock shows 10:00)."""
    registered = register(
        district,
        locality=district.street_a,
        when=datetime.combine(day, time(9, 0), tzinfo=TZ),
        matter=matter,
        **kw,
    )
    latest = Registration.objects.filter(matter=registered).order_by("-id").first()
    assert latest is not None
    return latest


def flow(m: Matter) -> MatterWorkflow:
    return MatterWorkflow.objects.get(matter=m)


def active(m: Matter) -> Assignment:
    return Assignment.objects.get(matter=m, active=True)


def then(
    today: Today, day: date, service: Callable[..., Matter], m: Matter, actor: User, **kw: Any
) -> Matter:
    """Travel to `day` and take one step there with `on` left out: one event, version + 1."""
    today.go(day)
    moved = step(service, m, actor, **kw)
    assert events(moved)[-1].data["on"] == day.isoformat()
    return moved


def test_one_matter_through_every_step_to_finality_and_the_same_facts_refused(
    district: District, today: Today
) -> None:
    u = district.users
    officer, leader, desk = u["officer"], u["leader"], u["registrar"]
    east, west = u["street_a_staff"], u["street_b_staff"]

    # --- registered ---------------------------------------------------------------------------
    today.go(date(2025, 9, 22))  # a Monday
    first = arrive(district, today.day)
    m = first.matter
    assert (m.status, first.outcome, m.first_received_on) == (S.REGISTERED, "new", today.day)
    registered_version = m.version
    # route within 15 days: 09-22 + 15 = 10-07, in National Day (10-01..10-08) → Thu 10-09
    assert clocks.route_deadline(m) == date(2025, 10, 9)

    # the services refuse a day after today: the clock is real for them
    with pytest.raises(InputError, match="日期不能晚于今天"):
        wf.matter_assign(
            actor=officer, matter=m, version=m.version, unit=district.street_a, on=date(2025, 9, 23)
        )

    # --- assigned to 东风街道 -------------------------------------------------------------------
    m = then(today, date(2025, 9, 24), wf.matter_assign, m, officer, unit=district.street_a)
    # 09-24 + 60 = 11-23, a Sunday → Monday 11-24
    assert (m.status, m.decided_on, m.handling_deadline) == (
        S.ASSIGNED,
        today.day,
        date(2025, 11, 24),
    )
    assert active(m).due == date(2025, 11, 24) and active(m).unit == district.street_a
    assert [r.matter.pk for r in new_assignments(east, Matter.objects.all(), today.day).rows] == [
        m.pk
    ]

    # --- received; the 5 working days to return it cross National Day -------------------------
    m = then(today, date(2025, 9, 26), wf.assignment_receive, m, east)
    # working days after Fri 09-26: Sun 09-28 (调休上班) 1, Mon 09-29 2, Tue 09-30 3,
    # 10-01..10-08 off, Thu 10-09 4, Fri 10-10 5 → 10-10
    assert active(m).return_due == date(2025, 10, 10)
    assert (m.status, active(m).received_on) == (S.IN_HANDLING, date(2025, 9, 26))
    assert new_assignments(east, Matter.objects.all(), today.day).rows == []

    # --- returned on the window's last day ----------------------------------------------------
    m = then(today, date(2025, 10, 10), wf.assignment_return, m, east, reason="问题属地在西湖街道")
    assert m.status == S.RETURNED
    returned = Assignment.objects.get(matter=m, unit=district.street_a)
    assert (returned.active, returned.returned_on) == (False, date(2025, 10, 10))
    assert returned.due == date(2025, 11, 24)  # the old clock stays as it was, inactive

    # --- reassigned to 西湖街道 the same day; its clocks start again from the reassignment ----
    m = step(wf.matter_assign, m, officer, unit=district.street_b)
    # 10-10 + 60 = 12-09, a Tuesday
    assert (m.status, m.handling_deadline, m.responsible_unit) == (
        S.ASSIGNED,
        date(2025, 12, 9),
        district.street_b,
    )
    m = step(wf.assignment_receive, m, west)
    # working days after Fri 10-10: Sat 10-11 (调休上班) 1, Mon 10-13 2, 10-14 3, 10-15 4,
    # Thu 10-16 5 → 10-16
    assert active(m).return_due == date(2025, 10, 16)
    assert Assignment.objects.filter(matter=m).count() == 2

    today.go(date(2025, 10, 17))
    with pytest.raises(InputError, match=r"退回期限（2025年10月16日）已过"):
        wf.assignment_return(actor=west, matter=m, version=m.version, reason="也不是我们的")
    assert fresh(m).status == S.IN_HANDLING

    # --- extended once, approved by the head --------------------------------------------------
    m = then(today, date(2025, 12, 1), wf.handling_record, m, west, notes="已约谈物业公司")
    m = then(
        today,
        date(2025, 12, 1),
        wf.extension_request,
        m,
        west,
        days=25,
        reason="需会同住建部门现场勘验",
    )
    assert m.extended_to is None and flow(m).extension_approved is None
    m = then(today, date(2025, 12, 3), wf.extension_decide, m, leader, approve=True)
    # 10-10 + 60 + 25 = 2026-01-03, in 元旦 (01-01..01-03) → Sun 01-04, a swapped working day
    assert m.extended_to == date(2026, 1, 4)
    assert calendar.is_working_day(date(2026, 1, 4)) and date(2026, 1, 4).weekday() == 6
    assert active(m).due == date(2026, 1, 4)
    assert m.handling_deadline == date(2025, 12, 9)  # the original limit is kept beside it

    # --- replied, delivered, rated 不满意 ------------------------------------------------------
    m = then(today, date(2025, 12, 30), wf.reply_issue, m, west, outcome=ReplyOutcome.NOT_SUPPORTED)
    assert (m.status, m.replied_on, events(m)[-1].data["on_time"]) == (
        S.REPLIED,
        date(2025, 12, 30),
        True,
    )
    m = then(today, date(2025, 12, 31), wf.reply_deliver, m, desk)
    # 12-31 + 30 = 2026-01-30, a Friday
    assert flow(m).review_request_due == date(2026, 1, 30)
    m = then(
        today, date(2026, 1, 5), wf.evaluation_record, m, desk, evaluation=Evaluation.DISSATISFIED
    )
    assert (m.evaluation, m.evaluated_on) == (Evaluation.DISSATISFIED, date(2026, 1, 5))

    # --- reviewed: the review's 30 days end in Spring Festival --------------------------------
    m = then(today, date(2026, 1, 16), wf.review_request, m, desk)
    # 01-16 + 30 = 02-15, the first day of 春节 (02-15..02-23) → Tue 02-24
    assert (m.status, flow(m).review_due) == (S.UNDER_REVIEW, date(2026, 2, 24))
    m = then(today, date(2026, 2, 24), wf.review_decide, m, officer, outcome="explained")
    assert (m.status, m.review_replied_on) == (S.REVIEWED, date(2026, 2, 24))
    assert events(m)[-1].data["on_time"] is True  # the moved last day is still on time
    m = then(today, date(2026, 2, 26), wf.review_deliver, m, desk)
    # 02-26 + 30 = 03-28, a Saturday → Mon 03-30
    assert flow(m).rereview_request_due == date(2026, 3, 30)

    # --- re-reviewed with a hearing: the hearing's days are not counted ------------------------
    m = then(today, date(2026, 3, 9), wf.rereview_request, m, desk)
    # 03-09 + 30 = 04-08, a Wednesday
    assert (m.status, flow(m).rereview_due) == (S.UNDER_REREVIEW, date(2026, 4, 8))
    m = then(today, date(2026, 3, 16), wf.hearing_start, m, officer)
    assert flow(m).rereview_due == date(2026, 4, 8)
    with pytest.raises(ConflictError, match="听证尚未结束"):
        wf.rereview_decide(actor=officer, matter=m, version=m.version, outcome="explained")
    m = then(today, date(2026, 3, 25), wf.hearing_end, m, officer)
    # ten hearing days (03-16..03-25) not counted: 04-08 + 10 = 04-18, a Saturday → Mon 04-20
    assert flow(m).rereview_due == date(2026, 4, 20)
    assert m.status == S.UNDER_REREVIEW

    # --- final --------------------------------------------------------------------------------
    m = then(today, date(2026, 4, 17), wf.rereview_decide, m, officer, outcome="explained")
    assert (m.status, m.rereview_replied_on, flow(m).final_on) == (
        S.FINAL,
        date(2026, 4, 17),
        date(2026, 4, 17),
    )
    assert events(m)[-1].data["on_time"] is True
    with pytest.raises(ConflictError, match="已终结"):
        wf.review_request(actor=desk, matter=m, version=m.version)

    # one event per step, in order
    assert [e.action.removeprefix("workflow.") for e in events(m)] == [
        "assign",
        "receive",
        "return",
        "assign",
        "receive",
        "record_handling",
        "request_extension",
        "decide_extension",
        "reply",
        "deliver_reply",
        "evaluate",
        "request_review",
        "decide_review",
        "deliver_review",
        "request_rereview",
        "start_hearing",
        "end_hearing",
        "decide_rereview",
    ]
    assert fresh(m).version == registered_version + 18  # one per step, no more

    # --- the same facts and reasons again, after finality: recorded, not accepted ------------
    today.go(date(2026, 5, 11))
    refused = arrive(district, today.day, matter=m)
    assert refused.outcome == RegistrationOutcome.REFUSED
    assert "2026年4月17日已出具复核意见" in refused.outcome_note
    assert "第三十六条" in refused.outcome_note and "不再受理" in refused.outcome_note
    after = fresh(m)
    assert (after.status, after.registration_count, after.last_received_on) == (
        S.FINAL,
        2,
        date(2026, 5, 11),
    )
    assert len(events(after)) == 18  # no workflow step was taken
    created = AuditEvent.objects.filter(matter=m, action="registration.create").order_by("id")
    assert [e.data["outcome"] for e in created] == ["new", "refused"]
    assert created.last().data["note"] == refused.outcome_note  # type: ignore[union-attr]


def test_accepted_by_the_bureau_its_60_days_end_in_spring_festival(
    district: District, today: Today
) -> None:
    officer, desk = district.users["officer"], district.users["registrar"]
    today.go(date(2025, 12, 15))
    m = arrive(district, today.day).matter
    m = then(today, date(2025, 12, 17), wf.matter_accept, m, officer)
    # 12-17 + 60 = 2026-02-15, 春节 (02-15..02-23) → Tue 02-24
    assert (m.status, m.decided_on, m.handling_deadline) == (
        S.IN_HANDLING,
        date(2025, 12, 17),
        date(2026, 2, 24),
    )
    assert not Assignment.objects.filter(matter=m).exists()  # handled by the bureau itself
    m = then(today, date(2026, 2, 14), wf.reply_issue, m, officer, outcome="supported")
    assert calendar.is_working_day(date(2026, 2, 14))  # a Saturday, 春节调休上班
    m = then(today, date(2026, 2, 14), wf.reply_deliver, m, desk)
    # 02-14 + 30 = 03-16, a Monday
    assert flow(m).review_request_due == date(2026, 3, 16)
    today.go(date(2026, 3, 16))
    with pytest.raises(InputError, match="期限届满后方可终结"):
        wf.matter_finalise(actor=officer, matter=m, version=m.version)
    m = then(today, date(2026, 3, 17), wf.matter_finalise, m, officer)
    assert (m.status, flow(m).final_on) == (S.FINAL, date(2026, 3, 17))
    assert [e.action for e in events(m)] == [
        "workflow.accept",
        "workflow.reply",
        "workflow.deliver_reply",
        "workflow.finalise",
    ]
    today.go(date(2026, 4, 1))
    again = arrive(district, today.day, matter=m)
    assert again.outcome == RegistrationOutcome.REFUSED
    assert "2026年3月17日已终结" in again.outcome_note and "第三十六条" not in again.outcome_note
    assert fresh(m).status == S.FINAL


def test_declined_on_a_swapped_working_day_and_told_again(district: District, today: Today) -> None:
    officer = district.users["officer"]
    today.go(date(2026, 2, 26))
    m = arrive(district, today.day).matter
    # 02-26 + 15 = 03-13, a Friday
    assert clocks.route_deadline(m) == date(2026, 3, 13)
    m = then(
        today, date(2026, 2, 28), wf.matter_decline, m, officer, reason="不属于信访事项受理范围"
    )
    assert (m.status, m.decided_on, m.handling_deadline) == (S.DECLINED, date(2026, 2, 28), None)
    with pytest.raises(ConflictError, match="不予受理"):
        wf.matter_accept(actor=officer, matter=m, version=m.version)
    today.go(date(2026, 3, 10))
    again = arrive(district, today.day, matter=m)
    assert again.outcome == RegistrationOutcome.TOLD
    assert "2026年2月28日已决定不予受理" in again.outcome_note
    assert "不属于信访事项受理范围" in again.outcome_note
    assert fresh(m).status == S.DECLINED and len(events(m)) == 1


def test_sorted_by_law_leaves_the_track_and_a_repeat_is_told_the_channel(
    district: District, today: Today
) -> None:
    officer = district.users["officer"]
    today.go(date(2025, 9, 29))
    m = arrive(district, today.day).matter
    # 09-29 + 15 = 10-14, a Tuesday (National Day is over by then)
    assert clocks.route_deadline(m) == date(2025, 10, 14)
    m = then(
        today,
        date(2025, 9, 30),
        wf.matter_sort_by_law,
        m,
        officer,
        channel=LegalChannel.LITIGATION,
    )
    assert (m.status, m.handling_deadline) == (S.LEGAL_CHANNEL, None)
    assert flow(m).legal_channel == LegalChannel.LITIGATION
    with pytest.raises(ConflictError):
        wf.matter_assign(actor=officer, matter=m, version=m.version, unit=district.street_a)
    today.go(today.day + timedelta(days=20))
    again = arrive(district, today.day, matter=m)
    assert again.outcome == RegistrationOutcome.TOLD
    assert "依法分类处理" in again.outcome_note and "诉讼" in again.outcome_note
    assert fresh(m).status == S.LEGAL_CHANNEL

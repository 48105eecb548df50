"""clocks.matter_clocks: every clock of a matter on the working calendar, running or finished."""

from datetime import date

import pytest

from xinfang.core.errors import InputError
from xinfang.intake.choices import SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.workflow import calendar, supervision
from xinfang.workflow import services as wf
from xinfang.workflow.clocks import Clock, ClockStatus, matter_clocks
from xinfang.workflow.models import Assignment
from xinfang.workflow.states import ClockKind
from xinfang.workflow.transitions import ReplyOutcome

from .conftest import District
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db


def by_kind(clocks: list[Clock]) -> dict[str, list[Clock]]:
    found: dict[str, list[Clock]] = {}
    for c in clocks:
        found.setdefault(c.kind, []).append(c)
    return found


def test_routing_clock_over_national_day(district: District) -> None:
    m = new_matter(district, received=date(2025, 9, 20))
    # day 15 is 2025-10-05, a National Day holiday: the limit ends on the next working day
    (route,) = matter_clocks(fresh(m), date(2025, 9, 30))
    assert route.kind == ClockKind.ROUTE and route.start == date(2025, 9, 20)
    assert route.deadline == calendar.deadline(date(2025, 9, 20), 15) == date(2025, 10, 9)
    assert (route.state, route.days_left) == (ClockStatus.RUNNING, 9)
    assert matter_clocks(fresh(m), date(2025, 10, 6))[0].state == ClockStatus.WARNING
    assert matter_clocks(fresh(m), date(2025, 10, 9))[0].days_left == 0
    late = matter_clocks(fresh(m), date(2025, 10, 10))[0]
    assert (late.state, late.days_left, late.overdue_days) == (ClockStatus.OVERDUE, -1, 1)
    # routed on the deadline itself: met, and it stays in the list once done
    step(wf.matter_accept, m, district.users["officer"], on=date(2025, 10, 9))
    clocks = by_kind(matter_clocks(fresh(m), date(2025, 11, 1)))
    (route,) = clocks[ClockKind.ROUTE]
    assert (route.state, route.done_on) == (ClockStatus.MET, date(2025, 10, 9))
    (handle,) = clocks[ClockKind.HANDLE]
    assert handle.start == date(2025, 10, 9)
    assert handle.deadline == calendar.deadline(date(2025, 10, 9), 60) == date(2025, 12, 8)
    assert handle.state == ClockStatus.RUNNING and handle.days_left == 37


def test_routed_late_is_missed(district: District) -> None:
    m = new_matter(district, received=date(2025, 8, 1))
    step(wf.matter_decline, m, district.users["officer"], reason="不属信访", on=date(2025, 8, 20))
    (route,) = matter_clocks(fresh(m), date(2025, 9, 1))
    assert route.deadline == date(2025, 8, 18)  # 08-16 is a Saturday
    assert (route.state, route.done_on) == (ClockStatus.MISSED, date(2025, 8, 20))


def test_assignments_keep_their_clocks_after_a_return(district: District) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    m = new_matter(district, received=date(2025, 9, 1))
    step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 9, 26))
    step(wf.assignment_receive, m, staff, on=date(2025, 9, 29))
    # five working days from 09-29 over National Day (10-01..10-08; 09-28 and 10-11 worked)
    assert calendar.add_working_days(date(2025, 9, 29), 5) == date(2025, 10, 13)
    clocks = by_kind(matter_clocks(fresh(m), date(2025, 10, 10)))
    (ret,) = clocks[ClockKind.RETURN]
    assert (ret.deadline, ret.state, ret.days_left) == (date(2025, 10, 13), ClockStatus.WARNING, 3)
    step(wf.assignment_return, m, staff, reason="非本单位职责", on=date(2025, 10, 10))
    step(wf.matter_assign, m, officer, unit=district.housing, on=date(2025, 10, 13))
    clocks = by_kind(matter_clocks(fresh(m), date(2025, 10, 15)))
    first_ret, second_ret = clocks[ClockKind.RETURN]
    assert (first_ret.state, first_ret.done_on, first_ret.unit) == (
        ClockStatus.MET,
        date(2025, 10, 10),
        "东风街道",
    )
    # not yet received: the window runs from the assignment day
    assert second_ret.unit == "区住房和城乡建设局" and second_ret.state == ClockStatus.RUNNING
    assert second_ret.deadline == calendar.add_working_days(date(2025, 10, 13), 5)
    first, second = clocks[ClockKind.HANDLE]
    assert (first.state, first.done_on, first.note) == (
        ClockStatus.ENDED,
        date(2025, 10, 10),
        "交办后已退回",
    )
    assert second.deadline == calendar.deadline(date(2025, 10, 13), 60) == date(2025, 12, 12)
    assert second.state == ClockStatus.RUNNING
    # routing: first routed 09-26, eleven days late (the reassignment does not move it)
    (route,) = clocks[ClockKind.ROUTE]
    assert (route.state, route.done_on) == (ClockStatus.MISSED, date(2025, 9, 26))


def test_extension_reply_review_windows_and_the_paused_rereview(district: District) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    desk, leader = district.users["registrar"], district.users["leader"]
    m = new_matter(district, received=date(2025, 8, 1))
    step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 8, 4))
    step(wf.assignment_receive, m, staff, on=date(2025, 8, 5))
    step(wf.extension_request, m, staff, days=20, reason="需现场勘验", on=date(2025, 8, 20))
    pending = by_kind(matter_clocks(fresh(m), date(2025, 8, 21)))[ClockKind.HANDLE][0]
    assert pending.note == "延期20日的申请待审批"
    step(wf.extension_decide, m, leader, approve=True, on=date(2025, 8, 21))
    handle = by_kind(matter_clocks(fresh(m), date(2025, 8, 22)))[ClockKind.HANDLE][0]
    assert handle.deadline == calendar.deadline(date(2025, 8, 4), 80) == date(2025, 10, 23)
    assert handle.note == "已延期至2025-10-23"
    step(wf.reply_issue, m, staff, outcome=ReplyOutcome.EXPLAINED, on=date(2025, 10, 24))
    step(wf.reply_deliver, m, desk, on=date(2025, 10, 27))
    clocks = by_kind(matter_clocks(fresh(m), date(2025, 11, 1)))
    handle = clocks[ClockKind.HANDLE][0]
    assert (handle.state, handle.done_on) == (ClockStatus.MISSED, date(2025, 10, 24))
    (window,) = clocks[ClockKind.REVIEW_REQUEST]
    assert window.deadline == calendar.deadline(date(2025, 10, 27), 30) == date(2025, 11, 26)
    assert window.state == ClockStatus.RUNNING
    # a window passed unused is not "overdue": it ended
    late = by_kind(matter_clocks(fresh(m), date(2025, 11, 27)))[ClockKind.REVIEW_REQUEST][0]
    assert (late.state, late.days_left, late.note) == (ClockStatus.ENDED, None, "未申请复查")

    step(wf.review_request, m, desk, on=date(2025, 11, 3))
    step(wf.review_decide, m, officer, outcome=ReplyOutcome.NOT_SUPPORTED, on=date(2025, 11, 20))
    step(wf.review_deliver, m, desk, on=date(2025, 11, 21))
    step(wf.rereview_request, m, desk, on=date(2025, 11, 24))
    step(wf.hearing_start, m, officer, on=date(2025, 12, 1))
    clocks = by_kind(matter_clocks(fresh(m), date(2025, 12, 10)))
    assert clocks[ClockKind.REVIEW_REQUEST][0].state == ClockStatus.MET
    (review,) = clocks[ClockKind.REVIEW]
    assert (review.deadline, review.state) == (date(2025, 12, 3), ClockStatus.MET)
    (rr,) = clocks[ClockKind.REREVIEW]
    assert rr.state == ClockStatus.PAUSED and rr.badge == "paused"
    # 30 days from 11-24 is 12-24; the hearing days 12-01..12-10 are not counted
    assert rr.deadline == calendar.deadline(
        date(2025, 11, 24), 30, paused=[(date(2025, 12, 1), date(2025, 12, 10))]
    )
    # day 40 is 2026-01-03, a New Year holiday; 01-04 (a Sunday) is a swapped working day
    assert rr.deadline == date(2026, 1, 4)
    assert "听证中" in rr.note
    step(wf.hearing_end, m, officer, on=date(2025, 12, 5))
    (rr,) = by_kind(matter_clocks(fresh(m), date(2025, 12, 20)))[ClockKind.REREVIEW]
    assert rr.deadline == date(2025, 12, 29) and rr.state == ClockStatus.RUNNING
    assert rr.days_left == 9


def test_supervision_clocks_and_the_missing_year(district: District) -> None:
    officer = district.users["officer"]
    m = new_matter(district, received=date(2025, 9, 1))
    notice = supervision.supervision_raise(
        actor=officer,
        matter=fresh(m),
        version=fresh(m).version,
        level=SupervisionLevel.DISTRICT,
        reason="群众反映强烈",
        on=date(2025, 9, 5),
    )
    sup = by_kind(matter_clocks(fresh(m), date(2025, 9, 30)))[ClockKind.SUPERVISION][0]
    assert (sup.deadline, sup.state) == (date(2025, 9, 22), ClockStatus.OVERDUE)
    supervision.supervision_close(
        actor=officer,
        notice=notice,
        version=fresh(m).version,
        outcome="concluded",
        on=date(2025, 9, 20),
    )
    sup = by_kind(matter_clocks(fresh(m), date(2025, 9, 30)))[ClockKind.SUPERVISION][0]
    assert (sup.state, sup.done_on, sup.note) == (
        ClockStatus.MET,
        date(2025, 9, 20),
        "区级常规督办，已办结",
    )
    # received just before a year nobody has entered: the clock says so instead of failing
    years = calendar.current_calendar().years
    last = max(years)
    m2 = new_matter(district, received=date(2025, 9, 1))
    # as if received on the last days of the last entered year (no registering in the future)
    Matter.objects.filter(pk=m2.pk).update(first_received_on=date(last, 12, 28))
    (route,) = matter_clocks(fresh(m2), date(last, 12, 29))
    assert route.state == ClockStatus.UNKNOWN and route.deadline is None
    assert route.problem == f"{last + 1}年的节假日安排尚未录入，请系统管理员录入后再计算期限"


def test_query_budget(district: District, django_assert_num_queries) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    m = new_matter(district, received=date(2025, 8, 1))
    step(wf.matter_assign, m, officer, unit=district.street_b, on=date(2025, 8, 4))
    step(
        wf.assignment_return,
        m,
        district.users["street_b_staff"],
        reason="非本单位",
        on=date(2025, 8, 5),
    )
    step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 8, 6))
    step(wf.assignment_receive, m, staff, on=date(2025, 8, 7))
    for level in (SupervisionLevel.DISTRICT, SupervisionLevel.CITY):
        supervision.supervision_raise(
            actor=officer,
            matter=fresh(m),
            version=fresh(m).version,
            level=level,
            reason="督办",
            on=date(2025, 8, 10),
        )
    matter = fresh(m)
    calendar.current_calendar()  # the process calendar is cached; not part of the budget
    # assignments, workflow row, notices, and leader work's receptions and packages
    with django_assert_num_queries(5):
        clocks = matter_clocks(matter, date(2025, 9, 1))
    assert len(clocks) == 1 + 2 * 2 + 2


def test_routed_in_time_stays_met_after_a_late_reassignment(district: District) -> None:
    officer = district.users["officer"]
    m = new_matter(district, received=date(2025, 8, 1))
    step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 8, 4))
    step(
        wf.assignment_return,
        m,
        district.users["street_a_staff"],
        reason="非本单位",
        on=date(2025, 8, 6),
    )
    step(wf.matter_assign, m, officer, unit=district.housing, on=date(2025, 8, 25))
    (route,) = by_kind(matter_clocks(fresh(m), date(2025, 9, 1)))[ClockKind.ROUTE]
    assert (route.deadline, route.state, route.done_on) == (
        date(2025, 8, 18),
        ClockStatus.MET,
        date(2025, 8, 4),
    )


def test_a_forwarded_matter_has_fifteen_days_to_be_accepted(district: District) -> None:
    officer, staff = district.users["officer"], district.users["housing_staff"]
    m = new_matter(district, received=date(2025, 9, 15))
    step(wf.matter_forward, m, officer, unit=district.housing, on=date(2025, 9, 18))
    # day 15 is 2025-10-03, inside National Day: the limit moves to Thursday 2025-10-09
    (accept,) = by_kind(matter_clocks(fresh(m), date(2025, 9, 30)))[ClockKind.ACCEPT]
    assert accept.deadline == calendar.deadline(date(2025, 9, 18), 15) == date(2025, 10, 9)
    assert (accept.state, accept.unit) == (ClockStatus.RUNNING, district.housing.name)
    late = by_kind(matter_clocks(fresh(m), date(2025, 10, 10)))[ClockKind.ACCEPT][0]
    assert late.state == ClockStatus.OVERDUE
    step(wf.assignment_receive, m, staff, on=date(2025, 10, 9))
    (accept,) = by_kind(matter_clocks(fresh(m), date(2025, 10, 20)))[ClockKind.ACCEPT]
    assert (accept.state, accept.done_on) == (ClockStatus.MET, date(2025, 10, 9))
    # a 交办 has no such clock: the bureau has already accepted the matter as a petition
    assigned = new_matter(district, received=date(2025, 9, 15))
    step(wf.matter_assign, assigned, officer, unit=district.housing, on=date(2025, 9, 18))
    assert ClockKind.ACCEPT not in by_kind(matter_clocks(fresh(assigned), date(2025, 9, 30)))


def test_a_late_receipt_does_not_reopen_a_closed_return_window(district: District) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    m = new_matter(district, received=date(2025, 9, 1))
    step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 9, 1))
    # Mon 09-01 + five working days (09-02..09-05, Mon 09-08) → 09-08; 签收 a week after it closed
    step(wf.assignment_receive, m, staff, on=date(2025, 9, 15))
    with pytest.raises(InputError, match=r"退回期限（2025年9月8日）已过"):
        wf.assignment_return(
            actor=staff, matter=fresh(m), version=fresh(m).version, reason="非本单位职责",
            on=date(2025, 9, 16),
        )  # fmt: skip
    (ret,) = by_kind(matter_clocks(fresh(m), date(2025, 9, 16)))[ClockKind.RETURN]
    assert (ret.start, ret.deadline, ret.state) == (
        date(2025, 9, 1),
        date(2025, 9, 8),
        ClockStatus.ENDED,
    )
    assert Assignment.objects.get(matter=m).return_due == date(2025, 9, 8)

"""The clock scan: each clock warns and goes overdue on the right day, once; who hears of it."""

from datetime import date, timedelta

import pytest
from django.conf import settings

from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Purpose, SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.notifications.models import AlertStage, ClockAlert, Notification
from xinfang.workflow import calendar, supervision
from xinfang.workflow import services as wf
from xinfang.workflow.clockscan import scan_clocks
from xinfang.workflow.models import MatterWorkflow, SupervisionNotice
from xinfang.workflow.states import ClockKind
from xinfang.workflow.supervision_rules import SupervisionKind, SupervisionSource
from xinfang.workflow.transitions import ReplyOutcome

from .conftest import District
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db

WARN = int(settings.XINFANG["CLOCK_WARNING_DAYS"])


def alerts(m: Matter, clock: str | None = None) -> list[tuple[str, str, date]]:
    found = ClockAlert.objects.filter(matter=m).order_by("id")
    if clock:
        found = found.filter(clock=clock)
    return [(a.clock, a.stage, a.deadline) for a in found]


def told(m: Matter) -> dict[str, list[str]]:
    """username -> the texts each user was told about the matter."""
    out: dict[str, list[str]] = {}
    for n in Notification.objects.filter(matter=m).select_related("recipient").order_by("id"):
        out.setdefault(n.recipient.username, []).append(n.text)
    return out


def assigned(d: District, on: date, staff: str = "street_a_staff", **kw: object) -> Matter:
    unit = d.users[staff].org_unit
    m = new_matter(d, received=on - timedelta(days=2), **kw)  # type: ignore[arg-type]
    m = step(wf.matter_assign, m, d.users["officer"], unit=unit, on=on)
    return step(wf.assignment_receive, m, d.users[staff], on=on)


def test_handling_clock_warns_before_national_day_deadline_then_goes_overdue(
    district: District,
) -> None:
    m = assigned(district, date(2025, 8, 5))
    due = calendar.deadline(date(2025, 8, 5), int(settings.XINFANG["HANDLE_DAYS"]))
    assert due > date(2025, 10, 4)  # 60 days end in the National Day holiday; moved on
    assert fresh(m).handling_deadline == due
    warn_day = due - timedelta(days=WARN)

    scan_clocks(warn_day - timedelta(days=1))
    assert alerts(m, ClockKind.HANDLE) == []
    r = scan_clocks(warn_day)
    assert alerts(m, ClockKind.HANDLE) == [(ClockKind.HANDLE, AlertStage.WARNING, due)]
    assert r.warnings >= 1 and r.notices == 0
    scan_clocks(due)  # the last day itself: still only the warning
    assert len(alerts(m, ClockKind.HANDLE)) == 1
    assert not SupervisionNotice.objects.filter(matter=m).exists()

    before = fresh(m).version
    r = scan_clocks(due + timedelta(days=1))
    assert alerts(m, ClockKind.HANDLE)[-1] == (ClockKind.HANDLE, AlertStage.OVERDUE, due)
    assert r.overdue >= 1 and r.notices == 1
    notice = SupervisionNotice.objects.get(matter=m)
    assert (notice.level, notice.source, notice.unit) == (
        SupervisionLevel.DISTRICT,
        SupervisionSource.CLOCK,
        district.street_a,
    )
    assert notice.due == calendar.deadline(
        due + timedelta(days=1), settings.XINFANG["SUPERVISION_DAYS"]
    )
    after = fresh(m)
    assert after.version == before + 1 and after.supervision_level == SupervisionLevel.DISTRICT
    raised = AuditEvent.objects.filter(matter=m, action="workflow.supervision_raise")
    assert [e.data["notice"] for e in raised] == [notice.pk]
    # the event written in SQL says exactly what supervision_raise's own event says
    event = raised.get()
    day = due + timedelta(days=1)
    assert event.data == {
        "notice": notice.pk,
        "level": SupervisionLevel.DISTRICT,
        "kind": SupervisionKind.ROUTINE,
        "source": SupervisionSource.CLOCK,
        "unit": district.street_a.name,
        "on": day.isoformat(),
        "due": notice.due.isoformat(),
        "reason": "办理期限已超期，系统自动督办",
    }
    made = (event.actor_id, event.object_type, event.object_id)
    assert made == (None, "intake.matter", str(m.pk))
    assert event.at is not None and after.updated_at == event.at
    assert told(m)["street_a_staff"] == ["办理期限即将到期", "办理期限已超期，已自动发起区级督办"]


def test_second_run_creates_nothing_and_an_extension_is_a_new_deadline(district: District) -> None:
    m = assigned(district, date(2025, 8, 5))
    due = fresh(m).handling_deadline
    assert due is not None
    day = due - timedelta(days=WARN)
    first = scan_clocks(day)
    counts = (ClockAlert.objects.count(), Notification.objects.count())
    again = scan_clocks(day)
    assert first.warnings >= 1
    assert (again.warnings, again.overdue, again.notices, again.notifications) == (0, 0, 0, 0)
    assert (ClockAlert.objects.count(), Notification.objects.count()) == counts

    staff, officer = district.users["street_a_staff"], district.users["officer"]
    step(wf.extension_request, m, staff, days=20, reason="需现场勘验", on=day)
    step(wf.extension_decide, m, officer, approve=True, on=day)
    extended = fresh(m).extended_to
    assert extended is not None and extended > due
    assert scan_clocks(day).warnings == 0  # the new deadline is not near yet
    scan_clocks(extended - timedelta(days=WARN))
    assert alerts(m, ClockKind.HANDLE) == [
        (ClockKind.HANDLE, AlertStage.WARNING, due),
        (ClockKind.HANDLE, AlertStage.WARNING, extended),
    ]


def test_route_clock_over_spring_festival_and_the_bureau_alone_hears_of_it(
    district: District,
) -> None:
    m = new_matter(district, received=date(2026, 2, 3))
    due = calendar.deadline(date(2026, 2, 3), int(settings.XINFANG["ROUTE_DAYS"]))
    assert due > date(2026, 2, 18)  # the 15th day falls in the Spring Festival holiday
    scan_clocks(due - timedelta(days=WARN + 1))
    assert alerts(m) == []
    scan_clocks(due - timedelta(days=WARN))
    assert alerts(m) == [(ClockKind.ROUTE, AlertStage.WARNING, due)]
    r = scan_clocks(due + timedelta(days=1))
    assert alerts(m)[-1] == (ClockKind.ROUTE, AlertStage.OVERDUE, due) and r.notices == 1
    assert told(m) == {
        "officer": ["登记转送交办期限即将到期", "登记转送交办期限已超期，已自动发起区级督办"],
        "supervisor": ["登记转送交办期限已超期，已自动发起区级督办"],
    }
    # routed at last: the clock stops, the next run says nothing more about it
    step(wf.matter_assign, fresh(m), district.users["officer"], unit=district.street_a, on=due)
    assert scan_clocks(due + timedelta(days=2)).warnings == 0


def test_return_window_warns_the_unit_only_and_never_goes_overdue(district: District) -> None:
    m = assigned(district, date(2025, 9, 26))
    window = fresh(m).assignments.get().return_due  # type: ignore[attr-defined]
    assert window == calendar.add_working_days(date(2025, 9, 26), 5)
    assert window > date(2025, 10, 8)  # five working days across National Day
    scan_clocks(window - timedelta(days=WARN))
    assert alerts(m, ClockKind.RETURN) == [(ClockKind.RETURN, AlertStage.WARNING, window)]
    assert told(m) == {"street_a_staff": ["退回期限即将到期"]}  # the unit's own business
    scan_clocks(window + timedelta(days=1))
    assert alerts(m, ClockKind.RETURN) == [(ClockKind.RETURN, AlertStage.WARNING, window)]


def _under_review(d: District) -> Matter:
    staff, desk = d.users["street_a_staff"], d.users["registrar"]
    m = assigned(d, date(2025, 11, 3))
    m = step(wf.reply_issue, m, staff, outcome=ReplyOutcome.NOT_SUPPORTED, on=date(2025, 12, 18))
    m = step(wf.reply_deliver, m, desk, on=date(2025, 12, 20))
    return step(wf.review_request, m, desk, on=date(2026, 1, 5))


def test_review_and_rereview_clocks_and_a_hearing_pauses_the_rereview(district: District) -> None:
    desk, officer = district.users["registrar"], district.users["officer"]
    m = _under_review(district)
    review_due = MatterWorkflow.objects.get(matter=m).review_due
    assert review_due is not None
    scan_clocks(review_due + timedelta(days=1))
    assert alerts(m, ClockKind.REVIEW) == [(ClockKind.REVIEW, AlertStage.OVERDUE, review_due)]
    assert "复查期限已超期，已自动发起区级督办" in told(m)["officer"]
    m = step(wf.review_decide, fresh(m), officer, outcome=ReplyOutcome.EXPLAINED, on=review_due)
    m = step(wf.review_deliver, m, desk, on=review_due + timedelta(days=1))
    m = step(wf.rereview_request, m, desk, on=review_due + timedelta(days=5))
    first_due = MatterWorkflow.objects.get(matter=m).rereview_due
    assert first_due is not None
    m = step(wf.hearing_start, m, officer, on=first_due - timedelta(days=10))
    # during the hearing the re-review clock stands still: no warning, no overdue
    scan_clocks(first_due - timedelta(days=WARN))
    scan_clocks(first_due + timedelta(days=3))
    assert alerts(m, ClockKind.REREVIEW) == []
    m = step(wf.hearing_end, m, officer, on=first_due + timedelta(days=3))
    new_due = MatterWorkflow.objects.get(matter=m).rereview_due
    assert new_due is not None and new_due > first_due
    scan_clocks(new_due + timedelta(days=1))
    assert alerts(m, ClockKind.REREVIEW) == [(ClockKind.REREVIEW, AlertStage.OVERDUE, new_due)]


def test_a_lapsed_review_window_tells_the_officers_the_matter_may_be_finalised(
    district: District,
) -> None:
    staff, desk = district.users["street_a_staff"], district.users["registrar"]
    m = assigned(district, date(2025, 8, 5))
    m = step(wf.reply_issue, m, staff, outcome=ReplyOutcome.SUPPORTED, on=date(2025, 8, 30))
    m = step(wf.reply_deliver, m, desk, on=date(2025, 9, 1))
    window = MatterWorkflow.objects.get(matter=m).review_request_due
    assert window is not None
    scan_clocks(window - timedelta(days=WARN))  # the petitioner's window does not warn staff
    scan_clocks(window)
    assert alerts(m, ClockKind.REVIEW_REQUEST) == []
    scan_clocks(window + timedelta(days=1))
    assert alerts(m, ClockKind.REVIEW_REQUEST) == [
        (ClockKind.REVIEW_REQUEST, AlertStage.OVERDUE, window)
    ]
    assert told(m)["officer"][-1] == "申请复查期限已过，可办理终结"
    assert not SupervisionNotice.objects.filter(matter=m).exists()


def test_supervision_clock_and_an_accusation_reaches_only_those_who_may_see_it(
    district: District,
) -> None:
    officer = district.users["officer"]
    m = assigned(district, date(2025, 8, 5), "discipline_staff", purpose=Purpose.ACCUSATION)
    notice = supervision.supervision_raise(
        actor=officer,
        matter=fresh(m),
        version=fresh(m).version,
        level=SupervisionLevel.CITY,
        reason="群众反映强烈",
        unit=district.discipline,
        due=date(2025, 9, 30),
        on=date(2025, 9, 1),
    )
    scan_clocks(notice.due - timedelta(days=WARN))
    assert alerts(m) == [(ClockKind.SUPERVISION, AlertStage.WARNING, notice.due)]
    # the supervisor reads no accusation; street and housing units are not its handlers
    assert told(m) == {"officer": ["督办期限即将到期"], "discipline_staff": ["督办期限即将到期"]}
    due = fresh(m).handling_deadline
    assert due is not None
    scan_clocks(due + timedelta(days=1))
    recipients = set(told(m))
    assert recipients == {"officer", "discipline_staff"}


def test_a_street_hears_only_of_its_own_assignments(district: District) -> None:
    a = assigned(district, date(2025, 8, 5), "street_a_staff")
    b = assigned(district, date(2025, 8, 5), "street_b_staff", locality=district.street_b)
    due = fresh(a).handling_deadline
    assert due is not None and due == fresh(b).handling_deadline
    scan_clocks(due - timedelta(days=WARN))
    assert told(a) == {"street_a_staff": ["办理期限即将到期"]}
    assert told(b) == {"street_b_staff": ["办理期限即将到期"]}
    scan_clocks(due + timedelta(days=1))  # overdue: the bureau hears of it too
    assert set(told(a)) == {"officer", "supervisor", "street_a_staff"}
    assert set(told(b)) == {"officer", "supervisor", "street_b_staff"}


def test_the_officer_hears_the_warnings_of_what_the_bureau_handles_itself(
    district: District,
) -> None:
    m = new_matter(district, received=date(2025, 8, 1))
    m = step(wf.matter_accept, m, district.users["officer"], on=date(2025, 8, 5))
    due = fresh(m).handling_deadline
    assert due is not None
    scan_clocks(due - timedelta(days=WARN))
    assert told(m) == {"officer": ["办理期限即将到期"]}


def test_a_missing_holiday_year_skips_those_clocks_and_tells_the_admins_once(
    district: District,
) -> None:
    last = max(calendar.current_calendar().years)
    m = new_matter(district, received=date(2025, 8, 1))
    Matter.objects.filter(pk=m.pk).update(first_received_on=date(last, 12, 28))
    day = date(last + 1, 1, 20)
    r = scan_clocks(day)
    assert r.missing_years == [last + 1]
    assert alerts(m) == []
    admin_notes = Notification.objects.filter(recipient=district.users["admin"])
    [note] = admin_notes
    assert note.text.startswith(f"{last + 1}年的节假日安排尚未录入") and note.matter is None
    scan_clocks(day)
    assert admin_notes.count() == 1


def test_a_forwarded_matter_must_be_accepted_in_fifteen_days(district: District) -> None:
    m = new_matter(district, received=date(2025, 9, 15))
    m = step(
        wf.matter_forward, m, district.users["officer"], unit=district.housing, on=date(2025, 9, 18)
    )
    due = calendar.deadline(date(2025, 9, 18), 15)
    assert due == date(2025, 10, 9)  # day 15 is in National Day
    scan_clocks(due - timedelta(days=WARN))
    assert alerts(m, ClockKind.ACCEPT) == [(ClockKind.ACCEPT, AlertStage.WARNING, due)]
    assert told(m) == {"housing_staff": ["受理告知期限即将到期"]}  # the organ's own business
    scan_clocks(due + timedelta(days=1))
    assert alerts(m, ClockKind.ACCEPT)[-1] == (ClockKind.ACCEPT, AlertStage.OVERDUE, due)
    assert "受理告知期限已超期" in told(m)["officer"]  # the bureau hears once it is late
    assert not SupervisionNotice.objects.filter(matter=m).exists()
    # once signed for (accepted), the clock stops: a later scan raises nothing for it
    step(wf.assignment_receive, m, district.users["housing_staff"], on=date(2025, 10, 10))
    before = len(alerts(m, ClockKind.ACCEPT))
    scan_clocks(date(2025, 10, 20))
    assert len(alerts(m, ClockKind.ACCEPT)) == before

"""Trust, item 4: a typed step date may not precede the previous step nor pass today, and lies
before today only within the backdating window unless a 督查 approved it; every event keeps the
day it was entered; an evaluation is given once per delivered opinion (xinfang.workflow.entry)."""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.demo.live import demo_years_enter
from xinfang.intake.models import Matter
from xinfang.workflow import entry
from xinfang.workflow import services as wf
from xinfang.workflow import supervision as sv
from xinfang.workflow.models import Assignment, BackdateApproval
from xinfang.workflow.selectors import queues_for
from xinfang.workflow.states import MatterStatus

from .api_support import api_for
from .conftest import TZ, District, register
from .views_support import client_for

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)  # a Monday: the window of 3 working days reaches back to Wed 2 Dec
_real_localdate = timezone.localdate


@pytest.fixture(autouse=True)
def _recording_history() -> Iterator[None]:
    # overrides conftest's: here the window binds, and set-ups say when they record history
    yield


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch, db: None) -> None:
    demo_years_enter(TODAY, date(2027, 6, 30))  # the clocks of November's matters reach 2027

    def localdate(value: Any = None, timezone: Any = None) -> date:
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def fresh(m: Matter) -> Matter:
    return Matter.objects.get(pk=m.pk)


def last_event(m: Matter) -> AuditEvent:
    return AuditEvent.objects.filter(matter=m, action__startswith="workflow.").latest("id")


def received(district: District, *, on: date, assigned: date) -> Matter:
    """A matter assigned to 东风街道 and signed for, recorded as history."""
    u = district.users
    when = datetime(assigned.year, assigned.month, assigned.day - 1, 9, 0, tzinfo=TZ)
    m = register(district, locality=district.street_a, when=when)
    with entry.recording_history("tests"):
        m = wf.matter_assign(
            actor=u["officer"], matter=m, version=m.version, unit=district.street_a, on=assigned
        )
        return wf.assignment_receive(actor=u["street_a_staff"], matter=m, version=m.version, on=on)


def test_the_window_is_three_working_days_by_default() -> None:
    assert entry.window_days() == 3
    assert entry.window_start(TODAY) == date(2026, 12, 2)  # Fri 4, Thu 3, Wed 2
    assert entry.window_start(date(2026, 12, 9)) == date(2026, 12, 4)  # over the weekend


def test_a_late_return_is_not_let_through_by_an_earlier_typed_date(district: District) -> None:
    m = received(district, on=date(2026, 11, 5), assigned=date(2026, 11, 4))
    staff = district.users["street_a_staff"]
    assert Assignment.objects.get(matter=m).return_due == date(2026, 11, 12)
    with pytest.raises(InputError, match="退回期限（2026年11月12日）已过"):
        wf.assignment_return(actor=staff, matter=m, version=m.version, reason="非本单位", on=TODAY)
    # the finding: the same 退回 typed on the last day of its window went through
    with pytest.raises(InputError, match=r"补录期限为3个工作日，只能填2026年12月2日及以后"):
        wf.assignment_return(
            actor=staff, matter=m, version=m.version, reason="非本单位", on=date(2026, 11, 12)
        )
    assert fresh(m).status == MatterStatus.IN_HANDLING
    assert fresh(m).version == m.version


def test_a_date_before_the_previous_step_or_after_today_is_refused(district: District) -> None:
    m = received(district, on=date(2026, 12, 3), assigned=date(2026, 12, 2))
    staff = district.users["street_a_staff"]
    with pytest.raises(InputError, match=r"不能早于本事项上一步的日期（2026年12月3日）"):
        wf.handling_record(
            actor=staff, matter=m, version=m.version, notes="走访", on=date(2026, 12, 2)
        )
    with pytest.raises(InputError, match="不能晚于今天"):
        wf.handling_record(
            actor=staff, matter=m, version=m.version, notes="走访", on=date(2026, 12, 8)
        )
    assert entry.earliest_day(fresh(m)) == date(2026, 12, 3)
    # inside the window, on or after the previous step: recorded with the day it was entered
    m = wf.handling_record(
        actor=staff, matter=m, version=m.version, notes="走访", on=date(2026, 12, 4)
    )
    data = last_event(m).data
    assert data["on"] == "2026-12-04" and data["entered_on"] == "2026-12-07"
    assert "late_entry" not in data and "history" not in data


def test_a_reply_six_months_late_is_refused_or_recorded_as_approved_late(
    district: District,
) -> None:
    u = district.users
    m = received(district, on=date(2026, 5, 6), assigned=date(2026, 5, 5))
    typed = date(2026, 6, 30)  # within the 60 days: it would say "on_time": true
    with pytest.raises(InputError, match="补录期限为3个工作日"):
        wf.reply_issue(
            actor=u["street_a_staff"], matter=m, version=m.version, outcome="supported", on=typed
        )
    assert fresh(m).replied_on is None
    # only a 督查 approves, with a reason, a day outside the window
    with pytest.raises(PermissionRefusedError):
        entry.backdate_approve(
            actor=u["officer"], matter=m, version=m.version, step="reply", reason="x", on=typed
        )
    with pytest.raises(InputError, match="无需批准"):
        entry.backdate_approve(
            actor=u["supervisor"],
            matter=m,
            version=m.version,
            step="reply",
            reason="x",
            on=date(2026, 12, 3),
        )
    with pytest.raises(InputError, match="补录理由"):
        entry.backdate_approve(
            actor=u["supervisor"], matter=m, version=m.version, step="reply", reason=" ", on=typed
        )
    approval = entry.backdate_approve(
        actor=u["supervisor"],
        matter=m,
        version=m.version,
        step="reply",
        reason="系统故障期间纸质出具，已核对原件",
        on=typed,
    )
    ok = AuditEvent.objects.get(matter=m, action="workflow.backdate_approve")
    assert ok.actor == u["supervisor"] and ok.data["day"] == "2026-06-30"
    m = wf.reply_issue(
        actor=u["street_a_staff"], matter=m, version=m.version, outcome="supported", on=typed
    )
    data = last_event(m).data
    assert data["on"] == "2026-06-30" and data["entered_on"] == "2026-12-07"
    assert data["late_entry"] is True
    assert data["backdate"] == {
        "approval": approval.pk,
        "by": str(u["supervisor"]),
        "reason": "系统故障期间纸质出具，已核对原件",
    }
    assert BackdateApproval.objects.get(pk=approval.pk).used_at is not None


def test_an_approval_is_used_once(district: District) -> None:
    u = district.users
    m = received(district, on=date(2026, 5, 6), assigned=date(2026, 5, 5))
    entry.backdate_approve(
        actor=u["supervisor"],
        matter=m,
        version=m.version,
        step="record_handling",
        reason="补登走访",
        on=date(2026, 5, 8),
    )
    staff = u["street_a_staff"]
    m = wf.handling_record(
        actor=staff, matter=m, version=m.version, notes="一", on=date(2026, 5, 8)
    )
    with pytest.raises(InputError, match="补录期限"):
        wf.handling_record(
            actor=staff, matter=m, version=m.version, notes="二", on=date(2026, 5, 8)
        )


def test_supervision_acts_keep_the_window_too(district: District) -> None:
    m = register(district, locality=district.street_a, when=datetime(2026, 6, 1, 9, tzinfo=TZ))
    with pytest.raises(InputError, match="补录期限为3个工作日"):
        sv.instruction_add(
            actor=district.users["leader"],
            matter=m,
            version=m.version,
            text="请依法处理",
            on=date(2026, 6, 2),
        )
    done = sv.instruction_add(
        actor=district.users["leader"], matter=m, version=m.version, text="请依法处理"
    )
    assert done.given_on == TODAY
    assert last_event(m).data["entered_on"] == "2026-12-07"


def _delivered(district: District) -> Matter:
    u = district.users
    m = received(district, on=date(2026, 8, 4), assigned=date(2026, 8, 3))
    with entry.recording_history("tests"):
        m = wf.reply_issue(
            actor=u["street_a_staff"],
            matter=m,
            version=m.version,
            outcome="explained",
            on=date(2026, 8, 20),
        )
        m = wf.reply_deliver(
            actor=u["registrar"], matter=m, version=m.version, on=date(2026, 8, 24)
        )
        m = wf.matter_finalise(
            actor=u["officer"], matter=m, version=m.version, on=date(2026, 10, 15)
        )
    assert m.status == MatterStatus.FINAL
    return m


def test_an_evaluation_on_a_final_matter_is_not_overwritten(district: District) -> None:
    desk = district.users["registrar"]
    m = _delivered(district)
    m = wf.evaluation_record(actor=desk, matter=m, version=m.version, evaluation="dissatisfied")
    for second in ("satisfied", "basically_satisfied"):
        with pytest.raises(InputError, match="每份送达的意见只评价一次"):
            wf.evaluation_record(actor=desk, matter=m, version=m.version, evaluation=second)
    assert (fresh(m).evaluation, fresh(m).evaluated_on) == ("dissatisfied", TODAY)
    assert AuditEvent.objects.filter(matter=m, action="workflow.evaluate").count() == 1


def test_the_step_form_and_the_api_refuse_a_date_beyond_the_window(district: District) -> None:
    m = received(district, on=date(2026, 11, 5), assigned=date(2026, 11, 4))
    url = reverse("workflow:matter_action", args=[m.pk, "return"])
    response = client_for(district, "street_a_staff").post(
        url, {"version": m.version, "reason": "非本单位", "on": "2026-11-12"}
    )
    assert response.status_code == 400
    assert "补录期限为3个工作日" in response.content.decode()
    status, body = api_for(district, "street_a_staff").post(
        f"/api/v1/matters/{m.pk}/actions/return/",
        {"version": m.version, "reason": "非本单位", "on": "2026-11-12"},
    )
    assert status == 400 and "补录期限为3个工作日" in str(body)
    assert fresh(m).status == MatterStatus.IN_HANDLING


def test_a_supervisor_approves_on_the_page_and_the_late_entry_is_flagged(
    district: District,
) -> None:
    m = received(district, on=date(2026, 10, 10), assigned=date(2026, 10, 9))  # due 8 Dec
    sup = client_for(district, "supervisor")
    url = reverse("workflow:matter_action", args=[m.pk, "backdate_approve"])
    assert "批准补录" in sup.get(url).content.decode()
    response = sup.post(
        url, {"version": m.version, "step": "record_handling", "reason": "补登", "on": "2026-11-20"}
    )
    assert response.status_code == 302, response.content.decode()
    staff = client_for(district, "street_a_staff")
    response = staff.post(
        reverse("workflow:matter_action", args=[m.pk, "record_handling"]),
        {"version": fresh(m).version, "notes": "现场走访", "on": "2026-11-20"},
    )
    assert response.status_code == 302, response.content.decode()
    page = staff.get(reverse("intake:matter_detail", args=[m.pk])).content.decode()
    assert "补录</span>" in page
    rows = [
        r
        for q in queues_for(district.users["street_a_staff"], TODAY)
        for r in q.rows
        if getattr(r, "matter", None) == m
    ]
    assert rows and all(r.late_entry for r in rows)  # type: ignore[union-attr]
    assert (
        "补录</span>"
        in client_for(district, "officer").get(reverse("workflow:queues")).content.decode()
    )


def test_history_is_said_on_every_event_it_writes(district: District) -> None:
    m = received(district, on=date(2026, 3, 3), assigned=date(2026, 3, 2))
    for event in AuditEvent.objects.filter(matter=m, action__startswith="workflow."):
        assert event.data["history"] == "tests" and event.data["entered_on"] == "2026-12-07"
        assert "late_entry" not in event.data

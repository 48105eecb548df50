"""Workflow: the bureau's routing and the handling unit's receipt and return, with their guards."""

from datetime import date

import pytest

from xinfang.accounts.models import Role
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.intake.choices import HandlingMethod, Purpose
from xinfang.workflow import calendar
from xinfang.workflow import services as wf
from xinfang.workflow.models import Assignment, MatterWorkflow
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.transitions import LegalChannel

from .conftest import District, make_user
from .workflow_support import events, fresh, new_matter, step

pytestmark = pytest.mark.django_db
DAY = date(2025, 8, 5)  # clocks from "today" would need the 2027 calendar, not yet announced


def test_accept_starts_a_60_day_clock_that_ends_after_national_day_2025(
    district: District,
) -> None:
    m = new_matter(district)
    m = step(wf.matter_accept, m, district.users["officer"], on=date(2025, 8, 5))
    assert m.status == MatterStatus.IN_HANDLING
    assert m.handling_method == HandlingMethod.ACCEPT
    assert m.decided_on == date(2025, 8, 5)
    # 5 Aug + 60 = 4 Oct, a holiday of National Day 2025: the clock ends on Thursday 9 Oct
    assert m.handling_deadline == calendar.deadline(date(2025, 8, 5), 60) == date(2025, 10, 9)
    assert events(m)[-1].action == "workflow.accept"


def test_decline_keeps_its_reason_and_refuses_an_empty_one(district: District) -> None:
    m = new_matter(district)
    officer = district.users["officer"]
    with pytest.raises(InputError, match="理由"):
        wf.matter_decline(actor=officer, matter=m, version=m.version, reason="  ")
    assert events(m) == []
    m = step(wf.matter_decline, m, officer, reason="不属于信访事项", on=date(2025, 8, 3))
    assert m.status == MatterStatus.DECLINED
    assert (m.handling_method, m.decided_on) == (HandlingMethod.DECLINE, date(2025, 8, 3))
    assert MatterWorkflow.objects.get(matter=m).decline_reason == "不属于信访事项"


def test_sort_by_law_records_the_channel_the_petitioner_is_told(district: District) -> None:
    m = new_matter(district)
    officer = district.users["officer"]
    with pytest.raises(InputError, match="途径"):
        wf.matter_sort_by_law(actor=officer, matter=m, version=m.version, channel="court")
    m = step(wf.matter_sort_by_law, m, officer, channel=LegalChannel.ARBITRATION)
    assert m.status == MatterStatus.LEGAL_CHANNEL
    assert m.handling_method == HandlingMethod.LEGAL_CHANNEL
    assert MatterWorkflow.objects.get(matter=m).legal_channel == "arbitration"
    assert events(m)[-1].data["channel"] == "arbitration"


def test_assign_receive_return_within_five_working_days_then_reassign(
    district: District,
) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    m = new_matter(district)
    m = step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 9, 22))
    assert m.status == MatterStatus.ASSIGNED
    assert m.responsible_unit == district.street_a
    first = Assignment.objects.get(matter=m)
    assert first.due == m.handling_deadline == calendar.deadline(date(2025, 9, 22), 60)

    m = step(wf.assignment_receive, m, staff, on=date(2025, 9, 26))
    first.refresh_from_db()
    # Fri 26 Sep: Sun 28 Sep is a swapped working day, 1-8 Oct are off: 28, 29, 30 Sep, 9, 10 Oct
    assert first.return_due == calendar.add_working_days(date(2025, 9, 26), 5)
    assert first.return_due == date(2025, 10, 10)

    m = step(wf.assignment_return, m, staff, reason="属区住建局职责", on=date(2025, 10, 10))
    assert m.status == MatterStatus.RETURNED
    first.refresh_from_db()
    assert (first.active, first.return_reason) == (False, "属区住建局职责")

    m = step(wf.matter_forward, m, officer, unit=district.housing, on=date(2025, 10, 13))
    assert m.status == MatterStatus.ASSIGNED
    assert m.handling_method == HandlingMethod.FORWARD
    assert Assignment.objects.get(matter=m, active=True).unit == district.housing
    assert [e.action for e in events(m)] == [
        "workflow.assign",
        "workflow.receive",
        "workflow.return",
        "workflow.forward",
    ]


def test_a_return_after_the_window_is_refused_and_changes_nothing(district: District) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    m = new_matter(district)
    m = step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 9, 22))
    m = step(wf.assignment_receive, m, staff, on=date(2025, 9, 26))
    with pytest.raises(InputError, match="2025年10月10日"):
        # Saturday 11 Oct 2025 is a swapped working day, the sixth after receipt
        wf.assignment_return(
            actor=staff, matter=m, version=m.version, reason="非本单位", on=date(2025, 10, 11)
        )
    assert fresh(m).status == MatterStatus.IN_HANDLING
    assert fresh(m).version == m.version
    assert len(events(m)) == 2


def test_accusations_go_only_to_discipline_organs(district: District) -> None:
    officer = district.users["officer"]
    m = new_matter(district, purpose=Purpose.ACCUSATION)
    for service in (wf.matter_assign, wf.matter_forward):
        with pytest.raises(InputError, match="纪检监察机关"):
            service(actor=officer, matter=m, version=m.version, unit=district.housing, on=DAY)
    assert not Assignment.objects.filter(matter=m).exists()
    assert events(m) == []
    m = step(wf.matter_assign, m, officer, unit=district.discipline, on=DAY)
    assert Assignment.objects.get(matter=m).unit == district.discipline
    m = step(wf.assignment_receive, m, district.users["discipline_staff"], on=DAY)
    assert m.status == MatterStatus.IN_HANDLING


def test_wrong_roles_and_wrong_units_are_refused(district: District) -> None:
    users = district.users
    m = new_matter(district)
    for who in ("registrar", "street_a_staff", "leader", "admin"):
        with pytest.raises(PermissionRefusedError, match="受理"):
            wf.matter_accept(actor=users[who], matter=m, version=m.version, on=DAY)
    m = step(wf.matter_assign, m, users["officer"], unit=district.street_a, on=DAY)
    with pytest.raises(PermissionRefusedError, match="未交办本单位"):
        wf.assignment_receive(actor=users["street_b_staff"], matter=m, version=m.version)
    with pytest.raises(PermissionRefusedError):
        wf.assignment_receive(actor=users["officer"], matter=m, version=m.version)
    assert fresh(m).status == MatterStatus.ASSIGNED
    assert len(events(m)) == 1


def test_wrong_state_is_refused(district: District) -> None:
    officer = district.users["officer"]
    m = step(wf.matter_accept, new_matter(district), officer, on=DAY)
    with pytest.raises(ConflictError, match=r"办理中.*不能受理"):
        wf.matter_accept(actor=officer, matter=m, version=m.version, on=DAY)
    with pytest.raises(ConflictError, match="不能申请复查"):
        wf.review_request(actor=officer, matter=m, version=m.version)
    assert len(events(m)) == 1


def test_a_second_attempt_with_the_old_version_gets_a_conflict_not_a_lost_update(
    district: District,
) -> None:
    officer = district.users["officer"]
    m = new_matter(district)
    seen = m.version
    wf.matter_accept(actor=officer, matter=m, version=seen, on=DAY)
    with pytest.raises(ConflictError, match=r"已被他人更新.*请刷新后重试"):
        wf.matter_decline(actor=officer, matter=m, version=seen, reason="重复")
    m = fresh(m)
    assert (m.status, m.handling_method, m.version) == ("in_handling", "accept", seen + 1)
    assert [e.action for e in events(m)] == ["workflow.accept"]


def test_a_date_in_the_future_is_refused(district: District) -> None:
    m = new_matter(district)
    with pytest.raises(InputError, match="不能晚于今天"):
        wf.matter_accept(
            actor=district.users["officer"], matter=m, version=m.version, on=date(2099, 1, 4)
        )


def test_a_date_before_the_first_registration_is_refused(district: District) -> None:
    m = new_matter(district, received=date(2025, 8, 1))
    with pytest.raises(InputError, match="不能早于首次登记日期（2025年8月1日）"):
        wf.matter_accept(
            actor=district.users["officer"], matter=m, version=m.version, on=date(2025, 7, 31)
        )
    assert events(m) == []


def test_only_the_assigned_unit_itself_acts_and_may_refuse_before_signing(
    district: District,
) -> None:
    m = new_matter(district)
    m = step(wf.matter_assign, m, district.users["officer"], unit=district.street_a, on=DAY)
    village_staff = make_user("village_staff", Role.UNIT_STAFF, district.village_a)
    with pytest.raises(PermissionRefusedError, match="未交办本单位"):
        wf.assignment_receive(actor=village_staff, matter=m, version=m.version, on=DAY)
    staff = district.users["street_a_staff"]
    # not signed for: the 5 working days run from the assignment (Tue 5 Aug -> Tue 12 Aug 2025)
    with pytest.raises(InputError, match="2025年8月12日"):
        wf.assignment_return(
            actor=staff, matter=m, version=m.version, reason="非本单位", on=date(2025, 8, 13)
        )
    stale = m.version
    m = step(wf.assignment_return, m, staff, reason="非本单位", on=date(2025, 8, 12))
    assert m.status == MatterStatus.RETURNED
    # a colleague who still sees it as theirs is told someone moved it, not that it never was
    with pytest.raises(ConflictError, match="已被他人更新（当前状态「已退回待重新交办」）"):
        wf.assignment_receive(actor=staff, matter=m, version=stale, on=date(2025, 8, 12))
    with pytest.raises(PermissionRefusedError, match="未交办本单位"):
        wf.assignment_receive(actor=staff, matter=m, version=m.version, on=date(2025, 8, 12))


def test_a_new_unit_starts_without_the_returned_units_extension(district: District) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    m = new_matter(district)
    m = step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 8, 4))
    m = step(wf.assignment_receive, m, staff, on=date(2025, 8, 5))
    m = step(wf.extension_request, m, staff, days=20, reason="需现场核查", on=date(2025, 8, 6))
    m = step(wf.assignment_return, m, staff, reason="属区住建局职责", on=date(2025, 8, 7))
    m = step(wf.matter_assign, m, officer, unit=district.housing, on=date(2025, 8, 8))
    flow = MatterWorkflow.objects.get(matter=m)
    assert (flow.extension_requested_on, flow.extension_days, flow.extension_reason) == (
        None,
        None,
        "",
    )
    assert events(m)[-1].data["cleared_extension"] == {
        "days": 20,
        "requested_on": "2025-08-06",
        "approved": None,
    }
    # the old request can no longer be approved for the new unit; the new unit may ask its own
    with pytest.raises(ConflictError):
        wf.extension_decide(actor=officer, matter=m, version=m.version, approve=True)
    housing_staff = district.users["housing_staff"]
    m = step(wf.assignment_receive, m, housing_staff, on=date(2025, 8, 11))
    m = step(wf.extension_request, m, housing_staff, days=10, reason="需鉴定", on=date(2025, 8, 12))
    assert MatterWorkflow.objects.get(matter=m).extension_days == 10

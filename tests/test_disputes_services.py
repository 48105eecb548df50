"""Disputes end to end with time travel: a village records a dispute, its 15 days pass, the
clock scan raises it to the street and tells the street; the street mediates (调解不成). And the
checks: each bad input a Chinese error with nothing written.

Dates from the 2026 arrangement: 03-02 (Mon) + 15 calendar days = 03-17 (Tue, a working day),
the village's last day; the scan of 03-14 warns (3 days before), the scan of 03-18 raises it.
At the street from 03-18: + 15 = 04-02 (Thu, a working day).
"""

from datetime import date

import pytest

from tests.conftest import District, make_user
from xinfang.accounts.models import Role
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.disputes import services
from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeSource,
    DisputeStatus,
    EscalationReason,
    MediationKind,
    MediationResult,
    NextStep,
    Risk,
)
from xinfang.disputes.models import Dispute, DisputeAlert, Escalation, Mediation, MonthlyReport
from xinfang.intake.models import Category
from xinfang.notifications.models import Notification
from xinfang.workflow.clockscan import scan_clocks

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(district: District):  # type: ignore[no-untyped-def]
    return make_user("village_clerk", Role.UNIT_STAFF, district.village_a)


def _input(district: District, **kw: object) -> services.DisputeInput:
    data = {
        "found_on": date(2026, 3, 2),
        "source": DisputeSource.ROUTINE,
        "place": district.village_a,
        "parties": 2,
        "description": "相邻两户因宅基地界址发生争执",
        "risk": Risk.MEDIUM,
        "category": Category.objects.get(name="物业管理"),
    }
    data.update(kw)
    return services.DisputeInput(**data)  # type: ignore[arg-type]


def test_village_to_street_by_the_scan_then_mediation_fails(district: District, clerk) -> None:  # type: ignore[no-untyped-def]
    dispute = services.record_dispute(actor=clerk, data=_input(district))
    assert dispute.number == "JF202600001"
    assert (dispute.level, dispute.owner_unit, dispute.level_due) == (
        DisputeLevel.VILLAGE,
        district.village_a,
        date(2026, 3, 17),
    )
    assert dispute.street_unit == district.street_a
    assert dispute.district_unit == district.district

    # 03-14: three days before the village's last day — 预警 to the village's clerk only
    first = scan_clocks(date(2026, 3, 14), send=False)
    assert DisputeAlert.objects.filter(stage="warning").count() == 1
    warned = Notification.objects.filter(key__startswith="dispute:")
    assert [n.recipient.username for n in warned] == ["village_clerk"]
    assert "即将到期" in warned[0].text
    assert first.disputes_raised == 0

    # 03-17 is still the village's day: nothing rises
    assert scan_clocks(date(2026, 3, 17), send=False).disputes_raised == 0
    dispute.refresh_from_db()
    assert dispute.level == DisputeLevel.VILLAGE

    # 03-18: passed — raised to the street, the street's staff told
    result = scan_clocks(date(2026, 3, 18), send=False)
    assert result.disputes_raised == 1
    dispute.refresh_from_db()
    assert (dispute.level, dispute.owner_unit, dispute.level_since, dispute.level_due) == (
        DisputeLevel.STREET,
        district.street_a,
        date(2026, 3, 18),
        date(2026, 4, 2),
    )
    row = Escalation.objects.get(dispute=dispute)
    assert (row.on, row.from_level, row.to_level, row.reason) == (
        date(2026, 3, 18),
        DisputeLevel.VILLAGE,
        DisputeLevel.STREET,
        EscalationReason.AUTO,
    )
    told = Notification.objects.filter(key__startswith="dispute:", kind="overdue")
    assert [n.recipient.username for n in told] == ["street_a_staff"]
    assert told[0].text == "JF202600001 矛盾纠纷（2026-03-17）已超期未化解，已升级至本单位"

    # the same day again: nothing twice
    again = scan_clocks(date(2026, 3, 18), send=False)
    assert again.disputes_raised == 0
    assert Escalation.objects.count() == 1
    assert Notification.objects.filter(key__startswith="dispute:").count() == 2

    # the village may no longer act on it; the street mediates
    with pytest.raises(PermissionRefusedError):
        services.settle(actor=clerk, dispute=dispute, on=date(2026, 3, 19))
    street = district.users["street_a_staff"]
    mediation = services.mediation_start(
        actor=street,
        dispute=dispute,
        kind=MediationKind.PEOPLE,
        mediator="东风街道人民调解委员会",
        started_on=date(2026, 3, 20),
    )
    services.mediation_session_add(
        actor=street,
        mediation=mediation,
        held_on=date(2026, 3, 24),
        parties_present=2,
        positions="甲方要求按老界址；乙方要求按确权图",
    )
    services.mediation_conclude(
        actor=street,
        mediation=mediation,
        result=MediationResult.FAILURE,
        on=date(2026, 3, 26),
        failure_reason="双方对确权图有争议",
        next_step=NextStep.AGAIN,
    )
    mediation.refresh_from_db()
    dispute.refresh_from_db()
    assert (mediation.result, mediation.next_step, mediation.level) == (
        MediationResult.FAILURE,
        NextStep.AGAIN,
        DisputeLevel.STREET,
    )
    assert dispute.status == DisputeStatus.OPEN
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"dispute.record", "dispute.mediation_start", "dispute.mediation_conclude"} <= actions


def test_street_to_district_the_top(district: District) -> None:
    street = district.users["street_a_staff"]
    dispute = services.record_dispute(
        actor=street, data=_input(district, level=DisputeLevel.STREET, number="JF-S-1")
    )
    assert dispute.owner_unit == district.street_a
    scan_clocks(date(2026, 3, 18), send=False)
    dispute.refresh_from_db()
    assert (dispute.level, dispute.owner_unit, dispute.level_due) == (
        DisputeLevel.DISTRICT,
        district.district,
        date(2026, 4, 17),  # 区县's own 30 days (tests/test_disputes_top.py: what happens then)
    )
    told = Notification.objects.filter(key__startswith="dispute:", kind="overdue")
    assert [n.recipient.username for n in told] == ["officer"]
    with pytest.raises(InputError, match="已在区县层级"):
        services.escalate(actor=district.users["officer"], dispute=dispute, on=date(2026, 3, 19))


def test_success_settles_and_rescreen(district: District, clerk) -> None:  # type: ignore[no-untyped-def]
    dispute = services.record_dispute(actor=clerk, data=_input(district))
    mediation = services.mediation_start(
        actor=clerk,
        dispute=dispute,
        kind=MediationKind.PEOPLE,
        mediator="东风社区调解组",
        started_on=date(2026, 3, 3),
    )
    with pytest.raises(InputError, match="至少一次调解记录"):
        services.mediation_conclude(
            actor=clerk, mediation=mediation, result=MediationResult.SUCCESS, on=date(2026, 3, 4)
        )
    services.mediation_session_add(
        actor=clerk,
        mediation=mediation,
        held_on=date(2026, 3, 4),
        parties_present=2,
        positions="双方同意按确权图划界",
    )
    with pytest.raises(InputError, match="协议内容"):
        services.mediation_conclude(
            actor=clerk, mediation=mediation, result=MediationResult.SUCCESS, on=date(2026, 3, 4)
        )
    services.mediation_conclude(
        actor=clerk,
        mediation=mediation,
        result=MediationResult.SUCCESS,
        on=date(2026, 3, 4),
        agreement="按确权图划定界址，各自砌墙",
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.settled_on, dispute.settled_level) == (
        DisputeStatus.SETTLED,
        date(2026, 3, 4),
        DisputeLevel.VILLAGE,
    )
    # settled: the scan leaves it alone
    assert scan_clocks(date(2026, 3, 18), send=False).disputes_raised == 0
    again = services.rescreen(
        actor=clerk, dispute=dispute, data=_input(district, found_on=date(2026, 4, 1))
    )
    assert (again.rescreened, again.rescreen_of) == (True, dispute)
    with pytest.raises(InputError, match="尚未化解"):
        services.rescreen(actor=clerk, dispute=again, data=_input(district))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": "别的"}, "来源应为"),
        ({"risk": "极高"}, "风险等级应为"),
        ({"parties": 0}, "涉及人数至少为1"),
        ({"description": "  "}, "请填写纠纷情况"),
        ({"found_on": date(2099, 1, 1)}, "排查日期不能晚于今天"),
        ({"source": DisputeSource.SPECIAL}, "请选择所属专项排查"),
        ({"level": "省"}, "当前层级应为"),
    ],
)
def test_bad_input_writes_nothing(district: District, clerk, change, message) -> None:  # type: ignore[no-untyped-def]
    events = AuditEvent.objects.count()
    with pytest.raises(InputError, match=message):
        services.record_dispute(actor=clerk, data=_input(district, **change))
    assert Dispute.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_place_outside_the_unit_is_refused(district: District, clerk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionRefusedError):
        services.record_dispute(actor=district.users["street_b_staff"], data=_input(district))
    with pytest.raises(PermissionRefusedError):
        services.record_dispute(actor=district.users["leader"], data=_input(district))
    assert Dispute.objects.count() == 0


def test_monthly_report_and_zero_report(district: District, clerk) -> None:  # type: ignore[no-untyped-def]
    dispute = services.record_dispute(actor=clerk, data=_input(district))
    report = services.report_submit(
        actor=clerk, unit=district.village_a, month=date(2026, 3, 1), disputes=[dispute]
    )
    assert (report.zero, list(report.disputes.all())) == (False, [dispute])
    with pytest.raises(InputError, match="已报送"):
        services.report_submit(actor=clerk, unit=district.village_a, month=date(2026, 3, 9))
    with pytest.raises(InputError, match="排查日期不在2026年4月"):
        services.report_submit(
            actor=clerk, unit=district.village_a, month=date(2026, 4, 1), disputes=[dispute]
        )
    zero = services.report_submit(actor=clerk, unit=district.village_a, month=date(2026, 4, 1))
    assert zero.zero
    assert MonthlyReport.objects.count() == 2
    services.feedback_give(
        actor=clerk, report=report, dispute=dispute, text="已调解", on=date(2026, 4, 2)
    )
    with pytest.raises(InputError, match="不在该月的排查报送中"):
        services.feedback_give(
            actor=clerk, report=zero, dispute=dispute, text="x", on=date(2026, 4, 2)
        )
    assert Mediation.objects.count() == 0


def test_a_campaign_only_for_a_unit_in_ones_own_area(district: District, clerk) -> None:  # type: ignore[no-untyped-def]
    """专项排查 of another street (or of the district above) is refused, nothing written; one's
    own unit and a unit below it are organised."""
    street_b_staff = district.users["street_b_staff"]
    days = {"starts_on": date(2026, 3, 2), "ends_on": date(2026, 3, 31)}
    for unit in (district.street_a, district.district):
        with pytest.raises(PermissionRefusedError, match="不在您的单位范围内"):
            services.campaign_create(actor=street_b_staff, name="夏季排查", unit=unit, **days)
    assert not services.ScreeningCampaign.objects.exists()
    own = services.campaign_create(
        actor=street_b_staff, name="夏季排查", unit=district.street_b, **days
    )
    below = services.campaign_create(
        actor=district.users["street_a_staff"], name="夏季排查", unit=district.village_a, **days
    )
    assert (own.unit, below.unit) == (district.street_b, district.village_a)

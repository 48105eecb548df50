"""A dispute with no level above it: the clock goes overdue once and tells its own owner; a
missing level is skipped on the way up (by the scan and by hand).

Dates from the 2026 arrangement, counted by hand: 03-02 + 15 calendar days = 03-17 (Tue);
03-02 + 30 = 04-01 (Wed); 03-18 + 30 = 04-17 (Fri) — all working days; 03-05 + 30 = 04-04
falls in 清明 (04-04 … 04-06 off), so 04-07.
"""

from datetime import date

import pytest

from tests.conftest import District, make_user
from xinfang.accounts.models import Role
from xinfang.core.errors import InputError
from xinfang.disputes import services
from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeSource,
    EscalationReason,
    MediationKind,
    MediationResult,
    NextStep,
    Risk,
)
from xinfang.disputes.models import Dispute, DisputeAlert, Escalation
from xinfang.notifications.models import Notification
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.services import unit_create
from xinfang.workflow.clockscan import scan_clocks

pytestmark = pytest.mark.django_db
FOUND = date(2026, 3, 2)


def _input(place: OrgUnit, level: str = DisputeLevel.VILLAGE) -> services.DisputeInput:
    return services.DisputeInput(
        found_on=FOUND,
        source=DisputeSource.GRID,
        place=place,
        parties=3,
        description="村道占用引发邻里纠纷",
        risk=Risk.LOW,
        level=level,
    )


def _told() -> list[tuple[str, str, str]]:
    rows = Notification.objects.filter(key__startswith="dispute:").order_by("id")
    return [(n.recipient.username, n.kind, n.text) for n in rows]


def test_district_level_goes_overdue_once_and_stays(district: District) -> None:
    officer = district.users["officer"]
    dispute = services.record_dispute(
        actor=officer, data=_input(district.district, DisputeLevel.DISTRICT)
    )
    assert (dispute.level, dispute.owner_unit, dispute.level_due) == (
        DisputeLevel.DISTRICT,
        district.district,
        date(2026, 4, 1),
    )
    # 03-29: three days before — 预警 to the district's officer
    warned = scan_clocks(date(2026, 3, 29), send=False)
    assert (warned.warnings, warned.overdue, warned.disputes_raised) == (1, 0, 0)
    # 04-02: passed — overdue, the officer told once; nothing rises, nothing is escalated
    result = scan_clocks(date(2026, 4, 2), send=False)
    assert (result.warnings, result.overdue, result.disputes_raised) == (0, 1, 0)
    dispute.refresh_from_db()
    assert (dispute.level, dispute.owner_unit, dispute.level_due) == (
        DisputeLevel.DISTRICT,
        district.district,
        date(2026, 4, 1),
    )
    assert not Escalation.objects.exists()
    alert = DisputeAlert.objects.get(stage="overdue")
    assert (alert.level, alert.unit, alert.deadline) == (
        DisputeLevel.DISTRICT,
        district.district,
        date(2026, 4, 1),
    )
    assert _told() == [
        ("officer", "warning", f"{dispute.number} 矛盾纠纷（2026-04-01）本层级化解期限即将到期"),
        (
            "officer",
            "overdue",
            f"{dispute.number} 矛盾纠纷（2026-04-01）已超期未化解，已是最高层级，请领导包案化解",
        ),
    ]
    # the next days: still overdue, no one told again
    for day in (date(2026, 4, 2), date(2026, 4, 3), date(2026, 5, 20)):
        again = scan_clocks(day, send=False)
        assert (again.warnings, again.overdue, again.notifications) == (0, 0, 0)
    assert DisputeAlert.objects.count() == 2 and Notification.objects.count() == 2
    # by hand: nothing above either
    with pytest.raises(InputError, match="已在区县层级，其上没有可升级的层级"):
        services.escalate(actor=officer, dispute=dispute, on=date(2026, 4, 3))
    mediation = services.mediation_start(
        actor=officer,
        dispute=dispute,
        kind=MediationKind.ADMINISTRATIVE,
        mediator="区司法局",
        started_on=date(2026, 4, 3),
    )
    services.mediation_session_add(
        actor=officer,
        mediation=mediation,
        held_on=date(2026, 4, 3),
        parties_present=2,
        positions="各执一词",
    )
    with pytest.raises(InputError, match="其上没有可升级的层级"):
        services.mediation_conclude(
            actor=officer,
            mediation=mediation,
            result=MediationResult.FAILURE,
            on=date(2026, 4, 3),
            failure_reason="分歧较大",
            next_step=NextStep.ESCALATE,
        )
    assert Dispute.objects.get(pk=dispute.pk).level == DisputeLevel.DISTRICT


def test_village_without_a_street_rises_to_the_district(district: District) -> None:
    # a village directly under the district: no 街道乡镇 in its tree
    village = unit_create(
        code="32010199", name="直属村", kind=UnitKind.VILLAGE, parent=district.district
    )
    clerk = make_user("direct_clerk", Role.UNIT_STAFF, village)
    make_user("district_staff", Role.UNIT_STAFF, district.district)
    dispute = services.record_dispute(actor=clerk, data=_input(village))
    assert (dispute.street_unit, dispute.district_unit) == (None, district.district)
    assert dispute.level_due == date(2026, 3, 17)
    result = scan_clocks(date(2026, 3, 18), send=False)
    assert (result.disputes_raised, result.overdue) == (1, 0)
    dispute.refresh_from_db()
    assert (dispute.level, dispute.owner_unit, dispute.level_since, dispute.level_due) == (
        DisputeLevel.DISTRICT,
        district.district,
        date(2026, 3, 18),
        date(2026, 4, 17),
    )
    row = Escalation.objects.get()
    assert (row.from_level, row.to_level, row.reason) == (
        DisputeLevel.VILLAGE,
        DisputeLevel.DISTRICT,
        EscalationReason.AUTO,
    )
    overdue = f"{dispute.number} 矛盾纠纷（2026-03-17）已超期未化解，已升级至本单位"
    assert sorted(_told()) == [
        ("district_staff", "overdue", overdue),
        ("officer", "overdue", overdue),
    ]
    assert scan_clocks(date(2026, 3, 18), send=False).notifications == 0


def test_escalating_by_hand_skips_the_missing_street(district: District) -> None:
    village = unit_create(
        code="32010199", name="直属村", kind=UnitKind.VILLAGE, parent=district.district
    )
    clerk = make_user("direct_clerk", Role.UNIT_STAFF, village)
    dispute = services.record_dispute(actor=clerk, data=_input(village))
    row = services.escalate(actor=clerk, dispute=dispute, on=date(2026, 3, 5), note="村里调不动")
    dispute.refresh_from_db()
    assert (row.from_level, row.to_level, row.reason) == (
        DisputeLevel.VILLAGE,
        DisputeLevel.DISTRICT,
        EscalationReason.MANUAL,
    )
    assert (dispute.level, dispute.owner_unit, dispute.level_due) == (
        DisputeLevel.DISTRICT,
        district.district,
        date(2026, 4, 7),  # 03-05 + 30 = 04-04, in 清明 (04-04 … 04-06 off): the next working day
    )


def test_street_without_a_district_is_its_own_top(district: District) -> None:
    # a street directly under the city: no 区县 above it
    street = unit_create(
        code="320199", name="开发区街道", kind=UnitKind.STREET, parent=district.city
    )
    staff = make_user("zone_staff", Role.UNIT_STAFF, street)
    dispute = services.record_dispute(actor=staff, data=_input(street, DisputeLevel.STREET))
    assert (dispute.street_unit, dispute.district_unit, dispute.level_due) == (
        street,
        None,
        date(2026, 3, 17),
    )
    result = scan_clocks(date(2026, 3, 18), send=False)
    assert (result.disputes_raised, result.overdue) == (0, 1)
    dispute.refresh_from_db()
    assert (dispute.level, dispute.owner_unit) == (DisputeLevel.STREET, street)
    assert _told() == [
        (
            "zone_staff",
            "overdue",
            f"{dispute.number} 矛盾纠纷（2026-03-17）已超期未化解，已是最高层级，请领导包案化解",
        )
    ]
    with pytest.raises(InputError, match="已在街道乡镇层级，其上没有可升级的层级"):
        services.escalate(actor=staff, dispute=dispute, on=date(2026, 3, 19))

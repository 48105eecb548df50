"""A hostile review of leader work (issue 10): each test here failed before its fix.

Dates are typed from the State Council's 2026 arrangement; no 2027 arrangement is shipped or
entered in these tests, so a clock reaching into 2027 cannot be computed. Counts are by hand.
"""

from datetime import date, datetime, time

import pytest

from tests.conftest import TZ, District, register
from xinfang.core.permissions import visible_packages
from xinfang.leaders import services
from xinfang.leaders.choices import LeaderTier, SessionKind
from xinfang.leaders.models import Leader, Package, ReceptionSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaders(district: District) -> dict[str, Leader]:
    return {
        "secretary": Leader.objects.create(
            name="张书记",
            post="区委书记",
            tier=LeaderTier.PRINCIPAL,
            unit=district.district,
            user=district.users["leader"],
        ),
        "deputy": Leader.objects.create(
            name="李副区长", post="副区长", tier=LeaderTier.MEMBER, unit=district.district
        ),
    }


def _session(district: District, leaders: list[Leader], held_on: date) -> ReceptionSession:
    return services.session_create(
        actor=district.users["officer"],
        data=services.SessionInput(
            kind=SessionKind.VISIT_DOWN,
            unit=district.district,
            held_on=held_on,
            leaders=leaders,
            starts_at=time(9, 0),
            ends_at=time(11, 30),
            place="东风社区党群服务中心",
            capacity=2,
        ),
    )


def _package_input(district: District, leader: Leader, matter):  # type: ignore[no-untyped-def]
    return services.PackageInput(
        matters=[matter],
        leader=leader,
        deadline=date(2026, 6, 30),
        responsible_unit=district.street_a,
        responsible_person="东风街道 周科长",
        responsible_user=district.users["street_a_staff"],
        supervising_unit=district.district,
        requirements="两个月内拿出安置方案并答复信访人",
        started_on=date(2026, 3, 10),
    )


def test_a_leader_never_sees_a_package_holding_an_accusation(
    district: District, leaders: dict[str, Leader]
) -> None:
    accusation = register(district, locality=district.street_a, purpose="accusation")
    package = services.package_open(
        actor=district.users["officer"],
        data=_package_input(district, leaders["secretary"], accusation),
    )
    assert package not in visible_packages(district.users["leader"])


def test_a_reflow_of_an_accusation_tells_no_one_who_may_not_see_it(
    district: District, leaders: dict[str, Leader]
) -> None:
    from xinfang.notifications.models import Notification
    from xinfang.workflow.supervision import matter_resolve

    accusation = register(district, locality=district.street_a, purpose="accusation")
    services.package_open(
        actor=district.users["officer"],
        data=_package_input(district, leaders["secretary"], accusation),
    )
    accusation.refresh_from_db()
    matter_resolve(actor=district.users["officer"], matter=accusation, version=accusation.version,
                   on=date(2026, 4, 20))  # fmt: skip
    register(district, locality=district.street_a, matter=accusation, purpose="accusation",
             when=datetime(2026, 5, 6, 9, 0, tzinfo=TZ))  # fmt: skip
    # the 回流 counts, but neither the leader (领导) nor the street's 责任人 is told of it
    assert Package.objects.get().reflows.count() == 1
    assert list(Notification.objects.filter(text__contains="回流")) == []

"""Leader work's services: rotas, publication, bookings, receptions, packages (六定) and 回流.

Dates are typed from the State Council's 2026 arrangement: 09-25 … 09-27 off (中秋), 10-01 … 10-07
off (国庆), 09-20 (Sun) and 10-10 (Sat) worked — every working-day count below is counted by hand.
"""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from tests.conftest import TZ, District, register
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import visible_packages, visible_sessions
from xinfang.intake.models import Registration
from xinfang.intake.services import PersonInput, RegistrationInput
from xinfang.leaders import services
from xinfang.leaders.choices import (
    BookingStatus,
    LeaderTier,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import (
    Booking,
    Leader,
    Package,
    PackageReflow,
    Reception,
    ReceptionSession,
    Rota,
)
from xinfang.notifications.models import Notification
from xinfang.workflow.supervision import matter_resolve


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
        "deputy2": Leader.objects.create(
            name="赵副区长", post="副区长", tier=LeaderTier.MEMBER, unit=district.district
        ),
        "street": Leader.objects.create(
            name="王主任", post="街道办主任", tier=LeaderTier.TOWN, unit=district.street_a
        ),
    }


def _session(
    district: District, leaders: list[Leader], held_on: date, kind: str = SessionKind.VISIT_DOWN
) -> ReceptionSession:
    return services.session_create(
        actor=district.users["officer"],
        data=services.SessionInput(
            kind=kind,
            unit=district.district,
            held_on=held_on,
            leaders=leaders,
            starts_at=time(9, 0),
            ends_at=time(11, 30),
            place="东风社区党群服务中心",
            topics="征地拆迁、物业管理",
            capacity=2,
        ),
    )


def test_rota_in_turn_skips_holidays_and_weekends(
    district: District, leaders: dict[str, Leader]
) -> None:
    rota = Rota.objects.create(
        name="班子成员周四接访",
        kind=SessionKind.REGULAR,
        unit=district.district,
        weekday=3,  # Thursday
        starts_at=time(9, 0),
        ends_at=time(12, 0),
        place="区信访局接待大厅",
        in_turn=True,
    )
    rota.leaders.set([leaders["deputy"], leaders["deputy2"]])
    made = services.rota_generate(
        actor=district.users["officer"], rota=rota, start=date(2026, 9, 21), end=date(2026, 10, 23)
    )
    # Thursdays: 09-24, 10-01 (国庆: off), 10-08, 10-15, 10-22
    assert [s.held_on for s in made] == [
        date(2026, 9, 24),
        date(2026, 10, 8),
        date(2026, 10, 15),
        date(2026, 10, 22),
    ]
    assert [list(s.leaders.all()) for s in made] == [
        [leaders["deputy"]],
        [leaders["deputy2"]],
        [leaders["deputy"]],
        [leaders["deputy2"]],
    ]
    again = services.rota_generate(
        actor=district.users["officer"], rota=rota, start=date(2026, 9, 21), end=date(2026, 10, 23)
    )
    assert again == []
    assert ReceptionSession.objects.count() == 4


def test_month_span_rota_and_permissions(district: District, leaders: dict[str, Leader]) -> None:
    rota = Rota.objects.create(
        name="下访日",
        kind=SessionKind.VISIT_DOWN,
        unit=district.district,
        month_day_from=15,
        month_day_to=20,
        starts_at=time(9, 0),
        ends_at=time(12, 0),
        place="各街道",
    )
    rota.leaders.set([leaders["secretary"], leaders["street"]])
    with pytest.raises(PermissionRefusedError):
        services.rota_generate(
            actor=district.users["registrar"], rota=rota, start=date(2026, 11, 1),
            end=date(2026, 11, 30),
        )  # fmt: skip
    made = services.rota_generate(
        actor=district.users["officer"], rota=rota, start=date(2026, 11, 1), end=date(2026, 11, 30)
    )
    # 11-15 Sun … 11-20 Fri: working days 16, 17, 18, 19, 20
    assert [s.held_on.day for s in made] == [16, 17, 18, 19, 20]
    assert all(s.leaders.count() == 2 for s in made)


def test_booking_checks_cap_past_invited_and_unpublished(
    district: District, leaders: dict[str, Leader]
) -> None:
    today = timezone.localdate()
    session = _session(district, [leaders["secretary"]], today.replace(year=today.year + 1))
    with pytest.raises(InputError, match="未公示"):
        services.booking_create(
            session=session, name="甲", phone="13900000001", topic="小区物业问题反映"
        )
    services.session_publish(actor=district.users["officer"], session=session)
    first = services.booking_create(
        session=session,
        name="甲",
        phone="13900000001",
        topic="小区物业问题反映",
        idempotency_key="k1",
    )
    assert (
        services.booking_create(
            session=session,
            name="甲",
            phone="13900000001",
            topic="小区物业问题反映",
            idempotency_key="k1",
        )
        == first
    )
    services.booking_create(
        session=session, name="乙", phone="13900000002", topic="征地补偿标准问题"
    )
    with pytest.raises(InputError, match="名额已满"):
        services.booking_create(
            session=session, name="丙", phone="13900000003", topic="征地补偿标准问题"
        )
    assert Booking.objects.count() == 2
    services.booking_cancel(code=first.code)
    first.refresh_from_db()
    assert first.status == BookingStatus.CANCELLED
    third = services.booking_create(
        session=session, name="丙", phone="13900000003", topic="征地补偿标准问题"
    )
    assert third.status == BookingStatus.BOOKED

    past = ReceptionSession.objects.create(
        number="JF-PAST", kind=SessionKind.VISIT_DOWN, unit=district.district,
        held_on=date(2026, 1, 5), status=SessionStatus.PUBLISHED,
    )  # fmt: skip
    with pytest.raises(InputError, match="已于2026年1月5日举行"):
        services.booking_create(
            session=past, name="丁", phone="13900000004", topic="征地补偿标准问题"
        )
    invited = _session(district, [leaders["secretary"]], session.held_on, SessionKind.INVITED)
    with pytest.raises(InputError, match="约访"):
        services.booking_create(
            session=invited, name="丁", phone="13900000004", topic="征地补偿标准问题"
        )
    with pytest.raises(InputError, match="手机号码"):
        services.booking_create(session=session, name="丁", phone="12345", topic="征地补偿标准问题")
    assert Booking.objects.count() == 3


def test_reception_records_registration_and_routing_clock(
    district: District, leaders: dict[str, Leader]
) -> None:
    session = _session(district, [leaders["secretary"], leaders["street"]], date(2026, 9, 30))
    reception = services.reception_record(
        actor=district.users["registrar"],
        session=session,
        registration=RegistrationInput(
            channel="letter",  # forced to 来访 / 来区 by the reception
            received_at=datetime(2026, 9, 30, 9, 40, tzinfo=TZ),
            people=3,
            content="反映东风社区拆迁安置房交付延期问题",
            locality=district.street_a,
            petitioner=PersonInput(name="陈大明", phone="13900001111"),
        ),
        data=services.ReceptionInput(
            leaders=[leaders["secretary"]],
            outcome=ReceptionOutcome.WITH_DEADLINE,
            leader_due=date(2026, 10, 30),
        ),
    )
    reg = reception.registration
    assert (reg.channel, reg.level, reg.people) == ("visit", "local", 3)
    # 09-30 + 2 working days: 10-01 … 10-07 are off, then 10-08 (Thu) and 10-09 (Fri)
    assert reception.route_due == date(2026, 10, 9)
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert list(reception.leaders.all()) == [leaders["secretary"]]
    assert AuditEvent.objects.filter(action="reception.record", matter=reg.matter).count() == 1

    on_spot = services.reception_record(
        actor=district.users["registrar"],
        session=session,
        registration=RegistrationInput(
            channel="visit",
            received_at=datetime(2026, 9, 30, 10, 0, tzinfo=TZ),
            content="反映楼道照明损坏无人维修问题",
            locality=district.street_a,
            petitioner=PersonInput(name="林小红", phone="13900002222"),
        ),
        data=services.ReceptionInput(
            leaders=[leaders["street"]], outcome=ReceptionOutcome.ON_THE_SPOT
        ),
    )
    assert on_spot.route_due is None


def test_reception_refusals_write_nothing(district: District, leaders: dict[str, Leader]) -> None:
    session = _session(district, [leaders["secretary"]], date(2026, 9, 30))
    reg_input = RegistrationInput(
        channel="visit",
        received_at=datetime(2026, 9, 30, 9, 40, tzinfo=TZ),
        content="反映东风社区拆迁安置房交付延期问题",
        locality=district.street_a,
        petitioner=PersonInput(name="陈大明", phone="13900001111"),
    )
    cases = [
        (services.ReceptionInput(leaders=[leaders["deputy"]], outcome="on_the_spot"), "不是本次"),
        (services.ReceptionInput(leaders=[leaders["secretary"]], outcome="x"), "接访结果"),
        (
            services.ReceptionInput(leaders=[leaders["secretary"]], outcome="with_deadline"),
            "限定的办结日期",
        ),
    ]
    for data, message in cases:
        with pytest.raises(InputError, match=message):
            services.reception_record(
                actor=district.users["registrar"], session=session, registration=reg_input,
                data=data,
            )  # fmt: skip
    assert Registration.objects.count() == 0
    assert Reception.objects.count() == 0


def _package_input(district: District, leaders: dict[str, Leader], matter, **changes):  # type: ignore[no-untyped-def]
    values = {
        "matters": [matter],
        "leader": leaders["deputy"],
        "deadline": date(2026, 6, 30),
        "responsible_unit": district.street_a,
        "responsible_person": "东风街道 周科长",
        "responsible_user": district.users["street_a_staff"],
        "supervising_unit": district.district,
        "requirements": "两个月内拿出安置方案并答复信访人",
        "started_on": date(2026, 3, 10),
    }
    values.update(changes)
    return services.PackageInput(**values)


def test_package_six_fixes_and_one_open_package(
    district: District, leaders: dict[str, Leader]
) -> None:
    matter = register(district, locality=district.street_a)
    officer = district.users["officer"]
    with pytest.raises(InputError, match="定办结时限") as refused:
        services.package_open(
            actor=officer, data=_package_input(district, leaders, matter, deadline=None)
        )
    assert refused.value.field == "deadline"
    with pytest.raises(InputError, match="定责任人、定办理要求"):
        services.package_open(
            actor=officer,
            data=_package_input(district, leaders, matter, responsible_person="", requirements=" "),
        )
    with pytest.raises(InputError, match="不能早于包案日期"):
        services.package_open(
            actor=officer, data=_package_input(district, leaders, matter, deadline=date(2026, 3, 1))
        )
    package = services.package_open(actor=officer, data=_package_input(district, leaders, matter))
    matter.refresh_from_db()  # the ledger's facts follow the package
    assert (matter.package_leader, matter.package_started_on) == ("李副区长", date(2026, 3, 10))
    with pytest.raises(InputError, match=f"已由李副区长包案（{package.number}）"):
        services.package_open(
            actor=district.users["leader"], data=_package_input(district, leaders, matter)
        )
    assert Package.objects.count() == 1
    with pytest.raises(PermissionRefusedError):
        services.package_open(
            actor=district.users["street_a_staff"], data=_package_input(district, leaders, matter)
        )


def test_progress_months_missing_resolution_and_reflow(
    district: District, leaders: dict[str, Leader]
) -> None:
    matter = register(district, locality=district.street_a)
    package = services.package_open(
        actor=district.users["officer"],
        data=_package_input(district, leaders, matter, leader=leaders["secretary"]),
    )
    assert services.months_missing(package, date(2026, 3, 31)) == []
    assert services.months_missing(package, date(2026, 5, 2)) == [
        date(2026, 3, 1),
        date(2026, 4, 1),
    ]
    services.package_progress_add(
        actor=district.users["street_a_staff"],
        package=package,
        note="已入户走访，掌握安置诉求",
        duties=["know"],
        month=date(2026, 3, 1),
        on=date(2026, 3, 28),
    )
    assert services.months_missing(package, date(2026, 5, 2)) == [date(2026, 4, 1)]
    with pytest.raises(PermissionRefusedError):
        services.package_progress_add(
            actor=district.users["street_b_staff"], package=package, note="不相干单位的填报"
        )

    matter.refresh_from_db()
    matter_resolve(actor=district.users["officer"], matter=matter, version=matter.version,
                   on=date(2026, 4, 20))  # fmt: skip
    package.refresh_from_db()
    assert (package.status, package.resolved_on) == (PackageStatus.RESOLVED, date(2026, 4, 20))
    assert services.months_missing(package, date(2026, 6, 2)) == []

    register(district, locality=district.street_a, matter=matter,
             when=datetime(2026, 5, 6, 9, 0, tzinfo=TZ))  # fmt: skip
    package.refresh_from_db()
    matter.refresh_from_db()
    assert package.status == PackageStatus.OPEN
    # the package reopens; the matter keeps its 化解日期 as history (as the ledger does)
    assert package.resolved_on is None and matter.resolved_on == date(2026, 4, 20)
    reflow = PackageReflow.objects.get()
    assert (reflow.on, reflow.resolved_before) == (date(2026, 5, 6), date(2026, 4, 20))
    # the leader's own account and the responsible person are told
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"leader", "street_a_staff"}
    assert AuditEvent.objects.filter(action="package.reflow", matter=matter).count() == 1
    # 化解 again, after the 回流: the package closes on the new day
    matter_resolve(actor=district.users["officer"], matter=matter, version=matter.version,
                   on=date(2026, 6, 1))  # fmt: skip
    package.refresh_from_db()
    assert (package.status, package.resolved_on) == (PackageStatus.RESOLVED, date(2026, 6, 1))


def test_scopes_leader_sees_own(district: District, leaders: dict[str, Leader]) -> None:
    own = _session(district, [leaders["secretary"]], date(2026, 9, 30))
    other = _session(district, [leaders["deputy"]], date(2026, 9, 30))
    assert set(visible_sessions(district.users["leader"])) == {own}
    assert set(visible_sessions(district.users["officer"])) == {own, other}
    assert list(visible_sessions(district.users["street_a_staff"])) == []
    accusation = register(district, locality=district.street_a, purpose="accusation")
    hidden = services.package_open(
        actor=district.users["officer"], data=_package_input(district, leaders, accusation)
    )
    assert hidden in visible_packages(district.users["officer"])
    assert hidden not in visible_packages(district.users["supervisor"])
    assert hidden not in visible_packages(district.users["street_a_staff"])


def test_rota_create_refuses_a_rota_without_days_or_leaders(
    district: District, leaders: dict[str, Leader]
) -> None:
    def rota(**changes: object) -> Rota:
        values: dict[str, object] = {
            "name": "下访日",
            "kind": SessionKind.VISIT_DOWN,
            "unit": district.district,
            "leaders": [leaders["secretary"]],
            "starts_at": time(9, 0),
            "ends_at": time(12, 0),
            "place": "各街道",
            "month_day_from": 15,
            "month_day_to": 20,
        }
        values.update(changes)
        return services.rota_create(
            actor=district.users["officer"],
            data=services.RotaInput(**values),  # type: ignore[arg-type]
        )

    with pytest.raises(InputError, match="每周星期几"):
        rota(month_day_from=None)
    with pytest.raises(InputError, match="起始日不晚于截止日"):
        rota(month_day_from=21)
    with pytest.raises(InputError, match="至少选择一名接访领导"):
        rota(leaders=[])
    with pytest.raises(InputError, match="结束时间须晚于开始时间"):
        rota(ends_at=time(8, 0))
    assert Rota.objects.count() == 0
    made = rota()
    assert (made.month_day_from, made.month_day_to) == (15, 20)
    assert AuditEvent.objects.filter(action="reception.rota_create").count() == 1


def test_reception_people_follow_the_registration_and_routing_is_stamped(
    district: District, leaders: dict[str, Leader]
) -> None:
    """人次 is kept by the database from the registration (any write path); the 交办日期 is
    stamped by the workflow's routing, or found when the reception is recorded after it."""
    from xinfang.workflow.services import matter_assign

    session = _session(district, [leaders["secretary"], leaders["deputy"]], date(2026, 9, 30))
    reception = services.reception_record(
        actor=district.users["registrar"],
        session=session,
        registration=RegistrationInput(
            channel="visit",
            received_at=datetime(2026, 9, 30, 9, 40, tzinfo=TZ),
            people=3,
            content="反映东风社区拆迁安置房交付延期问题",
            locality=district.street_a,
            petitioner=PersonInput(name="陈大明", phone="13900001111"),
        ),
        data=services.ReceptionInput(leaders=[leaders["deputy"]], outcome="pending"),
    )
    assert (reception.people, reception.with_principal, reception.routed_on) == (3, False, None)
    Registration.objects.filter(pk=reception.registration_id).update(people=4)
    reception.refresh_from_db()
    assert reception.people == 4

    matter = reception.registration.matter
    matter.refresh_from_db()
    matter_assign(
        actor=district.users["officer"],
        matter=matter,
        version=matter.version,
        unit=district.street_a,
        on=date(2026, 10, 8),
    )
    reception.refresh_from_db()
    assert reception.routed_on == date(2026, 10, 8)

    # a second group of the same matter recorded after the routing: its 交办日期 is found
    later = services.reception_record(
        actor=district.users["registrar"],
        session=session,
        registration=RegistrationInput(
            channel="visit",
            received_at=datetime(2026, 9, 30, 10, 40, tzinfo=TZ),
            content="同一事项的另一批来访",
            locality=district.street_a,
            petitioner=PersonInput(name="陈大明", phone="13900001111"),
        ),
        data=services.ReceptionInput(leaders=[leaders["secretary"]], outcome="counselled"),
        matter=matter,
    )
    assert (later.with_principal, later.routed_on) == (True, date(2026, 10, 8))

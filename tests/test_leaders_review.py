"""A hostile review of leader work (issue 10): each test here failed before its fix.

Dates are typed from the State Council's 2026 arrangement; no 2027 arrangement is shipped or
entered in these tests, so a clock reaching into 2027 cannot be computed. Counts are by hand.
"""

from datetime import date, datetime, time
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import TZ, District, register
from xinfang.core.errors import InputError
from xinfang.core.permissions import visible_packages
from xinfang.intake.models import Registration
from xinfang.intake.services import PersonInput, RegistrationInput
from xinfang.leaders import services
from xinfang.leaders.choices import LeaderTier, ReceptionOutcome, SessionKind
from xinfang.leaders.models import Booking, Leader, Package, Reception, ReceptionSession

pytestmark = pytest.mark.django_db
_real_localdate = timezone.localdate


def _pin_today(monkeypatch: pytest.MonkeyPatch, today: date) -> None:
    def localdate(value: Any = None, timezone: Any = None) -> date:
        return today if value is None else _real_localdate(value, timezone)

    def now() -> datetime:
        return datetime.combine(today, time(18, 0), tzinfo=TZ)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    monkeypatch.setattr("django.utils.timezone.now", now)


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
    district: District, leaders: dict[str, Leader], monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinfang.notifications.models import Notification
    from xinfang.workflow.supervision import matter_resolve

    accusation = register(district, locality=district.street_a, purpose="accusation")
    services.package_open(
        actor=district.users["officer"],
        data=_package_input(district, leaders["secretary"], accusation),
    )
    accusation.refresh_from_db()
    _pin_today(monkeypatch, date(2026, 4, 20))
    matter_resolve(actor=district.users["officer"], matter=accusation, version=accusation.version,
                   on=date(2026, 4, 20))  # fmt: skip
    _pin_today(monkeypatch, date(2026, 5, 6))
    register(district, locality=district.street_a, matter=accusation, purpose="accusation",
             when=datetime(2026, 5, 6, 9, 0, tzinfo=TZ))  # fmt: skip
    # the 回流 counts, but neither the leader (领导) nor the street's 责任人 is told of it
    assert Package.objects.get().reflows.count() == 1
    assert list(Notification.objects.filter(text__contains="回流")) == []


def _reg(district: District, when: datetime, name: str = "陈大明") -> RegistrationInput:
    return RegistrationInput(
        channel="visit",
        received_at=when,
        content="反映东风社区拆迁安置房交付延期问题",
        locality=district.street_a,
        petitioner=PersonInput(name=name, phone="13900001111"),
    )


def test_one_booking_is_received_once_also_by_two_desks_at_once(
    district: District, leaders: dict[str, Leader], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two registrars press 登记 on the same booking at once: each read it 已预约 before either
    wrote. The second is a clear Chinese refusal with nothing written, not a database error."""
    _pin_today(monkeypatch, date(2026, 9, 30))
    session = _session(district, [leaders["secretary"]], date(2026, 9, 30))
    services.session_publish(actor=district.users["officer"], session=session)
    booking = services.booking_create(
        session=session, name="陈大明", phone="13900001111", topic="反映拆迁安置房交付延期",
        today=date(2026, 9, 28),
    )  # fmt: skip
    seen_by_second = Booking.objects.get(pk=booking.pk)  # read before the first desk saves
    data = services.ReceptionInput(
        leaders=[leaders["secretary"]], outcome=ReceptionOutcome.ON_THE_SPOT, booking=booking
    )
    when = datetime(2026, 9, 30, 9, 40, tzinfo=TZ)
    services.reception_record(
        actor=district.users["registrar"], session=session, registration=_reg(district, when),
        data=data,
    )  # fmt: skip
    with pytest.raises(InputError, match="该预约已接待"):
        services.reception_record(
            actor=district.users["officer"],
            session=session,
            registration=_reg(district, when),
            data=services.ReceptionInput(
                leaders=[leaders["secretary"]],
                outcome=ReceptionOutcome.ON_THE_SPOT,
                booking=seen_by_second,
            ),
        )
    assert (Registration.objects.count(), Reception.objects.count()) == (1, 1)


def test_a_reception_whose_routing_window_enters_an_unknown_year_is_refused_in_chinese(
    district: District, leaders: dict[str, Leader], monkeypatch: pytest.MonkeyPatch
) -> None:
    """2026-12-31 (Thu) + 2 working days runs into 2027, whose holidays nobody has entered:
    the registrar's screen says so in Chinese beside nothing written, not a server error."""
    from tests.views_support import client_for

    _pin_today(monkeypatch, date(2026, 12, 31))
    session = _session(district, [leaders["secretary"]], date(2026, 12, 31))
    registrar = client_for(district, "registrar")
    url = f"/intake/register/?session={session.pk}"
    form = {
        "petitioner_name": "陈大明",
        "petitioner_id_number": "",
        "petitioner_phone": "13912345678",
        "petitioner_address": "",
        "matter": "",
        "channel": "visit",
        "level": "local",
        "received_at": "2026-12-31 09:40",
        "people": "1",
        "form": "",
        "letter_kind": "",
        "content": "反映东风社区拆迁安置房交付延期",
        "category": "",
        "purpose": "request",
        "locality": str(district.street_a.pk),
        "responsible_unit": "",
        "attachment_kind": "",
        "rep-TOTAL_FORMS": "0",
        "rep-INITIAL_FORMS": "0",
        "rep-MIN_NUM_FORMS": "0",
        "rep-MAX_NUM_FORMS": "10",
        "reception_leaders": [str(leaders["secretary"].pk)],
        "reception_outcome": ReceptionOutcome.PENDING,
        "reception_leader_due": "",
        "reception_instruction": "",
    }
    refused = registrar.post(url, form)
    assert refused.status_code == 200
    assert "2027年的节假日安排尚未录入" in refused.content.decode()
    assert (Registration.objects.count(), Reception.objects.count()) == (0, 0)


def test_a_matter_that_came_back_keeps_its_multi_matter_package_open(
    district: District, leaders: dict[str, Leader], monkeypatch: pytest.MonkeyPatch
) -> None:
    """一包到底 over two matters: A is 化解 on 04-20 and registered again on 05-06 (the package
    was still open for B, so nothing reopens). B's 化解 on 06-01 must not close the package: A
    came back after its 化解日期 and is not settled until it is 化解 again (06-15)."""
    from xinfang.leaders.choices import PackageStatus
    from xinfang.workflow.supervision import matter_resolve

    a = register(district, locality=district.street_a)
    b = register(district, locality=district.street_a, name="李四", phone="13900002222",
                 content="反映同一小区电梯停运问题")  # fmt: skip
    data = _package_input(district, leaders["deputy"], a)
    data.matters = [a, b]
    package = services.package_open(actor=district.users["officer"], data=data)

    def resolve(matter, on: date) -> None:  # type: ignore[no-untyped-def]
        _pin_today(monkeypatch, on)
        matter.refresh_from_db()
        matter_resolve(actor=district.users["officer"], matter=matter, version=matter.version,
                       on=on)  # fmt: skip

    resolve(a, date(2026, 4, 20))
    _pin_today(monkeypatch, date(2026, 5, 6))
    register(district, locality=district.street_a, matter=a,
             when=datetime(2026, 5, 6, 9, 0, tzinfo=TZ))  # fmt: skip
    resolve(b, date(2026, 6, 1))
    package.refresh_from_db()
    assert (package.status, package.resolved_on) == (PackageStatus.OPEN, None)
    resolve(a, date(2026, 6, 15))
    package.refresh_from_db()
    assert (package.status, package.resolved_on) == (PackageStatus.RESOLVED, date(2026, 6, 15))


@pytest.mark.parametrize(
    ("name", "topic"),
    [
        ("陈\u202e明大", "反映拆迁安置房交付延期"),  # a right-to-left override reorders the name
        ("陈大明", "反映拆迁安置房\x07交付延期"),  # a control character (BEL)
    ],
)
def test_a_public_booking_refuses_control_and_bidi_characters(
    district: District,
    leaders: dict[str, Leader],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    topic: str,
) -> None:
    _pin_today(monkeypatch, date(2026, 9, 28))
    session = _session(district, [leaders["secretary"]], date(2026, 9, 30))
    services.session_publish(actor=district.users["officer"], session=session)
    with pytest.raises(InputError, match="字符"):
        services.booking_create(session=session, name=name, phone="13900001111", topic=topic)
    assert Booking.objects.count() == 0


def test_a_public_booking_takes_a_phone_typed_in_full_width_digits(
    district: District, leaders: dict[str, Leader], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client

    _pin_today(monkeypatch, date(2026, 9, 28))
    session = _session(district, [leaders["secretary"]], date(2026, 9, 30))
    services.session_publish(actor=district.users["officer"], session=session)
    page = Client().post(
        f"/portal/receptions/{session.pk}/book/",
        {"name": "陈大明", "phone": "１３９ ０００１ １１１１", "topic": "反映拆迁安置房交付延期"},
    )
    assert page.status_code == 302
    assert Booking.objects.get().phone == "13900011111"


# --- at once, on PostgreSQL ------------------------------------------------------------------

THREADS = 6


def _at_once(n: int, work: Any) -> tuple[list[Any], list[BaseException]]:
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    barrier = threading.Barrier(n, timeout=60)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            value = work(i)
            with lock:
                results.append(value)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_races_on_postgresql_one_package_one_reception_and_the_cap(
    district: District, leaders: dict[str, Leader], monkeypatch: pytest.MonkeyPatch
) -> None:
    _pin_today(monkeypatch, date(2026, 9, 30))
    _at_once(1, lambda i: None)  # skips on SQLite before anything is written
    # six desks open a package on one matter at once: one stands, five are refused in Chinese
    matter = register(district, locality=district.street_a,
                      when=datetime(2026, 9, 29, 9, 0, tzinfo=TZ))  # fmt: skip
    data = _package_input(district, leaders["deputy"], matter)
    data.started_on, data.deadline = date(2026, 9, 30), date(2026, 12, 30)
    made, refused = _at_once(
        THREADS, lambda i: services.package_open(actor=district.users["officer"], data=data)
    )
    assert len(made) == 1 and len(refused) == THREADS - 1
    assert all(isinstance(e, InputError) for e in refused), refused
    assert Package.objects.count() == 1

    # six people book the two places of a session at once: two bookings, four told it is full
    session = _session(district, [leaders["secretary"]], date(2026, 10, 9))
    services.session_publish(actor=district.users["officer"], session=session)
    booked, full = _at_once(
        THREADS,
        lambda i: services.booking_create(
            session=session, name=f"预约人{i}", phone=f"1390000111{i}", topic="反映拆迁安置问题"
        ),
    )
    assert len(booked) == 2 and all("名额已满" in e.message for e in full)  # type: ignore[attr-defined]
    assert Booking.objects.filter(session=session).count() == 2

    # two desks register the same booking at once: one reception, one Chinese refusal
    today = _session(district, [leaders["secretary"]], date(2026, 9, 30))
    services.session_publish(actor=district.users["officer"], session=today)
    booking = services.booking_create(
        session=today, name="陈大明", phone="13900001111", topic="反映拆迁安置房交付延期"
    )
    desks = [district.users["registrar"], district.users["officer"]]
    received, twice = _at_once(
        2,
        lambda i: services.reception_record(
            actor=desks[i],
            session=today,
            registration=_reg(district, datetime(2026, 9, 30, 9, 40, tzinfo=TZ)),
            data=services.ReceptionInput(
                leaders=[leaders["secretary"]],
                outcome=ReceptionOutcome.ON_THE_SPOT,
                booking=Booking.objects.get(pk=booking.pk),
            ),
        ),
    )
    assert len(received) == 1 and len(twice) == 1
    assert isinstance(twice[0], InputError) and "已接待" in twice[0].message
    assert Reception.objects.filter(session=today).count() == 1
    assert Registration.objects.count() == 2  # the packaged matter's, and the one received

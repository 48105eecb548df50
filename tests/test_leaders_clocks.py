"""Leader work's clocks: 接访交办期限 (2 working days) and 包案办结时限 on the matter's clocks, in
the clock scan (预警, 超期, 督办单, who is told), 月督查 reminders, publication, and 我的待办.

Dates are typed from the State Council's 2026 arrangement: 09-25 (Fri) … 09-27 off (中秋),
10-01 … 10-07 off (国庆), 10-10 (Sat) worked; every working-day count is counted by hand.
"""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import TZ, District, register
from xinfang.intake.choices import SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.intake.services import PersonInput, RegistrationInput
from xinfang.leaders import services
from xinfang.leaders.choices import LeaderTier, ReceptionOutcome, SessionKind, SessionStatus
from xinfang.leaders.models import Leader, Package, Reception, ReceptionSession
from xinfang.notifications.models import AlertStage, ClockAlert, Notification
from xinfang.workflow import services as wf
from xinfang.workflow.calendar import ClockState
from xinfang.workflow.clocks import Clock, ClockStatus, matter_clocks
from xinfang.workflow.clockscan import scan_clocks
from xinfang.workflow.models import SupervisionNotice
from xinfang.workflow.selectors import queues_for
from xinfang.workflow.states import ClockKind
from xinfang.workflow.supervision_rules import SupervisionSource

from .views_support import client_for
from .workflow_support import fresh, step

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


def _session(district: District, leader: Leader, held_on: date, **kw: object) -> ReceptionSession:
    return services.session_create(
        actor=district.users["officer"],
        data=services.SessionInput(
            kind=kw.pop("kind", SessionKind.REGULAR),  # type: ignore[arg-type]
            unit=district.district,
            held_on=held_on,
            leaders=[leader],
            starts_at=time(9, 0),
            ends_at=time(11, 30),
            place="区信访局接待大厅",
        ),
    )


def _receive(
    district: District,
    leader: Leader,
    held_on: date,
    outcome: str = ReceptionOutcome.WITH_DEADLINE,
    name: str = "陈大明",
) -> Reception:
    session = _session(district, leader, held_on)
    return services.reception_record(
        actor=district.users["registrar"],
        session=session,
        registration=RegistrationInput(
            channel="visit",
            received_at=datetime(held_on.year, held_on.month, held_on.day, 9, 40, tzinfo=TZ),
            content="反映东风社区拆迁安置房交付延期问题",
            locality=district.street_a,
            petitioner=PersonInput(name=name, phone="13900001111"),
        ),
        data=services.ReceptionInput(
            leaders=[leader],
            outcome=outcome,
            leader_due=date(2026, 12, 31) if outcome == ReceptionOutcome.WITH_DEADLINE else None,
        ),
    )


def _clocks(matter: Matter, today: date, kind: str) -> list[Clock]:
    return [c for c in matter_clocks(fresh(matter), today) if c.kind == kind]


def _alerts(matter: Matter, kind: str) -> list[tuple[str, date]]:
    found = ClockAlert.objects.filter(matter=matter, clock=kind).order_by("id")
    return [(a.stage, a.deadline) for a in found]


def _told(matter: Matter, text: str) -> list[str]:
    found = Notification.objects.filter(matter=matter, text=text).select_related("recipient")
    return sorted(n.recipient.username for n in found)


# --- the 2-working-day deadline ------------------------------------------------------------------


def test_two_working_days_counted_by_hand() -> None:
    # Thu 09-24: 09-25 中秋, 09-26/27 weekend; Mon 09-28 is the 1st, Tue 09-29 the 2nd
    assert services.reception_route_due(date(2026, 9, 24)) == date(2026, 9, 29)
    # Tue 09-29: Wed 09-30 is the 1st; 10-01 … 10-07 国庆; Thu 10-08 the 2nd
    assert services.reception_route_due(date(2026, 9, 29)) == date(2026, 10, 8)
    # Fri 10-09: Sat 10-10 is worked (调休), the 1st; Sun 10-11 off; Mon 10-12 the 2nd
    assert services.reception_route_due(date(2026, 10, 9)) == date(2026, 10, 12)
    # Fri 11-13, an ordinary weekend: Mon 11-16, Tue 11-17
    assert services.reception_route_due(date(2026, 11, 13)) == date(2026, 11, 17)


def test_reception_not_routed_goes_overdue_with_notice_and_notification(
    district: District, leaders: dict[str, Leader]
) -> None:
    reception = _receive(district, leaders["secretary"], date(2026, 9, 29))
    matter = reception.registration.matter
    (clock,) = _clocks(matter, date(2026, 9, 30), ClockKind.RECEPTION_ROUTE)
    assert (clock.start, clock.deadline, clock.state, clock.days_left) == (
        date(2026, 9, 29),
        date(2026, 10, 8),
        ClockStatus.RUNNING,
        8,
    )
    assert clock.label == "接访交办期限" and "限期解决" in clock.note
    assert _clocks(matter, date(2026, 10, 5), ClockKind.RECEPTION_ROUTE)[0].state == "warning"

    scan_clocks(date(2026, 10, 8))  # the last day itself: a warning only
    assert _alerts(matter, ClockKind.RECEPTION_ROUTE) == [(AlertStage.WARNING, date(2026, 10, 8))]
    assert not SupervisionNotice.objects.filter(matter=matter).exists()
    assert _told(matter, "接访交办期限即将到期") == ["officer"]

    result = scan_clocks(date(2026, 10, 9))
    assert _alerts(matter, ClockKind.RECEPTION_ROUTE)[-1] == (
        AlertStage.OVERDUE,
        date(2026, 10, 8),
    )
    assert result.notices == 1
    notice = SupervisionNotice.objects.get(matter=matter)
    assert (notice.level, notice.source, notice.raised_on) == (
        SupervisionLevel.DISTRICT,
        SupervisionSource.CLOCK,
        date(2026, 10, 9),
    )
    assert notice.reason == "接访交办期限已超期，系统自动督办"
    # the bureau's officer and the supervisor (who watches every clock that opens a 督办单)
    assert _told(matter, "接访交办期限已超期，已自动发起区级督办") == ["officer", "supervisor"]
    (late,) = _clocks(matter, date(2026, 10, 9), ClockKind.RECEPTION_ROUTE)
    assert (late.state, late.overdue_days) == (ClockStatus.OVERDUE, 1)
    # the 简报's 超期未办结事项 lists it too, as the bureau's, 1 day over, supervised
    from xinfang.analytics.briefing import overdue_items
    from xinfang.intake.models import Matter

    items = overdue_items(node=district.district, as_of=date(2026, 10, 10), matters=Matter.objects)
    routed = [i for i in items if i.clock == ClockKind.RECEPTION_ROUTE]
    assert [(i.number, i.unit, i.days_over) for i in routed] == [(matter.number, "信访部门", 2)]
    assert routed[0].supervised == "区级督办（2026-10-09）"

    again = scan_clocks(date(2026, 10, 9))
    assert (again.overdue, again.notices) == (0, 0)
    assert SupervisionNotice.objects.filter(matter=matter).count() == 1

    # routed at last (10-12): the clock is finished, late
    step(wf.matter_assign, matter, district.users["officer"], unit=district.street_a,
         on=date(2026, 10, 12))  # fmt: skip
    (done,) = _clocks(matter, date(2026, 10, 20), ClockKind.RECEPTION_ROUTE)
    assert (done.state, done.done_on) == (ClockStatus.MISSED, date(2026, 10, 12))
    reception.refresh_from_db()  # the workflow stamped its 交办日期 when it routed
    assert services.routed_on_of(reception) == date(2026, 10, 12)


def test_routed_in_time_is_met_and_raises_nothing(
    district: District, leaders: dict[str, Leader]
) -> None:
    # Thu 09-24, due Tue 09-29; routed Mon 09-28
    reception = _receive(
        district, leaders["secretary"], date(2026, 9, 24), ReceptionOutcome.PENDING
    )
    matter = reception.registration.matter
    step(wf.matter_assign, matter, district.users["officer"], unit=district.street_a,
         on=date(2026, 9, 28))  # fmt: skip
    (clock,) = _clocks(matter, date(2026, 10, 20), ClockKind.RECEPTION_ROUTE)
    assert (clock.state, clock.deadline, clock.done_on) == (
        ClockStatus.MET,
        date(2026, 9, 29),
        date(2026, 9, 28),
    )
    scan_clocks(date(2026, 9, 30))
    assert _alerts(matter, ClockKind.RECEPTION_ROUTE) == []

    # the reception ledger's 交办日期 wins over the workflow's record
    ledger = _receive(district, leaders["deputy"], date(2026, 11, 13), name="林小红")
    Reception.objects.filter(pk=ledger.pk).update(routed_on=date(2026, 11, 17))
    (by_ledger,) = _clocks(ledger.registration.matter, date(2026, 12, 1), ClockKind.RECEPTION_ROUTE)
    assert (by_ledger.state, by_ledger.deadline) == (ClockStatus.MET, date(2026, 11, 17))
    scan_clocks(date(2026, 11, 18))
    assert _alerts(ledger.registration.matter, ClockKind.RECEPTION_ROUTE) == []

    # settled on the spot: no routing clock at all
    spot = _receive(district, leaders["deputy"], date(2026, 11, 13), ReceptionOutcome.ON_THE_SPOT,
                    name="王小红")  # fmt: skip
    assert _clocks(spot.registration.matter, date(2026, 12, 1), ClockKind.RECEPTION_ROUTE) == []


# --- packages ----------------------------------------------------------------------------------


def _package(
    district: District,
    leader: Leader,
    matters: list[Matter],
    started_on: date,
    deadline: date,
    with_user: bool = True,
) -> Package:
    return services.package_open(
        actor=district.users["officer"],
        data=services.PackageInput(
            matters=matters,
            leader=leader,
            deadline=deadline,
            responsible_unit=district.street_a,
            responsible_person="东风街道 周科长",
            responsible_user=district.users["street_a_staff"] if with_user else None,
            supervising_unit=district.district,
            requirements="两个月内拿出安置方案并答复信访人",
            started_on=started_on,
        ),
    )


def _matter(district: District, day: date, name: str = "陈大明") -> Matter:
    when = datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ)
    return register(district, locality=district.street_a, when=when, name=name)


def test_package_deadline_warns_then_goes_overdue_for_each_matter(
    district: District, leaders: dict[str, Leader]
) -> None:
    first = _matter(district, date(2026, 9, 1))
    second = _matter(district, date(2026, 9, 2), name="林小红")
    # deadline Fri 10-30; the warning comes 3 days before
    package = _package(district, leaders["secretary"], [first, second], date(2026, 9, 15),
                       date(2026, 10, 30))  # fmt: skip
    (clock,) = _clocks(first, date(2026, 10, 20), ClockKind.PACKAGE)
    assert (clock.start, clock.deadline, clock.state, clock.days_left) == (
        date(2026, 9, 15),
        date(2026, 10, 30),
        ClockStatus.RUNNING,
        10,
    )
    assert clock.unit == "东风街道" and package.number in clock.note

    scan_clocks(date(2026, 10, 26))
    assert _alerts(first, ClockKind.PACKAGE) == []
    scan_clocks(date(2026, 10, 27))
    assert _alerts(first, ClockKind.PACKAGE) == [(AlertStage.WARNING, date(2026, 10, 30))]
    result = scan_clocks(date(2026, 10, 31))
    for m in (first, second):
        assert _alerts(m, ClockKind.PACKAGE)[-1] == (AlertStage.OVERDUE, date(2026, 10, 30))
        # the officers of the area, the package's leader and its 责任人; no 督办单 of its own
        assert _told(m, "包案办结时限已超期") == ["leader", "officer", "street_a_staff"]
    assert not SupervisionNotice.objects.filter(
        matter__in=[first, second], reason__startswith="包案"
    ).exists()
    assert result.overdue >= 2
    again = scan_clocks(date(2026, 10, 31))
    assert (again.overdue, again.notifications) == (0, 0)

    (late,) = _clocks(first, date(2026, 11, 2), ClockKind.PACKAGE)
    assert (late.state, late.overdue_days) == (ClockStatus.OVERDUE, 3)
    # resolved later: the clock finished late; an open package without deadline has none
    Package.objects.filter(pk=package.pk).update(status="resolved", resolved_on=date(2026, 11, 3))
    (done,) = _clocks(first, date(2026, 11, 20), ClockKind.PACKAGE)
    assert (done.state, done.done_on) == (ClockStatus.MISSED, date(2026, 11, 3))


def _reminders(package: Package) -> list[tuple[str, str, str]]:
    found = Notification.objects.filter(key__startswith=f"pkgmonth:{package.pk}:")
    return sorted((n.recipient.username, n.key, n.text) for n in found.select_related("recipient"))


def test_monthly_progress_reminder_once_per_month_and_recipient(
    district: District, leaders: dict[str, Leader]
) -> None:
    matter = _matter(district, date(2026, 9, 1))
    package = _package(district, leaders["secretary"], [matter], date(2026, 9, 15),
                       date(2027, 3, 31))  # fmt: skip
    assert scan_clocks(date(2026, 9, 30)).reminders == 0
    assert _reminders(package) == []

    # the month turns: September's note is missing (the command, as cron runs it, with --today)
    out = io.StringIO()
    call_command("scan_clocks", "--today", "2026-10-09", stdout=out)
    assert out.getvalue().startswith("2026-10-09 期限扫描：")
    assert "包案月督查提醒 2 条" in out.getvalue()
    september = f"pkgmonth:{package.pk}:2026-09"
    text = f"包案{package.number}（张书记）2026年9月进展未填报，请及时填报月督查进展"
    assert _reminders(package) == [
        ("officer", september, text),
        ("street_a_staff", september, text),
    ]
    # twice, and later in the month: nothing more
    assert scan_clocks(date(2026, 10, 9)).reminders == 0
    assert scan_clocks(date(2026, 10, 20)).reminders == 0
    assert len(_reminders(package)) == 2

    services.package_progress_add(
        actor=district.users["street_a_staff"],
        package=package,
        note="已入户走访，掌握安置诉求",
        duties=["know"],
        month=date(2026, 9, 1),
        on=date(2026, 10, 20),
    )
    # October written by nobody: one reminder for it in November; November too by December
    result = scan_clocks(date(2026, 11, 2))
    assert result.reminders == 2
    assert "包案月督查提醒 2 条" in result.summary()
    december = scan_clocks(date(2026, 12, 1))
    assert december.reminders == 2
    november = [r for r in _reminders(package) if r[1].endswith("2026-11")]
    assert [r[2] for r in november] == [
        f"包案{package.number}（张书记）2026年11月进展未填报，累计缺报2个月，请及时填报月督查进展"
    ] * 2
    assert len(_reminders(package)) == 6

    # no 责任人 account: the leader's own account hears of it instead
    second = _matter(district, date(2026, 9, 3), "林小红")
    other = _package(district, leaders["secretary"], [second], date(2026, 10, 1),
                     date(2027, 3, 31), with_user=False)  # fmt: skip
    scan_clocks(date(2026, 11, 3))
    assert [r[0] for r in _reminders(other)] == ["leader", "officer"]
    # a package resolved is reminded of nothing
    Package.objects.filter(pk=other.pk).update(status="resolved", resolved_on=date(2026, 11, 5))
    assert scan_clocks(date(2026, 12, 2)).reminders == 0


# --- publication ---------------------------------------------------------------------------------


def test_scan_publishes_sessions_entering_the_window(
    district: District, leaders: dict[str, Leader]
) -> None:
    today = timezone.localdate()
    inside = _session(district, leaders["deputy"], today + timedelta(days=5))
    beyond = _session(district, leaders["deputy"], today + timedelta(days=6))
    invited = _session(district, leaders["deputy"], today + timedelta(days=2),
                       kind=SessionKind.INVITED)  # fmt: skip
    past = _session(district, leaders["deputy"], today - timedelta(days=3))
    # scanned as of a past day (time travel): a session already past is never published
    early = scan_clocks(today - timedelta(days=4))
    assert early.published == 0
    result = scan_clocks(today)
    assert result.published == 1 and "公示领导接访 1 场" in result.summary()
    statuses = {
        s.pk: s.status for s in ReceptionSession.objects.filter(pk__in=[inside.pk, beyond.pk])
    }
    assert statuses == {inside.pk: SessionStatus.PUBLISHED, beyond.pk: SessionStatus.PLANNED}
    invited.refresh_from_db()
    past.refresh_from_db()
    assert (invited.status, past.status) == (SessionStatus.PLANNED, SessionStatus.PLANNED)
    assert scan_clocks(today).published == 0
    assert scan_clocks(today + timedelta(days=1)).published == 1  # `beyond` enters the window


# --- 我的待办 ----------------------------------------------------------------------------------


def test_queues_show_receptions_to_route_and_packages(
    district: District, leaders: dict[str, Leader], monkeypatch: pytest.MonkeyPatch
) -> None:
    officer, leader = district.users["officer"], district.users["leader"]
    reception = _receive(district, leaders["secretary"], date(2026, 9, 29))  # due Thu 10-08
    waiting = reception.registration.matter
    _receive(district, leaders["secretary"], date(2026, 9, 29), ReceptionOutcome.ON_THE_SPOT,
             name="王小红")  # fmt: skip
    on_day = {q.key: q for q in queues_for(officer, date(2026, 10, 6))}["receptions"]
    assert [(r.matter.pk, r.day, r.days_left, r.state) for r in on_day.rows] == [
        (waiting.pk, date(2026, 10, 8), 2, ClockState.WARNING)
    ]

    day = date(2026, 10, 9)
    # no note for September; started this month; deadline passed
    missing = _package(district, leaders["secretary"], [_matter(district, date(2026, 9, 1))],
                       date(2026, 9, 15), date(2027, 3, 31))  # fmt: skip
    fine = _package(district, leaders["secretary"], [_matter(district, date(2026, 9, 2), "林小红")],
                    date(2026, 10, 2), date(2026, 12, 31))  # fmt: skip
    late = _package(district, leaders["deputy"], [_matter(district, date(2026, 9, 3), "赵小兵")],
                    date(2026, 10, 1), date(2026, 10, 8))  # fmt: skip
    board = {q.key: q for q in queues_for(officer, day)}
    (row,) = board["receptions"].rows
    assert (row.days_left, row.state) == (-1, ClockState.OVERDUE)  # type: ignore[union-attr]
    packages = [
        (r.package.number, r.days_left, r.state, r.missing_month)  # type: ignore[union-attr]
        for r in board["packages"].rows
    ]
    assert packages == [
        (late.number, -1, ClockState.OVERDUE, None),
        (missing.number, 173, ClockState.RUNNING, date(2026, 9, 1)),
    ]
    # a leader sees their own open packages, whatever their state
    own = {q.key: q for q in queues_for(leader, day)}["packages"]
    assert own.title == "我的包案"
    assert [r.package.number for r in own.rows] == [fine.number, missing.number]  # type: ignore[union-attr]

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
    html = client_for(district, "officer").get("/workflow/queues/").content.decode()
    section = html[html.index('id="queue-receptions"') : html.index('id="queue-extensions"')]
    assert waiting.number in section and "已超期 1 天" in section and 'class="badge bad"' in section
    section = html[html.index('id="queue-packages"') :]
    assert "2026年9月未填报" in section and late.number in section and fine.number not in section
    assert f'href="/leaders/packages/{missing.pk}/"' in section
    page = client_for(district, "leader").get("/workflow/queues/").content.decode()
    assert fine.number in page and late.number not in page

    # the September note written and the matter routed: both leave the bureau's queues
    services.package_progress_add(
        actor=district.users["street_a_staff"], package=missing, note="已入户走访，掌握安置诉求",
        month=date(2026, 9, 1), on=date(2026, 10, 9),
    )  # fmt: skip
    step(wf.matter_assign, waiting, officer, unit=district.street_a, on=day)
    board = {q.key: q for q in queues_for(officer, day)}
    assert board["receptions"].rows == []
    assert [r.package.number for r in board["packages"].rows] == [late.number]  # type: ignore[union-attr]

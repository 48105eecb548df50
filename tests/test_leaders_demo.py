"""The demo district's leader work: load-demo gives it leaders, rotas, a season of sessions,
bookings, a 约访, and packages with their progress — made through the services as the demo users."""

from datetime import date, timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import visible_packages, visible_sessions
from xinfang.demo.leaderwork import AHEAD_DAYS, PAST_DAYS
from xinfang.leaders import services as ls
from xinfang.leaders.choices import (
    BookingStatus,
    LeaderTier,
    PackageSource,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import (
    Booking,
    Invitation,
    Leader,
    Package,
    PackageReflow,
    Reception,
    ReceptionSession,
    Rota,
)
from xinfang.notifications.models import Notification
from xinfang.workflow.models import Assignment

pytestmark = pytest.mark.django_db

SIZE = 400  # a small demo: the leader work needs only a few older matters


def load(**options: object) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, registrations=SIZE, **options)
    return out.getvalue()


def _month(day: date) -> date:
    return day.replace(day=1)


def made() -> "QuerySet[Package]":
    """The packages the demo opened itself (the ledger's own 包案 facts may make others)."""
    return Package.objects.exclude(source=PackageSource.LEDGER)


@pytest.fixture
def demo() -> str:
    return load()


def test_leaders_and_rotas_of_the_district(demo: str) -> None:
    tiers = {tier: Leader.objects.filter(tier=tier).count() for tier in LeaderTier.values}
    assert tiers == {"principal": 2, "member": 6, "department": 3, "town": 4}
    principals = set(Leader.objects.filter(tier="principal").values_list("post", flat=True))
    assert principals == {"区委书记", "区长"}
    lingdao = User.objects.get(username="lingdao")
    assert lingdao.leader.name == "李振华" and lingdao.leader.post == "区长"
    assert Leader.objects.exclude(user=None).count() == 1
    town = Leader.objects.filter(tier="town").select_related("unit")
    assert {leader.unit.kind for leader in town} == {"street"}

    monday = Rota.objects.get(weekday=0)
    thursday = Rota.objects.get(weekday=3)
    visit_down = Rota.objects.get(month_day_from=15)
    assert visit_down.month_day_to == 20 and visit_down.kind == SessionKind.VISIT_DOWN
    assert monday.leaders.count() == 2 and thursday.leaders.count() == 6
    assert monday.in_turn and thursday.in_turn
    # one leader a Monday, the two in turn; every Monday session on a Monday
    mondays = list(monday.sessions.order_by("held_on"))
    assert all(s.held_on.weekday() == 0 for s in mondays)
    seated = [list(s.leaders.values_list("name", flat=True)) for s in mondays]
    assert all(len(names) == 1 for names in seated)
    assert all(a != b for a, b in pairwise(seated))
    assert all(s.held_on.weekday() == 3 for s in thursday.sessions.all())
    assert all(15 <= s.held_on.day <= 20 for s in visit_down.sessions.all())
    assert "领导接访：领导15名" in demo


def test_past_sessions_were_held_with_receptions(demo: str) -> None:
    today = timezone.localdate()
    past = ReceptionSession.objects.filter(held_on__lt=today)
    assert past.exists()
    assert all(today - timedelta(days=PAST_DAYS) <= s.held_on for s in past)
    assert past.filter(status=SessionStatus.CANCELLED).count() == 1
    held = past.filter(status=SessionStatus.HELD)
    assert held.count() == past.count() - 1
    for session in held:
        assert session.receptions.exists(), session.number
        assert session.published_at is not None
    assert not past.filter(status__in=[SessionStatus.PLANNED, SessionStatus.PUBLISHED]).exists()

    receptions = Reception.objects.select_related("registration", "session")
    outcomes = set(receptions.values_list("outcome", flat=True))
    assert outcomes == set(ReceptionOutcome.values)
    people = set(receptions.values_list("registration__people", flat=True))
    assert 1 in people and any(n > 1 for n in people) and any(n >= 5 for n in people)
    for r in receptions:
        assert r.registration.channel == "visit" and r.registration.received_on == r.session.held_on
        assert r.leaders.exists()
        needs = r.outcome != ReceptionOutcome.ON_THE_SPOT
        assert (r.route_due is not None) == needs
        assert (r.leader_due is not None) == (r.outcome == ReceptionOutcome.WITH_DEADLINE)
    # routed by the workflow's own steps: in time but one, which was late
    routed = [(r, ls.routed_on_of(r)) for r in receptions if r.route_due is not None]
    late = [r for r, on in routed if on is not None and r.route_due and on > r.route_due]
    in_time = [r for r, on in routed if on is not None and r.route_due and on <= r.route_due]
    assert len(late) == 1 and len(in_time) > 5
    assigned = Assignment.objects.filter(
        matter_id__in=[r.registration.matter_id for r in in_time], kind="assign"
    )
    assert assigned.exists()
    # some came on a booking made on the portal, now received
    assert Booking.objects.filter(status=BookingStatus.RECEIVED, reception__isnull=False).exists()
    # recorded by the demo's registrar through the service, audited
    assert set(receptions.values_list("recorded_by__username", flat=True)) == {"dengji"}
    assert AuditEvent.objects.filter(action="reception.record").count() == receptions.count()


def test_coming_sessions_published_in_the_window_planned_beyond(demo: str) -> None:
    today = timezone.localdate()
    coming = ReceptionSession.objects.filter(held_on__gte=today)
    window = today + timedelta(days=5)  # RECEPTION_PUBLISH_DAYS
    assert coming.exclude(kind=SessionKind.INVITED).filter(held_on__gt=window).exists()
    for s in coming:
        assert s.held_on <= today + timedelta(days=AHEAD_DAYS + 14)
        if s.kind == SessionKind.INVITED or s.held_on > window:
            assert s.status == SessionStatus.PLANNED, s.number
        else:
            assert s.status == SessionStatus.PUBLISHED, s.number
    published = coming.filter(status=SessionStatus.PUBLISHED)
    if published.exists():  # a week of holidays may leave the window empty
        assert Booking.objects.filter(session__in=published, status="booked").exists()
    assert ls.public_sessions(today) == list(published.order_by("held_on", "starts_at", "id"))
    # one 约访 with its invitation, by the 区长, on a matter of his package
    invitation = Invitation.objects.select_related("session").get()
    assert invitation.session.kind == SessionKind.INVITED and invitation.session.held_on > today
    assert invitation.notified
    assert Package.objects.filter(
        leader__name="李振华", items__matter=invitation.matter_id
    ).exists()


def test_packages_with_progress_resolved_and_reflow(demo: str) -> None:
    today = timezone.localdate()
    last_month = _month(_month(today) - timedelta(days=1))
    packages = list(made().select_related("leader").order_by("id"))
    assert len(packages) == 5
    for p in packages:  # the 六定
        assert p.leader and p.responsible_unit and p.responsible_person and p.supervising_unit
        assert p.requirements and p.deadline and p.deadline > p.started_on
        assert p.progress.exists()
        assert p.matters.count() == 1
    assert [p.leader.name for p in packages].count("李振华") == 3
    assert made().filter(source=PackageSource.RECEPTION, reception__isnull=False).count() == 1
    # one lacks last month's note, the others none
    missing = {p.number: ls.months_missing(p, today) for p in packages}
    assert sorted(missing.values()) == [[], [], [], [], [last_month]]
    # one resolved (化解), through the matter's 化解 step
    resolved = made().get(status=PackageStatus.RESOLVED)
    matter = resolved.matters.get()
    assert resolved.resolved_on == matter.resolved_on and resolved.resolved_on < today
    assert AuditEvent.objects.filter(action="workflow.resolve", matter=matter).exists()
    # one 回流: resolved, then registered again; reopened, its leader told
    reflow = PackageReflow.objects.filter(package__in=made())
    reflow = reflow.select_related("package", "registration").get()
    assert reflow.package.status == PackageStatus.OPEN and reflow.package.leader.name == "李振华"
    assert reflow.resolved_before < reflow.on == reflow.registration.received_on <= today
    assert not reflow.registration.is_first
    assert Notification.objects.filter(
        recipient__username="lingdao", key=f"reflow:{reflow.registration_id}"
    ).exists()
    # one past its 定办结时限
    assert made().filter(ls.package_query(today=today)).count() == 1


def test_the_leader_login_sees_their_own(demo: str) -> None:
    lingdao = User.objects.get(username="lingdao")
    today = timezone.localdate()
    sessions = visible_sessions(lingdao)
    assert sessions.filter(held_on__lt=today, status=SessionStatus.HELD).exists()
    assert sessions.filter(held_on__gte=today).exists()
    assert all(s.leaders.filter(user=lingdao).exists() for s in sessions)
    others = ReceptionSession.objects.exclude(leaders__user=lingdao)
    assert others.exists() and not sessions.filter(pk__in=others).exists()
    packages = visible_packages(lingdao)
    assert packages.filter(pk__in=made()).count() == 3
    assert set(packages.values_list("leader__name", flat=True)) == {"李振华"}
    # the bureau sees all five; the housing bureau those it is 责任单位 of
    assert visible_packages(User.objects.get(username="jingban")).filter(pk__in=made()).count() == 5
    housing = visible_packages(User.objects.get(username="zhujian")).filter(pk__in=made())
    assert housing.exists() and set(housing.values_list("responsible_unit__code", flat=True)) == {
        "339102BM02"
    }


def test_second_run_changes_nothing_and_logins_still_print(demo: str) -> None:
    counts = (
        Leader.objects.count(),
        ReceptionSession.objects.count(),
        Reception.objects.count(),
        Booking.objects.count(),
        Package.objects.count(),
        AuditEvent.objects.count(),
    )
    assert "演示数据已载入，未作任何更改" in load()
    assert counts == (
        Leader.objects.count(),
        ReceptionSession.objects.count(),
        Reception.objects.count(),
        Booking.objects.count(),
        Package.objects.count(),
        AuditEvent.objects.count(),
    )
    out = StringIO()
    call_command("demo_logins", stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.split()[:1] == ["lingdao"])
    assert "李振华" in line and "区长" in line

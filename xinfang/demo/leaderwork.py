"""The demo's leader work: leaders, rotas, a season of reception sessions, bookings, packages.

Made after the live workflow (xinfang.demo.live) and in its manner: the demo users go through the
real services of xinfang.leaders and xinfang.workflow with past dates. The district gets its
leaders (党政主要领导, 班子成员, 部门领导, 镇街领导; the demo's 领导 login is the 区长), three rotas
(主要领导 every Monday in turn, one 班子成员 each Thursday in turn, 下访日 on the 15th–20th of each
month), the sessions of the last three months — held, each with the groups received there
(registrations through reception_record, with varied outcomes and people; what is not settled on
the spot routed through the workflow within the 2-working-day clock, one of them late) — and of
the coming five weeks (published within the publication window, planned beyond), bookings on the
coming ones, one 约访 with its invitation, and five packages with the 六定 on hard matters, with
their monthly progress notes: one lacks last month's note, one is resolved (化解), one came back
(回流: resolved, then the matter was registered again).

The one shortcut: a session already past cannot be published through session_publish (it refuses
past dates), so the past sessions are marked published five days before they were held, as the
daily publication scan would have done, before their receptions are recorded.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError
from xinfang.core.permissions import SYSTEM, visible_matters
from xinfang.demo.content import ContentMaker
from xinfang.demo.live import LiveResult, _cast, _Walker, demo_years_enter
from xinfang.demo.org import DISTRICT_CODE, DISTRICT_NAME, Place, build_tree
from xinfang.demo.people import PeopleMaker, Person
from xinfang.intake.choices import Channel, Purpose
from xinfang.intake.models import Category, Matter
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create
from xinfang.leaders import services as ls
from xinfang.leaders.choices import (
    NEEDS_ROUTING,
    LeaderTier,
    PackageDuty,
    PackageSource,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import (
    Booking,
    Leader,
    Package,
    PackageMatter,
    Reception,
    ReceptionSession,
    Rota,
)
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import calendar
from xinfang.workflow import services as wf
from xinfang.workflow.entry import recording_history
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.supervision import matter_resolve
from xinfang.workflow.transitions import ReplyOutcome

MARKER = "demo.leader_work"  # the audit action that says the leader work is done
PAST_DAYS = 91  # about three months of held sessions
AHEAD_DAYS = 35  # the coming five weeks' sessions
LATE_ROUTING_WORKING_DAYS = 4  # the one reception routed after its 2-working-day clock
BUREAU_CODE = f"{DISTRICT_CODE}BM01"
HOUSING_CODE = f"{DISTRICT_CODE}BM02"
HRSS_CODE = f"{DISTRICT_CODE}BM03"
XINCHENG_CODE = f"{DISTRICT_CODE}006"
LEADER_LOGIN = "lingdao"

# name, post, tier, unit code; the 区长 is the demo's 领导 login (李振华)
LEADERS: tuple[tuple[str, str, LeaderTier, str], ...] = (
    ("王立平", "区委书记", LeaderTier.PRINCIPAL, DISTRICT_CODE),
    ("李振华", "区长", LeaderTier.PRINCIPAL, DISTRICT_CODE),
    ("陈志远", "区委副书记", LeaderTier.MEMBER, DISTRICT_CODE),
    ("赵建民", "常务副区长", LeaderTier.MEMBER, DISTRICT_CODE),
    ("孙国栋", "区委常委、政法委书记", LeaderTier.MEMBER, DISTRICT_CODE),
    ("刘红梅", "副区长", LeaderTier.MEMBER, DISTRICT_CODE),
    ("周文涛", "副区长", LeaderTier.MEMBER, DISTRICT_CODE),
    ("吴晓光", "副区长", LeaderTier.MEMBER, DISTRICT_CODE),
    ("何建平", "局长", LeaderTier.DEPARTMENT, BUREAU_CODE),
    ("高永刚", "局长", LeaderTier.DEPARTMENT, HOUSING_CODE),
    ("林美玲", "局长", LeaderTier.DEPARTMENT, HRSS_CODE),
    ("马国庆", "党工委书记", LeaderTier.TOWN, XINCHENG_CODE),
    ("杨丽", "办事处主任", LeaderTier.TOWN, XINCHENG_CODE),
    ("徐志勇", "党工委书记", LeaderTier.TOWN, f"{DISTRICT_CODE}005"),
    ("邓春生", "镇长", LeaderTier.TOWN, f"{DISTRICT_CODE}101"),
)

# the categories leaders are most often asked about at the table, with their weights
RECEPTION_CATEGORIES = (
    ("征地拆迁", 3),
    ("房产纠纷", 2),
    ("物业管理", 2),
    ("拖欠工资", 2),
    ("村务管理", 1),
    ("城乡建设", 1),
    ("教育", 1),
    ("医疗卫生", 1),
    ("民政优抚", 1),
    ("环境保护", 1),
)
OUTCOMES = (
    (ReceptionOutcome.ON_THE_SPOT, 3),
    (ReceptionOutcome.WITH_DEADLINE, 4),
    (ReceptionOutcome.COUNSELLED, 2),
    (ReceptionOutcome.PENDING, 1),
)
PLACE_MAIN = "区信访局领导接待室（青山大道88号）"
PLACE_VISIT_DOWN = "联系街道（镇）社会治理综合服务中心"


def leader_work_done() -> bool:
    from xinfang.core.models import AuditEvent

    return AuditEvent.objects.filter(action=MARKER).exists()


@dataclass
class LeaderWorkResult:
    leaders: int = 0
    sessions_held: int = 0
    sessions_coming: int = 0
    receptions: int = 0
    bookings: int = 0
    packages: int = 0
    reflows: int = 0
    late: list[str] = field(default_factory=list)  # registrations routed after the clock


@transaction.atomic
def leader_work(*, end: date, seed: int) -> LeaderWorkResult:
    """The district's leader work up to `end` and five weeks beyond; once (the marker says so)."""
    result = LeaderWorkResult()
    if leader_work_done():
        return result
    demo_years_enter(end - timedelta(days=PAST_DAYS + 31), end + timedelta(days=AHEAD_DAYS + 120))
    maker = _Maker(end, random.Random(seed * 7 + 10), result)
    with recording_history("demo"):  # past dates as history: each event says `history: demo`
        maker.run()
    audit_record(
        actor=SYSTEM,
        action=MARKER,
        obj=maker.district,
        data={
            "end": end.isoformat(),
            "leaders": result.leaders,
            "sessions_held": result.sessions_held,
            "sessions_coming": result.sessions_coming,
            "receptions": result.receptions,
            "bookings": result.bookings,
            "packages": result.packages,
            "reflows": result.reflows,
        },
    )
    return result


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def _weighted(rng: random.Random, table: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


class _Maker:
    def __init__(self, end: date, rng: random.Random, result: LeaderWorkResult) -> None:
        self.end, self.rng, self.result = end, rng, result
        self.cast = _cast()
        self.walker = _Walker(self.cast, end, rng, LiveResult())
        self.district = OrgUnit.objects.get(code=DISTRICT_CODE)
        self.bureau = OrgUnit.objects.get(code=BUREAU_CODE)
        tree = build_tree()
        self.places: list[Place] = [p for p in tree.places if p.district == DISTRICT_NAME]
        self.units = {
            u.name: u for u in OrgUnit.objects.filter(name__in={p.name for p in self.places})
        }
        self.people = PeopleMaker(rng, end)
        names = [name for name, _ in RECEPTION_CATEGORIES]
        self.categories = {c.name: c for c in Category.objects.filter(name__in=names)}
        self.content = ContentMaker(rng, end.year, names)
        self.leaders: dict[str, Leader] = {}
        self.receptions: list[Reception] = []

    @property
    def officer(self) -> User:
        return self.cast.officer

    # -- leaders and rotas ------------------------------------------------------------------

    def run(self) -> None:
        self.make_leaders()
        rotas = self.make_rotas()
        start, until = self.end - timedelta(days=PAST_DAYS), self.end + timedelta(days=AHEAD_DAYS)
        sessions: list[ReceptionSession] = []
        for rota in rotas:
            sessions += ls.rota_generate(actor=self.officer, rota=rota, start=start, end=until)
        sessions.sort(key=lambda s: (s.held_on, s.starts_at or time(0), s.pk))
        past = [s for s in sessions if s.held_on < self.end]
        coming = [s for s in sessions if s.held_on >= self.end]
        self.hold(past)
        self.plan(coming)
        self.packages()

    def make_leaders(self) -> None:
        units = {u.code: u for u in OrgUnit.objects.filter(code__in={x[3] for x in LEADERS})}
        login = User.objects.filter(username=LEADER_LOGIN).first()
        for order, (name, post, tier, code) in enumerate(LEADERS):
            user = login if name == "李振华" else None
            # a leader the ledger already named (包案领导: made under the root of the tree, with
            # no post) is completed and placed, not made twice
            leader = (
                Leader.objects.filter(name=name, unit=units[code]).first()
                or Leader.objects.filter(name=name, post="").order_by("id").first()
            )
            if leader is None:
                leader = Leader.objects.create(
                    name=name, post=post, tier=tier, unit=units[code], user=user, sort_order=order
                )
                action = "leader.create"
            else:
                leader.post, leader.tier, leader.sort_order = post, tier, order
                leader.unit, leader.user = units[code], leader.user or user
                leader.save(update_fields=["post", "tier", "sort_order", "unit", "user"])
                action = "leader.update"
            audit_record(
                actor=SYSTEM,
                action=action,
                obj=leader,
                data={"name": name, "post": post, "tier": tier.value, "unit": code},
            )
            self.leaders[name] = leader
        self.result.leaders = len(LEADERS)

    def of_tier(self, tier: LeaderTier) -> list[Leader]:
        return [leader for leader in self.leaders.values() if leader.tier == tier]

    def make_rotas(self) -> list[Rota]:
        specs = (
            (
                "党政主要领导接访日（每周一）",
                SessionKind.REGULAR,
                {"weekday": 0},
                (time(9, 0), time(12, 0)),
                PLACE_MAIN,
                "群众反映的重大、疑难、复杂信访问题",
                15,
                self.of_tier(LeaderTier.PRINCIPAL),
            ),
            (
                "班子成员接访日（每周四）",
                SessionKind.REGULAR,
                {"weekday": 3},
                (time(9, 0), time(12, 0)),
                PLACE_MAIN,
                "分管领域的信访问题",
                12,
                self.of_tier(LeaderTier.MEMBER),
            ),
            (
                "领导下访日（每月15日至20日）",
                SessionKind.VISIT_DOWN,
                {"month_day_from": 15, "month_day_to": 20},
                (time(14, 30), time(17, 30)),
                PLACE_VISIT_DOWN,
                "征地拆迁、劳资纠纷、物业管理等群众身边问题",
                10,
                self.of_tier(LeaderTier.MEMBER) + self.of_tier(LeaderTier.PRINCIPAL),
            ),
        )
        rotas = []
        for name, kind, when, (starts, ends), place, topics, capacity, leaders in specs:
            rota = Rota.objects.create(
                name=name,
                kind=kind,
                unit=self.district,
                starts_at=starts,
                ends_at=ends,
                place=place,
                topics=topics,
                capacity=capacity,
                in_turn=True,
                **when,
            )
            rota.leaders.set(leaders)
            audit_record(actor=self.officer, action="reception.rota_create", obj=rota)
            rotas.append(rota)
        return rotas

    # -- the sessions held ------------------------------------------------------------------

    def hold(self, past: list[ReceptionSession]) -> None:
        rng = self.rng
        # one Thursday in the middle was called off: the member was at a meeting of the city
        cancelled = next(
            (s for s in past[len(past) // 2 :] if s.held_on.weekday() == 3 and s.rota_id), None
        )
        for session in past:
            if session is cancelled:
                ls.session_cancel(
                    actor=self.officer,
                    session=session,
                    version=session.version,
                    reason="接访领导参加市委专题会议，本次接访顺延至下周",
                )
                continue
            published = _at(session.held_on - timedelta(days=ls.publish_days()), time(9, 0))
            ReceptionSession.objects.filter(pk=session.pk).update(
                status=SessionStatus.PUBLISHED, published_at=published, version=session.version + 1
            )
            session.refresh_from_db()
            visit_down = session.kind == SessionKind.VISIT_DOWN
            street = rng.choice([p for p in self.places if p.kind == "street"])
            groups = rng.randint(1, 3) if session.held_on.weekday() == 0 else rng.randint(1, 2)
            # bookings are made on the portal before the day; the groups are received on it
            drawn = [self.draw(session, i, street if visit_down else None) for i in range(groups)]
            for group in drawn:
                self.receive(session, group)
            self.result.sessions_held += 1

    def person_at(self, street: Place | None) -> tuple[Person, Place]:
        rng = self.rng
        places = [p for p in self.places if street is None or p.street == street.name]
        place = rng.choices(places, weights=[p.weight for p in places])[0]
        person = self.people.person(
            region=DISTRICT_CODE,
            district=DISTRICT_NAME,
            street=place.street,
            place=place.name,
            place_kind=place.kind,
        )
        return person, place

    def draw(self, session: ReceptionSession, index: int, street: Place | None) -> "_Group":
        """Who comes, about what, with what outcome; a third booked on the portal beforehand."""
        rng = self.rng
        person, place = self.person_at(street)
        category = str(_weighted(rng, tuple(RECEPTION_CATEGORIES)))
        outcome = str(_weighted(rng, tuple(OUTCOMES)))
        people = rng.choice((1, 1, 1, 1, 2, 2, 3)) if rng.random() > 0.08 else rng.randint(6, 15)
        content = self.content.core(category=category, purpose="申诉求决", place=place)
        starts = session.starts_at or time(9, 0)
        received_at = _at(session.held_on, starts) + timedelta(minutes=10 + 35 * index)
        booking = None
        if rng.random() < 0.35:
            booking = ls.booking_create(
                session=session,
                name=person.name,
                phone=person.phone,
                topic=content[:120],
                today=session.held_on - timedelta(days=rng.randint(1, 4)),
            )
        return _Group(person, place, category, outcome, people, content, received_at, booking)

    def receive(self, session: ReceptionSession, group: "_Group") -> None:
        """One group at the table: its registration, outcome, routing and what followed."""
        rng = self.rng
        person, place, category, outcome = group.person, group.place, group.category, group.outcome
        people, content, received_at = group.people, group.content, group.received_at
        booking = group.booking
        leaders = list(session.leaders.all())
        leader_due = (
            session.held_on + timedelta(days=rng.choice((15, 20, 30)))
            if outcome == ReceptionOutcome.WITH_DEADLINE
            else None
        )
        instruction = ""
        if outcome == ReceptionOutcome.WITH_DEADLINE and any(x.user_id for x in leaders):
            instruction = f"请相关单位于{leader_due:%m月%d日}前拿出解决方案，依法依规答复信访人。"
        reception = ls.reception_record(
            actor=self.cast.desk,
            session=session,
            registration=RegistrationInput(
                channel=Channel.VISIT,
                received_at=received_at,
                people=people,
                content=f"{person.name}等{people}人到领导接访现场反映：{content}"
                if people > 1
                else f"{person.name}到领导接访现场反映：{content}",
                category=self.categories.get(category),
                purpose=Purpose.REQUEST,
                locality=self.units.get(place.name),
                petitioner=PersonInput(
                    name=person.name,
                    id_number=person.id_number,
                    phone=person.phone,
                    address=person.address,
                ),
            ),
            data=ls.ReceptionInput(
                leaders=leaders,
                outcome=outcome,
                leader_due=leader_due,
                booking=booking,
                instruction=instruction,
            ),
        )
        self.receptions.append(reception)
        self.result.receptions += 1
        self.follow(reception)

    def follow(self, reception: Reception) -> None:
        """What the bureau did next: 当场解决 accepted and answered at once; the rest routed on
        the next working day (within the clock), one of them late; then signed for and answered
        when the time has come."""
        rng, end, w = self.rng, self.end, self.walker
        held = reception.session.held_on
        m = Matter.objects.get(pk=reception.registration.matter_id)
        if reception.outcome == ReceptionOutcome.ON_THE_SPOT:
            m = w.do(wf.matter_accept, m, self.officer, held)
            replied = calendar.next_working_day(held + timedelta(days=1))
            if replied <= end - timedelta(days=1):
                w.reply_and_deliver(m, self.officer, replied, ReplyOutcome.SUPPORTED)
            return
        assert reception.outcome in NEEDS_ROUTING
        late = not self.result.late and (end - held).days > 30
        routed = calendar.add_working_days(held, LATE_ROUTING_WORKING_DAYS if late else 1)
        if routed > end:
            return  # the clock is still running: waiting in the bureau's queue
        unit = w.unit_for(m)
        if unit is None:
            m = w.do(wf.matter_accept, m, self.officer, routed)
        else:
            m = w.do(wf.matter_assign, m, self.officer, routed, unit=unit)
        if late:
            self.result.late.append(reception.registration.number)
        handler = w.handler(unit)
        received = routed
        if unit is not None:
            received = routed + timedelta(days=rng.randint(1, 2))
            if received > end - timedelta(days=1) or handler is None:
                return
            m = w.do(wf.assignment_receive, m, handler, received)
        assert handler is not None
        replied = received + timedelta(days=rng.randint(10, 35))
        if reception.leader_due is not None:
            replied = min(replied, max(reception.leader_due, received + timedelta(days=1)))
        if replied <= end - timedelta(days=1) and m.status == MatterStatus.IN_HANDLING:
            w.reply_and_deliver(m, handler, replied)

    # -- the coming sessions ----------------------------------------------------------------

    def plan(self, coming: list[ReceptionSession]) -> None:
        """Published within the publication window (when that is not already past), planned
        beyond it; bookings on the published ones."""
        rng = self.rng
        horizon = self.end + timedelta(days=ls.publish_days())
        for session in coming:
            self.result.sessions_coming += 1
            if session.held_on > horizon or session.held_on < timezone.localdate():
                continue
            session = ls.session_publish(actor=self.officer, session=session)
            for _ in range(rng.randint(1, 3)):
                person, place = self.person_at(None)
                category = str(_weighted(rng, tuple(RECEPTION_CATEGORIES)))
                topic = self.content.core(category=category, purpose="申诉求决", place=place)
                ls.booking_create(
                    session=session,
                    name=person.name,
                    phone=person.phone,
                    topic=topic[:200],
                    today=self.end,
                )
        self.result.bookings = Booking.objects.count()

    def invite(self, matter: Matter) -> None:
        """约访: the 区长 invites the petitioner of his hardest package to a talk next week."""
        day = calendar.next_working_day(self.end + timedelta(days=8))
        session = ls.session_create(
            actor=self.officer,
            data=ls.SessionInput(
                kind=SessionKind.INVITED,
                unit=self.district,
                held_on=day,
                leaders=[self.leaders["李振华"]],
                starts_at=time(15, 0),
                ends_at=time(16, 30),
                place=PLACE_MAIN,
                topics="约请信访人当面沟通化解方案",
                capacity=3,
                units=[self.bureau],
            ),
        )
        ls.invitation_create(actor=self.officer, session=session, matter=matter)
        self.result.sessions_coming += 1

    # -- packages ---------------------------------------------------------------------------

    def hard_matter(self, avoid: set[int], test: Callable[[Matter], bool] | None = None) -> Matter:
        """An old, repeated, unresolved request of the district the 区长 may see (积案)."""
        found = list(
            visible_matters(self.cast.leader)
            .filter(
                purpose=Purpose.REQUEST,
                resolved_on__isnull=True,
                first_received_on__lte=self.end - timedelta(days=PAST_DAYS + 10),
                petitioner__isnull=False,
            )
            .exclude(pk__in=avoid)
            .exclude(status=MatterStatus.REGISTERED)
            .exclude(pk__in=PackageMatter.objects.values("matter_id"))  # none packaged before
            .select_related("category", "locality", "petitioner")
            .order_by("-registration_count", "first_received_on", "pk")[:300]
        )
        if not found:
            raise InputError("演示台账中没有可供包案的早期事项，请增加台账登记数")
        picked = next((m for m in found if test is None or test(m)), found[0])
        avoid.add(picked.pk)
        return picked

    def packages(self) -> None:
        """Five packages with the 六定: the 区长's three (one lacks last month's note, one comes
        back — 回流), an overdue one of a 副区长, and one opened at a reception, since resolved."""
        end, c = self.end, self.cast
        housing = OrgUnit.objects.get(code=HOUSING_CODE)
        hrss = OrgUnit.objects.get(code=HRSS_CODE)
        xincheng_ids = self.walker.xincheng_ids
        used: set[int] = set()
        housing_names = {"征地拆迁", "房产纠纷", "房地产开发", "物业管理", "城乡建设"}
        in_housing = self.hard_matter(
            used, lambda m: m.category is not None and m.category.name in housing_names
        )
        in_xincheng = self.hard_matter(used, lambda m: m.locality_id in xincheng_ids)
        wages = self.hard_matter(
            used, lambda m: m.category is not None and m.category.name == "拖欠工资"
        )
        comes_back = self.hard_matter(used, lambda m: m.locality_id not in xincheng_ids)
        # the reception package: a 限期解决 group about two months ago
        early = [
            r
            for r in self.receptions
            if r.outcome == ReceptionOutcome.WITH_DEADLINE
            and (end - r.session.held_on).days >= 55
            and r.registration.matter_id not in used
        ]
        li = self.leaders["李振华"]
        zhujian, jiedao = c.staff.get(housing.pk), c.staff.get(c.xincheng.pk)
        plans: list[_Plan] = [
            _Plan(in_housing, li, housing, "郑文斌", zhujian, 80, 120, opener=c.leader),
            _Plan(in_xincheng, li, c.xincheng, "孙海涛", jiedao, 75, 150, missing_last=True),
            _Plan(comes_back, li, housing, "郑文斌", zhujian, 88, 90, resolve_ago=40),
            _Plan(wages, self.leaders["刘红梅"], hrss, "林美玲", None, 70, 65),
        ]
        if early:
            r = early[0]
            m = Matter.objects.get(pk=r.registration.matter_id)
            held = (end - r.session.held_on).days
            leader = r.leaders.order_by("sort_order", "id").first() or li
            plans.append(
                _Plan(
                    m, leader, housing, "郑文斌", zhujian, held - 1, 60, resolve_ago=20, reception=r
                )
            )
        this_month = end.replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        for plan in plans:
            started = max(end - timedelta(days=plan.ago), plan.matter.first_received_on)
            plan.package = ls.package_open(
                actor=plan.opener or self.officer,
                data=ls.PackageInput(
                    matters=[plan.matter],
                    leader=plan.leader,
                    deadline=started + timedelta(days=plan.limit),
                    responsible_unit=plan.unit,
                    responsible_person=plan.person,
                    responsible_user=plan.user,
                    supervising_unit=self.bureau,
                    requirements=(
                        "包掌握情况、包解决问题、包教育转化、包依法处置；"
                        "每月底前报送进展，限期内化解到位"
                    ),
                    started_on=started,
                    source=PackageSource.RECEPTION if plan.reception else PackageSource.DESK,
                    reception=plan.reception,
                ),
            )
            self.result.packages += 1
            resolved = end - timedelta(days=plan.resolve_ago) if plan.resolve_ago else None
            stop = this_month
            if resolved is not None:
                stop = min(stop, _next_month(resolved.replace(day=1)))
            skip = {last_month} if plan.missing_last else set()
            self.progress(plan.package, started.replace(day=1), stop, skip, not_before=started)
            if resolved is not None:
                m = plan.package.matters.get()
                matter_resolve(
                    actor=c.leader if plan.leader.user_id else self.officer,
                    matter=m,
                    version=m.version,
                    on=max(resolved, m.first_received_on, started),
                )
        self.invite(in_housing)
        self.come_back(plans[2], stop=this_month)

    def come_back(self, plan: "_Plan", stop: date) -> None:
        """回流: twelve days ago the petitioner of a resolved package came again; the package
        reopened, and its notes go on from the month after it was resolved."""
        assert plan.package is not None
        m = Matter.objects.get(pk=plan.matter.pk)
        petitioner = m.petitioner
        assert petitioner is not None and plan.resolve_ago
        again = self.end - timedelta(days=12)
        registration_create(
            actor=self.cast.desk,
            data=RegistrationInput(
                channel=Channel.VISIT,
                received_at=_at(again, time(10, 20)),
                content=(
                    f"{petitioner.name}再次来访，称此前协商的化解方案未落实到位，"
                    "要求区领导继续协调解决。"
                ),
                category=m.category,
                purpose=m.purpose,
                locality=m.locality,
                petitioner=PersonInput(
                    name=petitioner.name,
                    id_number=petitioner.id_number or "",
                    phone=petitioner.phone,
                ),
            ),
            matter=m,
        )
        self.result.reflows = plan.package.reflows.count()
        resolved = self.end - timedelta(days=plan.resolve_ago)
        self.progress(plan.package, _next_month(resolved.replace(day=1)), stop, set(), again)

    def progress(
        self, package: Package, month: date, stop: date, skip: set[date], not_before: date
    ) -> None:
        """月督查: a note for each month from `month` to the one before `stop`, written in the
        last days of that month by the responsible person (or the bureau)."""
        rng = self.rng
        writer = package.responsible_user or self.officer
        step = package.progress.count()
        while month < stop:
            following = _next_month(month)
            written = min(following - timedelta(days=rng.randint(1, 4)), self.end)
            written = max(written, not_before)
            if month not in skip and written < following:
                ls.package_progress_add(
                    actor=writer,
                    package=package,
                    note=PROGRESS_NOTES[step % len(PROGRESS_NOTES)],
                    duties=[d.value for d in PROGRESS_DUTIES[step % len(PROGRESS_DUTIES)]],
                    month=month,
                    on=written,
                )
            step += 1
            month = following


def _next_month(first: date) -> date:
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1)


PROGRESS_NOTES = (
    "已约见信访人当面听取诉求，调取原始档案，梳理出具体诉求和症结",
    "召集责任单位和属地街道召开协调会，形成初步化解方案，已向信访人解释政策依据",
    "按化解方案落实相关事项，信访人基本认可，正在办理相关手续",
    "走访信访人家庭，开展释法明理和帮扶工作，信访人情绪平稳",
)
PROGRESS_DUTIES = (
    (PackageDuty.KNOW,),
    (PackageDuty.KNOW, PackageDuty.SOLVE),
    (PackageDuty.SOLVE, PackageDuty.EDUCATE),
    (PackageDuty.EDUCATE, PackageDuty.LAW),
)


@dataclass
class _Group:
    person: Person
    place: Place
    category: str
    outcome: str
    people: int
    content: str
    received_at: datetime
    booking: Booking | None


@dataclass
class _Plan:
    matter: Matter
    leader: Leader
    unit: OrgUnit
    person: str
    user: User | None
    ago: int  # opened this many days before the end
    limit: int  # 定办结时限: days from opening
    opener: User | None = None  # the bureau when None
    missing_last: bool = False  # no note for last month
    resolve_ago: int = 0  # resolved (化解) this many days before the end
    reception: Reception | None = None
    package: Package | None = None

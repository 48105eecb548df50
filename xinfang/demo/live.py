"""The demo's live workflow: the ledger's latest matters walked through the workflow services.

The imported ledger is history: its matters carry their recorded facts but no assignments, so a
unit's queues would be empty. The ledger leaves our district's latest matters open (OpenWindow);
here the demo users take them through the real services with past dates, so that every role has
work on the last day: matters to route, new assignments to sign for, matters in handling, some
due within the warning days, some overdue with a clock supervision notice, an extension waiting
for the head, a return and a reassignment, replies, one matter under review and one final.

Every date is computed from the working calendar. A year nobody has entered yet (the clocks of
matters routed in November reach January) is entered as a clearly marked demo year: weekends and
the fixed-date public holidays only, with a note asking the administrator to correct it.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.config import domain_limit
from xinfang.core.permissions import SYSTEM, visible_matters
from xinfang.demo.ledger import OpenWindow
from xinfang.demo.org import DISCIPLINE_CODE, DISTRICT_CODE
from xinfang.intake.choices import Evaluation, Purpose, SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.workflow import calendar
from xinfang.workflow import services as wf
from xinfang.workflow.calendar_entry import DayEntry, calendar_year_save
from xinfang.workflow.entry import recording_history
from xinfang.workflow.models import CalendarYear, DayKind
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.supervision import supervision_raise
from xinfang.workflow.supervision_rules import SupervisionSource
from xinfang.workflow.transitions import LegalChannel, ReplyOutcome

LIVE_DAYS = 90  # how far back the ledger leaves matters open (overdue ones need > 60 days)
ALL_OPEN_DAYS = 14  # the last two weeks' matters are all open; older ones one in EVERY
EVERY = 5
MARKER = "demo.live_workflow"  # the audit action that says the walk is done
DEMO_YEAR_NOTE = "演示数据：仅含周末和元旦、劳动节、国庆节的固定日期，正式安排公布后请管理员更正"
# the statutory holidays that fall on the same solar date every year (the lunar ones do not)
FIXED_HOLIDAYS: tuple[tuple[tuple[int, int], str], ...] = (
    ((1, 1), "元旦"),
    ((5, 1), "劳动节"),
    ((5, 2), "劳动节"),
    ((10, 1), "国庆节"),
    ((10, 2), "国庆节"),
    ((10, 3), "国庆节"),
)
XINCHENG_CODE = f"{DISTRICT_CODE}006"  # 新城街道, where the demo's street login works
HOUSING_CODE = f"{DISTRICT_CODE}BM02"  # 区住房和城乡建设局
BUREAU_CODE = f"{DISTRICT_CODE}BM01"  # 区信访局 itself: a matter "for" it is accepted
HOUSING_CATEGORIES = frozenset(
    {"征地拆迁", "房产纠纷", "房地产开发", "城乡建设", "规划", "物业管理"}
)
# organs a petition bureau does not assign a petition to: the court's matters leave by law
NOT_ASSIGNED = frozenset({f"{DISTRICT_CODE}BM13", f"{DISTRICT_CODE}BM14"})


def open_window(end: date) -> OpenWindow:
    return OpenWindow(
        since=end - timedelta(days=LIVE_DAYS),
        all_since=end - timedelta(days=ALL_OPEN_DAYS),
        every=EVERY,
    )


def live_workflow_done() -> bool:
    from xinfang.core.models import AuditEvent

    return AuditEvent.objects.filter(action=MARKER).exists()


@dataclass
class LiveResult:
    matters: int = 0
    steps: int = 0
    notices: int = 0
    demo_years: list[int] = field(default_factory=list)
    roles: dict[str, int] = field(default_factory=dict)


@dataclass
class _Cast:
    desk: User
    officer: User
    leader: User
    staff: dict[int, User]  # unit id -> the demo login of that unit
    xincheng: OrgUnit
    housing: OrgUnit
    discipline: OrgUnit


def demo_years_enter(first: date, last: date) -> list[int]:
    """Enter every year between the dates the calendar lacks, as a marked demo year."""
    entered = []
    for year in calendar.missing_years(first, last):
        if CalendarYear.objects.filter(year=year).exists():
            continue
        days = [
            DayEntry(date(year, month, day), DayKind.HOLIDAY, name)
            for (month, day), name in FIXED_HOLIDAYS
        ]
        calendar_year_save(actor=SYSTEM, year=year, days=days, note=DEMO_YEAR_NOTE)
        entered.append(year)
    return entered


@transaction.atomic
def live_workflow(*, end: date, seed: int) -> LiveResult:
    """Walk the ledger's open matters up to `end`; once (the marker event says it was done)."""
    result = LiveResult()
    if live_workflow_done():
        return result
    limit = domain_limit("HANDLE_DAYS") + domain_limit("EXTENSION_MAX_DAYS")
    result.demo_years = demo_years_enter(
        end - timedelta(days=LIVE_DAYS), end + timedelta(days=limit + 60)
    )
    cast = _cast()
    walker = _Walker(cast, end, random.Random(seed), result)
    matters = list(
        visible_matters(cast.officer)
        .filter(
            status=MatterStatus.REGISTERED, first_received_on__gte=end - timedelta(days=LIVE_DAYS)
        )
        .select_related("category", "locality", "responsible_unit")
        .order_by("first_received_on", "pk")
    )
    with recording_history("demo"):  # past dates as history: each event says `history: demo`
        walker.walk(matters)
    result.matters = len(matters)
    audit_record(
        actor=SYSTEM,
        action=MARKER,
        obj=cast.officer.org_unit or cast.officer,
        data={
            "roles": result.roles,
            "end": end.isoformat(),
            "matters": result.matters,
            "steps": result.steps,
            "demo_years": result.demo_years,
        },
    )
    return result


def _cast() -> _Cast:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["dengji", "jingban", "lingdao", "jiedao", "zhujian", "jiwei"]
        )
    }
    units = {
        u.code: u
        for u in OrgUnit.objects.filter(code__in=[XINCHENG_CODE, HOUSING_CODE, DISCIPLINE_CODE])
    }
    staff = {users[name].org_unit_id: users[name] for name in ("jiedao", "zhujian", "jiwei")}
    return _Cast(
        desk=users["dengji"],
        officer=users["jingban"],
        leader=users["lingdao"],
        staff=staff,  # type: ignore[arg-type]
        xincheng=units[XINCHENG_CODE],
        housing=units[HOUSING_CODE],
        discipline=units[DISCIPLINE_CODE],
    )


class _Walker:
    def __init__(self, cast: _Cast, end: date, rng: random.Random, result: LiveResult) -> None:
        self.cast, self.end, self.rng, self.result = cast, end, rng, result
        self.horizon = calendar.warning_horizon(end)
        self.xincheng_ids = set(
            OrgUnit.objects.filter(path__startswith=cast.xincheng.path).values_list("pk", flat=True)
        )

    # -- who --------------------------------------------------------------------------------

    def unit_for(self, m: Matter) -> OrgUnit | None:
        """Where the bureau sends it; None: the bureau accepts it itself."""
        c = self.cast
        if m.purpose == Purpose.ACCUSATION:
            return c.discipline
        if m.locality_id in self.xincheng_ids:
            return c.xincheng
        if m.responsible_unit_id == c.housing.pk or (
            m.category and m.category.name in HOUSING_CATEGORIES
        ):
            return c.housing
        unit = m.responsible_unit
        if (
            unit is not None
            and unit.active
            and unit.code.startswith(DISTRICT_CODE)
            and unit.code not in NOT_ASSIGNED
            and unit.code != BUREAU_CODE
            and unit.kind in (UnitKind.STREET, UnitKind.DEPARTMENT)
        ):
            return unit
        return None

    def handler(self, unit: OrgUnit | None) -> User | None:
        return self.cast.officer if unit is None else self.cast.staff.get(unit.pk)

    # -- one step ---------------------------------------------------------------------------

    def do(
        self, service: Callable[..., Matter], m: Matter, actor: User, on: date, **kw: Any
    ) -> Matter:
        assert on <= self.end
        moved = service(
            actor=actor, matter=m, version=m.version, on=max(on, m.first_received_on), **kw
        )
        self.result.steps += 1
        return moved

    def route(self, m: Matter, unit: OrgUnit | None, on: date) -> Matter:
        officer = self.cast.officer
        if unit is None:
            return self.do(wf.matter_accept, m, officer, on)
        service = (
            wf.matter_forward
            if unit.kind == UnitKind.DEPARTMENT and unit != self.cast.discipline
            else wf.matter_assign
        )
        return self.do(service, m, officer, on, unit=unit)

    def receive(self, m: Matter, unit: OrgUnit | None, on: date) -> Matter:
        staff = self.handler(unit)
        if unit is None or staff is None:
            return m
        return self.do(wf.assignment_receive, m, staff, on)

    def reply_and_deliver(
        self, m: Matter, handler: User, replied: date, outcome: str = ""
    ) -> Matter:
        outcome = outcome or self.rng.choice(
            [
                ReplyOutcome.SUPPORTED,
                ReplyOutcome.EXPLAINED,
                ReplyOutcome.EXPLAINED,
                ReplyOutcome.NOT_SUPPORTED,
            ]
        )
        m = self.do(wf.reply_issue, m, handler, replied, outcome=outcome)
        delivered = replied + timedelta(days=self.rng.randint(1, 3))
        if delivered <= self.end:
            m = self.do(wf.reply_deliver, m, self.cast.desk, delivered)
            if outcome != ReplyOutcome.NOT_SUPPORTED and delivered + timedelta(days=1) <= self.end:
                evaluation = self.rng.choice(
                    [Evaluation.SATISFIED, Evaluation.SATISFIED, Evaluation.BASICALLY_SATISFIED]
                )
                m = self.do(
                    wf.evaluation_record,
                    m,
                    self.cast.desk,
                    delivered + timedelta(days=1),
                    evaluation=evaluation,
                )
        return m

    def count(self, role: str) -> None:
        self.result.roles[role] = self.result.roles.get(role, 0) + 1

    # -- the plan ---------------------------------------------------------------------------

    def walk(self, matters: list[Matter]) -> None:
        end = self.end
        age = {m.pk: (end - m.first_received_on).days for m in matters}
        # special roles go to the oldest suitable matters; the rest follow their age
        roles: dict[int, str] = {}

        def pick(role: str, n: int, test: Callable[[Matter], bool]) -> None:
            for m in matters:
                if n and m.pk not in roles and test(m):
                    roles[m.pk] = role
                    n -= 1

        def handled(m: Matter) -> bool:
            return m.purpose != Purpose.ACCUSATION and self.handler(self.unit_for(m)) is not None

        pick("final", 1, lambda m: handled(m) and age[m.pk] >= 60)
        pick("under_review", 1, lambda m: handled(m) and age[m.pk] >= 45)

        def at_unit_with_login(m: Matter) -> bool:
            unit = self.unit_for(m)
            return unit is not None and self.handler(unit) is not None

        # overdue and near ones where a demo login will see them in its own queues, else anywhere
        for role, n, days in (("overdue", 3, 64), ("near", 3, 61)):
            pick(role, n, lambda m, d=days: at_unit_with_login(m) and age[m.pk] >= d)  # type: ignore[misc]
            missing = n - sum(1 for r in roles.values() if r == role)
            pick(role, missing, lambda m, d=days: age[m.pk] >= d)  # type: ignore[misc]
        pick(
            "returned", 1, lambda m: self.unit_for(m) == self.cast.xincheng and 8 <= age[m.pk] <= 40
        )
        pick("extension", 1, lambda m: handled(m) and 15 <= age[m.pk] <= 50)
        # each demo unit's newest matter waits in its 新交办 queue
        for unit in (self.cast.xincheng, self.cast.housing, self.cast.discipline):
            for m in reversed(matters):
                if m.pk not in roles and self.unit_for(m) == unit and 3 <= age[m.pk] <= 20:
                    roles[m.pk] = "fresh"
                    break
        # the newest few wait for the bureau (待处理) whatever day the ledger ends on
        for m in [m for m in matters if age[m.pk] <= 7 and m.pk not in roles][-3:]:
            roles[m.pk] = "waiting"
        for index, m in enumerate(matters):
            role = roles.get(m.pk) or self.ordinary_role(m, index, age[m.pk])
            getattr(self, f"walk_{role}")(m)
            self.count(role)

    def ordinary_role(self, m: Matter, index: int, days: int) -> str:
        if days <= 2:
            return "waiting"  # 待处理: the bureau has not routed it yet
        if m.purpose != Purpose.ACCUSATION and index % 11 == 4:
            return "declined"
        if m.purpose != Purpose.ACCUSATION and index % 13 == 6:
            return "legal"
        return "routed"

    def walk_waiting(self, m: Matter) -> None:
        pass

    def walk_declined(self, m: Matter) -> None:
        on = m.first_received_on + timedelta(days=self.rng.randint(1, 2))
        self.do(
            wf.matter_decline,
            m,
            self.cast.officer,
            on,
            reason="反映事项不属于信访事项受理范围，已告知信访人",
        )

    def walk_legal(self, m: Matter) -> None:
        on = m.first_received_on + timedelta(days=self.rng.randint(1, 2))
        self.do(wf.matter_sort_by_law, m, self.cast.officer, on, channel=LegalChannel.LITIGATION)

    def walk_fresh(self, m: Matter) -> None:
        """Routed to a demo unit two days ago; not signed for yet."""
        self.route(m, self.unit_for(m), self.end - timedelta(days=2))

    def walk_routed(self, m: Matter) -> None:
        """Routed a day or two after arrival; signed for within days unless it is brand new;
        replied after two to six weeks if the time has come."""
        end, rng = self.end, self.rng
        unit = self.unit_for(m)
        if (
            unit is not None
            and self.handler(unit) is None
            and (end - m.first_received_on).days > 10
        ):
            unit = None  # no demo login signs for that unit: the bureau took the older ones on
        routed = min(m.first_received_on + timedelta(days=rng.randint(1, 2)), end)
        m = self.route(m, unit, routed)
        received = routed + timedelta(days=rng.randint(1, 3))
        if unit is not None:
            if received > end - timedelta(days=1):
                return  # 新交办: still waiting for the unit to sign for it
            m = self.receive(m, unit, received)
        handler = self.handler(unit)
        replied = received + timedelta(days=rng.randint(14, 42))
        if (
            handler is not None
            and m.status == MatterStatus.IN_HANDLING
            and replied <= end - timedelta(days=1)
        ):
            due = m.extended_to or m.handling_deadline
            if due is not None and replied > due:
                replied = due
            self.reply_and_deliver(m, handler, replied)

    def walk_final(self, m: Matter) -> None:
        unit = self.unit_for(m)
        handler = self.handler(unit)
        assert handler is not None
        routed = m.first_received_on + timedelta(days=1)
        m = self.route(m, unit, routed)
        m = self.receive(m, unit, routed + timedelta(days=1))
        m = self.reply_and_deliver(m, handler, routed + timedelta(days=12), ReplyOutcome.SUPPORTED)
        flow = m.workflow
        if flow.review_request_due is not None and flow.review_request_due < self.end:
            self.do(
                wf.matter_finalise,
                m,
                self.cast.officer,
                flow.review_request_due + timedelta(days=1),
            )

    def walk_under_review(self, m: Matter) -> None:
        unit = self.unit_for(m)
        handler = self.handler(unit)
        assert handler is not None
        routed = m.first_received_on + timedelta(days=1)
        m = self.route(m, unit, routed)
        m = self.receive(m, unit, routed + timedelta(days=2))
        replied = min(routed + timedelta(days=20), self.end - timedelta(days=12))
        m = self.reply_and_deliver(m, handler, replied, ReplyOutcome.NOT_SUPPORTED)
        delivered = m.workflow.reply_delivered_on
        if delivered is not None:
            m = self.do(
                wf.evaluation_record,
                m,
                self.cast.desk,
                delivered,
                evaluation=Evaluation.DISSATISFIED,
            )
            asked = delivered + timedelta(days=5)
            if asked <= self.end:
                self.do(wf.review_request, m, self.cast.desk, asked)

    def _route_for_due(self, m: Matter, low: date, high: date) -> date | None:
        """A routing day whose handling limit ends between `low` and `high` (if any)."""
        days = domain_limit("HANDLE_DAYS")
        for back in range(days - 10, days + 25):
            day = self.end - timedelta(days=back)
            if day < m.first_received_on:
                break
            if low <= calendar.deadline(day, days) <= high:
                return day
        return None

    def walk_overdue(self, m: Matter) -> None:
        """Past its limit, unreplied; the clock scan raised a district supervision notice."""
        unit = self.unit_for(m)
        routed = self._route_for_due(m, self.end - timedelta(days=20), self.end - timedelta(days=1))
        if routed is None:
            return self.walk_routed(m)
        m = self.route(m, unit, routed)
        m = self.receive(m, unit, routed + timedelta(days=1))
        due = m.extended_to or m.handling_deadline
        assert due is not None
        supervision_raise(
            actor=SYSTEM,
            matter=m,
            version=m.version,
            level=SupervisionLevel.DISTRICT,
            source=SupervisionSource.CLOCK,
            reason="办理期限已超期，系统自动督办",
            on=due + timedelta(days=1),
        )
        self.result.notices += 1
        self.result.steps += 1
        return None

    def walk_near(self, m: Matter) -> None:
        """Its limit ends within the warning days, unreplied."""
        unit = self.unit_for(m)
        routed = self._route_for_due(m, self.end, self.horizon)
        if routed is None:
            return self.walk_routed(m)
        m = self.route(m, unit, routed)
        self.receive(m, unit, routed + timedelta(days=1))
        return None

    def walk_returned(self, m: Matter) -> None:
        """新城街道 returns it within its five working days; the bureau sends it to 住建局."""
        c = self.cast
        routed = m.first_received_on + timedelta(days=1)
        m = self.route(m, c.xincheng, routed)
        m = self.receive(m, c.xincheng, routed + timedelta(days=1))
        back = routed + timedelta(days=2)
        m = self.do(
            wf.assignment_return,
            m,
            c.staff[c.xincheng.pk],
            back,
            reason="经核实，该事项属区住建局职责范围，请重新交办",
        )
        m = self.route(m, c.housing, back + timedelta(days=1))
        if back + timedelta(days=2) <= self.end - timedelta(days=1):
            self.receive(m, c.housing, back + timedelta(days=2))

    def walk_extension(self, m: Matter) -> None:
        """Signed for; the handler asked for a 30-day extension, waiting for the head."""
        unit = self.unit_for(m)
        handler = self.handler(unit)
        assert handler is not None
        routed = m.first_received_on + timedelta(days=1)
        m = self.route(m, unit, routed)
        m = self.receive(m, unit, routed + timedelta(days=1))
        m = self.do(
            wf.handling_record,
            m,
            handler,
            self.end - timedelta(days=3),
            notes="已约谈相关当事人，需现场勘验后形成处理意见",
        )
        self.do(
            wf.extension_request,
            m,
            handler,
            self.end - timedelta(days=1),
            days=30,
            reason="需组织现场勘验并征求相关部门意见，已告知信访人",
        )

"""Every clock of one matter, as its page shows them: start, deadline, days left and state.

Dates come only from xinfang.workflow.calendar (stored deadlines were computed there when the step
was taken; missing ones are computed there now). Finished clocks stay in the list: a clock done on
or before its deadline is MET, after it MISSED. A window the petitioner or the unit may use (退回,
申请复查, 申请复核) is never overdue: once it passes unused, or the matter moves on, it has ENDED.
A clock whose dates reach a year nobody has entered is UNKNOWN and carries the calendar's message.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from xinfang.core.config import domain_limit
from xinfang.core.errors import XinfangError
from xinfang.intake.models import Matter
from xinfang.leaders.choices import NEEDS_ROUTING, PackageStatus
from xinfang.leaders.models import PackageMatter, PackageProgress, Reception
from xinfang.workflow import calendar
from xinfang.workflow.calendar import ClockState
from xinfang.workflow.models import Assignment, MatterWorkflow, SupervisionNotice
from xinfang.workflow.states import ClockKind
from xinfang.workflow.states import MatterStatus as S
from xinfang.workflow.transitions import AssignmentKind


class ClockStatus(models.TextChoices):
    RUNNING = "running", "未到期"
    WARNING = "warning", "即将到期"
    OVERDUE = "overdue", "已超期"
    PAUSED = "paused", "暂停计时"
    MET = "met", "按期完成"
    MISSED = "missed", "超期完成"
    ENDED = "ended", "已结束"
    UNKNOWN = "unknown", "无法计算"


BADGES = {
    ClockStatus.RUNNING: "ok",
    ClockStatus.WARNING: "warn",
    ClockStatus.OVERDUE: "bad",
    ClockStatus.PAUSED: "paused",
    ClockStatus.MET: "ok",
    ClockStatus.MISSED: "bad",
    ClockStatus.ENDED: "",
    ClockStatus.UNKNOWN: "warn",
}


@dataclass(frozen=True)
class Clock:
    kind: ClockKind
    start: date | None
    deadline: date | None
    state: ClockStatus
    days_left: int | None = None  # only while the clock runs (or is paused)
    done_on: date | None = None
    unit: str = ""  # the unit the clock binds (an assignment's, a notice's)
    note: str = ""
    problem: str = ""  # the calendar's refusal when the deadline cannot be computed

    @property
    def label(self) -> str:
        return ClockKind(self.kind).label

    @property
    def badge(self) -> str:
        return BADGES[self.state]

    @property
    def running(self) -> bool:
        return self.state in (ClockStatus.RUNNING, ClockStatus.WARNING, ClockStatus.OVERDUE)

    @property
    def overdue_days(self) -> int:
        return -(self.days_left or 0)


@dataclass
class MatterClockFacts:
    """What the clocks read beyond the matter row: five queries, shared with the matter page."""

    assignments: list[Assignment]
    flow: MatterWorkflow | None
    notices: list[SupervisionNotice]
    # leader work: the matter's receptions that need routing (with their session), its packages
    receptions: list[Reception] = field(default_factory=list)
    packages: list[PackageMatter] = field(default_factory=list)
    active: Assignment | None = field(init=False)

    def __post_init__(self) -> None:
        self.active = next((a for a in self.assignments if a.active), None)

    @property
    def open_notices(self) -> list[SupervisionNotice]:
        return [n for n in self.notices if n.closed_on is None]


def load_facts(matter: Matter) -> MatterClockFacts:
    return load_facts_for([matter.pk])[matter.pk]


def load_facts_for(matter_ids: Iterable[int]) -> dict[int, MatterClockFacts]:
    """The recorded facts of many matters in five queries (not five per matter)."""
    ids = list(matter_ids)
    assignments: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.filter(matter_id__in=ids).select_related("unit").order_by("id"):
        assignments[a.matter_id].append(a)
    flows = {f.matter_id: f for f in MatterWorkflow.objects.filter(matter_id__in=ids)}
    notices: dict[int, list[SupervisionNotice]] = defaultdict(list)
    for n in (
        SupervisionNotice.objects.filter(matter_id__in=ids).select_related("unit").order_by("id")
    ):
        notices[n.matter_id].append(n)
    receptions: dict[int, list[Reception]] = defaultdict(list)
    for r in (
        Reception.objects.filter(registration__matter_id__in=ids, outcome__in=NEEDS_ROUTING)
        .select_related("session")
        .annotate(matter_pk=F("registration__matter_id"))
        .order_by("session__held_on", "id")
    ):
        receptions[r.matter_pk].append(r)
    packages: dict[int, list[PackageMatter]] = defaultdict(list)
    for item in (
        PackageMatter.objects.filter(matter_id__in=ids, package__deadline__isnull=False)
        .select_related("package__leader", "package__responsible_unit")
        .order_by("package__started_on", "package_id")
    ):
        packages[item.matter_id].append(item)
    return {
        pk: MatterClockFacts(
            assignments=assignments[pk],
            flow=flows.get(pk),
            notices=notices[pk],
            receptions=receptions[pk],
            packages=packages[pk],
        )
        for pk in ids
    }


def _running(
    kind: ClockKind, start: date | None, due: date, today: date, unit: str = "", note: str = ""
) -> Clock:
    state = ClockStatus(calendar.clock_state(due, today).value)
    return Clock(kind, start, due, state, calendar.days_left(due, today), unit=unit, note=note)


def _finished(
    kind: ClockKind, start: date | None, due: date, done: date, unit: str = "", note: str = ""
) -> Clock:
    state = ClockStatus.MET if done <= due else ClockStatus.MISSED
    return Clock(kind, start, due, state, None, done, unit=unit, note=note)


def _duty(
    kind: ClockKind,
    start: date | None,
    due: date,
    done: date | None,
    today: date,
    unit: str = "",
    note: str = "",
) -> Clock:
    """A clock someone must beat: finished when done, else running against today."""
    if done is not None:
        return _finished(kind, start, due, done, unit, note)
    return _running(kind, start, due, today, unit, note)


def _window(
    kind: ClockKind,
    start: date | None,
    due: date,
    used: date | None,
    today: date,
    *,
    still_open: bool,
    unused: str,
    unit: str = "",
) -> Clock:
    """A window someone may use: used in time is MET; passed or closed unused, it ENDED."""
    if used is not None:
        return _finished(kind, start, due, used, unit)
    if not still_open or calendar.days_left(due, today) < 0:
        return Clock(kind, start, due, ClockStatus.ENDED, unit=unit, note=unused)
    return _running(kind, start, due, today, unit)


def _guarded(kind: ClockKind, start: date | None, make: Callable[[], Clock | None]) -> Clock | None:
    try:
        return make()
    except XinfangError as exc:  # CalendarMissingError: a year nobody has entered yet
        return Clock(kind, start, None, ClockStatus.UNKNOWN, problem=exc.message)


def route_deadline(matter: Matter) -> date:
    """登记转送交办期限: receipt + ROUTE_DAYS calendar days, on the working calendar."""
    return calendar.deadline(matter.first_received_on, domain_limit("ROUTE_DAYS"))


def route_clock(matter: Matter, today: date, routed_on: date | None = None) -> Clock | None:
    """The 15-day routing clock (no queries): running while the matter waits to be routed.

    `routed_on` is the first routing when known (a returned matter's decided_on is its latest).
    """
    start = matter.first_received_on

    def make() -> Clock | None:
        if matter.status == S.REGISTERED:
            return _running(ClockKind.ROUTE, start, route_deadline(matter), today)
        done = routed_on or matter.decided_on
        if done is None:
            return None  # imported history without a decision date: nothing to time
        return _finished(ClockKind.ROUTE, start, route_deadline(matter), done)

    return _guarded(ClockKind.ROUTE, start, make)


# --- leader work: 接访交办期限 and 包案办结时限 -------------------------------------------------


def unrouted_receptions() -> "QuerySet[Reception]":
    """The receptions needing routing whose matter has not left yet (no 交办日期: the ledger's,
    or the workflow's stamped when it routes) — for the scan and the queues."""
    return Reception.objects.filter(outcome__in=NEEDS_ROUTING, routed_on__isnull=True)


def _reception_route_due(reception: Reception) -> date:
    if reception.route_due is not None:
        return reception.route_due
    from xinfang.leaders.services import reception_route_due  # a row imported without it

    return reception_route_due(reception.session.held_on)


def _reception_clocks(matter: Matter, facts: "MatterClockFacts", today: date) -> list[Clock | None]:
    found: list[Clock | None] = []
    for r in facts.receptions:
        held = r.session.held_on
        done = r.routed_on  # 交办日期: the ledger's, or stamped by the workflow when it routed
        note = f"{r.session.number} {r.get_outcome_display()}"

        def make(r: Reception = r, done: date | None = done, note: str = note) -> Clock:
            due = _reception_route_due(r)
            return _duty(ClockKind.RECEPTION_ROUTE, r.session.held_on, due, done, today, note=note)

        found.append(_guarded(ClockKind.RECEPTION_ROUTE, held, make))
    return found


def _package_clocks(facts: "MatterClockFacts", today: date) -> list[Clock | None]:
    found: list[Clock | None] = []
    for item in facts.packages:
        p = item.package
        assert p.deadline is not None  # loaded only with one
        unit = p.responsible_unit.name if p.responsible_unit else ""
        note = f"{p.number} {p.leader.name}包案"
        found.append(_duty(ClockKind.PACKAGE, p.started_on, p.deadline, p.resolved_on, today,
                           unit=unit, note=note))  # fmt: skip
    return found


def last_month(today: date) -> date:
    """The first day of the month before `today`'s: the month a 月督查 note is due for."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def progress_missing(today: date) -> Q:
    """Packages (a Package filter) still open and without a progress note for last month:
    leaders.services.months_missing(package, today) names last month exactly for these."""
    this_month = today.replace(day=1)
    noted = PackageProgress.objects.filter(package=OuterRef("pk"), month=last_month(today))
    return Q(status=PackageStatus.OPEN, started_on__lt=this_month) & ~Q(Exists(noted))


def _extension_note(matter: Matter, flow: MatterWorkflow | None) -> str:
    if matter.extended_to is not None:
        return f"已延期至{matter.extended_to:%Y-%m-%d}"
    if flow is not None and flow.extension_requested_on and flow.extension_approved is None:
        return f"延期{flow.extension_days}日的申请待审批"
    if flow is not None and flow.extension_approved is False:
        return "延期申请未获批准"
    return ""


def return_due(assigned_on: date, received_on: date | None) -> date:
    """退回期限, the one rule: N working days from 签收 when 签收 came inside the 交办's own window,
    otherwise from the 交办 itself — a late 签收 never reopens a window that had already closed."""
    n = domain_limit("RETURN_WORKING_DAYS")
    closes = calendar.add_working_days(assigned_on, n)
    if received_on is None or received_on > closes:
        return closes
    return calendar.add_working_days(received_on, n)


def _assignment_clocks(
    matter: Matter, a: Assignment, flow: MatterWorkflow | None, today: date
) -> list[Clock | None]:
    unit = a.unit.name
    how = a.get_kind_display()
    late = a.received_on is not None and a.received_on > return_due(a.assigned_on, None)
    return_start = a.assigned_on if late or a.received_on is None else a.received_on

    def return_window() -> Clock | None:
        due = return_due(a.assigned_on, a.received_on)
        still_open = a.active and matter.status in (S.ASSIGNED, S.IN_HANDLING)
        return _window(
            ClockKind.RETURN,
            return_start,
            due,
            a.returned_on,
            today,
            still_open=still_open,
            unused="未退回",
            unit=unit,
        )

    def handle() -> Clock | None:
        if not a.active:
            return Clock(
                ClockKind.HANDLE,
                a.assigned_on,
                a.due,
                ClockStatus.ENDED,
                done_on=a.returned_on,
                unit=unit,
                note=f"{how}后已退回",
            )
        done = (
            matter.replied_on if matter.replied_on and matter.replied_on >= a.assigned_on else None
        )
        note = _extension_note(matter, flow) or how
        return _duty(ClockKind.HANDLE, a.assigned_on, a.due, done, today, unit=unit, note=note)

    def accept() -> Clock | None:
        # 转送: the organ with authority decides acceptance and tells the petitioner (签收 here)
        if a.kind != AssignmentKind.FORWARD:
            return None
        due = calendar.deadline(a.assigned_on, domain_limit("ACCEPT_DAYS"))
        if not a.active and a.received_on is None:
            note = "转送后已退回"
            return Clock(
                ClockKind.ACCEPT,
                a.assigned_on,
                due,
                ClockStatus.ENDED,
                done_on=a.returned_on,
                unit=unit,
                note=note,
            )
        note = "受理并告知信访人"
        return _duty(ClockKind.ACCEPT, a.assigned_on, due, a.received_on, today, unit, note)

    return [
        _guarded(ClockKind.ACCEPT, a.assigned_on, accept),
        _guarded(ClockKind.RETURN, return_start, return_window),
        _guarded(ClockKind.HANDLE, a.assigned_on, handle),
    ]


def matter_clocks(
    matter: Matter, today: date, facts: MatterClockFacts | None = None
) -> list[Clock]:
    """Every clock of the matter, running or finished, oldest start first (five queries)."""
    facts = facts if facts is not None else load_facts(matter)
    flow = facts.flow
    first = facts.assignments[0].assigned_on if facts.assignments else None
    clocks: list[Clock | None] = [route_clock(matter, today, first)]
    for a in facts.assignments:
        clocks += _assignment_clocks(matter, a, flow, today)

    # the bureau's own handling (受理), or handling the ledger recorded without an assignment row
    due = matter.extended_to or matter.handling_deadline
    if due is not None and facts.active is None and matter.status not in _NO_HANDLING:
        note = _extension_note(matter, flow) or matter.get_handling_method_display()
        clocks.append(
            _duty(ClockKind.HANDLE, matter.decided_on, due, matter.replied_on, today, note=note)
        )
    if not facts.assignments:
        clocks.append(_ledger_return_window(matter, today))

    clocks += _review_clocks(matter, flow, today)
    clocks += _reception_clocks(matter, facts, today)
    clocks += _package_clocks(facts, today)

    for n in facts.notices:
        unit = n.unit.name if n.unit else ""
        note = f"{n.get_level_display()}级{n.get_kind_display()}"
        if n.outcome:
            note += f"，{n.get_outcome_display()}"
        clocks.append(_duty(ClockKind.SUPERVISION, n.raised_on, n.due, n.closed_on, today,
                            unit=unit, note=note))  # fmt: skip
    found = [c for c in clocks if c is not None]
    return sorted(found, key=lambda c: c.start or date.min)  # stable: same-day clocks keep order


def ledger_assigned() -> Q:
    """Matters a ledger records as 交办 (with its date) that have no assignment row: no 签收 was
    recorded, so their 退回 window runs from the 交办 itself, as an unsigned assignment's does."""
    rows = Assignment.objects.filter(matter=OuterRef("pk"))
    return Q(handling_method=AssignmentKind.ASSIGN, decided_on__isnull=False) & ~Q(Exists(rows))


def _ledger_return_window(matter: Matter, today: date) -> Clock | None:
    """退回期限 of a 交办 the ledger recorded without 签收 (ledger_assigned)."""
    start = matter.decided_on
    if matter.handling_method != AssignmentKind.ASSIGN or start is None:
        return None

    def make() -> Clock | None:
        assert start is not None
        due = return_due(start, None)  # the one rule: a ledger 交办 has no 签收
        still_open = matter.status in (S.ASSIGNED, S.IN_HANDLING) and matter.replied_on is None
        # the unit's name only while the window runs (saves a query per finished matter)
        unit = matter.responsible_unit.name if still_open and matter.responsible_unit else ""
        return _window(ClockKind.RETURN, start, due, None, today, still_open=still_open,
                       unused="未退回", unit=unit)  # fmt: skip

    return _guarded(ClockKind.RETURN, start, make)


# statuses in which no handling clock runs (not routed yet, sent back, or left the track)
_NO_HANDLING = (S.REGISTERED, S.RETURNED, S.DECLINED, S.LEGAL_CHANNEL)


def _review_clocks(matter: Matter, flow: MatterWorkflow | None, today: date) -> list[Clock | None]:
    found: list[Clock | None] = []
    final = matter.status == S.FINAL
    if flow is not None and flow.reply_delivered_on and flow.review_request_due:
        delivered, window = flow.reply_delivered_on, flow.review_request_due
        found.append(
            _window(
                ClockKind.REVIEW_REQUEST,
                delivered,
                window,
                matter.review_requested_on,
                today,
                still_open=not final,
                unused="未申请复查",
            )
        )
    if matter.review_requested_on:
        requested = matter.review_requested_on

        def review() -> Clock | None:
            due = (flow.review_due if flow else None) or calendar.deadline(
                requested, domain_limit("REVIEW_DECIDE_DAYS")
            )
            return _duty(ClockKind.REVIEW, requested, due, matter.review_replied_on, today)

        found.append(_guarded(ClockKind.REVIEW, requested, review))
    if flow is not None and flow.review_delivered_on and flow.rereview_request_due:
        found.append(
            _window(
                ClockKind.REREVIEW_REQUEST,
                flow.review_delivered_on,
                flow.rereview_request_due,
                matter.rereview_requested_on,
                today,
                still_open=not final,
                unused="未申请复核",
            )
        )
    if matter.rereview_requested_on:
        requested = matter.rereview_requested_on
        found.append(
            _guarded(ClockKind.REREVIEW, requested, lambda: _rereview(matter, flow, today))
        )
    return found


def _rereview(matter: Matter, flow: MatterWorkflow | None, today: date) -> Clock:
    """复核期限: hearing days are not counted; while a hearing runs the clock stands still."""
    requested = matter.rereview_requested_on
    assert requested is not None
    limit = domain_limit("REREVIEW_DECIDE_DAYS")
    started = flow.hearing_started_on if flow else None
    ended = flow.hearing_ended_on if flow else None
    if started is not None and ended is None and matter.rereview_replied_on is None:
        # the deadline as it would stand if the hearing ended today; days left do not fall
        due = calendar.deadline(requested, limit, paused=[(started, max(started, today))])
        note = f"听证中，自{started:%Y-%m-%d}起暂停计时"
        return Clock(
            ClockKind.REREVIEW,
            requested,
            due,
            ClockStatus.PAUSED,
            calendar.days_left(due, today),
            note=note,
        )
    paused = [(started, ended)] if started is not None and ended is not None else []
    due = (flow.rereview_due if flow else None) or calendar.deadline(
        requested, limit, paused=paused
    )
    note = f"听证{started:%Y-%m-%d}至{ended:%Y-%m-%d}不计入" if paused and started and ended else ""
    return _duty(ClockKind.REREVIEW, requested, due, matter.rereview_replied_on, today, note=note)


def first_start_due_on(day: date, limit_name: str) -> date:
    """The earliest start whose `limit_name`-day clock ends on or after `day`: a clock started
    before it is due before `day` (a deadline never falls as its start moves on), so the
    queues can ask the database for the due ones by their start date."""
    limit = domain_limit(limit_name)
    start = date.fromordinal(day.toordinal() - limit)  # its deadline is `day` or later
    try:
        while calendar.deadline(start - timedelta(days=1), limit) >= day:
            start -= timedelta(days=1)
    except XinfangError:  # a year nobody has entered: the plain count, as near as it can be
        pass
    return start


def clock_state_of(clock: Clock | None) -> ClockState | None:
    """The queue's three-state view of a running clock (None when it does not run)."""
    if clock is None or not clock.running:
        return None
    return ClockState(clock.state.value)

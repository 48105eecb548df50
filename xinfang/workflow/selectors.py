"""Work queues (我的待办): what each role should act on today, read only, within visible_matters.

The database picks each queue's matters; the clock a row shows (its state, days and deadline) is
the matter page's own, read from workflow.clocks for the rows fetched, so the two never differ.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual

from xinfang.accounts.models import Role, User
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import is_handling_unit, visible_matters, visible_packages
from xinfang.intake.models import Matter
from xinfang.leaders.choices import PackageStatus
from xinfang.leaders.models import Package
from xinfang.workflow import calendar
from xinfang.workflow.calendar import ClockState
from xinfang.workflow.clocks import (
    Clock,
    clock_state_of,
    first_start_due_on,
    last_month,
    load_facts_for,
    matter_clocks,
    progress_missing,
    unrouted_receptions,
)
from xinfang.workflow.models import Assignment, SupervisionNotice
from xinfang.workflow.states import ClockKind
from xinfang.workflow.states import MatterStatus as S
from xinfang.workflow.transitions import AssignmentKind

QUEUE_SIZE = 50
# the clocks a handling unit (or the bureau, for its own) must beat while a matter is handled
UNIT_DUTIES = (ClockKind.ACCEPT, ClockKind.HANDLE)
# statuses whose handling clock is running: routed or accepted, not yet replied
CLOCK_STATUSES = (S.ASSIGNED, S.IN_HANDLING)
TO_ROUTE = (S.REGISTERED, S.RETURNED)
BADGES = {ClockState.RUNNING: "ok", ClockState.WARNING: "warn", ClockState.OVERDUE: "bad"}


@dataclass(frozen=True)
class QueueRow:
    matter: Matter
    day: date | None  # the date the queue is about (its column label says which)
    days_left: int | None  # None when the queue has no clock
    state: ClockState | None
    due: date | None = None  # the clock's last day when it is not `day` (待处理: the routing clock)
    late_entry: bool = False  # 「补录」: an approved backdate, or a clock met only by the typed day
    clock: str = ""  # which clock the row's days are of (受理告知期限, 退回期限, …)

    @property
    def badge(self) -> str:
        return BADGES[self.state] if self.state else ""

    @property
    def overdue_days(self) -> int:
        return -(self.days_left or 0)


@dataclass(frozen=True)
class PackageRow:
    """A leader package (包案) in a queue: its 办结时限 clock and its 月督查 note."""

    package: Package
    days_left: int | None
    state: ClockState | None
    missing_month: date | None  # last month, when its progress note is missing
    last_note: date | None  # the latest month with a note

    @property
    def badge(self) -> str:
        return BADGES[self.state] if self.state else ""

    @property
    def overdue_days(self) -> int:
        return -(self.days_left or 0)


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    day_label: str
    rows: Sequence[QueueRow | PackageRow]
    total: int
    packages: bool = False  # rows are PackageRow (their own columns), not matters

    @property
    def capped(self) -> bool:
        return self.total > len(self.rows)


def _open_assignments(user: User) -> QuerySet[Assignment]:
    return Assignment.objects.filter(matter=OuterRef("pk"), active=True, unit_id=user.org_unit_id)


# the handling deadline in force: the approved extension, else the original limit
DEADLINE = Coalesce("extended_to", "handling_deadline", output_field=DateField())


def _handling(matters: QuerySet[Matter]) -> QuerySet[Matter]:
    return matters.filter(
        IsNull(DEADLINE, False), status__in=CLOCK_STATUSES, replied_on__isnull=True
    )


# 受理告知: a 转送 not yet signed for (the accept clock of workflow.clocks, as the scan reads it)
_UNSIGNED = Assignment.objects.filter(
    matter=OuterRef("pk"),
    active=True,
    kind=AssignmentKind.FORWARD,
    received_on__isnull=True,
    matter__status=S.ASSIGNED,
)


def _accept_due_before(day: date) -> Q:
    """The matters whose 受理告知 deadline is before `day` (its start is before the first start
    due on or after `day`: a deadline never falls as its start moves on)."""
    return Q(Exists(_UNSIGNED.filter(assigned_on__lt=first_start_due_on(day, "ACCEPT_DAYS"))))


def _overdue_q(matters: QuerySet[Matter], today: date) -> Q:
    late_handling = _handling(matters).filter(LessThan(DEADLINE, today)).values("pk")
    return Q(pk__in=late_handling) | _accept_due_before(today)


def _due_soon(matters: QuerySet[Matter], today: date) -> QuerySet[Matter]:
    """A clock within the warning days and none overdue (that matter is 已超期)."""
    horizon = calendar.warning_horizon(today)
    soon_handling = _handling(matters).filter(
        GreaterThanOrEqual(DEADLINE, today), LessThanOrEqual(DEADLINE, horizon)
    )
    soon = Q(pk__in=soon_handling.values("pk")) | _accept_due_before(
        date.fromordinal(horizon.toordinal() + 1)
    )
    found = matters.filter(soon).exclude(_overdue_q(matters, today))
    return found.annotate(queue_day=DEADLINE).order_by(DEADLINE.asc(nulls_last=True), "pk")


def _overdue(matters: QuerySet[Matter], today: date) -> QuerySet[Matter]:
    found = matters.filter(_overdue_q(matters, today)).annotate(queue_day=DEADLINE)
    return found.order_by(DEADLINE.asc(nulls_last=True), "pk")


def _build(
    key: str,
    title: str,
    day_label: str,
    matters: QuerySet[Matter],
    today: date,
    kinds: Sequence[ClockKind] = (),
    *,
    day_is_due: bool = True,
    by_urgency: bool = False,
) -> Queue:
    """Count, then fetch the first QUEUE_SIZE with what the row shows; each row's clock is the
    most urgent running one of `kinds` among the matter's clocks (workflow.clocks, five queries
    for all the rows). `day_is_due`: the row's date is that clock's deadline."""
    total = matters.count()
    fetched = list(
        matters.select_related("petitioner", "responsible_unit").annotate(late_entry=_LATE_ENTRY)[
            :QUEUE_SIZE
        ]
    )
    facts = load_facts_for([m.pk for m in fetched]) if kinds and fetched else {}
    rows = []
    for m in fetched:
        day: date | None = getattr(m, "queue_day", None)
        one = QueueRow(m, day, None, None)
        if kinds:
            clock = most_urgent(matter_clocks(m, today, facts[m.pk]), kinds)
            state = clock_state_of(clock)
            if clock is not None and state is not None:
                shown = clock.deadline if day_is_due else day
                due = None if day_is_due else clock.deadline
                one = QueueRow(m, shown, clock.days_left, state, due, clock=clock.label)
        rows.append(replace(one, late_entry=True) if m.late_entry else one)
    if by_urgency:
        rows.sort(key=lambda r: r.days_left if r.days_left is not None else 10**6)
    return Queue(key, title, day_label, rows, total)


def most_urgent(clocks: Sequence[Clock], kinds: Sequence[ClockKind]) -> Clock | None:
    """The running clock of `kinds` with the fewest days left (the most overdue first)."""
    running = [c for c in clocks if c.kind in kinds and c.running and c.days_left is not None]
    return min(running, key=lambda c: c.days_left or 0, default=None)


# the matter has a step entered with an approved date before the window (xinfang.workflow.entry)
_LATE_ENTRY = Exists(AuditEvent.objects.filter(matter=OuterRef("pk"), data__late_entry=True))


def _state(day: date, today: date) -> ClockState:
    return calendar.clock_state(day, today)


def new_assignments(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    own = _open_assignments(user)
    matters = (
        visible.filter(Exists(own.filter(received_on__isnull=True)))
        .annotate(queue_day=Subquery(own.values("assigned_on")[:1]))
        .order_by("-queue_day", "-pk")
    )
    # the row's days: the 退回 window, which runs from the 交办 until the unit signs for it
    return _build(
        "new", "新交办待签收", "交办日期", matters, today, (ClockKind.RETURN,), day_is_due=False
    )


def due_soon(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    matters = _due_soon(_scope(user, visible), today)
    return _build("due_soon", "即将到期", "期限", matters, today, UNIT_DUTIES, by_urgency=True)


def overdue(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    matters = _overdue(_scope(user, visible), today)
    return _build("overdue", "已超期", "期限", matters, today, UNIT_DUTIES, by_urgency=True)


def to_route(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    matters = (
        visible.filter(status__in=TO_ROUTE)
        .annotate(queue_day=F("first_received_on"))
        .order_by("-first_received_on", "-pk")
    )
    route = (ClockKind.ROUTE,)  # returned: routed once already, its clock finished (no days)
    return _build("to_route", "待处理", "首次登记", matters, today, route, day_is_due=False)


def extensions(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    matters = (
        visible.filter(
            workflow__extension_requested_on__isnull=False,
            workflow__extension_approved__isnull=True,
        )
        .annotate(queue_day=DEADLINE)
        .order_by(DEADLINE.asc(nulls_last=True), "pk")
    )
    handle = (ClockKind.HANDLE,)
    return _build("extensions", "待审批延期", "办理期限", matters, today, handle)


def supervised(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    open_notices = SupervisionNotice.objects.filter(matter=OuterRef("pk"), closed_on__isnull=True)
    first_due = open_notices.order_by().values("matter").annotate(d=Min("due")).values("d")
    matters = (
        visible.filter(Exists(open_notices))
        .annotate(queue_day=Subquery(first_due[:1]))
        .order_by("queue_day", "pk")
    )
    notices = (ClockKind.SUPERVISION,)
    return _build("supervised", "督办中", "督办期限", matters, today, notices)


def to_deliver(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    """The desk's: written opinions issued but not yet delivered to the petitioner (送达)."""
    # issued through the workflow and not yet delivered; a ledger's 答复日期 is already a delivery
    reply = Q(
        status=S.REPLIED, workflow__reply_outcome__gt="", workflow__reply_delivered_on__isnull=True
    )
    review = Q(
        status=S.REVIEWED,
        workflow__review_outcome__gt="",
        workflow__review_delivered_on__isnull=True,
    )
    day = Coalesce("review_replied_on", "replied_on", output_field=DateField())
    matters = visible.filter(reply | review).annotate(queue_day=day).order_by("queue_day", "pk")
    return _build("to_deliver", "待送达", "意见出具日期", matters, today)


def receptions_to_route(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    """接访待交办: matters a leader received and did not settle, not yet routed (2 working days)."""
    waiting = unrouted_receptions().filter(registration__matter=OuterRef("pk"))
    first_due = waiting.order_by().values("registration__matter").annotate(d=Min("route_due"))
    matters = (
        visible.filter(Exists(waiting))
        .annotate(queue_day=Subquery(first_due.values("d")[:1]))
        .order_by(F("queue_day").asc(nulls_last=True), "pk")
    )
    waits = (ClockKind.RECEPTION_ROUTE,)
    return _build("receptions", "接访待交办", "交办期限", matters, today, waits)


def _package_rows(packages: QuerySet[Package], today: date) -> QuerySet[Package]:
    return (
        packages.filter(status=PackageStatus.OPEN)
        .annotate(
            last_note=Max("progress__month"),
            note_missing=ExpressionWrapper(progress_missing(today), output_field=BooleanField()),
        )
        .order_by(F("deadline").asc(nulls_last=True), "pk")
    )


def _build_packages(key: str, title: str, packages: QuerySet[Package], today: date) -> Queue:
    total = packages.count()
    rows = []
    for p in packages.select_related("leader", "responsible_unit")[:QUEUE_SIZE]:
        due = p.deadline
        rows.append(
            PackageRow(
                p,
                calendar.days_left(due, today) if due else None,
                _state(due, today) if due else None,
                last_month(today) if p.note_missing else None,  # type: ignore[attr-defined]
                p.last_note,  # type: ignore[attr-defined]
            )
        )
    return Queue(key, title, "办结时限", rows, total, packages=True)


def packages_to_watch(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    """包案督查: the area's open packages missing last month's note or past their 办结时限."""
    packages = visible_packages(user).filter(progress_missing(today) | Q(deadline__lt=today))
    return _build_packages("packages", "包案督查", _package_rows(packages, today), today)


def own_packages(user: User, visible: QuerySet[Matter], today: date) -> Queue:
    """我的包案: a leader's own open packages ("一包到底"), with their clock and monthly note."""
    return _build_packages(
        "packages", "我的包案", _package_rows(visible_packages(user), today), today
    )


def _scope(user: User, visible: QuerySet[Matter]) -> QuerySet[Matter]:
    """Clocks a user watches: a unit its own active assignments, the bureau its whole area."""
    matters = visible
    if is_handling_unit(user):
        return matters.filter(Exists(_open_assignments(user)))
    return matters


QueueFn = Callable[[User, QuerySet[Matter], date], Queue]
ROLE_QUEUES: dict[str, tuple[QueueFn, ...]] = {
    Role.UNIT_STAFF: (new_assignments, due_soon, overdue),
    Role.OFFICER: (
        to_route,
        receptions_to_route,
        extensions,
        due_soon,
        overdue,
        supervised,
        packages_to_watch,
    ),
    Role.LEADER: (extensions, supervised, own_packages),
    Role.SUPERVISOR: (overdue, supervised),
    Role.REGISTRAR: (to_route, to_deliver),
}


def queues_for(user: User, today: date) -> list[Queue]:
    """The user's queues, in the order the page shows them; none for a role without any."""
    # the user's scope is worked out once (it reads the unit tree), then narrowed by each queue
    visible = visible_matters(user)
    return [fn(user, visible, today) for fn in ROLE_QUEUES.get(user.role, ())]

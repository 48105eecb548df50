"""The clock scan (期限扫描): warnings, overdue marks, automatic 督办 and notifications, set-based.

One run, in one transaction:
1. For every clock (states.ClockKind) whose deadline is within CLOCK_WARNING_DAYS of `today` or
   past it, insert a ClockAlert (matter, clock, stage, deadline) with INSERT … SELECT; the unique
   key skips every alert an earlier run raised, so a rerun inserts nothing. The alert rows of
   this run are the only thing the later steps act on.
2. A new overdue alert of the route, handling, review, re-review or 接访交办 clock opens a 区级
   督办单 (source 超期自动发起) through supervision.clock_raise_bulk: one notice per matter and
   level, guaranteed by the notice table's conditional unique constraint, one audit event each.
3. In-app notifications for this run's alerts, to each user who may see the matter
   (core.permissions.visible_matters, the same rule as every page) and whose post watches that
   clock: the bureau's officers everything in their area; supervisors what went overdue and the
   督办 clocks; a handling unit's staff the 退回/办理/督办 clocks of what is assigned to their own
   unit; a package's clock also its leader's and its 责任人's accounts. Unique per (user, alert).
4. Leader work, in the same run: planned reception sessions entering the publication window are
   published (leaders.services.publish_due), and each open package without last month's progress
   note (月督查, leaders.services.months_missing) brings one reminder per month to its 责任人
   (else its leader) and the bureau's officers of its area — kept once by Notification.key
   (pkgmonth:<package>:<yyyy-mm>), so a rerun adds none.
5. Disputes (xinfang.disputes.clocks.scan_disputes): 预警 to the level's owner, and an open
   dispute past its level's time rises to the next level above its place with an Escalation row
   (超期自动) and notifications to that level's unit staff and officers; at the top (区县, or
   the highest level the place has) it goes overdue and its owner is told — kept once by
   DisputeAlert's and Escalation's unique keys.
After the commit, SMS and e-mail digests (notifications.backends) of the new notifications.

Which clocks: 登记转送 (REGISTERED matters, first receipt + ROUTE_DAYS, computed per distinct
date), 受理告知 (a 转送 not yet signed for: the 转送 + ACCEPT_DAYS, likewise), 退回 (warning only:
when it passes the unit simply keeps the matter; from the 交办 until 签收, then from 签收),
办理 (the extension when approved), 复查, 复核 (not while a hearing is open: its days do not
count), 督办 (an open notice's due date), 接访交办 (a reception not settled on the spot, until
its matter is routed: clocks.unrouted_receptions), 包案办结时限 (an open package's deadline,
for each of its matters).
The petitioner's windows 申请复查 / 申请复核 do not warn anyone; once passed the bureau's
officers are told the matter can be finalised (可终结).

Safe twice at once: on PostgreSQL the run takes a transaction-level advisory lock and a second
run finds it taken and returns at once (skipped); without the lock the unique constraints alone
keep every row single. On SQLite the IMMEDIATE transaction makes the second run wait.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from xinfang.accounts.models import Role, User
from xinfang.core.config import domain_limit
from xinfang.core.permissions import sees_accusations, visible_matters, visible_packages
from xinfang.intake.choices import Purpose, SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.leaders.choices import PackageStatus
from xinfang.leaders.models import Package, PackageMatter
from xinfang.notifications.models import (
    AlertStage,
    ClockAlert,
    ClockScan,
    Notification,
    NotificationKind,
)
from xinfang.workflow import calendar, supervision
from xinfang.workflow.calendar import CalendarMissingError
from xinfang.workflow.clocks import (
    last_month,
    ledger_assigned,
    progress_missing,
    unrouted_receptions,
)
from xinfang.workflow.implied import fill_implied_deadlines
from xinfang.workflow.models import Assignment, MatterWorkflow, SupervisionNotice
from xinfang.workflow.states import ClockKind as C
from xinfang.workflow.states import MatterStatus as S
from xinfang.workflow.transitions import AssignmentKind

log = logging.getLogger("xinfang.clockscan")

LOCK_KEY = 0x58460001  # pg advisory lock id of the clock scan ("XF" 1)
ROUTE_BATCH = 200  # deadline groups per INSERT of route alerts (one CASE branch each)
W, OVER = str(AlertStage.WARNING), str(AlertStage.OVERDUE)
# an overdue alert of these clocks opens a 区级 督办单
NOTICE_CLOCKS = (C.ROUTE, C.HANDLE, C.REVIEW, C.REREVIEW, C.RECEPTION_ROUTE)
# the petitioner's windows: passing them lets the bureau finalise the matter
LAPSE_CLOCKS = (C.REVIEW_REQUEST, C.REREVIEW_REQUEST)
NOTICE_LEVEL = SupervisionLevel.DISTRICT


@dataclass
class ScanResult:
    today: date
    skipped: bool = False  # another scan held the lock
    warnings: int = 0
    overdue: int = 0
    notices: int = 0
    notifications: int = 0
    messages: int = 0
    missing_years: list[int] = field(default_factory=list)
    published: int = 0  # reception sessions published (公示) by this run
    reminders: int = 0  # 月督查 reminders among the notifications
    disputes_raised: int = 0  # 矛盾纠纷 raised to the next level (xinfang.disputes.clocks)
    scan_id: int | None = None
    deadlines_filled: int = 0  # 办理期限 filled from the ledger's facts (workflow.implied)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["today"] = self.today.isoformat()
        return found

    def summary(self) -> str:
        if self.skipped:
            return f"{self.today:%Y-%m-%d} 另一次期限扫描正在进行，本次跳过"
        line = (
            f"{self.today:%Y-%m-%d} 期限扫描：新增预警 {self.warnings} 条，"
            f"新增超期 {self.overdue} 条，"
            f"自动督办 {self.notices} 件，站内提醒 {self.notifications} 条，"
            f"短信/邮件 {self.messages} 条"
        )
        if self.published:
            line += f"，公示领导接访 {self.published} 场"
        if self.reminders:
            line += f"，包案月督查提醒 {self.reminders} 条"
        if self.disputes_raised:
            line += f"，矛盾纠纷超期升级 {self.disputes_raised} 件"
        if self.deadlines_filled:
            line += f"，按处理日期补算办理期限 {self.deadlines_filled} 件"
        if self.missing_years:
            years = "、".join(str(y) for y in self.missing_years)
            line += f"；{years}年节假日安排未录入，部分登记转送期限未计算"
        return line


# --- INSERT … SELECT ---------------------------------------------------------------------------


def _insert_select(
    table: str, columns: list[str], rows: QuerySet[Any], *, cross_users: list[int] | None = None
) -> int:
    """INSERT INTO table (columns) SELECT the aliases c0…cN of `rows`, skipping duplicates.

    Django has no INSERT … SELECT; this one keeps millions of rows inside the database. With
    `cross_users`, each row is inserted once per user id, which goes in the first column.
    """
    sql, params = rows.query.sql_with_params()
    n = len(columns) - (1 if cross_users is not None else 0)
    picked = ", ".join(f"src.c{i}" for i in range(n))
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    source = f"({sql}) src"
    if cross_users is not None:
        ids = ", ".join(f"({int(u)})" for u in cross_users)
        picked = f"u.column1, {picked}"
        source += f" CROSS JOIN (VALUES {ids}) u"
    if connection.vendor == "sqlite":
        statement = f"INSERT OR IGNORE INTO {qn(table)} ({cols}) SELECT {picked} FROM {source}"
    else:
        statement = (
            f"INSERT INTO {qn(table)} ({cols}) SELECT {picked} FROM {source} ON CONFLICT DO NOTHING"
        )
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return max(cur.rowcount, 0)


# --- 1. alerts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    clock: C
    rows: QuerySet[Any]  # annotated m (matter id), d (deadline) and u (the unit's id or None)
    warn: bool = True
    overdue: bool = True


NO_UNIT = Cast(Value(None), output_field=BigIntegerField())  # typed NULL for PostgreSQL
# the matters whose handling clock runs, with the statuses written as literals, not parameters:
# SQLite uses the partial index matter_handle_clock only for a query that repeats its WHERE terms
# as they are written there (PostgreSQL gets the literals either way)
HANDLING = RawSQL(
    f"{connection.ops.quote_name(Matter._meta.db_table)}.{connection.ops.quote_name('status')} "
    f"IN ('{S.ASSIGNED.value}', '{S.IN_HANDLING.value}')",
    [],
    output_field=BooleanField(),
)


def _sources() -> Iterator[Source]:
    handle = Coalesce("extended_to", "handling_deadline", output_field=DateField())
    holder = Assignment.objects.filter(matter=OuterRef("pk"), active=True).values("unit_id")[:1]
    yield Source(
        C.HANDLE,
        Matter.objects.filter(HANDLING, replied_on__isnull=True).annotate(
            m=F("pk"), d=handle, u=Subquery(holder)
        ),
    )
    yield Source(
        C.RETURN,
        Assignment.objects.filter(
            active=True,
            received_on__isnull=False,
            returned_on__isnull=True,
            matter__status=S.IN_HANDLING,
        ).annotate(m=F("matter_id"), d=F("return_due"), u=F("unit_id")),
        overdue=False,
    )
    flows = MatterWorkflow.objects.all()
    yield Source(
        C.REVIEW,
        flows.filter(matter__status=S.UNDER_REVIEW).annotate(
            m=F("matter_id"), d=F("review_due"), u=NO_UNIT
        ),
    )
    # a hearing in progress stops the re-review clock; its end sets a new rereview_due
    yield Source(
        C.REREVIEW,
        flows.filter(matter__status=S.UNDER_REREVIEW)
        .exclude(hearing_started_on__isnull=False, hearing_ended_on__isnull=True)
        .annotate(m=F("matter_id"), d=F("rereview_due"), u=NO_UNIT),
    )
    yield Source(
        C.SUPERVISION,
        SupervisionNotice.objects.filter(closed_on__isnull=True).annotate(
            m=F("matter_id"), d=F("due"), u=F("unit_id")
        ),
    )
    # 接访交办: what a leader's session did not settle, until the matter is routed
    yield Source(
        C.RECEPTION_ROUTE,
        unrouted_receptions().annotate(m=F("registration__matter_id"), d=F("route_due"), u=NO_UNIT),
    )
    # 包案办结时限: an open package's 定办结时限, one alert for each matter it holds
    yield Source(
        C.PACKAGE,
        PackageMatter.objects.filter(package__status=PackageStatus.OPEN).annotate(
            m=F("matter_id"), d=F("package__deadline"), u=F("package__responsible_unit_id")
        ),
    )
    yield Source(
        C.REVIEW_REQUEST,
        flows.filter(matter__status=S.REPLIED).annotate(
            m=F("matter_id"), d=F("review_request_due"), u=NO_UNIT
        ),
        warn=False,
    )
    yield Source(
        C.REREVIEW_REQUEST,
        flows.filter(matter__status=S.REVIEWED).annotate(
            m=F("matter_id"), d=F("rereview_request_due"), u=NO_UNIT
        ),
        warn=False,
    )


def _insert_alerts(run: ClockScan, src: Source, today: date, horizon: date) -> int:
    rows = src.rows.filter(d__isnull=False, d__lte=horizon if src.warn else today)
    if not src.warn:
        rows = rows.filter(d__lt=today)
    if not src.overdue:
        rows = rows.filter(d__gte=today)
    stage = Case(When(d__lt=today, then=Value(OVER)), default=Value(W), output_field=CharField())
    rows = rows.order_by().values(
        c0=F("m"),
        c1=Value(src.clock, output_field=CharField()),
        c2=stage,
        c3=F("d"),
        c4=Value(run.pk, output_field=IntegerField()),
        c5=Value(run.started_at, output_field=DateTimeField()),
        c6=F("u"),
    )
    columns = ["matter_id", "clock", "stage", "deadline", "scan_id", "created_at", "unit_id"]
    return _insert_select(ClockAlert._meta.db_table, columns, rows)


@dataclass(frozen=True)
class Computed:
    """A clock whose deadline is not stored: `start` + `limit` days on the calendar."""

    clock: C
    rows: QuerySet[Any]  # the running clocks, annotated m (matter id) and u (unit id or None)
    start: str  # the field the clock starts from
    limit: str  # the XINFANG setting of its length in days
    unit: calendar.Unit = "calendar"  # or "working" (退回: 5 working days)
    overdue: bool = True  # False: a window that only warns (退回)


def _computed() -> list[Computed]:
    return [
        # 登记转送: first receipt + ROUTE_DAYS while the bureau has not routed the matter (a
        # returned matter was routed once: its clock is finished, as clocks.route_clock says)
        Computed(
            C.ROUTE,
            Matter.objects.filter(status=S.REGISTERED).annotate(m=F("pk"), u=NO_UNIT),
            "first_received_on",
            "ROUTE_DAYS",
        ),
        # 受理告知: a 转送 organ decides acceptance within ACCEPT_DAYS of the 转送 (签收 here)
        Computed(
            C.ACCEPT,
            Assignment.objects.filter(
                active=True,
                kind=AssignmentKind.FORWARD,
                received_on__isnull=True,
                matter__status=S.ASSIGNED,
            ).annotate(m=F("matter_id"), u=F("unit_id")),
            "assigned_on",
            "ACCEPT_DAYS",
        ),
        # 退回 before 签收: the window runs from the 交办 itself (clocks._assignment_clocks)
        Computed(
            C.RETURN,
            Assignment.objects.filter(
                active=True,
                received_on__isnull=True,
                returned_on__isnull=True,
                matter__status__in=(S.ASSIGNED, S.IN_HANDLING),
            ).annotate(m=F("matter_id"), u=F("unit_id")),
            "assigned_on",
            "RETURN_WORKING_DAYS",
            unit="working",
            overdue=False,
        ),
        # 退回 of a 交办 a ledger recorded without 签收 (clocks.ledger_assigned), likewise
        Computed(
            C.RETURN,
            Matter.objects.filter(
                ledger_assigned(),
                status__in=(S.ASSIGNED, S.IN_HANDLING),
                replied_on__isnull=True,
            ).annotate(m=F("pk"), u=F("responsible_unit_id")),
            "decided_on",
            "RETURN_WORKING_DAYS",
            unit="working",
            overdue=False,
        ),
    ]


def _insert_computed_alerts(
    run: ClockScan, c: Computed, today: date, horizon: date, overdue: bool, missing: set[int]
) -> int:
    """Deadlines worked out once per distinct start date, then one CASE per batch of dates."""
    days = sorted(c.rows.order_by().values_list(c.start, flat=True).distinct())
    limit = domain_limit(c.limit)
    # (first day, last day, deadline): the deadline never falls as the start moves on, so the
    # days sharing a deadline are one range
    groups: list[tuple[date, date, date]] = []
    for day in days:
        try:
            due = calendar.deadline(day, limit, c.unit)
        except CalendarMissingError as exc:
            missing.add(exc.year)
            continue
        if due > horizon or (not (overdue and c.overdue) and due < today):
            continue
        if groups and groups[-1][2] == due:
            groups[-1] = (groups[-1][0], day, due)
        else:
            groups.append((day, day, due))
    inserted = 0
    for at in range(0, len(groups), ROUTE_BATCH):
        batch = groups[at : at + ROUTE_BATCH]
        deadline = Case(
            *[When(**{f"{c.start}__range": (lo, hi)}, then=Value(due)) for lo, hi, due in batch],
            default=None,
            output_field=DateField(),
        )
        rows = c.rows.filter(**{f"{c.start}__range": (batch[0][0], batch[-1][1])}).annotate(
            d=deadline
        )
        inserted += _insert_alerts(run, Source(c.clock, rows, overdue=c.overdue), today, horizon)
    return inserted


# --- 3. notifications --------------------------------------------------------------------------


def _label(clock: str) -> str:
    return str(C(clock).label)


def alert_text(clock: str, stage: str) -> str:
    """The notification's words for a clock at a stage (matter number and date shown beside)."""
    if clock in LAPSE_CLOCKS:
        return f"{_label(clock)}已过，可办理终结"
    if stage == W:
        return f"{_label(clock)}即将到期"
    if clock in NOTICE_CLOCKS:
        return f"{_label(clock)}已超期，已自动发起区级督办"
    return f"{_label(clock)}已超期"


def alert_kind(clock: str, stage: str) -> str:
    if clock in LAPSE_CLOCKS:
        return NotificationKind.FINALISABLE
    if clock == C.SUPERVISION:
        return NotificationKind.SUPERVISION
    return NotificationKind.WARNING if stage == W else NotificationKind.OVERDUE


ALL: list[tuple[str, str]] = [(c, s) for c in C.values for s in (W, OVER)]
# the unit's own clocks while a unit holds the matter: the bureau hears of them when overdue
UNIT_WARNINGS = [(str(C.HANDLE), W), (str(C.RETURN), W), (str(C.ACCEPT), W)]
# what each post watches: (clock, stage) pairs, and for a unit only its own matters (see below)
WATCHES: dict[str, list[tuple[str, str]]] = {
    str(Role.OFFICER): ALL,
    str(Role.SUPERVISOR): [
        *((str(c), OVER) for c in NOTICE_CLOCKS),
        (C.SUPERVISION, W),
        (C.SUPERVISION, OVER),
    ],
    str(Role.UNIT_STAFF): [
        (C.ACCEPT, W),
        (C.ACCEPT, OVER),
        (C.RETURN, W),
        (C.HANDLE, W),
        (C.HANDLE, OVER),
        (C.SUPERVISION, W),
        (C.SUPERVISION, OVER),
    ],
}


def _watched(role: str, unit_id: int) -> Q:
    pairs = WATCHES[role]
    if role == Role.OFFICER:
        # a unit's handling warnings are the unit's to act on; the officer's own (本局自办) not
        theirs = _any([Q(clock=c, stage=s) for c, s in UNIT_WARNINGS]) & Q(unit__isnull=False)
        return _any([Q(clock=c, stage=s) for c, s in pairs]) & ~theirs
    if role != Role.UNIT_STAFF:
        return _any([Q(clock=c, stage=s) for c, s in pairs])
    # a unit hears of the clocks that are its own: its active assignment's, notices addressed to it
    return _any([Q(clock=c, stage=s) for c, s in pairs]) & Q(unit_id=unit_id)


def _any(conditions: list[Q]) -> Q:
    found = Q()
    for q in conditions:
        found |= q
    return found


def _notify(run: ClockScan) -> int:
    """One notification per (user, new alert) the user may see and watches; set-based per post."""
    text = Case(
        *[When(clock=c, stage=s, then=Value(alert_text(c, s))) for c, s in ALL],
        output_field=CharField(),
    )
    kind = Case(
        *[When(clock=c, stage=s, then=Value(alert_kind(c, s))) for c, s in ALL],
        output_field=CharField(),
    )
    posts: dict[tuple[str, int], list[User]] = {}
    for user in User.objects.filter(
        is_active=True, role__in=list(WATCHES), org_unit__isnull=False
    ).select_related("org_unit"):
        assert user.org_unit_id is not None
        posts.setdefault((user.role, user.org_unit_id), []).append(user)
    columns = ["recipient_id", "alert_id", "matter_id", "kind", "text", "key", "scan_id"]
    columns.append("created_at")
    new = ClockAlert.objects.filter(scan=run)
    if not new.exists():
        return 0
    inserted = _notify_package_people(run, text, kind)
    # a unit's staff hear only of alerts addressed to their unit: skip the units with none (a
    # district's hundred villages would otherwise cost a statement each, compiled for nothing)
    addressed = set(new.exclude(unit_id=None).values_list("unit_id", flat=True).distinct())
    for (role, unit_id), users in posts.items():
        if role == Role.UNIT_STAFF and unit_id not in addressed:
            continue
        # everyone at one post sees the same matters: the permission rule reads role and unit;
        # EXISTS per new alert, not IN (all visible matters): the alerts are the smaller side
        seen = Exists(visible_matters(users[0]).filter(pk=OuterRef("matter_id")))
        rows = (
            new.filter(_watched(role, unit_id), seen)
            .order_by()
            .values(
                c0=F("pk"),
                c1=F("matter_id"),
                c2=kind,
                c3=text,
                c4=Value("", output_field=CharField()),
                c5=F("scan_id"),
                c6=F("created_at"),
            )
        )
        inserted += _insert_select(
            Notification._meta.db_table, columns, rows, cross_users=[u.pk for u in users]
        )
    return inserted


def _notify_package_people(run: ClockScan, text: Case, kind: Case) -> int:
    """A package's clock also reaches its leader's and its 责任人's own accounts, whatever their
    post watches; never about a 检举控告 (it reaches the bureau and the discipline organ only)."""
    columns = ["recipient_id", "alert_id", "matter_id", "kind", "text", "key", "scan_id"]
    columns.append("created_at")
    inserted = 0
    for person in ("package__leader__user_id", "package__responsible_user_id"):
        holder = PackageMatter.objects.filter(
            matter_id=OuterRef("matter_id"),
            package__status=PackageStatus.OPEN,
            package__deadline=OuterRef("deadline"),
        ).values(person)[:1]
        active = User.objects.filter(pk=OuterRef("r"), is_active=True)
        rows = (
            ClockAlert.objects.filter(scan=run, clock=C.PACKAGE)
            .exclude(matter__purpose=Purpose.ACCUSATION)
            .annotate(r=Subquery(holder))
            .filter(r__isnull=False)
            .filter(Exists(active))
            .order_by()
            .values(
                c0=F("r"),
                c1=F("pk"),
                c2=F("matter_id"),
                c3=kind,
                c4=text,
                c5=Value("", output_field=CharField()),
                c6=F("scan_id"),
                c7=F("created_at"),
            )
        )
        inserted += _insert_select(Notification._meta.db_table, columns, rows)
    return inserted


def _tell_admins(run: ClockScan, years: set[int]) -> int:
    """Each admin hears once per year that its holidays must be entered."""
    admins = list(User.objects.filter(is_active=True, role=Role.ADMIN))
    made = [
        Notification(
            recipient=admin,
            kind=NotificationKind.SYSTEM,
            text=f"{CalendarMissingError(year).message}（期限扫描已跳过受影响的期限）",
            key=f"calendar-missing:{year}",
            scan=run,
            created_at=run.started_at,
        )
        for year in sorted(years)
        for admin in admins
    ]
    before = Notification.objects.filter(scan=run).count()
    Notification.objects.bulk_create(made, ignore_conflicts=True)
    return Notification.objects.filter(scan=run).count() - before


# --- 4. leader work -----------------------------------------------------------------------------


def _flag_long_standing(today: date) -> int:
    from xinfang.casework.services import flag_long_standing

    return flag_long_standing(today)


def _publish_sessions(today: date) -> int:
    from xinfang.leaders.services import publish_due

    return publish_due(today=today)


def progress_reminder_text(package: Package, month: date, missing: int) -> str:
    text = f"包案{package.number}（{package.leader.name}）{month.year}年{month.month}月进展未填报"
    if missing > 1:
        text += f"，累计缺报{missing}个月"
    return f"{text}，请及时填报月督查进展"[:200]


def _remind_progress(run: ClockScan, today: date, started_at: datetime) -> int:
    """月督查: one reminder per package, month and recipient for last month's missing note."""
    from xinfang.leaders.services import months_missing

    month = last_month(today)
    first_matter = (
        PackageMatter.objects.filter(package=OuterRef("pk"))
        .order_by("matter_id")
        .values("matter_id")
    )
    due = list(
        Package.objects.filter(progress_missing(today))
        .select_related("leader__user", "responsible_user")
        .annotate(
            first_matter=Subquery(first_matter[:1]),
            accusation=Exists(
                PackageMatter.objects.filter(
                    package=OuterRef("pk"), matter__purpose=Purpose.ACCUSATION
                )
            ),
        )
        .order_by("pk")
    )
    # months_missing is the rule; the filter above only saves asking it about every package
    missing = {p.pk: months_missing(p, today) for p in due}
    due = [p for p in due if month in missing[p.pk]]
    if not due:
        return 0
    recipients: dict[int, set[int]] = {p.pk: set() for p in due}
    for p in due:
        person = next(
            (u for u in (p.responsible_user, p.leader.user) if u is not None and u.is_active), None
        )
        # a package about a 检举控告 reaches no reader who may not see accusations
        accusation: bool = p.accusation
        if person is not None and (sees_accusations(person) or not accusation):
            recipients[p.pk].add(person.pk)
    officers: dict[int, list[User]] = {}
    for officer in User.objects.filter(
        is_active=True, role=Role.OFFICER, org_unit__isnull=False
    ).select_related("org_unit"):
        assert officer.org_unit_id is not None
        officers.setdefault(officer.org_unit_id, []).append(officer)
    for users in officers.values():
        # the officers of one post see the same packages (visible_packages reads role and unit)
        seen = (
            visible_packages(users[0]).filter(pk__in=list(recipients)).values_list("pk", flat=True)
        )
        for pk in seen:
            recipients[pk].update(u.pk for u in users)
    made = [
        Notification(
            recipient_id=user_id,
            matter_id=p.first_matter,
            kind=NotificationKind.SYSTEM,
            text=progress_reminder_text(p, month, len(missing[p.pk])),
            key=f"pkgmonth:{p.pk}:{month:%Y-%m}",
            scan=run,
            created_at=started_at,
        )
        for p in due
        for user_id in sorted(recipients[p.pk])
    ]
    before = Notification.objects.filter(scan=run).count()
    Notification.objects.bulk_create(made, ignore_conflicts=True)
    return Notification.objects.filter(scan=run).count() - before


# --- the run -----------------------------------------------------------------------------------


def _locked() -> bool:
    """On PostgreSQL, hold the scan's advisory lock until commit; False if another run has it."""
    if connection.vendor != "postgresql":
        return True  # SQLite: the IMMEDIATE transaction already lets one writer in at a time
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        row = cur.fetchone()
    return bool(row and row[0])


def scan_clocks(today: date | None = None, *, lock: bool = True, send: bool = True) -> ScanResult:
    """Run the clock scan for `today` (default: today in China); see the module's doc."""
    today = today or timezone.localdate()
    result = ScanResult(today)
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.timings[phase] = round(now - clock, 3)
        clock = now

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                # the scan's statements are estimated costly (a million matters) but read few
                # rows through indexes: compiling them (JIT) took longer than running them
                cur.execute("SET LOCAL jit = off")
        if lock and not _locked():
            result.skipped = True
            return result
        run = ClockScan.objects.create(today=today)
        # matters imported before their blank 办理期限 was filled at import (workflow.implied)
        result.deadlines_filled = fill_implied_deadlines()
        missing: set[int] = set()
        horizon = calendar.warning_horizon(today)
        try:
            notice_due: date | None = calendar.deadline(today, domain_limit("SUPERVISION_DAYS"))
        except CalendarMissingError as exc:
            # no 督办期限 can be set: leave the overdue marks that open notices to a later run
            missing.add(exc.year)
            notice_due = None
        for src in _sources():
            if notice_due is None and src.clock in NOTICE_CLOCKS:
                src = Source(src.clock, src.rows, src.warn, overdue=False)
            _insert_alerts(run, src, today, horizon)
        for computed in _computed():
            # only the route clock opens a notice; the others may always go overdue
            may_overdue = notice_due is not None or computed.clock not in NOTICE_CLOCKS
            _insert_computed_alerts(run, computed, today, horizon, may_overdue, missing)
        lap("alerts")
        counts = dict(
            ClockAlert.objects.filter(scan=run)
            .order_by()
            .values_list("stage")
            .annotate(n=Count("id"))
            .values_list("stage", "n")
        )
        result.warnings, result.overdue = counts.get(W, 0), counts.get(OVER, 0)
        if notice_due is not None:
            for kind in NOTICE_CLOCKS:
                overdue = ClockAlert.objects.filter(scan=run, clock=kind, stage=OVER)
                result.notices += supervision.clock_raise_bulk(
                    matters=overdue.values("matter_id"),
                    level=NOTICE_LEVEL,
                    reason=f"{_label(kind)}已超期，系统自动督办",
                    on=today,
                    due=notice_due,
                )
        lap("notices")
        result.notifications = _notify(run)
        result.published = _publish_sessions(today)
        _flag_long_standing(today)  # 积案: unresolved past XINFANG_LONG_STANDING_DAYS
        result.reminders = _remind_progress(run, today, run.started_at)
        result.notifications += result.reminders
        # 5. disputes: 预警, and past a level's time the rise to the next level (xinfang.disputes)
        from xinfang.disputes.clocks import scan_disputes

        began = time.perf_counter()
        disputes = scan_disputes(run, today, horizon, missing)
        # its own seconds, inside the notifications phase (benchmarks/scan_disputes.py)
        result.timings["disputes"] = round(time.perf_counter() - began, 3)
        result.disputes_raised = disputes.raised
        result.warnings += disputes.warned
        result.overdue += disputes.overdue_top
        result.notifications += disputes.notified
        if missing:
            result.missing_years = sorted(missing)
            result.notifications += _tell_admins(run, missing)
        run.warnings, run.overdue = result.warnings, result.overdue
        run.notices, run.notifications = result.notices, result.notifications
        run.missing_years = ",".join(str(y) for y in result.missing_years)
        run.save()
    lap("notifications")
    result.scan_id = run.pk
    if send and result.notifications:
        from xinfang.notifications.delivery import send_digests

        result.messages = send_digests(run)
        ClockScan.objects.filter(pk=run.pk).update(
            messages=result.messages, finished_at=timezone.now()
        )
    else:
        ClockScan.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    lap("messages")
    log.info(result.summary())
    return result

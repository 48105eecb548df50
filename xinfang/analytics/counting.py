"""THE counting module: contract B of ledger-and-report.md, for any node and any period.

Everything the product reports (CLI, JSON, text, Excel, Word, pages) calls `build_report`;
nothing counts anywhere else. The database does the counting (GROUP BY over registrations and
matters); Python only adds up the grouped rows, a few thousand at most, never the rows themselves.

Registrations of the whole calendar months of a period are read from monthly summaries kept by
database triggers (xinfang.analytics.summary); those of a partial month at either end from the
registrations themselves. `build_report(use_summary=False)` reads the rows alone (the tests hold
both equal).

Decisions the contract leaves open, written down here:
- Belonging: a registration belongs to its 问题属地, a matter to the locality of its first
  registration (Matter.locality). A node counts itself and its subtree. An empty 问题属地
  belongs to the root; with several roots, to the first created (`unlocated_root_id`), so that
  it is counted once, not under every root.
- A matter counts in P when any of its registrations was received in P (wherever that one
  belongs); it is first-time when its first registration was received in P.
- Breakdown rows count registrations (batches, people). `unit` is the matter's handling unit as
  it stood at the end of the period (`unit_at_end`: the unit of the assignment active then;
  Matter.responsible_unit for a matter the workflow never routed, such as a ledger import), the
  unit itself, not its subtree; rows without one have `"unit": null`. Routing after the period
  does not change its report. `locality` rows are the node's direct children, each with its
  subtree, plus the node itself for what is registered directly at it. `category` is the
  registration's own category (its path).
- Rows of channel, level, form and purpose list every code of the vocabulary (so tables keep
  their shape); the other breakdowns list only rows with a figure in either period.
- Rank (contract C) is present when the node has siblings of its own kind (a district among the
  city's districts): totals and the rows of channel, level, form, their combinations, category,
  purpose and unit rank the node among them for the same row, and so does the node's own
  `locality` row (what is registered directly at the node against what is registered directly
  at each sibling). A child's `locality` row has no counterpart under a sibling and carries no
  `rank`; it carries `place`, the child among the node's children of its kind ("列全区第2位").
  Unit rows carry `place` too: the unit among the units of the breakdown (责任单位排名). Ranks
  are by batches and people; matters are not ranked. Competition ranking, largest first: 1, 2,
  2, 4.
- Clock items (及时受理, 按期办结, the supervision part of the score) count in the period in which
  their deadline falls. Every deadline, given (延期至, 办理期限, 督办期限) or computed (+15, +60),
  moves to the next working day by the calendar of xinfang.workflow.calendar; a year missing from
  it raises CalendarMissingError rather than guess.
- Nothing dated after the end of P counts: a decision, reply, evaluation or resolution after it
  does not make an item compliant; a supervision or package begun after it is not counted.
- 满意率 / 参评率: over matters whose reply was delivered in P; an evaluation with no date counts
  (it is not dated after P).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from xinfang.analytics.figures import change, pct, weighted_score
from xinfang.analytics.models import (
    RegistrationMonthCLF,
    RegistrationMonthCP,
    RegistrationMonthUnit,
)
from xinfang.analytics.periods import Comparison, Period, _last_of_month, compared_period
from xinfang.core.errors import InputError
from xinfang.intake.choices import (
    Channel,
    Evaluation,
    Form,
    HandlingMethod,
    Level,
    Purpose,
    SupervisionLevel,
)
from xinfang.intake.models import Category, Matter, Registration
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.calendar import WorkCalendar, current_calendar
from xinfang.workflow.models import Assignment

DEFAULT_RULE_OF_LAW_WEIGHTS = (1.2, 0.5, 0.8)
REPORT_WORK_MEM = "256MB"  # PostgreSQL memory per sort or hash of a report's query
FIGURES = ("batches", "people")
CLF = ("channel", "level", "form")
CP = ("category_id", "purpose")  # one grouped query serves both breakdowns
ACTIONS = {"a": "decided_on", "h": "replied_on", "s": "resolved_on"}  # each clock's action
MATTER_FIGURES = ("matters", "first_matters")
HANDLED = (HandlingMethod.ACCEPT, HandlingMethod.ASSIGN, HandlingMethod.FORWARD)
SATISFIED = (Evaluation.SATISFIED, Evaluation.BASICALLY_SATISFIED)
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "channel": ("channel",),
    "level": ("level",),
    "form": ("form",),
    "channel,level": ("channel", "level"),
    "channel,level,form": ("channel", "level", "form"),
    "category": ("category",),
    "purpose": ("purpose",),
    "locality": ("locality",),
    "unit": ("unit",),
}
VOCABULARIES: dict[str, list[str]] = {
    "channel": list(Channel.values),
    "level": list(Level.values),
    "form": list(Form.values),
    "purpose": list(Purpose.values),
}


class AddDays(Func):
    """date + n days as a date in SQL (Django's date arithmetic gives a datetime text on SQLite)."""

    output_field = DateField()

    def __init__(self, expression: Any, days: int) -> None:
        super().__init__(expression)
        self.days = int(days)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + {self.days})", params  # PostgreSQL: date + integer is a date

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.days:+d} days')", params


def rule_of_law_weights() -> tuple[Decimal, Decimal, Decimal]:
    """XINFANG["RULE_OF_LAW_WEIGHTS"]: acceptance, handling, supervision (default 1.2, 0.5, 0.8)."""
    raw = getattr(settings, "XINFANG", {}).get("RULE_OF_LAW_WEIGHTS", DEFAULT_RULE_OF_LAW_WEIGHTS)
    a, h, s = (Decimal(str(w)) for w in raw)
    return a, h, s


def domain_limit(name: str, default: int) -> int:
    """A clock's length in days from the XINFANG settings (public: the assessment uses it too)."""
    return int(getattr(settings, "XINFANG", {}).get(name, default))


# --- the organisation node, its scope and its siblings ---------------------------------------


def org_for_report(code: str | None) -> OrgUnit:
    """The node a report is about: the unit with this code, else the single root of the tree."""
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise InputError(f"没有编码为“{code}”的单位", field="org")
        return unit
    roots = list(OrgUnit.objects.filter(parent__isnull=True)[:2])
    if len(roots) != 1:
        raise InputError("组织机构有多个顶级单位或尚未导入，请用 --org 指定单位编码", field="org")
    return roots[0]


@dataclass
class Scope:
    """The node, the unit whose subtree the queries read (its parent when it has siblings)."""

    node: OrgUnit
    siblings: list[OrgUnit]  # the node and its siblings of its kind, when there are several
    children: list[OrgUnit]  # the node's direct children
    paths: dict[int, list[int]]  # unit id -> ids from the root down to it
    single_root: bool
    unlocated_root: int | None = None  # the root an empty 问题属地 belongs to (unlocated_root_id)
    # counted for a reader who may not see 检举控告 (领导, 督查): such rows are left out entirely,
    # or a small node and a short period would single one accusation out
    hide_accusations: bool = False

    @classmethod
    def of(cls, node: OrgUnit, *, hide_accusations: bool = False) -> "Scope":
        siblings: list[OrgUnit] = []
        if node.parent_id is not None:
            siblings = list(OrgUnit.objects.filter(parent_id=node.parent_id, kind=node.kind))
            if len(siblings) < 2:
                siblings = []
        read = node.parent if siblings and node.parent is not None else node
        paths = {
            pk: [int(x) for x in path.strip("/").split("/")]
            for pk, path in OrgUnit.objects.filter(path__startswith=read.path).values_list(
                "id", "path"
            )
        }
        children = list(OrgUnit.objects.filter(parent=node))
        roots = list(OrgUnit.objects.filter(parent__isnull=True).order_by("id").values_list("id"))
        return cls(
            node=node,
            siblings=siblings,
            children=children,
            paths=paths,
            single_root=len(roots) == 1,
            unlocated_root=roots[0][0] if roots else None,
            hide_accusations=hide_accusations,
        )

    @property
    def read_root(self) -> OrgUnit:
        return self.node.parent if self.siblings and self.node.parent else self.node

    def locality_q(self, field: str, *, whole: bool, purpose: str = "purpose") -> Q:
        """Rows whose unit lies in the node's subtree (`whole`: the parent's, for ranking)."""
        unit = self.read_root if whole else self.node
        # registrations and matters both name their purpose `purpose`
        hidden = ~Q(**{purpose: Purpose.ACCUSATION}) if self.hide_accusations else Q()
        if unit.parent_id is None and self.single_root:
            return hidden  # the whole tree: no locality filter to pay for
        q = Q(**{f"{field}__in": OrgUnit.objects.filter(path__startswith=unit.path).values("id")})
        if unit.pk == self.unlocated_root:  # an empty 问题属地 belongs to the (first) root
            q |= Q(**{f"{field}__isnull": True})
        return q & hidden

    def ancestor_at(self, unit_id: int | None, depth: int) -> int | None:
        if unit_id is None:  # an empty 问题属地: the root it belongs to, counted once
            return self.unlocated_root if depth == 0 else None
        path = self.paths.get(unit_id)
        if path is None or len(path) <= depth:
            return None
        return path[depth]

    def in_node(self, unit_id: int | None) -> bool:
        return self.ancestor_at(unit_id, self.node.depth) == self.node.pk

    def sibling_of(self, unit_id: int | None) -> int | None:
        return self.ancestor_at(unit_id, self.node.depth) if self.siblings else None

    def child_of(self, unit_id: int | None) -> int | None:
        """The node's child the unit lies under, or the node itself for what is at the node."""
        if not self.in_node(unit_id):
            return None
        return self.ancestor_at(unit_id, self.node.depth + 1) or self.node.pk


# --- the handling unit as of a day ------------------------------------------------------------


def unit_at_end(end: date, matter: str = "pk") -> Case:
    """The matter's handling unit as it stood at the end of `end` (an ORM expression).

    The unit of the assignment (交办/转送, xinfang.workflow.models.Assignment) active then: given
    on or before `end` and not returned by then (returned_on after `end`, or not at all); the
    latest such one should routing have overlapped. A matter the workflow never routed (a ledger
    import, or a unit named at registration) keeps Matter.responsible_unit. A routed matter with
    no assignment active then (returned and not yet reassigned, or routed only later) has none:
    routing after the period does not change a past report. `matter`: the field of the queryset's
    rows holding the matter's id ("pk" on matters). `_UNIT_AT_END_SQL` is the same rule in SQL.
    """
    assignments = Assignment.objects.filter(matter_id=OuterRef(matter))
    active = (
        assignments.filter(assigned_on__lte=end)
        .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=end))
        .order_by("-id")
        .values("unit_id")[:1]
    )
    responsible = "responsible_unit_id" if matter == "pk" else f"{matter[:-3]}__responsible_unit_id"
    return Case(
        When(Exists(assignments), then=Subquery(active)),
        default=F(responsible),
        output_field=IntegerField(),
    )


# Rows `r` (columns bucket and matter_id) with their matter's unit at the end of their bucket's
# period, as `unit_at_end` says: one grouped pass over the assignments instead of a probe per row.
_UNIT_AT_END_SQL = (
    "LEFT JOIN {matter} um ON um.id = r.matter_id "
    "LEFT JOIN (SELECT matter_id, "
    "MAX(CASE WHEN assigned_on <= %s AND (returned_on IS NULL OR returned_on > %s) "
    "THEN id END) a0, "
    "MAX(CASE WHEN assigned_on <= %s AND (returned_on IS NULL OR returned_on > %s) "
    "THEN id END) a1 "
    "FROM {assignment} GROUP BY matter_id) ua ON ua.matter_id = r.matter_id "
    "LEFT JOIN {assignment} u0 ON u0.id = ua.a0 LEFT JOIN {assignment} u1 ON u1.id = ua.a1"
)
_UNIT_AT_END_COLUMN = (
    "CASE WHEN ua.matter_id IS NULL THEN um.responsible_unit_id "
    "WHEN r.bucket = 0 THEN u0.unit_id ELSE u1.unit_id END"
)


def unit_at_end_join(cur_end: date, prev_end: date) -> tuple[str, str, list[Any]]:
    """(joins, unit column, params) for registration rows `r` of a report's two periods."""
    sql = _UNIT_AT_END_SQL.format(
        matter=connection.ops.quote_name(Matter._meta.db_table),
        assignment=connection.ops.quote_name(Assignment._meta.db_table),
    )
    return sql, _UNIT_AT_END_COLUMN, [cur_end, cur_end, prev_end, prev_end]


# --- ranking -----------------------------------------------------------------------------------


def competition_rank(value: int, values: Iterable[int]) -> list[int]:
    """[k, n]: place of `value` among `values` (which include it), largest first, ties 1,2,2,4."""
    values = list(values)
    return [1 + sum(1 for v in values if v > value), len(values)]


# --- registrations: batches and people ---------------------------------------------------------

Key = tuple[Any, ...]
Figures = dict[str, int]


Ranges = list[tuple[int, date, date]]  # (bucket 0 current / 1 previous, first day, last day)


def _bucketed(qs: QuerySet[Any], field: str, ranges: Ranges) -> QuerySet[Any]:
    """Rows whose `field` lies in one of the ranges, each with its range's bucket."""
    if not ranges:
        return qs.none().annotate(bucket=Value(0))
    inside = Q()
    for _, lo, hi in ranges:
        inside |= Q(**{f"{field}__range": (lo, hi)})
    return qs.filter(inside).annotate(
        bucket=Case(
            *[When(Q(**{f"{field}__range": (lo, hi)}), then=Value(b)) for b, lo, hi in ranges],
            default=Value(1),
        )
    )


def split_months(period: Period) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The period's whole calendar months (first day of the first, first day of the last),
    and the days before and after them (a partial month at either end, or all of a short one)."""
    s, e = period.start, period.end
    first = s if s.day == 1 else _last_of_month(s.year, s.month) + timedelta(days=1)
    last = e if e == _last_of_month(e.year, e.month) else e.replace(day=1) - timedelta(days=1)
    if first > last:
        return None, [(s, e)]
    edges = []
    if s < first:
        edges.append((s, first - timedelta(days=1)))
    if last < e:
        edges.append((last + timedelta(days=1), e))
    return (first, last.replace(day=1)), edges


class Cube:
    """Grouped counts: (bucket 0 current / 1 previous, owner id, key) -> figures."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int | None, Key], Figures] = defaultdict(
            lambda: dict.fromkeys(FIGURES, 0)
        )

    def add(self, bucket: int, owner: int | None, key: Key, batches: int, people: int) -> None:
        cell = self.cells[(bucket, owner, key)]
        cell["batches"] += batches
        cell["people"] += people

    def get(self, bucket: int, owner: int | None, key: Key) -> Figures:
        return self.cells.get((bucket, owner, key)) or dict.fromkeys(FIGURES, 0)

    def row_keys(self) -> set[Key]:
        return {key for (_, _, key) in self.cells}


def _registration_groups(
    scope: Scope, ranges: Ranges, dims: tuple[str, ...], *, whole: bool
) -> Iterable[dict[str, Any]]:
    qs = Registration.objects.filter(scope.locality_q("locality", whole=whole))
    qs = _bucketed(qs, "received_on", ranges)
    return (
        qs.values("bucket", "locality_id", *dims)
        .annotate(batches=Count("id"), people=Sum("people"))
        .order_by()
    )


# --- clocks ------------------------------------------------------------------------------------


def clock_base_range(period: Period, calendar: WorkCalendar) -> tuple[date, date, int]:
    """Base dates b whose deadline next_working_day(b) falls in `period`, and the largest shift.

    A deadline on a rest day moves to the next working day, so the bases due in P run from the
    day after the last working day before P to the last working day of P; `shift` is the most
    days any of them moves (an action within base + shift can still be on time).
    """
    lo = period.start - timedelta(days=1)
    while not calendar.is_working_day(lo):
        lo -= timedelta(days=1)
    hi = period.end
    while not calendar.is_working_day(hi):
        hi -= timedelta(days=1)
    b_lo, b_hi = lo + timedelta(days=1), hi
    shift, d = 0, b_lo
    while d <= b_hi:
        shift = max(shift, (calendar.next_working_day(d) - d).days)
        d += timedelta(days=1)
    return b_lo, b_hi, shift


def tally_clock(
    groups: Iterable[tuple[date, date | None, int]], period: Period, calendar: WorkCalendar
) -> dict[str, int]:
    """num/den of clock items grouped by (base, act): compliant when act is by the deadline
    (the base moved to a working day) and by the end of the period."""
    num = den = 0
    deadlines: dict[date, date] = {}
    for day, act, n in groups:
        den += n
        if act is None:
            continue
        if day not in deadlines:
            deadlines[day] = calendar.next_working_day(day)
        if act <= deadlines[day] and act <= period.end:
            num += n
    return {"num": num, "den": den}


def grouped_clock(
    qs: QuerySet[Any],
    *,
    base: Any,
    action: str,
    period: Period,
    calendar: WorkCalendar,
    by: Any = None,
    met: Q | None = None,
) -> dict[Any, dict[str, int]]:
    """A clock of contract B, counted in the database and grouped: {group: {"num", "den"}}.

    The items are the rows of `qs` whose deadline — `base` (an expression giving a date) moved
    to the next working day — falls in `period`; one is compliant when its `action` date is on
    or before the deadline and the end of the period, and, when `met` is given, the row also
    satisfies `met` (督办: closed as settled). `by`: a field name or expression to group by (the
    groups' values are the keys); None counts all items under the key None. The rows are
    grouped by (group, base, action) in SQL, a few thousand groups at most, and the working-day
    rule applied to the groups here. The report's three clocks and 季考评's per-unit clocks are
    this function.
    """
    b_lo, b_hi, shift = clock_base_range(period, calendar)
    if b_lo > b_hi:
        return {}
    met = met if met is not None else Q()
    act = Case(
        When(Q(**{f"{action}__lte": F("base")}) & met, then=F("base")),
        When(Q(**{f"{action}__lte": AddDays(F("base"), shift)}) & met, then=F(action)),
        default=Value(None),
        output_field=DateField(),
    )
    keyed = {} if by is None else {"clock_group": F(by) if isinstance(by, str) else by}
    rows = (
        qs.annotate(base=base)
        .filter(base__range=(b_lo, b_hi))
        .annotate(act=act)
        .values("base", "act", **keyed)
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups: dict[Any, list[tuple[date, date | None, int]]] = defaultdict(list)
    for g in rows:
        groups[g.get("clock_group")].append((g["base"], g["act"], g["n"]))
    return {k: tally_clock(items, period, calendar) for k, items in groups.items()}


# --- the report ----------------------------------------------------------------------------------


class ReportBuilder:
    def __init__(
        self,
        node: OrgUnit,
        period: Period,
        comparison: Comparison = "yoy",
        *,
        hide_accusations: bool = False,
        scope: "Scope | None" = None,
        use_summary: bool = True,
        leader_work: bool = True,
        prevention: bool | None = None,
    ) -> None:
        self.node = node
        self.with_leader_work = leader_work
        # the prevention keys (issue 11) go with the leader work ones unless asked apart
        self.with_prevention = leader_work if prevention is None else prevention
        self.period = period
        self.comparison = comparison
        self.previous = compared_period(period, comparison)
        # a caller building many periods of one node (the monthly trend) reads the tree once
        self.scope = scope or Scope.of(node, hide_accusations=hide_accusations)
        self.calendar: WorkCalendar = current_calendar()
        self._cache: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._raw: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # the partial months'
        self._scan: dict[str, Any] | None = None
        self._matter_groups: list[dict[str, Any]] | None = None  # given by monthly_totals
        # Registrations: the whole months of both periods from the monthly summaries
        # (xinfang.analytics.summary), the days of partial months from the registrations.
        self.raw_ranges: Ranges = []
        self.month_ranges: Ranges = []
        for bucket, p in ((0, self.period), (1, self.previous)):
            months, edges = split_months(p) if use_summary else (None, [(p.start, p.end)])
            self.raw_ranges += [(bucket, lo, hi) for lo, hi in edges]
            if months is not None:
                self.month_ranges.append((bucket, *months))

    # registrations --------------------------------------------------------------------------

    def _groups(self, dims: tuple[str, ...]) -> list[dict[str, Any]]:
        """Registrations grouped by period, locality and `dims`, over the node (or its parent):
        the partial months' from the registrations, the whole months' from the summaries."""
        if dims in self._cache:
            return self._cache[dims]
        whole = bool(self.scope.siblings)
        if dims not in self._raw and connection.vendor == "postgresql":
            self._grouping_sets()
        if dims not in self._raw:
            if dims == ("unit",):
                self._raw[dims] = self._unit_groups(self.raw_ranges)
            else:
                self._raw[dims] = list(
                    _registration_groups(self.scope, self.raw_ranges, dims, whole=whole)
                )
        found = list(self._raw[dims])
        if self.month_ranges:
            found += self._summary_groups(dims)
            if dims == ("unit",):
                found += self._unit_correction()
        self._cache[dims] = found
        return found

    def _summary_locality(self, field: str) -> Q:
        """Summary rows (locality an id, 0 for none) in the node's subtree (or its parent's)."""
        scope = self.scope
        unit = scope.read_root if scope.siblings else scope.node
        if unit.parent_id is None and scope.single_root:
            return Q()
        ids = [pk for pk, path in scope.paths.items() if unit.pk in path]
        if unit.pk == scope.unlocated_root:
            ids.append(0)
        return Q(**{f"{field}__in": ids})

    def _summary_groups(self, dims: tuple[str, ...]) -> list[dict[str, Any]]:
        """The whole months' groups from the monthly summaries (xinfang.analytics.summary)."""
        model, fields = {
            CLF: (RegistrationMonthCLF, CLF),
            CP: (RegistrationMonthCP, ("category", "purpose")),
            ("unit",): (RegistrationMonthUnit, ("unit",)),
        }[dims]
        qs: QuerySet[Any] = model._default_manager.filter(self._summary_locality("locality"))
        if self.scope.hide_accusations:
            qs = (
                qs.exclude(purpose=Purpose.ACCUSATION)
                if dims == CP
                else qs.filter(accusation=False)
            )
        qs = _bucketed(qs, "month", self.month_ranges).exclude(batches=0)
        rows = (
            qs.values("bucket", "locality", *fields)
            .annotate(b=Sum("batches"), p=Sum("people"))
            .order_by()
        )
        out = []
        for g in rows:
            found = {
                "bucket": g["bucket"],
                "locality_id": g["locality"] or None,
                "batches": g["b"],
                "people": g["p"],
            }
            if dims == CLF:
                found |= {d: g[d] for d in CLF}
            elif dims == CP:
                found |= {"category_id": g["category"] or None, "purpose": g["purpose"]}
            else:
                found["unit"] = g["unit"] or None
            out.append(found)
        return out

    def _unit_correction(self) -> list[dict[str, Any]]:
        """The unit summary counts a matter under its 责任单位 now; a matter the workflow routed
        counts under its unit at the period's end instead: its whole months' registrations are
        taken from the one and given to the other (only matters with an assignment are read)."""
        scope, whole = self.scope, bool(self.scope.siblings)
        regs = Registration.objects.filter(
            scope.locality_q("locality", whole=whole),
            matter_id__in=Assignment.objects.values("matter_id"),
        )
        days = [(b, lo, _last_of_month(hi.year, hi.month)) for b, lo, hi in self.month_ranges]
        rows = _bucketed(regs, "received_on", days)
        inner, params = (
            rows.values("bucket", "locality_id", "matter_id", "people")
            .order_by()
            .query.sql_with_params()
        )
        joins, unit, unit_params = unit_at_end_join(self.period.end, self.previous.end)
        sql = (
            f"SELECT r.bucket, r.locality_id, um.responsible_unit_id, {unit}, COUNT(*), "
            f"SUM(r.people) FROM ({inner}) r {joins} "
            f"GROUP BY r.bucket, r.locality_id, um.responsible_unit_id, {unit}"
        )
        out = []
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, *unit_params))
            for bucket, loc, now, then, n, people in cursor.fetchall():
                if now == then:
                    continue
                for uid, sign in ((now, -1), (then, 1)):
                    out.append(
                        {
                            "bucket": bucket,
                            "locality_id": loc,
                            "unit": uid,
                            "batches": sign * n,
                            "people": sign * (people or 0),
                        }
                    )
        return out

    def _grouping_sets(self) -> None:
        """PostgreSQL: every registration grouping of the report from ONE scan (GROUPING SETS).

        Fills the cache of `_groups` for CLF and CP and, for `_unit_rows`, the handling unit
        (per locality, so that the node's own rows are picked in Python as everywhere else).
        SQLite has no GROUPING SETS and keeps one grouped query per grouping.
        """
        scope, whole = self.scope, bool(self.scope.siblings)
        if not self.raw_ranges:
            self._raw.update({CLF: [], CP: [], ("unit",): []})
            return
        regs = Registration.objects.filter(scope.locality_q("locality", whole=whole))
        rows = _bucketed(regs, "received_on", self.raw_ranges).values(
            "bucket", "locality_id", *CLF, *CP, "people", "matter_id"
        )
        inner, params = rows.order_by().query.sql_with_params()
        joins, unit, unit_params = unit_at_end_join(self.period.end, self.previous.end)
        inner = f"SELECT r.*, {unit} AS unit FROM ({inner}) r {joins}"
        cols = ("locality_id", *CLF, *CP, "unit")
        # Django writes no GROUPING SETS; the grouped rows are the same as the three GROUP BYs.
        sql = (
            f"SELECT GROUPING(channel, category_id, unit), bucket, {', '.join(cols)}, "
            f"COUNT(*), SUM(people) FROM ({inner}) ru GROUP BY GROUPING SETS ("
            f"(bucket, locality_id, {', '.join(CLF)}), (bucket, locality_id, {', '.join(CP)}), "
            "(bucket, locality_id, unit))"
        )
        sets: dict[int, tuple[tuple[str, ...], list[dict[str, Any]]]] = {
            0b011: (CLF, []),
            0b101: (CP, []),
            0b110: (("unit",), []),
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, *unit_params))
            for grouping, bucket, *values, batches, people in cursor.fetchall():
                dims, target = sets[grouping]
                g = dict(zip(cols, values, strict=True))
                target.append(
                    {"bucket": bucket, "locality_id": g["locality_id"]}
                    | {d: g[d] for d in dims}
                    | {"batches": batches, "people": people}
                )
        for dims, groups in sets.values():
            self._raw[dims] = groups

    def _registration_cube(
        self, dims: tuple[str, ...], keyer: Callable[[dict[str, Any]], Key]
    ) -> tuple[Cube, Cube]:
        """(node cube by row key, sibling cube by row key), from one grouped query."""
        scope, node_cube, sib_cube = self.scope, Cube(), Cube()
        for g in self._groups(dims):
            loc, key = g["locality_id"], keyer(g)
            b, p = g["batches"], g["people"] or 0
            if scope.in_node(loc):
                node_cube.add(g["bucket"], None, key, b, p)
            sib = scope.sibling_of(loc)
            if sib is not None:
                sib_cube.add(g["bucket"], sib, key, b, p)
        return node_cube, sib_cube

    def _locality_cube(self) -> Cube:
        cube = Cube()
        for g in self._groups(CLF):
            child = self.scope.child_of(g["locality_id"])
            if child is not None:
                cube.add(g["bucket"], child, (child,), g["batches"], g["people"] or 0)
        return cube

    def _unit_groups(self, ranges: Ranges) -> list[dict[str, Any]]:
        """Registrations grouped by period, locality and the matter's unit at the period's end."""
        if not ranges:
            return []
        scope, whole = self.scope, bool(self.scope.siblings)
        regs = Registration.objects.filter(scope.locality_q("locality", whole=whole))
        qs: QuerySet[Any] = _bucketed(regs, "received_on", ranges)
        rows = qs.values("bucket", "locality_id", "matter_id", "people").order_by()
        inner, params = rows.query.sql_with_params()
        joins, unit, unit_params = unit_at_end_join(self.period.end, self.previous.end)
        sql = (
            f"SELECT r.bucket, r.locality_id, {unit}, COUNT(*), SUM(r.people) "
            f"FROM ({inner}) r {joins} GROUP BY r.bucket, r.locality_id, {unit}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, *unit_params))
            return [
                {"bucket": b, "locality_id": loc, "unit": u, "batches": n, "people": p}
                for b, loc, u, n, p in cursor.fetchall()
            ]

    def _matter_flags(self) -> dict[str, Q]:
        """m0/m1: the matter has a registration in P / the previous period; f0/f1: its first.

        A matter has a registration in P when its first or its last registration (first_ and
        last_received_on, kept by the importer and the registration services) falls in P, or,
        when they lie on either side of P, when one in between does (asked only of those).
        """
        flags: dict[str, Q] = {}
        for bucket, p in ((0, self.period), (1, self.previous)):
            # One hash of the period's matters (from the registration index), built only when
            # a matter spans the period, rather than an index probe per such matter.
            between = Q(
                pk__in=Registration.objects.filter(received_on__range=(p.start, p.end)).values(
                    "matter_id"
                )
            )
            first_in = Q(first_received_on__range=(p.start, p.end))
            flags[f"m{bucket}"] = (
                first_in
                | Q(last_received_on__range=(p.start, p.end))
                | (Q(first_received_on__lt=p.start, last_received_on__gt=p.end) & between)
            )
            flags[f"f{bucket}"] = first_in
        return flags

    def _matter_counts(self) -> tuple[dict[int, dict[int | None, int]], ...]:
        """matters and first_matters per bucket for the node (one grouped query); the siblings'
        are not read: contract C ranks batches and people, not matters."""
        scope = self.scope
        matters: dict[int, dict[int | None, int]] = {0: defaultdict(int), 1: defaultdict(int)}
        firsts: dict[int, dict[int | None, int]] = {0: defaultdict(int), 1: defaultdict(int)}
        if self._matter_groups is not None:
            groups = self._matter_groups
        elif connection.vendor == "postgresql":
            groups = self._matter_scan()["by_locality"]
        else:
            lo = min(self.period.start, self.previous.start)
            hi = max(self.period.end, self.previous.end)
            groups = list(
                self._node_matters()
                .filter(first_received_on__lte=hi, last_received_on__gte=lo)
                .values(loc=F("locality_id"))
                .annotate(**{k: Count("id", filter=q) for k, q in self._matter_flags().items()})
                .order_by()
            )
        for g in groups:
            for bucket in (0, 1):
                for target, n in ((matters, g[f"m{bucket}"]), (firsts, g[f"f{bucket}"])):
                    if scope.in_node(g["loc"]):
                        target[bucket][None] += n
                    sib = scope.sibling_of(g["loc"])
                    if sib is not None:
                        target[bucket][sib] += n
        return matters, firsts

    # rows ------------------------------------------------------------------------------------

    def _with_change(self, row: dict[str, Any], cur: Figures, prev: Figures) -> dict[str, Any]:
        row.update(cur)
        row["previous"] = dict(prev)
        row["change"] = {k: change(cur[k], prev[k]) for k in cur}
        return row

    def _rank(self, cube: Cube, key: Key, owners: Iterable[int], me: int | None) -> dict[str, Any]:
        owners = list(owners)
        ranks = {}
        for figure in FIGURES:
            values = {o: cube.get(0, o, key)[figure] for o in owners}
            mine = values.get(me, 0) if me is not None else 0
            ranks[figure] = competition_rank(mine, values.values())
        return ranks

    def totals(self) -> dict[str, Any]:
        node_cube, sib_cube = self._registration_cube(CLF, lambda g: ())
        matters, firsts = self._matter_counts()
        cur = node_cube.get(0, None, ()) | {
            "matters": matters[0][None],
            "first_matters": firsts[0][None],
        }
        prev = node_cube.get(1, None, ()) | {
            "matters": matters[1][None],
            "first_matters": firsts[1][None],
        }
        row = self._with_change({}, cur, prev)
        if self.scope.siblings:
            row["rank"] = self._rank(
                sib_cube, (), [s.pk for s in self.scope.siblings], self.node.pk
            )
        return row

    def breakdowns(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        sib_ids = [s.pk for s in self.scope.siblings]
        node_clf, sib_clf = self._registration_cube(
            CLF, lambda g: (g["channel"], g["level"], g["form"])
        )

        def project(cube: Cube, idx: tuple[int, ...]) -> Cube:
            projected = Cube()
            for (bucket, owner, key), fig in cube.cells.items():
                projected.add(bucket, owner, tuple(key[i] for i in idx), **fig)
            return projected

        for name, idx in (
            ("channel", (0,)),
            ("level", (1,)),
            ("form", (2,)),
            ("channel,level", (0, 1)),
            ("channel,level,form", (0, 1, 2)),
        ):
            fields = BREAKDOWNS[name]
            node_cube, sib_cube = project(node_clf, idx), project(sib_clf, idx)
            if len(fields) == 1:
                keys: list[Key] = [(v,) for v in VOCABULARIES[fields[0]]]
            elif name == "channel,level":
                keys = [(c, lv) for c in VOCABULARIES["channel"] for lv in VOCABULARIES["level"]]
            else:
                keys = sorted(node_cube.row_keys(), key=lambda k: _vocab_order(fields, k))
            out[name] = [
                self._row(dict(zip(fields, key, strict=True)), node_cube, sib_cube, key, sib_ids)
                for key in keys
            ]

        # category: the registration's own category, shown by its path
        node_cat, sib_cat = self._registration_cube(CP, lambda g: (g["category_id"],))
        paths = dict(Category.objects.values_list("id", "path"))
        out["category"] = [
            self._row(
                {"category": paths.get(k[0]) if k[0] else None}, node_cat, sib_cat, k, sib_ids
            )
            for k in _by_size(node_cat)
        ]

        node_pur, sib_pur = self._registration_cube(CP, lambda g: (g["purpose"] or None,))
        keys = [(v,) for v in VOCABULARIES["purpose"]]
        keys += [(None,)] if (None,) in node_pur.row_keys() else []
        out["purpose"] = [self._row({"purpose": k[0]}, node_pur, sib_pur, k, sib_ids) for k in keys]

        out["locality"] = self._locality_rows()
        out["unit"] = self._unit_rows()
        return out

    def _row(
        self, head: dict[str, Any], node: Cube, sib: Cube, key: Key, sib_ids: list[int]
    ) -> dict[str, Any]:
        row = self._with_change(head, node.get(0, None, key), node.get(1, None, key))
        if sib_ids:
            row["rank"] = self._rank(sib, key, sib_ids, self.node.pk)
        return row

    def _locality_rows(self) -> list[dict[str, Any]]:
        """The node's own row (what is registered directly at it), then a row per child.

        Contract C's `rank` (the node's place among its siblings for the same row) is given
        where it means something: on the node's own row, what is registered directly at the node
        against what is registered directly at each sibling. A child's row has no counterpart
        under a sibling (another district has no 东风街道), so it carries no `rank`; it carries
        `place` instead: the child's place among the node's children of its kind, the
        "列全区第2位" of a district's report.
        """
        cube = self._locality_cube()
        own = Cube()  # registered directly at each sibling
        if self.scope.siblings:
            sib_ids = {s.pk for s in self.scope.siblings}
            for g in self._groups(CLF):
                if g["locality_id"] in sib_ids:
                    own.add(g["bucket"], g["locality_id"], (), g["batches"], g["people"] or 0)
        rows = []
        for unit in [self.node, *sorted(self.scope.children, key=lambda u: (u.sort_order, u.code))]:
            key = (unit.pk,)
            cur, prev = cube.get(0, unit.pk, key), cube.get(1, unit.pk, key)
            if not any(cur.values()) and not any(prev.values()):
                continue
            row = self._with_change({"locality": unit.code, "name": unit.name}, cur, prev)
            if unit.pk == self.node.pk:
                if self.scope.siblings:
                    row["rank"] = self._rank(own, (), sorted(sib_ids), self.node.pk)
            else:
                kin = [c.pk for c in self.scope.children if c.kind == unit.kind]
                if len(kin) > 1:
                    row["place"] = {
                        f: competition_rank(cur[f], (cube.get(0, k, (k,))[f] for k in kin))
                        for f in FIGURES
                    }
            rows.append(row)
        return rows

    def _unit_rows(self) -> list[dict[str, Any]]:
        """A row per handling unit (as it stood at the period's end), the largest first.

        `rank` (contract C, when the node has siblings): the node's place among its siblings by
        the registrations of matters that unit handles in each sibling's area. `place`: the
        unit's place among the units of the breakdown (责任单位排名), when there are several.
        """
        node_cube, sib_cube = self._registration_cube(("unit",), lambda g: (g["unit"],))
        keys = _by_size(node_cube)
        found = OrgUnit.objects.filter(pk__in=[k[0] for k in keys if k[0]])
        names = {u.pk: (u.code, u.name) for u in found}
        named = [k for k in keys if k[0]]
        sib_ids = [s.pk for s in self.scope.siblings]
        rows = []
        for key in keys:
            uid = key[0]
            code, label = names.get(uid, (None, "未指定")) if uid else (None, "未指定")
            row = self._row({"unit": code, "name": label}, node_cube, sib_cube, key, sib_ids)
            if uid and len(named) > 1:
                row["place"] = {
                    f: competition_rank(
                        node_cube.get(0, None, key)[f],
                        (node_cube.get(0, None, k)[f] for k in named),
                    )
                    for f in FIGURES
                }
            rows.append(row)
        return rows

    # clocks and rates --------------------------------------------------------------------------

    def _node_matters(self) -> QuerySet[Matter]:
        """The node's matters. On SQLite, for a node below the root, the locality is matched as
        an expression so that SQLite scans the table rather than walking the locality index and
        fetching a third of the rows one by one (a district's clocks: 0.6-1.6 s -> a scan's)."""
        scope = self.scope
        node = scope.node
        if connection.vendor != "sqlite" or (node.parent_id is None and scope.single_root):
            return Matter.objects.filter(scope.locality_q("locality", whole=False))
        ids = [pk for pk, path in scope.paths.items() if node.pk in path]
        mine = Q(loc_scan__in=ids)
        if node.pk == scope.unlocated_root:
            mine |= Q(locality__isnull=True)
        if scope.hide_accusations:
            mine &= ~Q(purpose=Purpose.ACCUSATION)
        scan = ExpressionWrapper(F("locality_id") + Value(0), output_field=IntegerField())
        return Matter.objects.alias(loc_scan=scan).filter(mine)

    def base_range(self) -> tuple[date, date, int]:
        """Base dates b whose deadline next_working_day(b) falls in P, and the largest shift."""
        return clock_base_range(self.period, self.calendar)

    def _tally(self, groups: Iterable[tuple[date, date | None, int]]) -> dict[str, int]:
        return tally_clock(groups, self.period, self.calendar)

    def _clock(self, qs: QuerySet[Matter], base: Any, action: str) -> dict[str, int]:
        """Items whose deadline (base moved to a working day) falls in P; compliant ones."""
        found = grouped_clock(
            qs, base=base, action=action, period=self.period, calendar=self.calendar
        )
        return found.get(None, {"num": 0, "den": 0})

    def _bases(self) -> dict[str, tuple[Any, Q, str]]:
        """Each clock: its base date, which matters have one, and the action that answers it."""
        end = self.period.end
        return {
            "acceptance": (
                AddDays(F("first_received_on"), domain_limit("ACCEPT_DAYS", 15)),
                Q(),
                "decided_on",
            ),
            "handling": (
                Coalesce(
                    "extended_to",
                    "handling_deadline",
                    AddDays(F("decided_on"), domain_limit("HANDLE_DAYS", 60)),
                    output_field=DateField(),
                ),
                # a ledger may give 办理期限 without 处理日期: the deadline still counts
                Q(handling_method__in=HANDLED)
                & (Q(decided_on__isnull=True) | Q(decided_on__lte=end)),
                "replied_on",
            ),
            "supervision": (
                F("supervision_due"),
                Q(supervision_due__isnull=False)
                & (Q(supervision_started_on__isnull=True) | Q(supervision_started_on__lte=end)),
                "resolved_on",
            ),
        }

    def clocks(self) -> dict[str, dict[str, int]]:
        if connection.vendor == "postgresql":
            return self._matter_scan()["clocks"]
        matters = self._node_matters()
        return {
            name: self._clock(matters.filter(which), base, action)
            for name, (base, which, action) in self._bases().items()
        }

    def _rate_figures(self) -> dict[str, Any]:
        """replies (replied, evaluated, satisfied), package (den, num), supervision by level."""
        p, matters = self.period, self._node_matters()
        evaluated_q = ~Q(evaluation="") & (
            Q(evaluated_on__isnull=True) | Q(evaluated_on__lte=p.end)
        )
        replies = matters.filter(replied_on__range=(p.start, p.end)).aggregate(
            replied=Count("id"),
            evaluated=Count("id", filter=evaluated_q),
            satisfied=Count("id", filter=evaluated_q & Q(evaluation__in=SATISFIED)),
        )
        resolved = Q(resolved_on__isnull=False) & Q(resolved_on__lte=p.end)
        package = matters.filter(package_started_on__range=(p.start, p.end)).aggregate(
            den=Count("id"), num=Count("id", filter=resolved)
        )
        by_level = {
            g["supervision_level"]: g
            for g in matters.filter(supervision_started_on__range=(p.start, p.end))
            .values("supervision_level")
            .annotate(den=Count("id"), num=Count("id", filter=resolved))
            .order_by()
        }
        return {"replies": replies, "package": package, "by_level": by_level}

    def _matter_scan(self) -> dict[str, Any]:
        """PostgreSQL: matters, clocks and rates from ONE scan of the matters (GROUPING SETS).

        The same expressions as `_matter_counts`, `_clock` and `_rate_figures`: matters per
        locality over the node (not its siblings': no rank is by matters), each clock's
        (base, act) and the supervision levels as grouping sets of one query, the rate counts
        as FILTERed counts of its grand total; the result is theirs (once per report, cached).
        """
        if self._scan is not None:
            return self._scan
        p, scope = self.period, self.scope
        node = Q()  # every matter read is the node's: ranks compare batches and people only
        b_lo, b_hi, shift = self.base_range()
        qs: QuerySet[Any] = Matter.objects.filter(scope.locality_q("locality", whole=False))
        names = {"acceptance": "a", "handling": "h", "supervision": "s"}
        for name, (base, which, _action) in self._bases().items():
            n = names[name]
            qs = qs.annotate(**{f"{n}_raw": base}).annotate(
                **{
                    f"{n}_base": Case(
                        When(
                            node & which & Q(**{f"{n}_raw__range": (b_lo, b_hi)}),
                            then=F(f"{n}_raw"),
                        ),
                        default=Value(None),
                        output_field=DateField(),
                    )
                }
            )
        flag = {
            "rep": node & Q(replied_on__range=(p.start, p.end)),
            "evl": ~Q(evaluation="") & (Q(evaluated_on__isnull=True) | Q(evaluated_on__lte=p.end)),
            "sat": Q(evaluation__in=SATISFIED),
            "pkg": node & Q(package_started_on__range=(p.start, p.end)),
            "res": Q(resolved_on__isnull=False) & Q(resolved_on__lte=p.end),
            "sup": node & Q(supervision_started_on__range=(p.start, p.end)),
            **self._matter_flags(),
        }
        qs = qs.annotate(
            **{k: ExpressionWrapper(q, output_field=BooleanField()) for k, q in flag.items()}
        )
        cols = ["a_base", "a_act", "h_base", "h_act", "s_base", "s_act", "sup", "lvl", "loc"]
        inner, params = (
            qs.values(
                "a_base",
                "h_base",
                "s_base",
                *ACTIONS.values(),
                *flag,
                lvl=F("supervision_level"),
                loc=F("locality_id"),
            )
            .order_by()
            .query
        ).sql_with_params()
        # Each action date as `_act` writes it, from the bases computed once per matter below
        # the OFFSET 0 fence (the ORM would write each base out again in every CASE using it).
        acts = ", ".join(
            f"CASE WHEN {a} <= {n}_base THEN {n}_base WHEN {a} <= {n}_base + {int(shift)} "
            f"THEN {a} END AS {n}_act"
            for n, a in ACTIONS.items()
        )
        inner = f"SELECT *, {acts} FROM ({inner} OFFSET 0) b"
        # Django writes no GROUPING SETS; each set is one of the grouped queries of the SQLite way.
        counted = ["rep", "rep AND evl", "rep AND evl AND sat", "pkg", "pkg AND res"]
        counted += ["sup AND res", "m0", "m1", "f0", "f1"]
        sql = (
            f"SELECT GROUPING({', '.join(cols)}), {', '.join(cols)}, COUNT(*), "
            + ", ".join(f"COUNT(*) FILTER (WHERE {c})" for c in counted)
            + f" FROM ({inner}) m GROUP BY GROUPING SETS "
            "((a_base, a_act), (h_base, h_act), (s_base, s_act), (sup, lvl), (loc), ())"
        )
        clock_groups: dict[str, list[tuple[date, date | None, int]]] = {n: [] for n in names}
        figures: dict[str, Any] = {"by_level": {}, "by_locality": []}
        sets = {0b001111111: "acceptance", 0b110011111: "handling", 0b111100111: "supervision"}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for grouping, *found in cursor.fetchall():
                keys, (n, rep, evl, sat, pkg, pkg_res, sup_res, *m) = found[:9], found[9:]
                if grouping in sets:
                    i = 2 * list(names).index(sets[grouping])
                    if keys[i] is not None:
                        clock_groups[sets[grouping]].append((keys[i], keys[i + 1], n))
                elif grouping == 0b111111001:
                    if keys[6]:
                        figures["by_level"][keys[7]] = {"den": n, "num": sup_res}
                elif grouping == 0b111111110:
                    figures["by_locality"].append(
                        {"loc": keys[8]} | dict(zip(("m0", "m1", "f0", "f1"), m, strict=True))
                    )
                else:
                    figures["replies"] = {"replied": rep, "evaluated": evl, "satisfied": sat}
                    figures["package"] = {"den": pkg, "num": pkg_res}
        figures["clocks"] = {name: self._tally(g) for name, g in clock_groups.items()}
        self._scan = figures
        return figures

    def rates(self, clocks: dict[str, dict[str, int]]) -> dict[str, Any]:
        def ratio(num: int, den: int) -> dict[str, Any]:
            return {"num": num, "den": den, "pct": pct(num, den)}

        pg = connection.vendor == "postgresql"
        found = self._matter_scan() if pg else self._rate_figures()
        replies, package, by_level = found["replies"], found["package"], found["by_level"]
        sup_num = sum(g["num"] for g in by_level.values())
        sup_den = sum(g["den"] for g in by_level.values())
        supervision = ratio(sup_num, sup_den)
        supervision["by_level"] = {
            label: ratio(by_level.get(code, {}).get("num", 0), by_level.get(code, {}).get("den", 0))
            for code, label in SupervisionLevel.choices
        }
        return {
            "timely_acceptance": ratio(**clocks["acceptance"]),
            "on_time_reply": ratio(**clocks["handling"]),
            "satisfaction": ratio(replies["satisfied"], replies["evaluated"]),
            "evaluation_participation": ratio(replies["evaluated"], replies["replied"]),
            "package_resolution": ratio(package["num"], package["den"]),
            "supervision_resolution": supervision,
        }

    def rule_of_law(self, clocks: dict[str, dict[str, int]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        total = Decimal("0.000")
        for part, weight in zip(
            ("acceptance", "handling", "supervision"), rule_of_law_weights(), strict=True
        ):
            num, den = clocks[part]["num"], clocks[part]["den"]
            score = weighted_score(num, den, weight)
            total += score
            out[part] = {"num": num, "den": den, "weight": float(weight), "score": str(score)}
            if den == 0:
                out[part]["zero_denominator"] = True
        out["total"] = str(total)
        return out

    def build(self) -> dict[str, Any]:
        clocks = self.clocks()
        return {
            "period": self.period.as_dict(),
            "previous_period": self.previous.as_dict(),
            "comparison": self.comparison,
            "org": self.node.code,
            "org_name": self.node.name,
            "totals": self.totals(),
            "breakdowns": self.breakdowns(),
            "rates": self.rates(clocks),
            "rule_of_law": self.rule_of_law(clocks),
            **(self.leader_work() if self.with_leader_work else {}),
            **(self.prevention() if self.with_prevention else {}),
        }

    def leader_work(self) -> dict[str, Any]:
        """B2 `receptions` and `packages` (xinfang.analytics.leaderwork)."""
        from xinfang.analytics.leaderwork import LeaderWork  # it builds on this module

        return LeaderWork(self.scope, self.period, self.previous).build()

    def prevention(self) -> dict[str, Any]:
        """B2 `hearings`, `handed_down`, `meetings` and `disputes` (xinfang.analytics.prevention),
        of the node's subtree; 检举控告 left out for a reader who may not see them."""
        from xinfang.analytics import prevention as pv  # it builds on this module

        start, end, hide = self.period.start, self.period.end, self.scope.hide_accusations
        return {
            "hearings": pv.hearing_figures(self.scope, start, end),
            "handed_down": pv.casework_handed_down_figures(
                self.node, start, end, hide_accusations=hide
            ),
            "meetings": pv.casework_meeting_figures(self.node, start, end, hide_accusations=hide),
            "disputes": pv.dispute_figures(self.scope, start, end),
        }


def monthly_totals(
    node: OrgUnit, year: int, last_month: int, *, hide_accusations: bool = False
) -> list[tuple[Period, dict[str, Any]]]:
    """Months 1..last_month of `year`, each with its report's `totals` (同比: the same month a
    year earlier), from two grouped queries in all rather than two scans per month.

    The same figures as `ReportBuilder(node, month).totals()` month by month (a test holds them
    equal): the registrations of both years grouped by (month, locality) — batches, people and,
    for the rank, the siblings' — and the matters by (month of a registration, the matter's
    locality): the distinct matters with a registration in the month, and among them those whose
    first registration is in it. Run inside the caller's transaction, one snapshot for all.
    """
    if last_month < 1:
        return []
    scope = Scope.of(node, hide_accusations=hide_accusations)
    months = [Period(date(year, m, 1), _last_of_month(year, m)) for m in range(1, last_month + 1)]
    spans = [(date(y, 1, 1), _last_of_month(y, last_month)) for y in (year - 1, year)]
    dated = Q(received_on__range=spans[0]) | Q(received_on__range=spans[1])
    whole = bool(scope.siblings)
    regs = (
        Registration.objects.filter(scope.locality_q("locality", whole=whole), dated)
        .values("locality_id", month=TruncMonth("received_on"))
        .annotate(batches=Count("id"), people=Sum("people"))
        .order_by()
    )
    matters = (
        Registration.objects.filter(
            scope.locality_q("matter__locality", whole=False, purpose="matter__purpose"), dated
        )
        .values(month=TruncMonth("received_on"), loc=F("matter__locality_id"))
        .annotate(
            m=Count("matter_id", distinct=True),
            f=Count(
                "matter_id",
                distinct=True,
                filter=Q(received_on=F("matter__first_received_on")),
            ),
        )
        .order_by()
    )
    reg_groups: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for g in regs:
        key = (g["month"].month, 0 if g["month"].year == year else 1)
        reg_groups[key].append(g | {"bucket": key[1]})
    matter_groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for g in matters:
        bucket = 0 if g["month"].year == year else 1
        found = {"loc": g["loc"], "m0": 0, "m1": 0, "f0": 0, "f1": 0}
        found[f"m{bucket}"], found[f"f{bucket}"] = g["m"], g["f"]
        matter_groups[g["month"].month].append(found)
    out = []
    for period in months:
        builder = ReportBuilder(node, period, "yoy", scope=scope)
        m = period.start.month
        builder._cache[CLF] = reg_groups[(m, 0)] + reg_groups[(m, 1)]
        builder._matter_groups = matter_groups[m]
        out.append((period, builder.totals()))
    return out


def _vocab_order(fields: tuple[str, ...], key: Key) -> tuple[int, ...]:
    return tuple(
        VOCABULARIES[f].index(v) if v in VOCABULARIES[f] else 99
        for f, v in zip(fields, key, strict=True)
    )


def _by_size(cube: Cube) -> list[Key]:
    """Row keys, largest current batches first, then previous, then key."""
    return sorted(
        cube.row_keys(),
        key=lambda k: (
            -cube.get(0, None, k)["batches"],
            -cube.get(1, None, k)["batches"],
            str(k),
        ),
    )


def build_report(
    *,
    org: OrgUnit,
    period: Period,
    comparison: Comparison = "yoy",
    hide_accusations: bool = False,
    use_summary: bool = True,
    leader_work: bool = True,
    prevention: bool | None = None,
) -> dict[str, Any]:
    """The report of contract C for `org` and everything below it over `period`.

    `use_summary=False` counts the registrations from the rows alone, without the monthly
    summaries (the tests compare both ways). `leader_work=False` leaves out the B2 keys
    `receptions`, `packages`, `hearings`, `handed_down`, `meetings` and `disputes` (the benchmark
    measures their cost); `prevention` (default: as `leader_work`) the last four alone.

    Its queries run in one transaction; on PostgreSQL one snapshot (REPEATABLE READ, when the
    report opens the transaction itself) so that every figure is of the same moment, with memory
    enough to group a million rows in a hash rather than on disk, and without JIT compilation
    (it costs more than it saves on these short queries).
    """
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if fresh:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute("SET LOCAL work_mem = %s", [REPORT_WORK_MEM])
                cursor.execute("SET LOCAL jit = off")
        return ReportBuilder(
            org,
            period,
            comparison,
            hide_accusations=hide_accusations,
            use_summary=use_summary,
            leader_work=leader_work,
            prevention=prevention,
        ).build()

"""Clock items (及时受理, 按期办结, 督办): deadlines moved to working days, counted by period."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, Count, DateField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from xinfang.analytics.counting.base import CountingBase
from xinfang.analytics.counting.settings import domain_limit
from xinfang.analytics.periods import Period
from xinfang.intake.choices import HandlingMethod
from xinfang.intake.models import Matter
from xinfang.workflow.calendar import WorkCalendar

ACTIONS = {"a": "decided_on", "h": "replied_on", "s": "resolved_on"}  # each clock's action

HANDLED = (HandlingMethod.ACCEPT, HandlingMethod.ASSIGN, HandlingMethod.FORWARD)


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


class ClockCounts(CountingBase):
    """The report's three clocks (num: on time, den: due in the period)."""

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
                AddDays(F("first_received_on"), domain_limit("ACCEPT_DAYS")),
                Q(),
                "decided_on",
            ),
            "handling": (
                Coalesce(
                    "extended_to",
                    "handling_deadline",
                    AddDays(F("decided_on"), domain_limit("HANDLE_DAYS")),
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

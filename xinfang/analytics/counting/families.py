"""PostgreSQL's one scan of the matters: each figure a digit of one grouped integer key.

A `Family` is a few mutually exclusive conditions on a matter (e.g. not replied in P / replied
/ replied and evaluated / … and satisfied), numbered 0..size-1 by a CASE that asks each
condition once a matter; `ScanKey` adds the families' numbers, each times the product of the
sizes before it, into one bigint, and the scan counts the matters per key (COUNT(*) grouped by
one column). `labels[code]` names the figures a matter with that number counts in.
`clock_family` is a clock's state (not its item / due / due and on time) from a table of each
base day's deadline, the next working day, passed as an array: one subscript a matter.
`OwnerDigit`: whose a matter is (the node or a sibling), from a table by locality id.
"""

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db.models import BigIntegerField, Case, Expression, F, Func, Q, Value, When

from xinfang.analytics.periods import Period
from xinfang.workflow.calendar import WorkCalendar

Labels = tuple[str, ...]


def _int(n: int) -> Value:
    return Value(n, output_field=BigIntegerField())


class Family:
    """Conditions numbered 0..size-1; `expression(mult)` gives number × mult in SQL."""

    def __init__(
        self,
        labels: list[Labels],
        expression: Callable[[int], Any],
        *,
        on_time_only: bool = False,
    ) -> None:
        self.labels = labels
        self.size = len(labels)
        self.expression = expression
        self.mult = 1  # the product of the sizes of the families before it in the key
        # counted among the handling clock's compliant items only (一次性化解)
        self.on_time_only = on_time_only

    @classmethod
    def chain(cls, *steps: tuple[str, Q]) -> "Family":
        """k: the first k conditions hold (each asked only when the one before holds); a
        matter counts in the labels of those k."""

        def expression(mult: int) -> Any:
            inner: Any = _int(len(steps) * mult)
            for k in range(len(steps), 0, -1):
                inner = Case(
                    When(steps[k - 1][1], then=inner),
                    default=_int((k - 1) * mult),
                    output_field=BigIntegerField(),
                )
            return inner

        return cls(
            [tuple(label for label, _ in steps[:k]) for k in range(len(steps) + 1)], expression
        )

    @classmethod
    def choice(
        cls,
        options: Sequence[tuple[Labels, Q]],
        guard: tuple[Labels, Q] | None = None,
        *,
        on_time_only: bool = False,
    ) -> "Family":
        """The first of `options` that holds (1 + its index; 0: none) — under `guard`, when
        given: 0 the guard fails, 1 it holds and no option does, 2 + the option's index."""
        first = 1 if guard is None else 2

        def expression(mult: int) -> Any:
            chosen = Case(
                *[When(q, then=_int((first + i) * mult)) for i, (_, q) in enumerate(options)],
                default=_int((first - 1) * mult),
                output_field=BigIntegerField(),
            )
            if guard is None:
                return chosen
            return Case(
                When(guard[1], then=chosen), default=_int(0), output_field=BigIntegerField()
            )

        head: Labels = guard[0] if guard else ()
        labels: list[Labels] = [()] if guard is None else [(), head]
        options_labels = [head + labels_ for labels_, _ in options]
        return cls(labels + options_labels, expression, on_time_only=on_time_only)

    @classmethod
    def guarded_pair(
        cls,
        guard: tuple[Labels, Q],
        options: Sequence[tuple[Labels, Q]],
        default: Labels,
        then: tuple[str, Q],
    ) -> "Family":
        """Under `guard`: the first of `options` that holds (`default`'s labels when none
        does), and whether `then` holds too (each of the option's labels also suffixed with
        `then`'s): 0 the guard fails, 1 + 2 × option + then."""
        n = len(options) + 1

        def expression(mult: int) -> Any:
            which = Case(
                *[When(q, then=_int((1 + 2 * i) * mult)) for i, (_, q) in enumerate(options)],
                default=_int((1 + 2 * (n - 1)) * mult),
                output_field=BigIntegerField(),
            )
            also = Case(
                When(then[1], then=_int(mult)), default=_int(0), output_field=BigIntegerField()
            )
            return Case(
                When(guard[1], then=which + also), default=_int(0), output_field=BigIntegerField()
            )

        labels: list[Labels] = [()]
        for option in [*[labels_ for labels_, _ in options], default]:
            labels.append(guard[0] + option)
            labels.append(guard[0] + option + (then[0],) + tuple(f"{x}:{then[0]}" for x in option))
        return cls(labels, expression)


class _DeadlineState(Func):
    """number × mult of a clock's state: 0 the base is not in [b_lo, b_hi] (or `which` fails),
    1 due, 2 due and the action by the deadline and by the end of P; with `late` (the handling
    clock, for B2's 办结率): 1 due and no action by the end of P, 2 acted by then but late,
    3 on time."""

    output_field = BigIntegerField()

    def __init__(
        self,
        index: Any,
        action: str,
        deadlines: list[date],
        end: date,
        mult: int,
        *,
        late: bool,
    ) -> None:
        super().__init__(index, F(action))
        self.deadlines, self.end, self.mult, self.late = deadlines, end, mult, late

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        index, index_params = compiler.compile(self.source_expressions[0])
        act, act_params = compiler.compile(self.source_expressions[1])
        m, end_after = self.mult, self.end + timedelta(days=1)
        # a missing action or one after P: LEAST gives the day after P, later than any deadline
        sql = f"CASE (%s::date[])[{index}] >= LEAST({act}, %s::date) WHEN true THEN "
        params: list[Any] = [self.deadlines, *index_params, *act_params, end_after]
        if self.late:
            sql += f"{3 * m} WHEN false THEN CASE WHEN {act} <= %s::date THEN {2 * m} ELSE {m} END"
            params += [*act_params, self.end]
        else:
            sql += f"{2 * m} WHEN false THEN {m}"
        return sql + " ELSE 0 END", params


class _DaysFrom(Func):
    """1 + days from `day` to the date expression: the deadline table's subscript."""

    output_field = BigIntegerField()

    def __init__(self, expression: Any, day: date) -> None:
        super().__init__(expression)
        self.day = day

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - %s::date + 1)", [*params, self.day]


def deadlines_of(base_range: tuple[date, date, int], calendar: WorkCalendar) -> list[date]:
    """The deadline of each base day of [b_lo, b_hi]: the next working day (the same table for
    the three clocks of a report)."""
    b_lo, b_hi, _shift = base_range
    days = (b_hi - b_lo).days + 1
    return [calendar.next_working_day(b_lo + timedelta(days=i)) for i in range(max(days, 0))]


def clock_family(
    name: str,
    base: Any,
    which: Q,
    action: str,
    b_lo: date,
    deadlines: list[date],
    period: Period,
) -> Family:
    """A clock's state as a family: its items are the matters of `which` whose base lies in
    [b_lo, b_hi] (deadline next_working_day(base) in P: `deadlines`, from b_lo), compliant
    when the action is by the deadline and by the end of P — the rule of clocks.tally_clock.
    Labels `{name}_den` (an item), `{name}_num` (compliant); the handling clock ("h") also
    `b2_cmp` (acted by the end of P, B2's 办结率)."""
    index: Any = _DaysFrom(base, b_lo)
    if which:
        index = Case(When(which, then=index), default=Value(None), output_field=BigIntegerField())
    late = name == "h"

    def expression(mult: int) -> Expression:
        return _DeadlineState(index, action, deadlines, period.end, mult, late=late)

    den, num = f"{name}_den", f"{name}_num"
    if late:
        return Family([(), (den,), (den, "b2_cmp"), (den, "b2_cmp", num)], expression)
    return Family([(), (den,), (den, num)], expression)


class OwnerDigit(Func):
    """number × mult of whose a matter is: owners[locality_id - 1] (0: none of them)."""

    output_field = BigIntegerField()

    def __init__(self, owners: list[int], mult: int) -> None:
        super().__init__(F("locality_id"))
        self.owners = [o * mult for o in owners]

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        loc, params = compiler.compile(self.source_expressions[0])
        return f"COALESCE((%s::bigint[])[{loc}], 0)", [self.owners, *params]


class ScanKey(Func):
    """The sum of the families' digits, a bigint (the first term makes the sum one)."""

    template = "(CAST(0 AS bigint) + %(expressions)s)"
    arg_joiner = " + "
    output_field = BigIntegerField()

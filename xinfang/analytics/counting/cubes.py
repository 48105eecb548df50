"""Registrations (batches, people) grouped by period, locality and a breakdown's fields."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from xinfang.analytics.counting.base import CountingBase
from xinfang.analytics.counting.ranges import Ranges, bucketed
from xinfang.analytics.counting.scope import Scope, unit_at_end_join
from xinfang.analytics.models import (
    RegistrationMonthCLF,
    RegistrationMonthCP,
    RegistrationMonthLetter,
    RegistrationMonthUnit,
)
from xinfang.analytics.periods import _last_of_month
from xinfang.intake.choices import Channel, Purpose
from xinfang.intake.models import Registration
from xinfang.workflow.models import Assignment

FIGURES = ("batches", "people")
CLF = ("channel", "level", "form")
CP = ("category_id", "purpose")  # one grouped query serves both breakdowns
LETTERS = ("letter_kind", "is_first", "purpose")  # of the letters (渠道 来信) alone

Key = tuple[Any, ...]
Figures = dict[str, int]


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
    if dims == LETTERS:
        qs = qs.filter(channel=Channel.LETTER)
    qs = bucketed(qs, "received_on", ranges)
    return (
        qs.values("bucket", "locality_id", *dims)
        .annotate(batches=Count("id"), people=Sum("people"))
        .order_by()
    )


class RegistrationCubes(CountingBase):
    """Grouped registrations of the report's two periods: monthly summaries for whole
    months, the registrations themselves for partial ones (PostgreSQL: one scan)."""

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
            LETTERS: (RegistrationMonthLetter, ("kind", "first", "purpose")),
        }[dims]
        qs: QuerySet[Any] = model._default_manager.filter(self._summary_locality("locality"))
        if self.scope.hide_accusations:
            qs = (
                qs.exclude(purpose=Purpose.ACCUSATION)
                if dims in (CP, LETTERS)
                else qs.filter(accusation=False)
            )
        qs = bucketed(qs, "month", self.month_ranges).exclude(batches=0)
        rows = (
            qs.values("bucket", "locality", *fields)
            .annotate(b=Sum("batches"), p=Sum("people"))
            .order_by()
            .values_list("bucket", "locality", *fields, "b", "p")
        )
        # the rows as the database gives them (a few thousand; the ORM's converters per value
        # cost more than the query): bucket, locality, the fields, batches, people
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        names = {CLF: CLF, CP: CP, LETTERS: LETTERS, ("unit",): ("unit",)}[dims]
        out = []
        for bucket, loc, *values, batches, people in found:
            people = None if people is None else int(people)  # SUM of a bigint: a numeric
            g = {"bucket": bucket, "locality_id": loc or None, "batches": batches, "people": people}
            g.update(zip(names, values, strict=True))
            if dims == CP:
                g["category_id"] = g["category_id"] or None
            elif dims == ("unit",):
                g["unit"] = g["unit"] or None
            out.append(g)
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
        rows = bucketed(regs, "received_on", days)
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

        Fills the cache of `_groups` for CLF, CP, LETTERS (grouped with the channel, the letters
        picked in Python) and, for `_unit_rows`, the handling unit (per locality, so that the
        node's own rows are picked in Python as everywhere else).
        SQLite has no GROUPING SETS and keeps one grouped query per grouping.
        """
        scope, whole = self.scope, bool(self.scope.siblings)
        if not self.raw_ranges:
            self._raw.update({CLF: [], CP: [], ("unit",): [], LETTERS: []})
            return
        regs = Registration.objects.filter(scope.locality_q("locality", whole=whole))
        rows = bucketed(regs, "received_on", self.raw_ranges).values(
            "bucket", "locality_id", *CLF, *CP, "letter_kind", "is_first", "people", "matter_id"
        )
        inner, params = rows.order_by().query.sql_with_params()
        joins, unit, unit_params = unit_at_end_join(self.period.end, self.previous.end)
        inner = f"SELECT r.*, {unit} AS unit FROM ({inner}) r {joins}"
        cols = ("locality_id", *CLF, *CP, "unit", "letter_kind", "is_first")
        # Django writes no GROUPING SETS; the grouped rows are the same as the four GROUP BYs.
        sql = (
            f"SELECT GROUPING(channel, category_id, unit, letter_kind), bucket, "
            f"{', '.join(cols)}, COUNT(*), SUM(people) FROM ({inner}) ru GROUP BY GROUPING SETS ("
            f"(bucket, locality_id, {', '.join(CLF)}), (bucket, locality_id, {', '.join(CP)}), "
            f"(bucket, locality_id, unit), (bucket, locality_id, channel, {', '.join(LETTERS)}))"
        )
        sets: dict[int, tuple[tuple[str, ...], list[dict[str, Any]]]] = {
            0b0111: (CLF, []),
            0b1011: (CP, []),
            0b1101: (("unit",), []),
            0b0110: (LETTERS, []),
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, *unit_params))
            for grouping, bucket, *values, batches, people in cursor.fetchall():
                dims, target = sets[grouping]
                g = dict(zip(cols, values, strict=True))
                if dims == LETTERS and g["channel"] != Channel.LETTER:
                    continue
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
        node_add, sib_add = node_cube.add, sib_cube.add
        for g in self._groups(dims):
            mine, sib, _child = scope.placed(g["locality_id"])
            if not mine and sib is None:
                continue
            key, b, p = keyer(g), g["batches"], g["people"] or 0
            if mine:
                node_add(g["bucket"], None, key, b, p)
            if sib is not None:
                sib_add(g["bucket"], sib, key, b, p)
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
        qs: QuerySet[Any] = bucketed(regs, "received_on", ranges)
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

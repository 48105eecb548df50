"""Matters (件) and first-time matters per locality; PostgreSQL's one scan of the matters."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)

from xinfang.analytics.counting.clocks import ACTIONS, ClockCounts
from xinfang.intake.choices import Evaluation
from xinfang.intake.models import Matter, Registration

SATISFIED = (Evaluation.SATISFIED, Evaluation.BASICALLY_SATISFIED)


class MatterCounts(ClockCounts):
    """Matters counted once per report: in P, first in P; and on PostgreSQL the clocks
    and rates from the same scan."""

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

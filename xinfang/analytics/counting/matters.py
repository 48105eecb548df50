"""Matters (件) and first-time matters per locality; PostgreSQL's one scan of the matters."""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from xinfang.analytics.counting.clocks import ACTIONS, ClockCounts
from xinfang.analytics.periods import Period
from xinfang.intake.choices import Evaluation
from xinfang.intake.models import Matter, Registration
from xinfang.workflow.models import SupervisionNotice
from xinfang.workflow.supervision_rules import SupervisionKind

SATISFIED = (Evaluation.SATISFIED, Evaluation.BASICALLY_SATISFIED)


def supervision_kind() -> Coalesce:
    """The kind of a matter's first 督办单; 常规督办 when it has none (a ledger import)."""
    first = SupervisionNotice.objects.filter(matter=OuterRef("pk")).order_by("raised_on", "id")
    return Coalesce(Subquery(first.values("kind")[:1]), Value(SupervisionKind.ROUTINE))


class MatterCounts(ClockCounts):
    """Matters counted once per report: in P, first in P; and on PostgreSQL the clocks
    and rates from the same scan."""

    def supervised_in_p(self) -> Q:
        """Matters whose 督办 began in P (督办化解率's items)."""
        return Q(supervision_started_on__range=(self.period.start, self.period.end))

    def _matter_flags(self, *, spanning: bool = True) -> dict[str, Q]:
        """m0/m1: the matter has a registration in P / the previous period; f0/f1: its first.

        A matter has a registration in P when its first or its last registration (first_ and
        last_received_on, kept by the importer and the registration services) falls in P, or,
        when they lie on either side of P, when one in between does (asked only of those).
        `spanning=False` leaves the last case out of m0/m1 and flags those matters s0/s1
        instead, for `_spanning_matters` to ask (PostgreSQL's scan: a subquery in it would keep
        the scan from running in parallel).
        """
        flags: dict[str, Q] = {}
        for bucket, p in ((0, self.period), (1, self.previous)):
            first_in = Q(first_received_on__range=(p.start, p.end))
            ends_in = first_in | Q(last_received_on__range=(p.start, p.end))
            spans = Q(first_received_on__lt=p.start, last_received_on__gt=p.end)
            if spanning:
                flags[f"m{bucket}"] = ends_in | (spans & self._registered_in(p))
            else:
                flags[f"m{bucket}"] = ends_in
                flags[f"s{bucket}"] = spans
            flags[f"f{bucket}"] = first_in
        return flags

    @staticmethod
    def _registered_in(p: Period) -> Q:
        """The matter has a registration in p: one hash of the period's matters (from the
        registration index), rather than an index probe per matter asked."""
        return Q(
            pk__in=Registration.objects.filter(received_on__range=(p.start, p.end)).values(
                "matter_id"
            )
        )

    def _spanning_matters(self, bucket: int) -> dict[int | None, int]:
        """Per locality, the node's matters registered before and after the period of `bucket`
        (0: P, 1: the previous period) with a registration within it."""
        p = (self.period, self.previous)[bucket]
        found = (
            Matter.objects.filter(
                self.scope.locality_q("locality", whole=False),
                Q(first_received_on__lt=p.start, last_received_on__gt=p.end)
                & self._registered_in(p),
            )
            .values(loc=F("locality_id"))
            .annotate(n=Count("id"))
            .order_by()
        )
        return {g["loc"]: g["n"] for g in found}

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

    def b2_scan_flags(self) -> dict[str, Q]:
        """Conditions the scan also counts (the rates' B2 figures: `rates.RateCounts`)."""
        return {}

    def _matter_scan(self) -> dict[str, Any]:
        """PostgreSQL: matters, clocks and rates from ONE scan of the matters, one hash.

        The same expressions as `_matter_counts`, `_clock`, `_rate_figures` and B2's flags
        (`b2_scan_flags`): matters per locality, the supervision levels and the rates as
        FILTERed counts grouped by (locality, 督办 level, each clock's state); the node's
        figures are the sums over its localities. A node with siblings reads its parent's
        matters, so that the same groups give each sibling's clocks (the rule-of-law rank)
        without another pass. The result is theirs (once per report, cached).
        """
        if self._scan is not None:
            return self._scan
        p, scope = self.period, self.scope
        whole = bool(scope.siblings)
        b_lo, b_hi, _shift = self.base_range()
        qs: QuerySet[Any] = Matter.objects.filter(scope.locality_q("locality", whole=whole))
        names = {"acceptance": "a", "handling": "h", "supervision": "s"}
        for name, (base, which, _action) in self._bases().items():
            n = names[name]
            qs = qs.annotate(**{f"{n}_raw": base}).annotate(
                **{
                    f"{n}_base": Case(
                        When(which & Q(**{f"{n}_raw__range": (b_lo, b_hi)}), then=F(f"{n}_raw")),
                        default=Value(None),
                        output_field=DateField(),
                    )
                }
            )
        b2 = self.b2_scan_flags()
        flag = {
            "rep": Q(replied_on__range=(p.start, p.end)),
            "evl": ~Q(evaluation="") & (Q(evaluated_on__isnull=True) | Q(evaluated_on__lte=p.end)),
            "sat": Q(evaluation__in=SATISFIED),
            "pkg": Q(package_started_on__range=(p.start, p.end)),
            "res": Q(resolved_on__isnull=False) & Q(resolved_on__lte=p.end),
            "sup": Q(supervision_started_on__range=(p.start, p.end)),
            **self._matter_flags(spanning=False),
            **{f"b2_{k}": q for k, q in b2.items()},
        }
        qs = qs.annotate(
            **{k: ExpressionWrapper(q, output_field=BooleanField()) for k, q in flag.items()}
        )
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
        # Each clock counted here: its items are the matters whose base b lies in [b_lo, b_hi]
        # (deadline next_working_day(b) in P), compliant when the action is by that deadline and
        # by the end of P — the rule of `tally_clock`, with the calendar's shift of each base
        # day passed as an array (shifts[b - b_lo]), so that one hash keyed by (locality,
        # 督办 level, the three clocks' states) with FILTERed counts serves every figure (every
        # flag a key instead: 39,000 groups, 2.5 times slower); grouping sets by (base, act) per
        # clock made each matter go through six hashes and 66 aggregate steps (~30 % slower).
        # Neither a subquery nor an OFFSET fence in it: PostgreSQL may then scan and count in
        # parallel workers, as DuckDB does (benchmarks/results/report_count.md). B2's flags
        # come without their subqueries for the same reason (`b2_scan_flags`).
        shifts = self._shifts(b_lo, b_hi)
        outer: list[Any] = []
        states: list[str] = []  # each clock's state: 0 not its item, 1 due, 2 due and on time
        for n, action in ACTIONS.items():
            states.append(
                f"CASE WHEN {n}_base IS NULL THEN 0 WHEN {action} <= {n}_base + "
                f"(%s::int[])[{n}_base - %s + 1] AND {action} <= %s THEN 2 ELSE 1 END"
            )
            outer += [shifts, b_lo, p.end]
        counted: dict[str, str] = {
            "rep": "rep",
            "evl": "rep AND evl",
            "sat": "rep AND evl AND sat",
            "pkg": "pkg",
            "pkg_res": "pkg AND res",
            "sup": "sup",
            "sup_res": "sup AND res",
            **{k: k for k in ("m0", "m1", "f0", "f1", "s0", "s1")},
            **{k: f"b2_{k}" for k in b2},
        }
        # The clocks' states are grouped by, not counted in FILTERs: each is computed once a
        # matter (a FILTER repeats its expression), and the `h_`-prefixed flags count in the
        # groups of the handling clock's compliant items.
        sql = (
            f"SELECT loc, lvl, {', '.join(states)}, COUNT(*), "
            + ", ".join(f"COUNT(*) FILTER (WHERE {c})" for c in counted.values())
            + f" FROM ({inner}) m GROUP BY 1, 2, 3, 4, 5"
        )
        clock_keys = [f"{n}_{x}" for n in ACTIONS for x in ("den", "num")]
        totals = dict.fromkeys([*counted, *clock_keys], 0)
        figures: dict[str, Any] = {"by_level": {}, "by_locality": [], "siblings": {}}
        by_loc: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        with connection.cursor() as cursor:
            cursor.execute(sql, [*outer, *params])
            for loc, lvl, *rest in cursor.fetchall():
                state, n_all, found = rest[:3], rest[3], rest[4:]
                row = dict(zip(counted, found, strict=True))
                for n, st in zip(ACTIONS, state, strict=True):
                    row[f"{n}_den"] = n_all if st else 0
                    row[f"{n}_num"] = n_all if st == 2 else 0
                for k in b2:
                    if k.startswith("h_") and state[1] != 2:
                        row[k] = 0
                sib = scope.sibling_of(loc)
                if sib is not None:
                    cell = figures["siblings"].setdefault(sib, dict.fromkeys(clock_keys, 0))
                    for k in clock_keys:
                        cell[k] += row[k]
                if whole and not scope.in_node(loc):
                    continue
                for k in totals:
                    totals[k] += row[k]
                if row["sup"]:
                    level = figures["by_level"].setdefault(lvl, {"den": 0, "num": 0})
                    level["den"] += row["sup"]
                    level["num"] += row["sup_res"]
                m = [row[k] for k in ("m0", "m1", "f0", "f1")]
                by_loc[loc] = [a + b for a, b in zip(by_loc[loc], m, strict=True)]
        for bucket in (0, 1):  # matters spanning a period: asked apart, only when there are any
            if totals[f"s{bucket}"]:
                for loc, spanning in self._spanning_matters(bucket).items():
                    by_loc[loc][bucket] += spanning
        figures["by_locality"] = [
            {"loc": loc} | dict(zip(("m0", "m1", "f0", "f1"), m, strict=True))
            for loc, m in by_loc.items()
        ]
        figures["clocks"] = {
            name: {"den": totals[f"{n}_den"], "num": totals[f"{n}_num"]}
            for name, n in names.items()
        }
        figures["siblings"] = {
            sib: {
                name: {"den": cell[f"{n}_den"], "num": cell[f"{n}_num"]}
                for name, n in names.items()
            }
            for sib, cell in figures["siblings"].items()
        }
        figures["replies"] = {
            "replied": totals["rep"],
            "evaluated": totals["evl"],
            "satisfied": totals["sat"],
        }
        figures["package"] = {"den": totals["pkg"], "num": totals["pkg_res"]}
        figures["b2"] = {k: totals[k] for k in b2}
        self._scan = figures
        return figures

    def _shifts(self, b_lo: date, b_hi: date) -> list[int]:
        """Days from each base day of [b_lo, b_hi] to its deadline, the next working day."""
        days = (b_hi - b_lo).days + 1
        return [
            (self.calendar.next_working_day(b_lo + timedelta(days=i)) - b_lo).days - i
            for i in range(max(days, 0))
        ]

"""Matters (件) and first-time matters per locality; PostgreSQL's one scan of the matters."""

from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from xinfang.analytics.counting.clocks import ClockCounts
from xinfang.analytics.counting.families import (
    Family,
    OwnerDigit,
    ScanKey,
    clock_family,
    deadlines_of,
)
from xinfang.analytics.periods import Period
from xinfang.intake.choices import Evaluation, SupervisionLevel
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

    @staticmethod
    def _period_parts(p: Period) -> tuple[Q, Q, Q]:
        """The matter's first registration in p; its last in p; the two on either side of p."""
        return (
            Q(first_received_on__range=(p.start, p.end)),
            Q(last_received_on__range=(p.start, p.end)),
            Q(first_received_on__lt=p.start, last_received_on__gt=p.end),
        )

    def _matter_flags(self) -> dict[str, Q]:
        """m0/m1: the matter has a registration in P / the previous period; f0/f1: its first.

        A matter has a registration in P when its first or its last registration (first_ and
        last_received_on, kept by the importer and the registration services) falls in P, or,
        when they lie on either side of P, when one in between does (asked only of those;
        PostgreSQL's scan counts those matters apart and `_spanning_matters` asks them: a
        subquery in the scan would keep it from running in parallel).
        """
        flags: dict[str, Q] = {}
        for bucket, p in ((0, self.period), (1, self.previous)):
            first_in, last_in, spans = self._period_parts(p)
            flags[f"m{bucket}"] = first_in | last_in | (spans & self._registered_in(p))
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

    def b2_scan_families(self) -> list[Family]:
        """B2's figures the scan also counts, as families (`rates.RateCounts`)."""
        return []

    def _scan_families(self) -> list[Family]:
        """Every figure of the scan as families of mutually exclusive conditions: the three
        clocks' states, replies, packages, 督办 by level, matters per period and B2's."""
        p = self.period
        base_range = self.base_range()
        deadlines = deadlines_of(base_range, self.calendar)
        families = [
            clock_family(name, base, which, action, base_range[0], deadlines, p)
            for name, (base, which, action) in zip(
                ("a", "h", "s"), self._bases().values(), strict=True
            )
        ]
        evaluated = ~Q(evaluation="") & (Q(evaluated_on__isnull=True) | Q(evaluated_on__lte=p.end))
        resolved = Q(resolved_on__isnull=False) & Q(resolved_on__lte=p.end)
        families += [
            Family.chain(
                ("rep", Q(replied_on__range=(p.start, p.end))),
                ("evl", evaluated),
                ("sat", Q(evaluation__in=SATISFIED)),
            ),
            Family.chain(
                ("pkg", Q(package_started_on__range=(p.start, p.end))), ("pkg_res", resolved)
            ),
            Family.guarded_pair(
                (("sup",), self.supervised_in_p()),
                [((f"lvl:{code}",), Q(supervision_level=code)) for code in SupervisionLevel],
                ("lvl:",),  # a level outside the vocabulary: in the totals, in no row
                ("res", resolved),
            ),
        ]
        for bucket, period in ((0, self.period), (1, self.previous)):
            first_in, last_in, spans = self._period_parts(period)
            families.append(
                Family.choice(
                    [
                        ((f"m{bucket}", f"f{bucket}"), first_in),
                        ((f"m{bucket}",), last_in),
                        ((f"s{bucket}",), spans),
                    ]
                )
            )
        return families + self.b2_scan_families()

    def _owners(self) -> tuple[list[int | None], list[int]]:
        """A node with siblings: the units whose matters the scan tells apart (index 0: none of
        them) and, per unit id (from 1), the index of the unit its matters belong to."""
        scope = self.scope
        owners: list[int | None] = [None]
        index: dict[int | None, int] = {None: 0}
        ids = [0] * max(scope.paths, default=0)
        for pk in scope.paths:
            owner = scope.ancestor_at(pk, self.node.depth)
            if owner not in index:
                index[owner] = len(owners)
                owners.append(owner)
            ids[pk - 1] = index[owner]
        return owners, ids

    def _matter_scan(self) -> dict[str, Any]:
        """PostgreSQL: matters, clocks and rates from ONE scan of the matters, one hash.

        Every figure is a family of mutually exclusive conditions on a matter (`Family`: the
        expressions of `_matter_counts`, `_clock`, `_rate_figures` and B2's `b2_scan_families`),
        each a small number; the scan groups the matters by one integer key, those numbers as
        its digits, and counts them — each condition asked once a matter, one column to hash.
        Counting each figure in a FILTER of its own asked every condition again for each figure
        that used it (an aggregate step per figure and matter), and grouping by several columns
        (locality, 督办 level, each clock's state) hashed each: 1.4-1.6 times slower at 1M.
        A node with siblings reads its parent's matters, the key's last digit telling whose they
        are (the siblings' clocks: the rule-of-law rank, without another pass). The result is
        theirs (once per report, cached).
        """
        if self._scan is not None:
            return self._scan
        scope = self.scope
        whole = bool(scope.siblings)
        families = self._scan_families()
        owners, owner_ids = self._owners() if whole else ([self.node.pk], [])
        digits: list[Any] = []
        mult = 1
        for family in families:
            family.mult = mult
            digits.append(family.expression(mult))
            mult *= family.size
        if whole:
            digits.append(OwnerDigit(owner_ids, mult))
        grouped = (
            Matter.objects.filter(scope.locality_q("locality", whole=whole))
            .annotate(scan_key=ScanKey(*digits))
            .values("scan_key")
            .annotate(n=Count("*"))
            .order_by()
        )
        inner, params = grouped.query.sql_with_params()
        # The keys (a few thousand) split into their digits in the same query: the matters per
        # owner, family and number. 一次性化解's family (`on_time_only`) counts among the
        # handling clock's compliant items only (families[1], number 3), so it is 0 elsewhere.
        on_time = f"k.scan_key / {families[1].mult} %% {families[1].size} = 3"
        split = []
        for i, family in enumerate(families):
            digit = f"k.scan_key / {family.mult} %% {family.size}"
            if family.on_time_only:
                digit = f"CASE WHEN {on_time} THEN {digit} ELSE 0 END"
            split.append(f"({i}, {digit})")
        sql = (
            f"SELECT k.scan_key / {mult}, d.family, d.number, SUM(k.n) FROM ({inner}) k "
            f"CROSS JOIN LATERAL (VALUES {', '.join(split)}) d (family, number) GROUP BY 1, 2, 3"
        )
        counts: dict[int | None, dict[str, int]] = {o: defaultdict(int) for o in owners}
        seen: set[int | None] = set()  # the owners with matters (a sibling without: no clocks)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for owner_index, i, number, n in cursor.fetchall():
                owner = owners[owner_index] if whole else self.node.pk
                seen.add(owner)
                for label in families[i].labels[number]:
                    counts[owner][label] += int(n)  # a SUM of bigints: a numeric
        mine = counts.get(self.node.pk, defaultdict(int))
        figures: dict[str, Any] = {"by_level": {}, "by_locality": [], "siblings": {}}
        names = {"acceptance": "a", "handling": "h", "supervision": "s"}

        def clocks(counted: dict[str, int]) -> dict[str, dict[str, int]]:
            return {
                name: {"den": counted[f"{n}_den"], "num": counted[f"{n}_num"]}
                for name, n in names.items()
            }

        if whole:
            figures["siblings"] = {o: clocks(c) for o, c in counts.items() if o in seen - {None}}
        for code in [*SupervisionLevel.values, ""]:
            if mine[f"lvl:{code}"]:
                figures["by_level"][code or None] = {
                    "den": mine[f"lvl:{code}"],
                    "num": mine[f"lvl:{code}:res"],
                }
        by_loc: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        if self.node.pk in seen:
            by_loc[self.node.pk] = [mine[k] for k in ("m0", "m1", "f0", "f1")]
        for bucket in (0, 1):  # matters spanning a period: asked apart, only when there are any
            if mine[f"s{bucket}"]:
                for loc, spanning in self._spanning_matters(bucket).items():
                    by_loc[loc][bucket] += spanning
        figures["by_locality"] = [
            {"loc": loc} | dict(zip(("m0", "m1", "f0", "f1"), m, strict=True))
            for loc, m in by_loc.items()
        ]
        figures["clocks"] = clocks(mine)
        figures["replies"] = {
            "replied": mine["rep"],
            "evaluated": mine["evl"],
            "satisfied": mine["sat"],
        }
        figures["package"] = {"den": mine["pkg"], "num": mine["pkg_res"]}
        figures["b2"] = {
            label[3:]: mine[label]
            for family in families
            for labels in family.labels
            for label in labels
            if label.startswith("b2_")
        }
        self._scan = figures
        return figures

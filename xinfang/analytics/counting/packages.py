"""Leader packages (领导包案) per 包案领导 and per 责任单位: in hand, due, on time, 回流, 未报进展.

Over the packages that belong to the node (leaderwork.owned_packages) and were in hand
in P (begun by its end, not resolved before it began, or reopened by a 回流 in it). The 季考评
(xinfang.analytics.assessment) scores and ranks them.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import Period
from xinfang.organisation.models import OrgUnit


def package_figures(node: OrgUnit, period: Period) -> dict[str, dict[Any, dict[str, int]]]:
    """{"leader": {leader id: cell}, "unit": {责任单位 id or None: cell}}; a cell has packages,
    due, on_time, reflows and missing_notes."""
    from xinfang.analytics.counting.leaderwork import owned_packages, resolved_at_q
    from xinfang.leaders.choices import PackageStatus
    from xinfang.leaders.models import PackageReflow
    from xinfang.leaders.services import months_missing

    p = period
    before = date.fromordinal(p.start.toordinal() - 1)
    scoped = owned_packages(Scope.of(node))
    reflowed = PackageReflow.objects.filter(on__range=(p.start, p.end))
    # in hand: not resolved when Q began, or reopened by a 回流 in Q
    in_hand = scoped.filter(
        Q(started_on__lte=p.end)
        & (~resolved_at_q(before) | Q(pk__in=reflowed.values("package_id")))
    )
    # resolved by its deadline, as the history has it (a later 回流 keeps the resolution)
    kept = PackageReflow.objects.filter(
        package_id=OuterRef("pk"), resolved_before__lte=OuterRef("deadline")
    )
    by_deadline = Q(status=PackageStatus.RESOLVED, resolved_on__lte=F("deadline")) | Q(Exists(kept))
    due = Q(deadline__range=(p.start, p.end))
    counts = {
        "packages": Count("id"),
        "due": Count("id", filter=due),
        "on_time": Count("id", filter=due & by_deadline),
    }
    figures: dict[str, dict[Any, dict[str, int]]] = {"leader": {}, "unit": {}}
    blank = {"packages": 0, "due": 0, "on_time": 0, "reflows": 0, "missing_notes": 0}

    def cell(kind: str, key: Any) -> dict[str, int]:
        return figures[kind].setdefault(key, dict(blank))

    fields = (("leader", "leader_id"), ("unit", "responsible_unit_id"))
    for kind, field in fields:
        for g in in_hand.values(key=F(field)).annotate(**counts).order_by():
            c = cell(kind, g["key"])
            for k in counts:
                c[k] += g[k]
    for kind, field in fields:
        for g in (
            reflowed.filter(package__in=scoped)
            .values(key=F(f"package__{field}"))
            .annotate(n=Count("id"))
            .order_by()
        ):
            cell(kind, g["key"])["reflows"] += g["n"]
    as_of = min(date.fromordinal(p.end.toordinal() + 1), timezone.localdate())
    for package in in_hand:
        n = sum(1 for m in months_missing(package, as_of) if p.start <= m <= p.end)
        if n:
            cell("leader", package.leader_id)["missing_notes"] += n
            cell("unit", package.responsible_unit_id)["missing_notes"] += n
    return figures

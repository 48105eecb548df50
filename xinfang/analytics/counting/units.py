"""Handling units' figures (承办单位): 按期办结, 满意, 督办, 退回, 抽查扣分, 补录 per unit
(季考评, 简报).

Each is counted in the database, grouped by the unit; the unit of a matter is the one that had it
at the end of the period (scope.unit_at_end); deadlines follow the report's clock rule
(clocks.grouped_clock). xinfang.analytics.assessment scores and ranks these figures.
"""

from typing import Any

from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from xinfang.analytics.counting.clocks import AddDays, grouped_clock
from xinfang.analytics.counting.entries import late_entries_by_unit
from xinfang.analytics.counting.matters import SATISFIED
from xinfang.analytics.counting.report import ReportBuilder
from xinfang.analytics.counting.scope import unit_at_end
from xinfang.analytics.counting.settings import domain_limit
from xinfang.analytics.models import SpotCheckDeduction
from xinfang.analytics.periods import Period
from xinfang.intake.choices import HandlingMethod
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.models import Assignment, SupervisionNotice
from xinfang.workflow.supervision_rules import SupervisionOutcome

UNIT_HANDLED = (HandlingMethod.ASSIGN, HandlingMethod.FORWARD)
SETTLED = (SupervisionOutcome.RESOLVED, SupervisionOutcome.CONCLUDED)


class UnitFigures:
    """The figures of every handling unit in the node's subtree (the node included) over P."""

    def __init__(self, node: OrgUnit, period: Period) -> None:
        self.node, self.period = node, period
        # the report's own deadline rule: base dates whose working-day deadline falls in Q
        self.builder = ReportBuilder(node, self.period)
        self.calendar = self.builder.calendar
        self.whole_tree = (
            node.parent_id is None and OrgUnit.objects.filter(parent__isnull=True).count() == 1
        )
        # the subtree's ids once (a few thousand units at most), not a LIKE subquery per query
        self.unit_ids = list(
            OrgUnit.objects.filter(path__startswith=node.path).values_list("id", flat=True)
        )

    def _in_subtree(self, field: str) -> Q:
        if self.whole_tree:
            return Q(**{f"{field}__isnull": False})  # the whole tree: no list to match
        return Q(**{f"{field}__in": self.unit_ids})

    def _clock_by_unit(
        self, qs: QuerySet[Any], unit: str, base: Any, action: str, met: Q
    ) -> dict[int, dict[str, int]]:
        """counting's grouped clock by `unit`: items whose deadline falls in Q; met by it."""
        return grouped_clock(
            qs,
            base=base,
            action=action,
            period=self.period,
            calendar=self.calendar,
            by=unit,
            met=met,
        )

    def _unit_matters(self) -> QuerySet[Matter]:
        """Matters 交办 or 转送 to a unit of the subtree, by the unit that had them at the end
        of Q (`unit_at_end`): a matter routed elsewhere after Q stays where it was; one returned
        by then and not yet reassigned is no unit's."""
        end = self.period.end
        return (
            Matter.objects.filter(
                Q(decided_on__isnull=True) | Q(decided_on__lte=end),
                handling_method__in=UNIT_HANDLED,
            )
            .annotate(unit_then=unit_at_end(end))
            .filter(self._in_subtree("unit_then"))
        )

    def on_time(self) -> dict[int, dict[str, int]]:
        base = Coalesce(
            "extended_to",
            "handling_deadline",
            AddDays(F("decided_on"), domain_limit("HANDLE_DAYS")),
            output_field=DateField(),
        )
        return self._clock_by_unit(self._unit_matters(), "unit_then", base, "replied_on", Q())

    def satisfaction(self) -> dict[int, dict[str, int]]:
        p = self.period
        evaluated = ~Q(evaluation="") & (Q(evaluated_on__isnull=True) | Q(evaluated_on__lte=p.end))
        groups = (
            self._unit_matters()
            .filter(replied_on__range=(p.start, p.end))
            .values(uid=F("unit_then"))
            .annotate(
                den=Count("id", filter=evaluated),
                num=Count("id", filter=evaluated & Q(evaluation__in=SATISFIED)),
            )
            .order_by()
        )
        return {g["uid"]: {"num": g["num"], "den": g["den"]} for g in groups if g["den"]}

    def supervision(self) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
        """(met/due per unit, outcomes of the due notices per unit)."""
        end = self.period.end
        notices = SupervisionNotice.objects.filter(self._in_subtree("unit_id"), raised_on__lte=end)
        closed = Q(closed_on__isnull=False) & Q(closed_on__lte=end)
        met = self._clock_by_unit(
            notices, "unit_id", F("due"), "closed_on", closed & Q(outcome__in=SETTLED)
        )
        b_lo, b_hi, _ = self.builder.base_range()
        outcomes: dict[int, dict[str, int]] = {}
        for g in (
            notices.filter(due__range=(b_lo, b_hi))
            .values(uid=F("unit_id"))
            .annotate(
                resolved=Count("id", filter=closed & Q(outcome=SupervisionOutcome.RESOLVED)),
                concluded=Count("id", filter=closed & Q(outcome=SupervisionOutcome.CONCLUDED)),
                unresolved=Count("id", filter=closed & Q(outcome=SupervisionOutcome.UNRESOLVED)),
                open=Count("id", filter=~closed),
            )
            .order_by()
        ):
            outcomes[g.pop("uid")] = g
        return met, outcomes

    def returns(self) -> dict[int, dict[str, int]]:
        p = self.period
        later = Assignment.objects.filter(
            matter_id=OuterRef("matter_id"), pk__gt=OuterRef("pk"), assigned_on__lte=p.end
        )
        groups = (
            Assignment.objects.filter(
                self._in_subtree("unit_id"), returned_on__range=(p.start, p.end)
            )
            .annotate(
                again=Exists(later.filter(unit_id=OuterRef("unit_id"))),
                elsewhere=Exists(later.exclude(unit_id=OuterRef("unit_id"))),
            )
            .values(uid=F("unit_id"))
            .annotate(
                total=Count("id"),
                faults=Count("id", filter=Q(again=True)),
                justified=Count("id", filter=Q(again=False, elsewhere=True)),
            )
            .order_by()
        )
        out = {}
        for g in groups:
            uid = g.pop("uid")
            g["pending"] = g["total"] - g["faults"] - g["justified"]
            out[uid] = g
        return out

    def spot_checks(self) -> dict[int, dict[str, Any]]:
        p = self.period
        groups = (
            SpotCheckDeduction.objects.filter(
                self._in_subtree("unit_id"), checked_on__range=(p.start, p.end)
            )
            .values(uid=F("unit_id"))
            .annotate(count=Count("id"), points=Sum("points"))
            .order_by()
        )
        return {g["uid"]: {"count": g["count"], "points": g["points"]} for g in groups}

    def late_entries(self) -> dict[int, int]:
        """补录 entered in P by each unit's staff (counting.entries)."""
        return late_entries_by_unit(self.period, self._in_subtree("unit_id"))


def unit_handling_figures(node: OrgUnit, period: Period) -> dict[int, dict[str, Any]]:
    """Per unit id: 按期办结 (num/den) and 退回 (total/faults) over the period."""
    figures = UnitFigures(node, period)
    on_time, returns = figures.on_time(), figures.returns()
    return {
        uid: {
            "on_time": on_time.get(uid, {"num": 0, "den": 0}),
            "returns": returns.get(uid, {"total": 0, "faults": 0}),
        }
        for uid in set(on_time) | set(returns)
        if uid is not None
    }

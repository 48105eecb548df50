"""The state a report's counting parts share: node, periods, calendar, what is read once."""

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import ExpressionWrapper, F, IntegerField, Q, QuerySet, Value

from xinfang.analytics.counting.ranges import Ranges, split_months
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import Comparison, Period, report_periods
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.calendar import WorkCalendar, current_calendar


class CountingBase:
    """ReportBuilder's state; each part of the counting (cubes, clocks, matters, rates,
    breakdowns) is a class over it, and ReportBuilder (report.py) joins them."""

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
        today: date | None = None,
    ) -> None:
        self.node = node
        self.with_leader_work = leader_work
        # the prevention keys (issue 11) go with the leader work ones unless asked apart
        self.with_prevention = leader_work if prevention is None else prevention
        self.comparison = comparison
        # a period reaching `today` is counted to today against the same days (截止目前)
        self.period, self.previous, self.to_date = report_periods(period, comparison, today)
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

    def _matter_scan(self) -> dict[str, Any]:
        """PostgreSQL: matters, clocks and rates from one scan (matters.MatterCounts)."""
        raise NotImplementedError

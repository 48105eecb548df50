"""The report of contract C: ReportBuilder joins the counting parts; build_report runs it."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xinfang.analytics.counting.breakdowns import Breakdowns
from xinfang.analytics.counting.cubes import CLF
from xinfang.analytics.counting.entries import late_entries
from xinfang.analytics.counting.letters import LetterCounts
from xinfang.analytics.counting.rates import RateCounts
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import Comparison, Period, _last_of_month, report_periods
from xinfang.intake.models import Registration
from xinfang.organisation.models import OrgUnit

REPORT_WORK_MEM = "256MB"  # PostgreSQL memory per sort or hash of a report's query


class ReportBuilder(Breakdowns, RateCounts, LetterCounts):
    """One report: totals, breakdowns, rates, 法治化 and the B2 keys of the node over P."""

    def build(self) -> dict[str, Any]:
        clocks = self.clocks()
        totals, breakdowns = self.totals(), self.breakdowns()
        return {
            "period": self.period.as_dict(),
            "previous_period": self.previous.as_dict(),
            "comparison": self.comparison,
            "to_date": self.to_date,
            "org": self.node.code,
            "org_name": self.node.name,
            "totals": totals,
            "breakdowns": breakdowns,
            "rates": self.rates(clocks, totals, breakdowns["channel"]),
            "reviews": self.reviews(),
            "rule_of_law": self.rule_of_law(clocks),
            "letters": self.letters(),
            "late_entries": late_entries(self.scope, self.period),
            **(self.leader_work() if self.with_leader_work else {}),
            **(self.prevention() if self.with_prevention else {}),
        }

    def leader_work(self) -> dict[str, Any]:
        """B2 `receptions` and `packages` (xinfang.analytics.counting.leaderwork)."""
        from xinfang.analytics.counting.leaderwork import LeaderWork  # it builds on this module

        return LeaderWork(self.scope, self.period, self.previous).build()

    def prevention(self) -> dict[str, Any]:
        """B2 `hearings`, `handed_down`, `meetings` and `disputes` (counting.prevention),
        of the node's subtree; 检举控告 left out for a reader who may not see them."""
        from xinfang.analytics.counting import prevention as pv  # it builds on this module

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
    node: OrgUnit,
    year: int,
    last_month: int,
    *,
    hide_accusations: bool = False,
    today: date | None = None,
) -> list[tuple[Period, dict[str, Any]]]:
    """Months 1..last_month of `year`, each with its report's `totals` (同比: the same month a
    year earlier), from two grouped queries in all rather than two scans per month. The month
    holding `today` is counted to today against the same days a year earlier (截止目前), as
    its report would be (periods.report_periods).

    The same figures as `ReportBuilder(node, month).totals()` month by month (a test holds them
    equal): the registrations of both years grouped by (month, locality) — batches, people and,
    for the rank, the siblings' — and the matters by (month of a registration, the matter's
    locality): the distinct matters with a registration in the month, and among them those whose
    first registration is in it. Run inside the caller's transaction, one snapshot for all.
    """
    if last_month < 1:
        return []
    scope = Scope.of(node, hide_accusations=hide_accusations)
    months = [
        report_periods(Period(date(year, m, 1), _last_of_month(year, m)), "yoy", today)[:2]
        for m in range(1, last_month + 1)
    ]
    last, before = months[-1]
    spans = [(date(year - 1, 1, 1), before.end), (date(year, 1, 1), last.end)]
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
    for period, _ in months:
        builder = ReportBuilder(node, period, "yoy", scope=scope)
        m = period.start.month
        builder._cache[CLF] = reg_groups[(m, 0)] + reg_groups[(m, 1)]
        builder._matter_groups = matter_groups[m]
        out.append((period, builder.totals()))
    return out


def build_report(
    *,
    org: OrgUnit,
    period: Period,
    comparison: Comparison = "yoy",
    hide_accusations: bool = False,
    use_summary: bool = True,
    leader_work: bool = True,
    prevention: bool | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The report of contract C for `org` and everything below it over `period`.

    A period reaching `today` (default: today's date) is counted to today and compared
    with the same days of its compared period — a month or year to date, "截止目前"
    (periods.report_periods); the JSON says so in `to_date`.

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
            today=today or timezone.localdate(),
        ).build()

"""超期未办结事项: the clock scan's overdue alerts still open on a day, each checked against the
matter's clocks (workflow.clocks) — the 简报's list and its count (xinfang.analytics.briefing).

An alert counts when its deadline is before `as_of` and its clock was not done by it, so the same
list asked later of the same day is the same.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from xinfang.intake.models import Matter
from xinfang.notifications.models import AlertStage, ClockAlert
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.clocks import ClockStatus, load_facts_for, matter_clocks
from xinfang.workflow.states import ClockKind

# the clocks that are someone's duty; the petitioner's own windows (申请复查/复核) and 退回 are not
DUTY_CLOCKS = (
    ClockKind.ROUTE,
    ClockKind.ACCEPT,
    ClockKind.HANDLE,
    ClockKind.REVIEW,
    ClockKind.REREVIEW,
    ClockKind.SUPERVISION,
    ClockKind.RECEPTION_ROUTE,  # what a leader's session left to route, the bureau's
    ClockKind.PACKAGE,  # a leader package's 办结时限, its 责任单位's
)
OVERDUE_STATES = (ClockStatus.RUNNING, ClockStatus.WARNING, ClockStatus.OVERDUE)
# whose clock it is when no handling unit's: the bureau routes, the review organs decide
BUREAU = {
    ClockKind.ROUTE: "信访部门",
    ClockKind.RECEPTION_ROUTE: "信访部门",
    ClockKind.REVIEW: "复查机关",
    ClockKind.REREVIEW: "复核机关",
}
UNIT_CLOCKS = (ClockKind.ACCEPT, ClockKind.HANDLE, ClockKind.SUPERVISION)


def leaf(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _node_q(node: OrgUnit) -> Q:
    """The matters that belong to the node as the report counts them (empty 属地: the root's)."""
    q = Q(locality__path__startswith=node.path)
    if node.parent_id is None:
        q |= Q(locality__isnull=True)
    return q


@dataclass
class OverdueItem:
    matter_id: int
    number: str
    category: str
    locality: str
    unit_id: int | None
    unit: str
    clock: str
    clock_label: str
    deadline: str
    days_over: int
    supervised: str  # "" when no 督办单 was open on the day


def overdue_items(*, node: OrgUnit, as_of: date, matters: QuerySet[Matter]) -> list[OverdueItem]:
    """The overdue alerts of `matters` under `node` whose clock was still undone on `as_of`."""
    alerts = (
        ClockAlert.objects.filter(
            stage=AlertStage.OVERDUE,
            clock__in=DUTY_CLOCKS,
            deadline__lt=as_of,
            matter__in=matters.filter(_node_q(node)).values("pk"),
        )
        .select_related("unit")
        .order_by("matter_id", "deadline", "clock")
    )
    by_matter: dict[int, list[ClockAlert]] = defaultdict(list)
    for alert in alerts:
        by_matter[alert.matter_id].append(alert)
    found: list[OverdueItem] = []
    loaded = Matter.objects.filter(pk__in=by_matter).select_related(
        "category", "locality", "responsible_unit"
    )
    all_facts = load_facts_for(by_matter)
    for matter in loaded:
        facts = all_facts[matter.pk]
        clocks = matter_clocks(matter, as_of, facts)
        open_notices = [
            n
            for n in facts.notices
            if n.raised_on <= as_of and (n.closed_on is None or n.closed_on > as_of)
        ]
        supervised = "；".join(
            f"{n.get_level_display()}级督办（{n.raised_on:%Y-%m-%d}）" for n in open_notices
        )
        seen: set[tuple[str, date]] = set()
        for alert in by_matter[matter.pk]:
            key = (alert.clock, alert.deadline)
            if key in seen:
                continue
            seen.add(key)
            clock = next(
                (c for c in clocks if c.kind == alert.clock and c.deadline == alert.deadline),
                None,
            )  # none: the deadline has moved since (an approved extension)
            if clock is None:
                continue
            undone = clock.done_on is None or clock.done_on > as_of
            if not undone or (clock.done_on is None and clock.state not in OVERDUE_STATES):
                continue
            unit = alert.unit
            if unit is None and alert.clock in UNIT_CLOCKS:
                unit = matter.responsible_unit
            found.append(
                OverdueItem(
                    matter_id=matter.pk,
                    number=matter.number,
                    category=leaf(matter.category.path) if matter.category else "未分类",
                    locality=matter.locality.name if matter.locality else "未填写",
                    unit_id=unit.pk if unit else None,
                    unit=unit.name if unit else BUREAU.get(ClockKind(alert.clock), "信访部门"),
                    clock=str(alert.clock),
                    clock_label=str(ClockKind(alert.clock).label),
                    deadline=alert.deadline.isoformat(),
                    days_over=(as_of - alert.deadline).days,
                    supervised=supervised,
                )
            )
    found.sort(key=lambda i: (-i.days_over, i.number, i.clock))
    return found

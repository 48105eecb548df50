"""Reading casework for the pages: the rows of a meeting's decisions with each matter's state and
clock, a body's figures by topic group, a batch's items with what may be done to them next.

Every read starts from core.permissions' scopes; counting is counting.prevention's (the report's
rules), only over the items the reader may see.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet

from xinfang.accounts.models import User
from xinfang.analytics.counting.prevention import (
    casework_batch_row,
    casework_by_group,
    casework_item_done,
)
from xinfang.casework.choices import Verification
from xinfang.casework.models import (
    BatchItem,
    BatchReflow,
    Decision,
    DecisionItem,
    HandedDownBatch,
    JointBody,
    Meeting,
)
from xinfang.casework.services import ASSIGNABLE
from xinfang.core.permissions import (
    Action,
    is_handling_unit,
    may,
    may_take,
    visible_batch_items,
    visible_decision_items,
    visible_matters,
)
from xinfang.intake.models import Matter
from xinfang.intake.reflow import registered_after_resolution
from xinfang.workflow.clocks import Clock, matter_clocks
from xinfang.workflow.states import ClockKind
from xinfang.workflow.supervision_rules import Act

LOOKUP_LIMIT = 10


def may_plan(user: User) -> bool:
    return may(user, Action.PLAN_CASEWORK)


def may_resolve(user: User) -> bool:
    """化解 is the workflow's step (matter_resolve): its one table says who records it."""
    return may(user, Action.VIEW_CASEWORK) and may_take(user, Act.RESOLVE)


# --- meetings and their decisions --------------------------------------------------------------


@dataclass
class ItemRow:
    """A matter a decision assigned: the 交办, the matter now, its 办理期限 clock."""

    item: DecisionItem
    matter: Matter
    done: bool
    overdue: bool  # past the decision's 办结时限 and not done
    clock: Clock | None


@dataclass
class DecisionRow:
    decision: Decision
    items: list[ItemRow] = field(default_factory=list)


def _handle_clock(item: DecisionItem, today: date) -> Clock | None:
    """The 办理期限 clock of this item's own 交办 (the workflow's clocks, one module)."""
    for clock in matter_clocks(item.matter, today):
        if (
            clock.kind == ClockKind.HANDLE
            and clock.start == item.assignment.assigned_on
            and clock.unit == item.unit.name
        ):
            return clock
    return None


def decision_rows(user: User, meeting: Meeting, today: date) -> list[DecisionRow]:
    """The meeting's decisions with the items the reader may see; a decision with none of them
    is left out for a handling unit (its text is about others' matters)."""
    items = (
        visible_decision_items(user)
        .filter(decision__meeting=meeting)
        .select_related("matter", "matter__locality", "unit", "assignment")
        .order_by("decision_id", "id")
    )
    done_ids = set(items.filter(casework_item_done(today)).values_list("pk", flat=True))
    by_decision: dict[int, list[ItemRow]] = {}
    for item in items:
        done = item.pk in done_ids
        by_decision.setdefault(item.decision_id, []).append(
            ItemRow(
                item=item,
                matter=item.matter,
                done=done,
                overdue=not done and item.deadline < today,
                clock=_handle_clock(item, today),
            )
        )
    decisions = meeting.decisions.select_related("group").order_by("id")
    whole = not is_handling_unit(user)
    return [
        DecisionRow(decision=d, items=by_decision.get(d.pk, []))
        for d in decisions
        if whole or d.pk in by_decision
    ]


def meeting_rows(meetings: QuerySet[Meeting], user: User) -> list[Meeting]:
    """Meetings with how many matters their decisions assigned (of those the reader sees)."""
    rows = list(meetings.select_related("body").order_by("-held_on", "-id"))
    counts: dict[int, int] = {}
    seen = visible_decision_items(user).filter(decision__meeting__in=[m.pk for m in rows])
    for meeting_id in seen.values_list("decision__meeting_id", flat=True):
        counts[meeting_id] = counts.get(meeting_id, 0) + 1
    for m in rows:
        m.assigned = counts.get(m.pk, 0)  # type: ignore[attr-defined]
    return rows


def body_figures(user: User, body: JointBody, today: date) -> dict[str, Any]:
    """市联席会议各成员小组共向我区交办N个案件，其中：…组有N个案件，已全部办结 — over the items of
    this body's decisions the reader may see, done by today (the report's rule)."""
    items = visible_decision_items(user).filter(decision__meeting__body=body)
    by_group = casework_by_group(items, today)
    counted = {row["group"]: row for row in by_group}
    groups = [
        {
            "group": g,
            "members": [u.name for u in g.members.all()],
            "assigned": counted.get(g.name, {}).get("assigned", 0),
            "done": counted.get(g.name, {}).get("done", 0),
        }
        for g in body.groups.prefetch_related("members").order_by("name", "id")
    ]
    return {
        "assigned": items.count(),
        "done": items.filter(casework_item_done(today)).count(),
        "by_group": by_group,
        "groups": groups,
    }


def lookup_matters(user: User, q: str, *, assignable: bool) -> list[Matter]:
    """Search-as-you-type on the matter number: matters the reader sees (those a meeting may
    assign, for a decision's rows)."""
    q = q.strip()
    if len(q) < 2:
        return []
    found = visible_matters(user).filter(number__icontains=q)
    if assignable:
        found = found.filter(status__in=ASSIGNABLE)
    return list(found.select_related("locality").order_by("-id")[:LOOKUP_LIMIT])


# --- batches handed down -----------------------------------------------------------------------


@dataclass
class BatchRow:
    item: BatchItem
    matter: Matter
    reflows: list[BatchReflow]
    came_back: bool  # a 回流 after its 化解: to be 化解 again
    may_resolve: bool
    may_verify: bool


def batch_items(user: User, batch: HandedDownBatch) -> QuerySet[BatchItem]:
    return visible_batch_items(user).filter(batch=batch)


def batch_rows(user: User, batch: HandedDownBatch) -> list[BatchRow]:
    resolver, planner = may_resolve(user), may_plan(user)
    items = (
        batch_items(user, batch)
        .select_related("matter", "matter__responsible_unit", "matter__locality", "verified_by")
        .prefetch_related(
            Prefetch(
                "reflows",
                queryset=BatchReflow.objects.select_related("registration").order_by("on", "id"),
            )
        )
        .order_by("id")
    )
    rows = []
    for item in items:
        reflows = list(item.reflows.all())
        came_back = item.resolved_on is not None and any(
            registered_after_resolution(r.on, item.resolved_on) for r in reflows
        )
        rows.append(
            BatchRow(
                item=item,
                matter=item.matter,
                reflows=reflows,
                came_back=came_back,
                may_resolve=resolver and (item.resolved_on is None or came_back),
                may_verify=planner
                and item.resolved_on is not None
                and item.verification != Verification.PASSED,
            )
        )
    return rows


def batch_figures(user: User, batch: HandedDownBatch, today: date) -> dict[str, Any]:
    """The batch's figures over the items the reader sees (the report's `handed_down` row)."""
    return casework_batch_row(batch, batch_items(user, batch), today)


def batch_list(batches: QuerySet[HandedDownBatch], user: User, today: date) -> list[Any]:
    rows = list(batches.select_related("unit").order_by("-handed_on", "-id"))
    for b in rows:
        b.figures = batch_figures(user, b, today)  # type: ignore[attr-defined]
    return rows


def matter_casework(user: User, matter: Matter) -> dict[str, Any]:
    """The matter page's casework lines: the meetings' 交办 and the batches holding it. The page's
    reader sees the matter already, so these are not asked again (one query; a handling unit
    only the 交办 to it); the batches only for a 积案 matter (a batch flags its matters 积案, so no
    other matter is in one) — the 积案 fact is already loaded by the page's summary."""
    decisions = DecisionItem.objects.filter(matter=matter)
    if is_handling_unit(user):
        unit = user.org_unit
        if unit is None:
            return {"decisions": [], "batches": []}
        decisions = decisions.filter(unit__path__startswith=unit.path)
    batches: list[BatchItem] = []
    if getattr(matter, "long_standing", None) is not None:
        batches = list(BatchItem.objects.filter(matter=matter).select_related("batch"))
    return {
        "decisions": list(
            decisions.select_related("decision__meeting__body", "decision__group", "unit").order_by(
                "id"
            )
        ),
        "batches": batches,
    }

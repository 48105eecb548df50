"""Prevention figures of the report (B2 of leader-and-prevention.md): `hearings`, `meetings`,
`handed_down` and `disputes`, each in its own clearly named functions (their sentences:
xinfang.analytics.preventiontext).

What they cost: with no hearing, meeting, batch or dispute at all the four keys are a handful of
small queries on their own tables (hearings by their (status, ends_on) index, meetings by their
date, batches by their unit), never a pass over the matters; the matters are read only for the
hearings' share, and only for a stage that has hearings to share.

`hearings` (听证) — decisions B2 leaves open, written down here:

- A hearing belongs to the report's node when its matter does (问题属地 in the node's subtree,
  as contract B places matters). A reader who may not see 检举控告 gets hearings on accusation
  matters left out, as the dashboard's other figures.
- Held in P: a hearing that was held (听证 concluded, status 已举行) with its last day (ends_on)
  in P — a hearing still running at the end of P is not yet held, and nothing dated after the
  end of P counts. By stage: 办理, 复查, 复核 (the matter's state when it was held).
- Share by stage: of the matters whose decision of that stage falls in P (办理: 答复日期
  replied_on; 复查: review_replied_on; 复核: rereview_replied_on), those with a hearing of that
  stage held by the end of P — num / den, one decimal (figures.pct).
- The share is asked only of a stage that has hearings to share: one held in P, or one held
  earlier on a matter decided in P. A stage with neither has `decided` and `share` None (the
  text and the tables say 无), and its matters are not counted: a share of nothing is not 0.0%.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from xinfang.analytics.counting import Scope
from xinfang.analytics.figures import pct
from xinfang.hearings.choices import HearingStage, HearingStatus
from xinfang.hearings.models import Hearing
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit

# the date each stage's decision is recorded on
HEARING_DECISION_FIELD: dict[str, str] = {
    HearingStage.HANDLING: "replied_on",
    HearingStage.REVIEW: "review_replied_on",
    HearingStage.REREVIEW: "rereview_replied_on",
}


def _hearings_in_scope(scope: Scope) -> QuerySet[Hearing]:
    return Hearing.objects.filter(
        scope.locality_q("matter__locality", whole=False, purpose="matter__purpose"),
        status=HearingStatus.HELD,
    )


def hearing_rows(
    scope: Scope, start: date, end: date, stage: str | None = None
) -> QuerySet[Hearing]:
    """The hearings `hearing_figures` counts as held in [start, end] (of one stage, or all)."""
    rows = _hearings_in_scope(scope).filter(ends_on__gte=start, ends_on__lte=end)
    return rows.filter(stage=stage) if stage else rows


def _decided_q(stage: str, start: date, end: date, prefix: str = "") -> Q:
    field = HEARING_DECISION_FIELD[stage]
    return Q(**{f"{prefix}{field}__gte": start, f"{prefix}{field}__lte": end})


def hearing_decided_matters(scope: Scope, start: date, end: date, stage: str) -> QuerySet[Matter]:
    """The share's denominator: the node's matters whose `stage` decision is dated in P."""
    return Matter.objects.filter(
        scope.locality_q("locality", whole=False), _decided_q(stage, start, end)
    )


def hearing_heard_matters(scope: Scope, start: date, end: date, stage: str) -> QuerySet[Matter]:
    """The share's numerator: of those, the matters with a `stage` hearing held by end of P."""
    heard = Hearing.objects.filter(
        matter_id=OuterRef("pk"), stage=stage, status=HearingStatus.HELD, ends_on__lte=end
    )
    return hearing_decided_matters(scope, start, end, stage).filter(Exists(heard))


def hearing_figures(scope: Scope, start: date, end: date) -> dict[str, Any]:
    """B2 `hearings`: {"held": n, "by_stage": {stage: {"held", "decided", "with_hearing",
    "share": {"num", "den", "pct"} or None}}} — `decided` and `share` None for a stage with
    no hearing to share (module docstring)."""
    # one pass over the hearings held by the end of P: held in P, and heard matters decided in P
    heard_q = Q()
    for stage in HearingStage.values:
        heard_q |= Q(stage=stage) & _decided_q(stage, start, end, "matter__")
    found = {
        g["stage"]: g
        for g in _hearings_in_scope(scope)
        .filter(ends_on__lte=end)
        .values("stage")
        .annotate(
            held=Count("id", filter=Q(ends_on__gte=start)),
            heard=Count("matter_id", distinct=True, filter=heard_q),
        )
        .order_by()
    }
    asked = [s for s in HearingStage.values if found.get(s, {}).get("held") or _heard(found, s)]
    decided: dict[str, int] = {}
    if asked:  # one pass over the node's matters for every stage that has hearings to share
        decided = Matter.objects.filter(scope.locality_q("locality", whole=False)).aggregate(
            **{s: Count("id", filter=_decided_q(s, start, end)) for s in asked}
        )
    by_stage: dict[str, Any] = {}
    for stage in HearingStage.values:
        held, num = found.get(stage, {}).get("held", 0), _heard(found, stage)
        den = decided.get(stage)
        by_stage[stage] = {
            "held": held,
            "decided": den,
            "with_hearing": num,
            "share": None if den is None else {"num": num, "den": den, "pct": pct(num, den)},
        }
    return {"held": sum(s["held"] for s in by_stage.values()), "by_stage": by_stage}


def _heard(found: dict[str, Any], stage: str) -> int:
    return int(found.get(stage, {}).get("heard", 0))


# --- `meetings` (联席会议/会办会) and `handed_down` (交办积案): xinfang.casework ------------------
#
# - A meeting belongs to the node when its body's lead unit lies in the node's subtree; held in P
#   by its date (会办会29场次).
# - Matters assigned in P: decision items whose 交办 (the workflow's Assignment) is dated in P and
#   whose unit or matter (问题属地) lies in the node's subtree — "市联席会议…共向我区交办25个案件"
#   counts a city body's decisions for the district. Done (办结): the matter was answered
#   (答复日期) or 化解 by the end of P. By topic group where the decision names one, and by body
#   with its groups (“市联席会议各成员小组共向我区交办25个案件，其中：农村征用土地问题组有4个案件，
#   已全部办结”): a body's count includes its decisions that name no group.
# - A batch belongs to the node when handed down to a unit in its subtree, and counts once handed
#   down by the end of P (a batch is followed until it is settled, not only in its month): its
#   matters; resolved = items 化解 by the end of P; verified = 通过审核 by the end of P; 回流 =
#   registrations after an item's 化解日期 up to the end of P (the rule of intake.reflow).


def _in_subtree(field: str, unit: OrgUnit) -> Q:
    """Rows whose `field` (a unit) lies in `unit`'s subtree — a subquery, not a query of its own."""
    return Q(**{f"{field}__in": OrgUnit.objects.filter(path__startswith=unit.path).values("id")})


def casework_meetings_held(
    unit: OrgUnit, start: date, end: date, kind: str | None = None
) -> QuerySet[Any]:
    """The meetings `casework_meeting_figures` counts as held in [start, end] (of one kind)."""
    from xinfang.casework.models import Meeting

    rows = Meeting.objects.filter(
        _in_subtree("body__unit_id", unit), held_on__gte=start, held_on__lte=end
    )
    return rows.filter(kind=kind) if kind else rows


def casework_assigned_items(
    unit: OrgUnit, start: date, end: date, *, hide_accusations: bool = False
) -> QuerySet[Any]:
    """The decision items (matters a meeting assigned) counted for the node in [start, end]."""
    from xinfang.casework.models import DecisionItem
    from xinfang.intake.choices import Purpose

    rows = DecisionItem.objects.filter(
        _in_subtree("unit_id", unit) | _in_subtree("matter__locality_id", unit),
        assignment__assigned_on__gte=start,
        assignment__assigned_on__lte=end,
    )
    if hide_accusations:
        rows = rows.exclude(matter__purpose=Purpose.ACCUSATION)
    return rows


def casework_done_q(end: date) -> Q:
    """办结 by the end of P: answered (答复日期) or 化解."""
    return Q(matter__replied_on__lte=end) | Q(matter__resolved_on__lte=end)


def casework_item_done(end: date) -> Q:
    """办结 of a decision item by `end` (the casework pages' name for casework_done_q)."""
    return casework_done_q(end)


def casework_by_group(items: QuerySet[Any], end: date) -> list[dict[str, Any]]:
    """Decision items by topic group: [{"group", "assigned", "done"}] — done by the end of P.
    The report's `meetings.by_group` and a joint body's page (its visible items) alike."""
    rows = (
        items.filter(decision__group__isnull=False)
        .values(group=F("decision__group__name"))
        .annotate(assigned=Count("id"), done=Count("id", filter=casework_done_q(end)))
        .order_by("group")
    )
    return [{"group": r["group"], "assigned": r["assigned"], "done": r["done"]} for r in rows]


def casework_meeting_figures(
    unit: OrgUnit, start: date, end: date, *, hide_accusations: bool = False
) -> dict[str, Any]:
    """B2 `meetings`: {"held": n, "by_kind": {联席会议/会办会/专题会: n}, "assigned": n,
    "done": n, "by_group": [{"group", "assigned", "done"}], "by_body": [{"body",
    "body_id", "assigned", "done", "groups": [{"group", "group_id", "assigned", "done"}]}]}."""
    from xinfang.casework.choices import MeetingKind

    held = dict(
        casework_meetings_held(unit, start, end)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_kind = {label: held.get(code, 0) for code, label in MeetingKind.choices}
    groups = list(  # one grouped pass: by body and topic group (None: the decision names none)
        casework_assigned_items(unit, start, end, hide_accusations=hide_accusations)
        .values(
            body_id=F("decision__meeting__body_id"),
            body=F("decision__meeting__body__name"),
            group_id=F("decision__group_id"),
            group=F("decision__group__name"),
        )
        .annotate(assigned=Count("id"), done=Count("id", filter=casework_done_q(end)))
        .order_by("body", "group")
    )
    bodies: dict[int, dict[str, Any]] = {}
    by_group: dict[str, dict[str, Any]] = {}
    for g in groups:
        body = bodies.setdefault(
            g["body_id"],
            {"body": g["body"], "body_id": g["body_id"], "assigned": 0, "done": 0, "groups": []},
        )
        body["assigned"] += g["assigned"]
        body["done"] += g["done"]
        if g["group_id"] is None:
            continue
        body["groups"].append({k: g[k] for k in ("group", "group_id", "assigned", "done")})
        row = by_group.setdefault(g["group"], {"group": g["group"], "assigned": 0, "done": 0})
        row["assigned"] += g["assigned"]
        row["done"] += g["done"]
    return {
        "held": sum(by_kind.values()),
        "by_kind": by_kind,
        "assigned": sum(b["assigned"] for b in bodies.values()),
        "done": sum(b["done"] for b in bodies.values()),
        "by_group": [by_group[name] for name in sorted(by_group)],
        # in Python: the same order on every database (collations differ)
        "by_body": [
            b | {"groups": sorted(b["groups"], key=lambda g: g["group"])}
            for b in sorted(bodies.values(), key=lambda b: b["body"])
        ],
    }


def casework_batch_items(
    batch_id: int, end: date, figure: str = "matters", *, hide_accusations: bool = False
) -> QuerySet[Any]:
    """The items of a batch a `handed_down` figure counts (matters, resolved, verified,
    reflowed) as of the end of P."""
    from xinfang.casework.choices import Verification
    from xinfang.casework.models import BatchItem, BatchReflow
    from xinfang.intake.choices import Purpose

    items = BatchItem.objects.filter(batch_id=batch_id)
    if hide_accusations:
        items = items.exclude(matter__purpose=Purpose.ACCUSATION)
    came_back = BatchReflow.objects.filter(item_id=OuterRef("pk"), on__lte=end)
    return {
        "matters": items,
        "resolved": items.filter(resolved_on__lte=end),
        "verified": items.filter(verification=Verification.PASSED, verified_on__lte=end),
        "reflowed": items.filter(Exists(came_back)),
    }[figure]


BATCH_FIGURES = ("matters", "resolved", "verified", "reflowed")


def casework_batches(unit: OrgUnit, end: date) -> QuerySet[Any]:
    """The batches `handed_down` follows for the node: handed down to its subtree by end of P."""
    from xinfang.casework.models import HandedDownBatch

    return HandedDownBatch.objects.filter(_in_subtree("unit_id", unit), handed_on__lte=end)


def casework_handed_down_figures(
    unit: OrgUnit, start: date, end: date, *, hide_accusations: bool = False
) -> list[dict[str, Any]]:
    """B2 `handed_down`, per batch handed down by the end of P: {"batch", "source", "name",
    "handed_on", "matters", "resolved", "verified", "reflowed", "rate": {"num", "den", "pct"}}.
    `start` is kept for the report's signature: a batch is followed until it is settled."""
    from xinfang.casework.models import BatchItem
    from xinfang.intake.choices import Purpose

    del start
    batches = list(casework_batches(unit, end).order_by("handed_on", "id"))
    if not batches:
        return []
    items = BatchItem.objects.filter(batch_id__in=[b.pk for b in batches])
    if hide_accusations:
        items = items.exclude(matter__purpose=Purpose.ACCUSATION)
    counts = {  # one grouped pass over the batches' items
        g["batch_id"]: g for g in items.values("batch_id").annotate(**_batch_counts(end)).order_by()
    }
    return [_batch_row(batch, counts.get(batch.pk, {})) for batch in batches]


def _batch_counts(end: date) -> dict[str, Any]:
    from xinfang.casework.choices import Verification
    from xinfang.casework.models import BatchReflow

    came_back = BatchReflow.objects.filter(item_id=OuterRef("pk"), on__lte=end)
    return {
        "matters": Count("id"),
        "resolved": Count("id", filter=Q(resolved_on__lte=end)),
        "verified": Count("id", filter=Q(verification=Verification.PASSED, verified_on__lte=end)),
        "reflowed": Count("id", filter=Q(Exists(came_back))),
    }


def _batch_row(batch: Any, c: dict[str, Any]) -> dict[str, Any]:
    matters, resolved = c.get("matters") or 0, c.get("resolved") or 0
    return {
        "batch": batch.pk,
        "source": batch.get_source_display(),
        "name": batch.name,
        "handed_on": batch.handed_on.isoformat(),
        "matters": matters,
        "resolved": resolved,
        "verified": c.get("verified") or 0,
        "reflowed": c.get("reflowed") or 0,
        "rate": {"num": resolved, "den": matters, "pct": pct(resolved, matters)},
    }


def casework_batch_row(batch: Any, items: QuerySet[Any], end: date) -> dict[str, Any]:
    """One batch's figures over `items` (its items a reader may see) by the end of P: the
    report's `handed_down` row and the batch's page alike."""
    return _batch_row(batch, items.aggregate(**_batch_counts(end)))


# --- `disputes` (矛盾纠纷): xinfang.disputes --------------------------------------------------
#
# Decisions B2 leaves open, written down here:
#
# - A dispute belongs to the node when its place (问题属地) lies in the node's subtree, as
#   matters do. Disputes are not 检举控告: a reader who may not see accusations sees them all.
# - Found in P: 排查日期 (found_on) in P, by source (日常排查, 专项排查, 网格上报, 群众反映) and by
#   the level that found it: the level it was recorded at (村社区, 街道乡镇, 区县) — the first
#   escalation's starting level, or its level now when it never rose.
# - Settled in P: 化解日期 in P, by the level that settled it (化解层级). 化解率: of the disputes
#   found in P, those settled by the end of P (num / den; "无" in the text when none was found).
# - Escalated in P: the disputes with an escalation (升级, by the scan or by hand) dated in P;
#   by the level they rose to (a dispute rising twice in P counts once at each level).
# - Became petitions in P: 转信访日期 in P (from then it counts as the matter, not here).
# - 重排 in P: disputes found in P that repeat a settled one.
# - By unit: the node's own disputes (本级, placed at the node itself) and each child's subtree,
#   the rows adding up to the node's figures — the street sentence of the text.

DISPUTE_FIGURES = ("found", "settled", "escalated", "petitions", "rescreened", "resolved")


def _dispute_scope(scope: Scope) -> Q:
    unit = scope.node
    if unit.parent_id is None and scope.single_root:
        return Q()  # the whole tree
    return _in_subtree("place_id", unit)


def dispute_found_level() -> Coalesce:
    """The level a dispute was recorded at: where its first escalation started, else its own."""
    from xinfang.disputes.models import Escalation

    first = Escalation.objects.filter(dispute_id=OuterRef("pk")).order_by("on", "id")
    return Coalesce(Subquery(first.values("from_level")[:1]), F("level"))


def dispute_rows(
    scope: Scope,
    start: date,
    end: date,
    figure: str = "found",
    *,
    source: str = "",
    level: str = "",
    unit: OrgUnit | None = None,
) -> QuerySet[Any]:
    """The disputes a `disputes` figure counts: found (by `source`, by the `level` that found
    it), settled (by the `level` that settled it), escalated (to `level`), petitions,
    rescreened, resolved (found in P and settled by its end); of `unit`'s subtree when given
    (a child of the node, or the node itself for its own: 本级)."""
    from xinfang.disputes.models import Dispute, Escalation

    rows = Dispute.objects.filter(_dispute_scope(scope))
    if unit is not None:
        own = unit.pk == scope.node.pk
        rows = rows.filter(place_id=unit.pk) if own else rows.filter(_in_subtree("place_id", unit))
    found = Q(found_on__gte=start, found_on__lte=end)
    if figure == "found":
        rows = rows.filter(found)
        if level:
            rows = rows.alias(found_level=dispute_found_level()).filter(found_level=level)
    elif figure == "settled":
        rows = rows.filter(settled_on__gte=start, settled_on__lte=end)
        if level:
            rows = rows.filter(settled_level=level)
    elif figure == "escalated":
        risen = Escalation.objects.filter(dispute_id=OuterRef("pk"), on__gte=start, on__lte=end)
        rows = rows.filter(Exists(risen.filter(to_level=level) if level else risen))
    elif figure == "petitions":
        rows = rows.filter(petition_on__gte=start, petition_on__lte=end)
    elif figure == "rescreened":
        rows = rows.filter(found, rescreened=True)
    elif figure == "resolved":
        rows = rows.filter(found, settled_on__lte=end)
    else:
        raise ValueError(figure)
    return rows.filter(source=source) if source else rows


def _zero_levels() -> dict[str, int]:
    from xinfang.disputes.choices import DisputeLevel

    return dict.fromkeys(DisputeLevel.values, 0)


def _dispute_counts() -> dict[str, Any]:
    from xinfang.disputes.choices import DisputeSource

    return {
        "found": 0,
        "found_by_source": dict.fromkeys(DisputeSource.values, 0),
        "found_by_level": _zero_levels(),
        "settled": 0,
        "settled_by_level": _zero_levels(),
        "resolved": 0,
        "escalated": 0,
        "escalated_to": _zero_levels(),
        "petitions": 0,
        "rescreened": 0,
    }


def dispute_figures(scope: Scope, start: date, end: date) -> dict[str, Any]:
    """B2 `disputes`: {"found", "found_by_source", "found_by_level", "settled",
    "settled_by_level", "resolution": {"num", "den", "pct"}, "escalated", "escalated_to",
    "petitions", "rescreened", "by_unit": [{"unit", "name", "own", …the same counts}]}."""
    from xinfang.disputes.models import Dispute, Escalation

    node = scope.node
    total = _dispute_counts()
    units: dict[int, dict[str, Any]] = {}
    rows = [node, *sorted(scope.children, key=lambda u: u.path)]
    for u in rows:
        units[u.pk] = {"unit": u.code, "name": u.name, "own": u.pk == node.pk} | _dispute_counts()

    def add(place: int, n: int, key: str = "", sub: str = "", part: str = "") -> None:
        child = units.get(scope.child_of(place) or -1)
        for target in (total, child) if child is not None else (total,):
            if key:
                target[key] += n
            if sub:
                target[sub][part] += n

    in_p = Q(found_on__gte=start, found_on__lte=end)
    settled_p = Q(settled_on__gte=start, settled_on__lte=end)
    petition_p = Q(petition_on__gte=start, petition_on__lte=end)
    groups = (  # one grouped pass over the disputes dated in P
        Dispute.objects.filter(_dispute_scope(scope))
        .filter(in_p | settled_p | petition_p)
        .values("place_id", "source", "settled_level")
        .annotate(
            found_level=dispute_found_level(),
            found=Count("id", filter=in_p),
            settled=Count("id", filter=settled_p),
            resolved=Count("id", filter=in_p & Q(settled_on__lte=end)),
            petitions=Count("id", filter=petition_p),
            rescreened=Count("id", filter=in_p & Q(rescreened=True)),
        )
        .order_by()
    )
    for g in groups:
        place = g["place_id"]
        add(place, g["found"], "found", "found_by_source", g["source"])
        add(place, g["found"], sub="found_by_level", part=g["found_level"])
        if g["settled"]:
            add(place, g["settled"], "settled", "settled_by_level", g["settled_level"])
        for key in ("resolved", "petitions", "rescreened"):
            add(place, g[key], key)
    risen = Escalation.objects.filter(
        on__gte=start, on__lte=end, dispute__in=Dispute.objects.filter(_dispute_scope(scope))
    )
    for place, level, n in (
        risen.values_list("dispute__place_id", "to_level").annotate(n=Count("id")).order_by()
    ):
        add(place, n, sub="escalated_to", part=level)
    for place, n in (
        risen.values_list("dispute__place_id")
        .annotate(n=Count("dispute_id", distinct=True))
        .order_by()
    ):
        add(place, n, "escalated")
    for row in [total, *units.values()]:
        row["resolution"] = {
            "num": row["resolved"],
            "den": row["found"],
            "pct": pct(row["resolved"], row["found"]),
        }
    return total | {"by_unit": list(units.values())}

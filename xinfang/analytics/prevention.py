"""Prevention figures of the report (B2 of leader-and-prevention.md). Each key in its own,
clearly named functions; other prevention figures may be added here beside them.

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
"""

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

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


def hearing_rows(
    scope: Scope, start: date, end: date, stage: str | None = None
) -> QuerySet[Hearing]:
    """The hearings `hearing_figures` counts as held in [start, end] (of one stage, or all)."""
    matters = Matter.objects.filter(scope.locality_q("locality", whole=False))
    rows = Hearing.objects.filter(
        status=HearingStatus.HELD,
        ends_on__gte=start,
        ends_on__lte=end,
        matter_id__in=matters.values("id"),
    )
    return rows.filter(stage=stage) if stage else rows


def hearing_decided_matters(scope: Scope, start: date, end: date, stage: str) -> QuerySet[Matter]:
    """The share's denominator: the node's matters whose `stage` decision is dated in P."""
    field = HEARING_DECISION_FIELD[stage]
    return Matter.objects.filter(
        scope.locality_q("locality", whole=False),
        **{f"{field}__gte": start, f"{field}__lte": end},
    )


def hearing_figures(scope: Scope, start: date, end: date) -> dict[str, Any]:
    """B2 `hearings`: {"held": n, "by_stage": {stage: {"held", "decided", "with_hearing",
    "share": {"num", "den", "pct"}}}}."""
    by_stage: dict[str, Any] = {}
    for stage in HearingStage.values:
        decided = hearing_decided_matters(scope, start, end, stage)
        heard = Hearing.objects.filter(
            matter_id=OuterRef("pk"), stage=stage, status=HearingStatus.HELD, ends_on__lte=end
        )
        den = decided.count()
        num = decided.filter(Exists(heard)).count()
        by_stage[stage] = {
            "held": hearing_rows(scope, start, end, stage).count(),
            "decided": den,
            "with_hearing": num,
            "share": {"num": num, "den": den, "pct": pct(num, den)},
        }
    return {"held": sum(s["held"] for s in by_stage.values()), "by_stage": by_stage}


def hearing_sentence(figures: dict[str, Any]) -> str:
    """In seed 002's manner: “开展信访听证25件，信访事项办理、复查、复核中听证占比分别为…”."""
    shares = "、".join(
        f"{figures['by_stage'][stage]['share']['pct']}%" for stage in HearingStage.values
    )
    return f"开展信访听证{figures['held']}件，信访事项办理、复查、复核中听证占比分别为{shares}。"


# --- `meetings` (联席会议/会办会) and `handed_down` (交办积案): xinfang.casework ------------------
#
# - A meeting belongs to the node when its body's lead unit lies in the node's subtree; held in P
#   by its date (会办会29场次).
# - Matters assigned in P: decision items whose 交办 (the workflow's Assignment) is dated in P and
#   whose unit or matter (问题属地) lies in the node's subtree — "市联席会议…共向我区交办25个案件"
#   counts a city body's decisions for the district. Done (办结): the matter was answered
#   (答复日期) or 化解 by the end of P. By topic group where the decision names one.
# - A batch belongs to the node when handed down to a unit in its subtree, and counts once handed
#   down by the end of P (a batch is followed until it is settled, not only in its month): its
#   matters; resolved = items 化解 by the end of P; verified = 通过审核 by the end of P; 回流 =
#   registrations after an item's 化解日期 up to the end of P (the rule of intake.reflow).


def _casework_units(unit: OrgUnit) -> list[int]:
    from xinfang.organisation.selectors import subtree_ids

    return list(subtree_ids(unit))


def casework_meetings_held(
    unit: OrgUnit, start: date, end: date, kind: str | None = None
) -> QuerySet[Any]:
    """The meetings `casework_meeting_figures` counts as held in [start, end] (of one kind)."""
    from xinfang.casework.models import Meeting

    rows = Meeting.objects.filter(
        body__unit_id__in=_casework_units(unit), held_on__gte=start, held_on__lte=end
    )
    return rows.filter(kind=kind) if kind else rows


def casework_assigned_items(
    unit: OrgUnit, start: date, end: date, *, hide_accusations: bool = False
) -> QuerySet[Any]:
    """The decision items (matters a meeting assigned) counted for the node in [start, end]."""
    from xinfang.casework.models import DecisionItem
    from xinfang.intake.choices import Purpose

    ids = _casework_units(unit)
    rows = DecisionItem.objects.filter(
        Q(unit_id__in=ids) | Q(matter__locality_id__in=ids),
        assignment__assigned_on__gte=start,
        assignment__assigned_on__lte=end,
    )
    if hide_accusations:
        rows = rows.exclude(matter__purpose=Purpose.ACCUSATION)
    return rows


def _casework_done(end: date) -> Q:
    return Q(matter__replied_on__lte=end) | Q(matter__resolved_on__lte=end)


def casework_meeting_figures(
    unit: OrgUnit, start: date, end: date, *, hide_accusations: bool = False
) -> dict[str, Any]:
    """B2 `meetings`: {"held": n, "by_kind": {联席会议/会办会/专题会: n}, "assigned": n,
    "done": n, "by_group": [{"group", "assigned", "done"}]}."""
    from xinfang.casework.choices import MeetingKind

    items = casework_assigned_items(unit, start, end, hide_accusations=hide_accusations)
    by_kind = {
        label: casework_meetings_held(unit, start, end, code).count()
        for code, label in MeetingKind.choices
    }
    return {
        "held": sum(by_kind.values()),
        "by_kind": by_kind,
        "assigned": items.count(),
        "done": items.filter(_casework_done(end)).count(),
        "by_group": casework_by_group(items, end),
    }


def casework_by_group(items: QuerySet[Any], end: date) -> list[dict[str, Any]]:
    """Decision items by topic group: [{"group", "assigned", "done"}] — done by the end of P.
    The report's `meetings.by_group` and a joint body's page (its visible items) alike."""
    by_group = []
    grouped = (
        items.filter(decision__group__isnull=False)
        .values_list("decision__group__name", flat=True)
        .distinct()
    )
    for name in sorted(set(grouped)):
        mine = items.filter(decision__group__name=name)
        by_group.append(
            {
                "group": name,
                "assigned": mine.count(),
                "done": mine.filter(_casework_done(end)).count(),
            }
        )
    return by_group


def casework_item_done(end: date) -> Q:
    """办结 of a decision item by `end`: its matter answered (答复日期) or 化解."""
    return _casework_done(end)


def casework_handed_down_figures(
    unit: OrgUnit, start: date, end: date, *, hide_accusations: bool = False
) -> list[dict[str, Any]]:
    """B2 `handed_down`, per batch handed down by the end of P: {"batch", "source", "name",
    "handed_on", "matters", "resolved", "verified", "reflowed", "rate": {"num", "den", "pct"}}.
    `start` is kept for the report's signature: a batch is followed until it is settled."""
    from xinfang.casework.models import HandedDownBatch
    from xinfang.intake.choices import Purpose

    del start
    result = []
    batches = HandedDownBatch.objects.filter(
        unit_id__in=_casework_units(unit), handed_on__lte=end
    ).order_by("handed_on", "id")
    for batch in batches:
        items = batch.items.all()
        if hide_accusations:
            items = items.exclude(matter__purpose=Purpose.ACCUSATION)
        result.append(casework_batch_row(batch, items, end))
    return result


def casework_batch_row(batch: Any, items: QuerySet[Any], end: date) -> dict[str, Any]:
    """One batch's figures over `items` (its items a reader may see) by the end of P: the
    report's `handed_down` row and the batch's page alike."""
    from xinfang.casework.choices import Verification
    from xinfang.casework.models import BatchReflow

    matters = items.count()
    resolved = items.filter(resolved_on__lte=end).count()
    verified = items.filter(verification=Verification.PASSED, verified_on__lte=end).count()
    reflowed = (
        BatchReflow.objects.filter(item__in=items, on__lte=end).values("item_id").distinct().count()
    )
    return {
        "batch": batch.pk,
        "source": batch.get_source_display(),
        "name": batch.name,
        "handed_on": batch.handed_on.isoformat(),
        "matters": matters,
        "resolved": resolved,
        "verified": verified,
        "reflowed": reflowed,
        "rate": {"num": resolved, "den": matters, "pct": pct(resolved, matters)},
    }


def _casework_pct(text: str) -> str:
    """ "100.0" → "100", "95.2" stays: the seeds print whole rates without a decimal."""
    return text[:-2] if text.endswith(".0") else text


def casework_handed_down_sentence(row: dict[str, Any], place: str = "我区") -> str:
    """Seed 002's manner: “第一批交办我区信访积案21件，已化解21件，化解率100%，回流2件”."""
    return (
        f"{row['name']}交办{place}信访积案{row['matters']}件，已化解{row['resolved']}件，"
        f"化解率{_casework_pct(row['rate']['pct'])}%，通过审核{row['verified']}件，"
        f"已化解后回流{row['reflowed']}件。"
    )


def casework_meeting_sentence(figures: dict[str, Any], place: str = "我区") -> str:
    """“召开联席会议N场次、会办会29场次…共向我区交办25个案件，其中：农村征用土地问题组有4个案件，
    已全部办结”."""
    held = "、".join(f"{kind}{n}场次" for kind, n in figures["by_kind"].items() if n)
    parts = [f"召开{held}" if held else "未召开联席会议"]
    parts.append(f"共向{place}交办{figures['assigned']}个案件，已办结{figures['done']}个")
    groups = []
    for g in figures["by_group"]:
        state = "已全部办结" if g["done"] == g["assigned"] else f"已办结{g['done']}个"
        groups.append(f"{g['group']}有{g['assigned']}个案件，{state}")
    if groups:
        parts.append("其中：" + "；".join(groups))
    return "，".join(parts) + "。"

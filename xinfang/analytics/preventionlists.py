"""The lists behind the report's prevention figures (B2 `hearings`, `handed_down`, `meetings`,
`disputes`): each dashboard figure opens the rows it counts (analytics.counting.prevention's row
functions), for a node the reader may pick on the dashboard and a period: `org`, `start`, `end`,
and the figure's own filters (`stage`, `figure`, `batch`, `kind`, `body`, `group`, `source`,
`level`, `unit`). Readers are the dashboard's, as the leader work lists; 领导 and 督查 get them
without 检举控告, as their figures. The dispute lists ask also to see disputes (查看矛盾纠纷).
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinfang.accounts.models import User
from xinfang.analytics.counting import prevention as pv
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.dashboard import figure_list_query, may_view_statistics
from xinfang.analytics.periods import Period
from xinfang.analytics.text import period_label
from xinfang.core.errors import InputError, PermissionRefusedError, XinfangError
from xinfang.core.permissions import Action, may
from xinfang.hearings.choices import HearingStage

ROW_LIMIT = 500  # a figure's list is read whole; more than this is for the Excel export
TEMPLATE = "analytics/prevention_list.html"
HEARING_TITLES = {
    "held": "期内举行的听证",
    "decided": "期内作出决定的事项",
    "heard": "期内作出决定且听证过的事项",
}
BATCH_TITLES = {
    "matters": "事项",
    "resolved": "已化解",
    "verified": "通过审核",
    "reflowed": "化解后回流",
}
DISPUTE_TITLES = {
    "found": "期内排查的矛盾纠纷",
    "settled": "期内化解的矛盾纠纷",
    "resolved": "期内排查且已化解的矛盾纠纷",
    "escalated": "期内升级的矛盾纠纷",
    "petitions": "期内转入信访程序的矛盾纠纷",
    "rescreened": "期内重排的矛盾纠纷",
}


def _reader(request: HttpRequest, action: Action | None = None) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not may_view_statistics(user) or (action is not None and not may(user, action)):
        raise PermissionDenied
    return user


def _choice(request: HttpRequest, name: str, allowed: list[str], what: str) -> str:
    value = request.GET.get(name, "")
    if value and value not in allowed:
        raise InputError(f"{what}“{value}”无效", field=name)
    return value


def _number(request: HttpRequest, name: str, what: str) -> int | None:
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise InputError(f"{what}“{value}”无效", field=name)
    return int(value)


def _page(request: HttpRequest, build: Any, action: Action | None = None) -> HttpResponse:
    user = _reader(request, action)
    try:
        scope, period = figure_list_query(request, user)
        context = build(request, scope, period)
    except XinfangError as exc:
        status = 403 if isinstance(exc, PermissionRefusedError) else 400
        return render(request, TEMPLATE, {"error": exc.message}, status=status)
    rows = context["rows"]
    context.update(
        {
            "node": scope.node,
            "period_text": period_label(period.start, period.end),
            "limited": scope.hide_accusations and context["what"] != "disputes",
            "shown": rows[:ROW_LIMIT],
            "more": max(0, len(rows) - ROW_LIMIT),
        }
    )
    return render(request, TEMPLATE, context)


@login_required
def hearings(request: HttpRequest) -> HttpResponse:
    """听证: held in P (of a stage), or the share's matters (decided in P; of them, heard)."""

    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        stage = _choice(request, "stage", list(HearingStage.values), "听证阶段")
        figure = _choice(request, "figure", list(HEARING_TITLES), "听证指标") or "held"
        title = HEARING_TITLES[figure]
        if stage:
            title = f"{HearingStage(stage).label}阶段{title}"
        if figure == "held":
            rows: list[Any] = list(
                pv.hearing_rows(scope, period.start, period.end, stage or None)
                .select_related("matter", "host_unit")
                .order_by("ends_on", "id")
            )
            return {"what": "hearings", "title": title, "rows": rows}
        if not stage:
            raise InputError("请选择听证阶段", field="stage")
        pick = pv.hearing_decided_matters if figure == "decided" else pv.hearing_heard_matters
        matters = pick(scope, period.start, period.end, stage)
        rows = list(matters.select_related("locality").order_by("number"))
        return {"what": "matters", "title": title, "rows": rows}

    return _page(request, build)


@login_required
def batch(request: HttpRequest) -> HttpResponse:
    """交办积案: a batch's matters, those 化解, 通过审核, 回流 by the end of P."""

    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        figure = _choice(request, "figure", list(BATCH_TITLES), "交办积案指标") or "matters"
        pk = _number(request, "batch", "批次")
        found = pv.casework_batches(scope.node, period.end).filter(pk=pk).first()
        if found is None:  # not a batch of the node's (or handed down after the period)
            raise PermissionRefusedError("所选批次不在所选单位和期间内")
        items = pv.casework_batch_items(
            found.pk, period.end, figure, hide_accusations=scope.hide_accusations
        )
        rows = list(items.select_related("matter", "matter__locality").order_by("id"))
        title = f"{found.get_source_display()}{found.name}交办积案{BATCH_TITLES[figure]}"
        return {"what": "batch", "title": title, "rows": rows}

    return _page(request, build, Action.VIEW_CASEWORK)


@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    """联席会议/会办会 held in P (of a kind)."""
    from xinfang.casework.choices import MeetingKind

    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        kind = _choice(request, "kind", list(MeetingKind.values), "会议类型")
        rows = list(
            pv.casework_meetings_held(scope.node, period.start, period.end, kind or None)
            .select_related("body")
            .order_by("held_on", "id")
        )
        title = f"期内召开的{MeetingKind(kind).label if kind else '会议'}"
        return {"what": "meetings", "title": title, "rows": rows}

    return _page(request, build, Action.VIEW_CASEWORK)


@login_required
def assigned(request: HttpRequest) -> HttpResponse:
    """The matters meetings assigned in P (of a body, of a topic group), or those done."""

    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        figure = _choice(request, "figure", ["assigned", "done"], "交办指标") or "assigned"
        body, group = _number(request, "body", "联席会议"), _number(request, "group", "专题小组")
        items: QuerySet[Any] = pv.casework_assigned_items(
            scope.node, period.start, period.end, hide_accusations=scope.hide_accusations
        )
        if body is not None:
            items = items.filter(decision__meeting__body_id=body)
        if group is not None:
            items = items.filter(decision__group_id=group)
        if figure == "done":
            items = items.filter(pv.casework_done_q(period.end))
        rows = list(
            items.select_related(
                "matter", "unit", "decision__group", "decision__meeting__body", "assignment"
            ).order_by("assignment__assigned_on", "id")
        )
        title = "会议交办的事项" + ("（已办结）" if figure == "done" else "")
        if rows and group is not None and rows[0].decision.group is not None:
            title = f"{rows[0].decision.group.name}{title}"
        elif rows and body is not None:
            title = f"{rows[0].decision.meeting.body.name}{title}"
        return {"what": "assigned", "title": title, "rows": rows, "end": period.end}

    return _page(request, build, Action.VIEW_CASEWORK)


@login_required
def disputes(request: HttpRequest) -> HttpResponse:
    """矛盾纠纷: found (by source, by level), settled, resolved, escalated, petitions, 重排."""
    from xinfang.disputes.choices import DisputeLevel, DisputeSource

    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        figure = _choice(request, "figure", list(DISPUTE_TITLES), "纠纷指标") or "found"
        source = _choice(request, "source", list(DisputeSource.values), "来源")
        level = _choice(request, "level", list(DisputeLevel.values), "层级")
        code = request.GET.get("unit", "")
        unit = None
        if code:
            unit = next((u for u in [scope.node, *scope.children] if u.code == code), None)
            if unit is None:
                raise InputError(f"单位“{code}”不是所选单位或其下级", field="unit")
        rows = list(
            pv.dispute_rows(
                scope, period.start, period.end, figure, source=source, level=level, unit=unit
            )
            .select_related("place", "owner_unit", "category")
            .order_by("found_on", "id")
        )
        title = DISPUTE_TITLES[figure]
        if level:
            title = f"{DisputeLevel(level).label}{title}"
        if source:
            title += f"（{DisputeSource(source).label}）"
        if unit is not None:
            title = f"{unit.name}{'（本级）' if unit == scope.node else ''}{title}"
        return {"what": "disputes", "title": title, "rows": rows}

    return _page(request, build, Action.VIEW_DISPUTES)

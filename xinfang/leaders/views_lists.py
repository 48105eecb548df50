"""The lists behind the report's leader work figures (B2): each dashboard card opens its rows.

The rows are exactly what the figure counts (`analytics.counting.leaderwork.*_rows`), for a node the
reader may pick on the dashboard and a period, with the figure's own filters in the address:
`org`, `start`, `end`, and `kind`, `tier`, `outcome`, `principal`, `routing`, `figure`. Readers
are the dashboard's; 领导 and 督查 get the lists without 检举控告, as their figures.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinfang.accounts.models import User
from xinfang.analytics.counting.leaderwork import (
    PACKAGE_FIGURES,
    package_rows,
    reception_rows,
    session_rows,
)
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.dashboard import figure_list_query, may_view_statistics
from xinfang.analytics.periods import Period
from xinfang.analytics.text import period_label
from xinfang.core.errors import InputError, PermissionRefusedError, XinfangError
from xinfang.leaders.choices import LeaderTier, ReceptionOutcome, SessionKind
from xinfang.leaders.models import PackageMatter, SessionLeader

ROW_LIMIT = 500  # a figure's list is read whole; more than this is for the Excel export
FIGURE_TITLES = {
    "begun": "期内包案",
    "resolved": "期内包案已化解",
    "open_at_end": "期末一包到底未化解",
    "reflows": "期内回流",
}


def _reader(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not may_view_statistics(user):
        raise PermissionDenied
    return user


def _choice(request: HttpRequest, name: str, allowed: list[str], what: str) -> str:
    value = request.GET.get(name, "")
    if value and value not in allowed:
        raise InputError(f"{what}“{value}”无效", field=name)
    return value


def _page(request: HttpRequest, build: Any) -> HttpResponse:
    user = _reader(request)
    try:
        scope, period = figure_list_query(request, user)
        context = build(request, scope, period)
    except XinfangError as exc:
        status = 403 if isinstance(exc, PermissionRefusedError) else 400
        return render(request, "leaders/figure_list.html", {"error": exc.message}, status=status)
    rows = context["rows"]
    context.update(
        {
            "node": scope.node,
            "period_text": period_label(period.start, period.end),
            "limited": scope.hide_accusations,
            "shown": rows[:ROW_LIMIT],
            "more": max(0, len(rows) - ROW_LIMIT),
        }
    )
    return render(request, "leaders/figure_list.html", context)


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        kind = _choice(request, "kind", list(SessionKind.values), "接访形式")
        tier = _choice(request, "tier", list(LeaderTier.values), "领导层级")
        rows = list(
            session_rows(scope, period, kind=kind, tier=tier)
            .select_related("unit")
            .order_by("held_on", "id")
        )
        seated: dict[int, list[SessionLeader]] = {}
        for seat in (
            SessionLeader.objects.filter(session_id__in=[r.pk for r in rows[:ROW_LIMIT]])
            .select_related("leader")
            .order_by("position", "id")
        ):
            seated.setdefault(seat.session_id, []).append(seat)
        for r in rows[:ROW_LIMIT]:
            r.seats = seated.get(r.pk, [])  # type: ignore[attr-defined]
        title = "接访活动"
        if kind:
            title += f"（{SessionKind(kind).label}）"
        if tier:
            title += f"（有{LeaderTier(tier).label}参加）"
        return {"what": "sessions", "title": title, "rows": rows}

    return _page(request, build)


@login_required
def receptions(request: HttpRequest) -> HttpResponse:
    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        outcome = _choice(request, "outcome", list(ReceptionOutcome.values), "接访结果")
        routing = _choice(request, "routing", ["due", "met"], "交办条件")
        principal = request.GET.get("principal") == "1"
        qs = reception_rows(scope, period, outcome=outcome, principal=principal, routing=routing)
        rows = list(
            qs.select_related("session", "registration", "registration__matter")
            .prefetch_related("leaders")
            .order_by("session__held_on", "id")
        )
        title = "接待群众来访"
        if principal:
            title = "党政主要领导接待群众来访"
        if outcome:
            title += f"（{ReceptionOutcome(outcome).label}）"
        if routing == "due":
            title = "期内到期应交办的接访事项"
        elif routing == "met":
            title = "2个工作日内交办的接访事项"
        return {"what": "receptions", "title": title, "rows": rows}

    return _page(request, build)


@login_required
def packages(request: HttpRequest) -> HttpResponse:
    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        figure = _choice(request, "figure", list(PACKAGE_FIGURES), "包案指标") or "begun"
        tier = _choice(request, "tier", list(LeaderTier.values), "领导层级")
        items = PackageMatter.objects.select_related("matter")
        rows = list(
            package_rows(scope, period, figure=figure, tier=tier)
            .select_related("leader", "responsible_unit")
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("started_on", "id")
        )
        title = FIGURE_TITLES[figure]
        if tier:
            title = f"{LeaderTier(tier).label}{title}"
        return {"what": "packages", "title": title, "rows": rows}

    return _page(request, build)

"""The statistics dashboard and its Excel exports: thin views over analytics.dashboard."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.analytics.dashboard import (
    DashboardForm,
    build_dashboard,
    may_view_statistics,
    period_text,
    table_workbook,
)
from xinfang.core.errors import PermissionRefusedError, XinfangError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not may_view_statistics(user):
        raise PermissionDenied
    return user


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    form = DashboardForm(request.GET or None, user=user, today=today)
    try:
        query = form.query()
        dash = build_dashboard(user=user, query=query, today=today)
    except XinfangError as exc:
        status = 403 if isinstance(exc, PermissionRefusedError) else 400
        context = {"form": form, "error": exc.message}
        return render(request, "analytics/dashboard.html", context, status=status)
    params = [(k, v) for k, v in request.GET.items() if k != "table"]
    context = {
        "form": form,
        "dash": dash,
        "period_text": period_text(query.period),
        "previous_text": period_text(dash.previous_period),
        "export_query": urlencode(params),
    }
    return render(request, "analytics/dashboard.html", context)


@login_required
def export_table(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    form = DashboardForm(request.GET or None, user=user, today=today)
    try:
        query = form.query()
        dash = build_dashboard(user=user, query=query, today=today)
    except XinfangError as exc:
        status = 403 if isinstance(exc, PermissionRefusedError) else 400
        return HttpResponse(exc.message, status=status, content_type="text/plain; charset=utf-8")
    name = request.GET.get("table", "")
    if name not in dash.tables:
        names = "、".join(dash.tables)
        return HttpResponse(
            f"没有名为“{name}”的表格，可选：{names}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(table_workbook(dash, name), content_type=XLSX)
    filename = f"{query.node.code}-{query.period.start}-{query.period.end}-{name}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

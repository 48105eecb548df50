"""The statistics dashboard, its Excel exports and the 简报 draft: thin views over analytics."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.analytics.briefing import briefing_docx, build_briefing, cn_date, issue_text
from xinfang.analytics.counting.hotspots import last_scan, scan_words
from xinfang.analytics.dashboard import (
    DashboardForm,
    Query,
    build_dashboard,
    may_view_statistics,
    period_text,
    table_workbook,
)
from xinfang.core.config import domain_limit
from xinfang.core.errors import PermissionRefusedError, XinfangError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
        "period_text": period_text(dash.query.period, to_date=dash.report["to_date"]),
        "previous_text": period_text(dash.previous_period),
        "export_query": urlencode(params),
        **hotspot_context(),
    }
    return render(request, "analytics/dashboard.html", context)


def hotspot_context() -> dict[str, Any]:
    """The daily scan's window and time for the dashboard's 热点 (counting.hotspots)."""
    scan = last_scan()
    return {
        "hotspot_scanned": scan_words(scan),
        "hotspot_as_of": cn_date(scan.window_end.isoformat()) if scan else None,
        "hotspot_days": scan.days if scan else None,
        "hotspot_min": domain_limit("HOTSPOT_MIN_PETITIONERS"),
    }


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


# --- 简报 ----------------------------------------------------------------------------------------


class BriefingForm(DashboardForm):
    """The dashboard's node and period, and the issue number (期号) printed on the masthead."""

    issue_no = forms.IntegerField(
        label="期号",
        required=False,
        min_value=1,
        max_value=9999,
        error_messages={
            "invalid": "期号应为整数，例如12",
            "min_value": "期号应为1至9999的整数",
            "max_value": "期号应为1至9999的整数",
        },
    )


def _briefing_for(user: User, form: BriefingForm) -> tuple[Query, dict[str, Any]]:
    """The query and the briefing the form asks for; XinfangError when refused."""
    query = form.query()
    issue_no = form.cleaned_data.get("issue_no") if form.is_bound else None
    found = build_briefing(
        node=query.node,
        period=query.period,
        comparison=query.comparison,
        reader=user,
        today=form.today,
        issue_no=issue_no,
    )
    return query, found


@login_required
def briefing(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BriefingForm(request.GET or None, user=user, today=timezone.localdate())
    try:
        _query, found = _briefing_for(user, form)
    except XinfangError as exc:
        status = 403 if isinstance(exc, PermissionRefusedError) else 400
        context = {"form": form, "error": exc.message}
        return render(request, "analytics/briefing.html", context, status=status)
    context = {
        "form": form,
        "b": found,
        "issue": issue_text(found),
        "date_text": cn_date(found["date"]),
        "as_of_text": cn_date(found["as_of"]),
        "query_string": urlencode(list(request.GET.items())),
    }
    return render(request, "analytics/briefing.html", context)


@login_required
def briefing_word(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BriefingForm(request.GET or None, user=user, today=timezone.localdate())
    try:
        query, found = _briefing_for(user, form)
    except XinfangError as exc:
        status = 403 if isinstance(exc, PermissionRefusedError) else 400
        return HttpResponse(exc.message, status=status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(briefing_docx(found), content_type=DOCX)
    filename = f"briefing-{query.node.code}-{query.period.start}-{query.period.end}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

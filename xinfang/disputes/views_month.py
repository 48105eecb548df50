"""The screening pages: 专项排查 (campaigns: lists of disputes, never of people) and the monthly
cycle — a unit's 本月排查 (its month list, 报送 or 零报告), the district's view of who submitted,
and each unit's 反馈 on the items of the 通报. Thin: the services decide."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import PermissionRefusedError, XinfangError
from xinfang.core.permissions import Action, may, visible_disputes
from xinfang.disputes import services
from xinfang.disputes.choices import DisputeLevel, DisputeStatus, Risk
from xinfang.disputes.forms import CampaignForm, FeedbackForm, campaigns_for
from xinfang.disputes.models import Dispute, Feedback, MonthlyReport
from xinfang.disputes.views import add_error, level_clock
from xinfang.leaders.forms import month_value
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.selectors import subtree, subtree_ids

# the units that screen each month and report: villages/communities and streets/towns
REPORTING_KINDS = (UnitKind.STREET, UnitKind.VILLAGE)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require(user: User, action: Action) -> None:
    if not may(user, action):
        raise PermissionDenied


def _month(request: HttpRequest, today: date) -> date:
    raw = request.GET.get("month") or request.POST.get("month") or ""
    return month_value(raw) or services.month_start(today)


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


# --- campaigns ---------------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require(user, Action.VIEW_DISPUTES)
    organiser = may(user, Action.RECORD_DISPUTE) and user.org_unit is not None
    form = CampaignForm()
    status = 200
    if request.method == "POST":
        if not organiser:
            raise PermissionDenied
        assert user.org_unit is not None
        form = CampaignForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                campaign = services.campaign_create(
                    actor=user,
                    name=d["name"],
                    unit=user.org_unit,
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    note=d["note"],
                )
            except PermissionRefusedError as exc:
                raise PermissionDenied(exc.message) from exc
            except XinfangError as exc:
                add_error(form, exc)
            else:
                messages.success(request, f"已建立专项排查“{campaign.name}”。")
                return redirect("disputes:campaign", pk=campaign.pk)
        status = 400
    seen = visible_disputes(user)
    campaigns = list(
        campaigns_for(user).annotate(
            found=Count("disputes", filter=Q(disputes__in=seen)),
            settled=Count(
                "disputes",
                filter=Q(disputes__in=seen, disputes__status=DisputeStatus.SETTLED),
            ),
        )
    )
    context = {"campaigns": campaigns, "form": form, "organiser": organiser, "tab": "campaigns"}
    return render(request, "disputes/campaigns.html", context, status=status)


@dataclass
class Figure:
    label: str
    value: int


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign's disputes (those the reader may see) and its figures — never people."""
    user = _user(request)
    _require(user, Action.VIEW_DISPUTES)
    campaign = campaigns_for(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    today = timezone.localdate()
    disputes = list(
        visible_disputes(user)
        .filter(campaign=campaign)
        .select_related("place", "owner_unit", "category")
        .order_by("-found_on", "-id")
    )
    for d in disputes:
        d.clock = level_clock(d, today)  # type: ignore[attr-defined]
    figures = [
        Figure("排查纠纷", len(disputes)),
        Figure("已化解", sum(d.status == DisputeStatus.SETTLED for d in disputes)),
        Figure("化解中", sum(d.status == DisputeStatus.OPEN for d in disputes)),
        Figure("已转信访", sum(d.status == DisputeStatus.PETITION for d in disputes)),
        Figure("高风险", sum(d.risk == Risk.HIGH for d in disputes)),
        Figure("涉及人数", sum(d.parties for d in disputes)),
    ]
    by_level = [
        Figure(label, sum(d.level == level for d in disputes))
        for level, label in DisputeLevel.choices
    ]
    context = {
        "campaign": campaign,
        "disputes": disputes,
        "figures": figures,
        "by_level": by_level,
        "tab": "campaigns",
    }
    return render(request, "disputes/campaign.html", context)


# --- the month ---------------------------------------------------------------------------------


def month_disputes(unit: OrgUnit, month: date) -> QuerySet[Dispute]:
    """The unit's disputes found in the month: placed in its area or settled by it (as
    report_submit accepts them)."""
    ids = subtree_ids(unit)
    return (
        Dispute.objects.filter(Q(place_id__in=ids) | Q(owner_unit_id__in=ids))
        .filter(found_on__year=month.year, found_on__month=month.month)
        .select_related("place", "owner_unit", "category")
        .order_by("found_on", "id")
    )


@login_required
def month_page(request: HttpRequest) -> HttpResponse:
    """本月排查: the unit's month list — found this month, add one, 报送 the list or a 零报告."""
    user = _user(request)
    _require(user, Action.VIEW_DISPUTES)
    unit = user.org_unit
    if unit is None:
        raise PermissionDenied
    today = timezone.localdate()
    month = _month(request, today)
    report = (
        MonthlyReport.objects.filter(unit=unit, month=month).select_related("submitted_by").first()
    )
    disputes = list(month_disputes(unit, month))
    for d in disputes:
        d.clock = level_clock(d, today)  # type: ignore[attr-defined]
    reported: set[int] = set(report.disputes.values_list("pk", flat=True)) if report else set()
    context = {
        "unit": unit,
        "month": month,
        "current": month == services.month_start(today),
        "previous": _shift(month, -1),
        "next": _shift(month, 1) if month < services.month_start(today) else None,
        "disputes": disputes,
        "report": report,
        "reported": reported,
        "late": [d for d in disputes if report and d.pk not in reported],
        "recorder": may(user, Action.RECORD_DISPUTE),
        "tab": "month",
    }
    return render(request, "disputes/month.html", context)


@login_required
@require_POST
def month_submit(request: HttpRequest) -> HttpResponse:
    """报送 the month's list (every dispute found in it) or, with none, a 零报告."""
    user = _user(request)
    _require(user, Action.RECORD_DISPUTE)
    unit = user.org_unit
    if unit is None:
        raise PermissionDenied
    today = timezone.localdate()
    month = _month(request, today)
    items = list(month_disputes(unit, month))
    back = reverse("disputes:month") + f"?month={month:%Y-%m}"
    if request.POST.get("zero") == "1" and items:
        messages.error(request, f"本月已排查{len(items)}件纠纷，不能报送零报告。")
        return redirect(back)
    try:
        report = services.report_submit(
            actor=user, unit=unit, month=month, disputes=items, on=today
        )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        messages.error(request, exc.message)
    except IntegrityError:
        # a second press that raced the first: the month was reported once (monthly_report_once)
        messages.error(request, f"{unit.name}{month.year}年{month.month}月的排查已报送")
    else:
        what = "零报告" if report.zero else f"排查{len(items)}件纠纷"
        messages.success(request, f"已报送{month.year}年{month.month}月{what}。")
    return redirect(back)


@dataclass
class UnitRow:
    unit: OrgUnit
    report: MonthlyReport | None
    items: int


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """Which units under the reader's unit submitted their month (and which did not)."""
    user = _user(request)
    _require(user, Action.VIEW_DISPUTES)
    if user.org_unit is None:
        raise PermissionDenied
    today = timezone.localdate()
    month = _month(request, today)
    units = list(
        subtree(user.org_unit).filter(active=True, kind__in=REPORTING_KINDS).order_by("path")
    )
    reports = {
        r.unit_id: r
        for r in MonthlyReport.objects.filter(unit__in=units, month=month).annotate(
            items=Count("disputes")
        )
    }
    rows = [UnitRow(u, reports.get(u.pk), getattr(reports.get(u.pk), "items", 0)) for u in units]
    context = {
        "month": month,
        "previous": _shift(month, -1),
        "next": _shift(month, 1) if month < services.month_start(today) else None,
        "rows": rows,
        "submitted": sum(1 for r in rows if r.report),
        "zero": sum(1 for r in rows if r.report and r.report.zero),
        "missing": [r.unit for r in rows if r.report is None],
        "base_depth": user.org_unit.depth,
        "tab": "reports",
    }
    return render(request, "disputes/reports.html", context)


def report_for(user: User, pk: int) -> MonthlyReport:
    """A unit's month report: to the unit and the units above it; else 404."""
    if user.org_unit is None:
        raise Http404
    found = (
        MonthlyReport.objects.filter(pk=pk, unit__path__startswith=user.org_unit.path)
        .select_related("unit", "submitted_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _report_context(
    user: User, report: MonthlyReport, failed: FeedbackForm | None = None, on: int = 0
) -> dict[str, Any]:
    today = timezone.localdate()
    items = list(
        report.disputes.select_related("place", "owner_unit", "category").order_by("found_on")
    )
    given = {
        f.dispute_id: f for f in Feedback.objects.filter(report=report).select_related("given_by")
    }
    for d in items:
        d.clock = level_clock(d, today)  # type: ignore[attr-defined]
        d.given = given.get(d.pk)  # type: ignore[attr-defined]
        d.form = (  # type: ignore[attr-defined]
            failed
            if failed is not None and d.pk == on
            else FeedbackForm(prefix=f"f{d.pk}", initial={"on": today})
        )
    refused = failed is not None and any(d.pk == on and d.given for d in items)  # type: ignore[attr-defined]
    return {
        "refusals": failed.non_field_errors() if failed is not None and refused else [],
        "report": report,
        "items": items,
        "writer": may(user, Action.RECORD_DISPUTE),
        "today": today,
        "tab": "reports",
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _require(user, Action.VIEW_DISPUTES)
    report = report_for(user, pk)
    return render(request, "disputes/report.html", _report_context(user, report))


@login_required
@require_POST
def feedback(request: HttpRequest, pk: int, dispute: int) -> HttpResponse:
    """反馈: the unit's answer on one item of the district's 通报."""
    user = _user(request)
    _require(user, Action.RECORD_DISPUTE)
    report = report_for(user, pk)
    item = report.disputes.filter(pk=dispute).first()
    if item is None:
        raise Http404
    form = FeedbackForm(request.POST, prefix=f"f{item.pk}")
    if form.is_valid():
        try:
            services.feedback_give(
                actor=user,
                report=report,
                dispute=item,
                text=form.cleaned_data["text"],
                on=form.cleaned_data["on"],
            )
        except PermissionRefusedError as exc:
            raise PermissionDenied(exc.message) from exc
        except XinfangError as exc:
            add_error(form, exc, {"反馈日期": "on", "dispute": ""})
        except IntegrityError:
            form.add_error(None, f"纠纷{item.number}已反馈")
        else:
            messages.success(request, f"已反馈纠纷{item.number}。")
            return redirect(reverse("disputes:report", args=[report.pk]) + f"#d{item.pk}")
    context = _report_context(user, report, failed=form, on=item.pk)
    return render(request, "disputes/report.html", context, status=400)

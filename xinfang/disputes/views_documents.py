"""Pages of the disputes' documents: the 调解协议书 (printable, Word) and the month's 通报 (Word).

Thin: a mediation out of the reader's scope (core.permissions.visible_disputes) or without an
agreement is a 404; the 通报 is of the reader's own unit, for those who may see disputes.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from xinfang.accounts.models import User
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action, may, visible_disputes
from xinfang.disputes.choices import MediationResult
from xinfang.disputes.circular import build_circular, circular_docx
from xinfang.disputes.documents import Agreement, agreement_docx, agreement_of
from xinfang.disputes.models import Mediation
from xinfang.leaders.circular import Month, parse_month

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _agreement_for(user: User, pk: int) -> tuple[Mediation, Agreement]:
    if not may(user, Action.VIEW_DISPUTES):
        raise Http404
    mediation = (
        Mediation.objects.filter(
            pk=pk, result=MediationResult.SUCCESS, dispute__in=visible_disputes(user)
        )
        .select_related("dispute__place", "dispute__category", "dispute__owner_unit")
        .select_related("organisation")
        .first()
    )
    if mediation is None:
        raise Http404
    try:
        return mediation, agreement_of(mediation)
    except XinfangError as exc:  # concluded without an agreement text (imported): no document
        raise Http404 from exc


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    mediation, document = _agreement_for(request.user, pk)  # type: ignore[arg-type]
    context = {  # the documents' own print page: one page for every document we print
        "document": document,
        "docx_url": reverse("disputes:agreement_docx", args=[mediation.pk]),
        "back_url": reverse("disputes:detail", args=[mediation.dispute_id]),
        "back_label": "返回纠纷",
    }
    response = render(request, "documents/print.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def agreement_download(request: HttpRequest, pk: int) -> HttpResponse:
    mediation, document = _agreement_for(request.user, pk)  # type: ignore[arg-type]
    response = HttpResponse(agreement_docx(document), content_type=DOCX)
    return _attachment(response, f"{mediation.dispute.number}{document.title}.docx")


@login_required
@require_GET
def circular(request: HttpRequest) -> HttpResponse:
    """?month=YYYY-MM (default: this month) — the 通报 of the reader's unit, as Word."""
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.VIEW_DISPUTES) or user.org_unit is None:
        raise PermissionDenied
    raw = request.GET.get("month")
    try:
        today = timezone.localdate()
        month = parse_month(raw) if raw else Month(today.year, today.month)
        result = build_circular(org=user.org_unit, month=month, today=today)
    except XinfangError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(circular_docx(result), content_type=DOCX)
    return _attachment(response, f"{result['month']}矛盾纠纷排查化解工作通报.docx")

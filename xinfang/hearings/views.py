"""Hearing pages: record or schedule one from the matter page, a hearing's page, its documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import PermissionRefusedError, XinfangError
from xinfang.core.formtext import posted_text
from xinfang.core.permissions import Action, get_matter_for, may_hold_hearing
from xinfang.hearings import forms
from xinfang.hearings import services as hs
from xinfang.hearings.choices import HearingStatus
from xinfang.hearings.documents import hearing_document_docx, hearing_document_issue
from xinfang.hearings.models import Hearing, HearingDocument

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _hearing_for(user: User, pk: int) -> Hearing:
    """The hearing, or 404 for anyone who may not see its matter."""
    hearing = Hearing.objects.filter(pk=pk).select_related("matter", "host_unit").first()
    if hearing is None:
        raise Http404
    get_matter_for(user, hearing.matter_id, Action.VIEW_MATTER)
    return hearing


def _back(hearing: Hearing) -> HttpResponse:
    return redirect(reverse("hearings:detail", args=[hearing.pk]))


@login_required
@require_POST
def hearing_new(request: HttpRequest, matter_pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    matter = get_matter_for(user, matter_pk, Action.VIEW_MATTER)
    stage: str
    try:
        stage = hs.stage_of(matter)
    except XinfangError:
        stage = ""  # a matter in no hearing stage: the service says why, for those who may hold
    if not may_hold_hearing(user, matter, stage):
        raise PermissionDenied("您没有举行听证的权限")  # checked before the form, so never a 302
    back = reverse("intake:matter_detail", args=[matter.pk]) + "#h-hearings"
    try:
        data = forms.hearing_input(request.POST, user.org_unit)
        if request.POST.get("held") == "1":
            hearing = hs.hearing_record(
                actor=user,
                matter=matter,
                data=data,
                record=posted_text(request.POST, "record", "听证笔录"),
                conclusion=posted_text(request.POST, "conclusion", "听证结论"),
            )
        else:
            hearing = hs.hearing_schedule(actor=user, matter=matter, data=data)
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc  # a refusal, never a redirect that looks done
    except XinfangError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"已登记{hearing.get_stage_display()}听证")
    return _back(hearing)


@login_required
@require_GET
def hearing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    hearing = _hearing_for(user, pk)
    context = {
        "hearing": hearing,
        "matter": hearing.matter,
        "participants": hearing.participants.all(),
        "documents": hearing.documents.all(),
        "may_hold": may_hold_hearing(user, hearing.matter, hearing.stage),
        "planned": hearing.status == HearingStatus.PLANNED,
        "in_progress": hearing.status == HearingStatus.IN_PROGRESS,
        "held": hearing.status == HearingStatus.HELD,
    }
    response = render(request, "hearings/detail.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def hearing_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    hearing = _hearing_for(user, pk)
    try:
        if step == "begin":
            on = forms.typed_date(request.POST.get("on", ""), "听证开始日期")
            hs.hearing_begin(actor=user, hearing=hearing, on=on)
            messages.success(request, "已登记听证开始")
        elif step == "conclude":
            on = forms.typed_date(request.POST.get("on", ""), "听证结束日期")
            hs.hearing_conclude(
                actor=user,
                hearing=hearing,
                on=on,
                record=posted_text(request.POST, "record", "听证笔录"),
                conclusion=posted_text(request.POST, "conclusion", "听证结论"),
            )
            messages.success(request, "已登记听证笔录和结论")
        elif step in ("notice", "report"):
            document = hearing_document_issue(actor=user, hearing=hearing, kind=step)
            messages.success(request, f"已出具{document.get_kind_display()}，文号{document.number}")
        else:
            raise Http404
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        messages.error(request, exc.message)
    return _back(hearing)


def _document_for(user: User, pk: int) -> HearingDocument:
    document = HearingDocument.objects.filter(pk=pk).select_related("hearing").first()
    if document is None:
        raise Http404
    get_matter_for(user, document.hearing.matter_id, Action.VIEW_MATTER)
    return document


@login_required
@require_GET
def document_print(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document_for(request.user, pk)  # type: ignore[arg-type]
    context = {  # the documents' own print page: one page for every document we print
        "document": document,
        "docx_url": reverse("hearings:docx", args=[document.pk]),
        "matter_id": document.hearing.matter_id,
    }
    response = render(request, "documents/print.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document_for(request.user, pk)  # type: ignore[arg-type]
    response = HttpResponse(hearing_document_docx(document), content_type=DOCX)
    name = f"{document.number}{document.get_kind_display()}.docx"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response

"""Document pages: the printable page, the DOCX download, and issuing one from the matter page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import PermissionRefusedError, XinfangError
from xinfang.core.formtext import posted_text
from xinfang.core.permissions import Action, get_matter_for
from xinfang.documents.models import IssuedDocument
from xinfang.documents.selectors import documents_for, issuable_kinds
from xinfang.documents.services import document_issue
from xinfang.documents.word import document_docx
from xinfang.intake.models import Matter
from xinfang.workflow.models import SupervisionNotice

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _document_for(user: User, pk: int) -> IssuedDocument:
    """The document, or 404 for anyone who may not see its matter (the one permission question)."""
    document = IssuedDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404
    get_matter_for(user, document.matter_id, Action.VIEW_MATTER)
    return document


@login_required
@require_GET
def document_print(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document_for(request.user, pk)  # type: ignore[arg-type]
    context = {
        "document": document,
        "docx_url": reverse("documents:docx", args=[document.pk]),
        "matter_id": document.matter_id,
    }
    response = render(request, "documents/print.html", context)
    response["Cache-Control"] = "private, no-store"  # a petitioner's name: no stored copies
    return response


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document_for(request.user, pk)  # type: ignore[arg-type]
    response = HttpResponse(document_docx(document), content_type=DOCX)
    name = f"{document.number}{document.get_kind_display()}.docx"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"  # personal data: no shared or stored copies
    return response


@login_required
@require_POST
def document_issue_view(request: HttpRequest, matter_pk: int, kind: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    matter = get_matter_for(user, matter_pk, Action.VIEW_MATTER)
    notice = _notice(matter, request.POST.get("notice", ""))
    error, issued, status = "", None, 200
    try:
        note = posted_text(request.POST, "note", "备注")
        issued = document_issue(actor=user, matter=matter, kind=kind, notice=notice, note=note)
    except PermissionRefusedError as exc:
        # a refusal answers 403 like every other guard, not a redirect that reads as done
        error, status = exc.message, 403
    except XinfangError as exc:
        error = exc.message
    if status == 403 and not request.htmx:  # type: ignore[attr-defined]
        context = {"matter": matter, "error": error}
        return render(request, "documents/refused.html", context, status=403)
    if request.htmx:  # type: ignore[attr-defined]
        context = {
            "matter": matter,
            "documents": documents_for(matter),
            "issuable": issuable_kinds(user, matter),
            "error": error,
            "issued": issued,
        }
        response = render(request, "documents/_matter_documents.html", context, status=status)
        if issued is not None:
            response["HX-Trigger"] = "document-issued"  # the page may refresh its timeline
        return response
    if error:
        messages.error(request, error)
    else:
        assert issued is not None
        messages.success(request, f"已出具{issued.get_kind_display()}，文号{issued.number}")
    return redirect(reverse("intake:matter_detail", args=[matter.pk]) + "#h-documents")


def _notice(matter: Matter, raw: str) -> SupervisionNotice | None:
    if not raw:
        return None
    try:
        # a closed 督办 is not sent again, whatever a crafted form asks
        return SupervisionNotice.objects.get(pk=int(raw), matter=matter, closed_on__isnull=True)
    except (ValueError, SupervisionNotice.DoesNotExist) as exc:
        raise Http404 from exc

"""The public portal's pages. No login: a matter is reached only through its query code and secret,
remembered in the session for VERIFIED_MINUTES minutes. Every form comes back, on an error, with
what was typed, the files already accepted, and a Chinese message next to each field."""

import contextlib
import logging
import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core.errors import InputError, XinfangError
from xinfang.documents.models import IssuedDocument
from xinfang.documents.word import document_docx
from xinfang.intake.attachments import allowed_types_text, max_bytes, upload_check
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Category
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.portal import services
from xinfang.portal.forms import PURPOSE_HELP, EvaluationForm, PetitionForm, QueryForm, VersionForm
from xinfang.portal.models import PortalSubmission, StagedUpload
from xinfang.portal.selectors import DELIVERED_BY_OPENING, Progress, progress_for

log = logging.getLogger("xinfang.portal")

VERIFIED = "portal_verified"
RECEIPT = "portal_receipt"
VERIFIED_MINUTES = 30
# new petitions from one client address per hour (a retried one does not count); 0: no limit.
# Behind a proxy that hides the clients' addresses: settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 0
SUBMITS_PER_HOUR = 20
STAGED_HOURS = 24
# files a client address may leave on the disk per allowed petition of the hour (forms sent
# back with errors keep theirs for STAGED_HOURS, so they are counted when received)
FILES_PER_SUBMIT = 3
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_KEY = re.compile(r"^[0-9a-f]{32}$")
RESENT = (
    "这份表单已经提交过，登记的是当时填写的内容；下面修改后的内容还没有提交。"
    "如要反映另一件事，请核对后再次点击提交；如只是重复提交，无需再提交，请凭查询码查询进度"
)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"  # personal data: no stored copies
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"verified": _verified(request) is not None})


@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/notice.html")


# --- submitting --------------------------------------------------------------------------------


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _rate_key(request: HttpRequest) -> str:
    return f"portal:submits:{_client(request)}:{timezone.now():%Y%m%d%H}"


def _reserve(request: HttpRequest, limit: int) -> bool:
    """Take one of this address's new petitions of the hour, atomically; False when none left."""
    key = _rate_key(request)
    cache.add(key, 0, 3600)
    try:
        taken = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, 3600)
        taken = 1
    if taken > limit:
        _release(request)
        return False
    return True


def _file_slot(request: HttpRequest) -> bool:
    """One more file from this address this hour, kept on disk for a day even if the form is
    never sent: at most FILES_PER_SUBMIT per allowed petition (none counted when not limited)."""
    limit = int(getattr(settings, "XINFANG_PORTAL_SUBMITS_PER_HOUR", SUBMITS_PER_HOUR))
    if not limit:
        return True
    key = f"portal:files:{_client(request)}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, 3600)
    try:
        taken = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        taken = 1
    return taken <= limit * FILES_PER_SUBMIT


def _release(request: HttpRequest) -> None:
    with contextlib.suppress(ValueError):  # the hour's count is gone already
        cache.decr(_rate_key(request))


def _stage(key: str, upload: UploadedFile) -> StagedUpload | None:
    """Keep a checked file for this form; the same file twice is kept once."""
    import hashlib

    checked = upload_check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    sha = digest.hexdigest()
    if StagedUpload.objects.filter(form_key=key, sha256=sha).exists():
        return None
    staged = StagedUpload(
        form_key=key,
        original_name=checked.name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=sha,
    )
    staged.file.save(f"{uuid.uuid4().hex}{checked.extension}", upload, save=False)
    try:
        staged.save()
    except IntegrityError:  # a twin request kept it first
        staged.file.delete(save=False)
        return None
    return staged


def _unstage(rows: list[StagedUpload]) -> None:
    for row in rows:
        row.file.delete(save=False)
        StagedUpload.objects.filter(pk=row.pk).delete()


def _sweep() -> None:
    """Files of forms abandoned more than a day ago."""
    old = list(
        StagedUpload.objects.filter(created_at__lt=timezone.now() - timedelta(hours=STAGED_HOURS))[
            :50
        ]
    )
    _unstage(old)


def _reopen(staged: list[StagedUpload]) -> list[UploadedFile]:
    files: list[UploadedFile] = []
    for row in staged:
        try:
            handle = row.file.open("rb")
        except FileNotFoundError:  # a twin request of this form finished and cleared it
            continue
        files.append(
            UploadedFile(
                file=handle, name=row.original_name, content_type=row.content_type, size=row.size
            )
        )
    return files


def _submit_context(form: PetitionForm, key: str, staged: list[StagedUpload]) -> dict[str, Any]:
    form.mark_errors()
    categories = list(form.fields["category"].queryset)  # type: ignore[attr-defined]
    return {
        "form": form,
        "key": key,
        "staged": staged,
        "purpose_help": PURPOSE_HELP,
        "purposes": [(value, label, PURPOSE_HELP[value]) for value, label in Purpose.choices],
        "category_groups": _category_groups(categories),
        "locality_groups": _locality_groups(list(form.fields["locality"].queryset)),  # type: ignore[attr-defined]
        "allowed_types": allowed_types_text(),
        "max_mb": max_bytes() // (1024 * 1024),
        "max_files": services.MAX_FILES,
        "content_min": services.CONTENT_MIN,
        "content_max": services.CONTENT_MAX,
    }


def _category_groups(categories: list[Category]) -> list[tuple[str, list[Category]]]:
    """Top-level names as <optgroup>s, their children as the options (a leaf top stands alone)."""
    children: dict[int, list[Category]] = {}
    for c in categories:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    groups: list[tuple[str, list[Category]]] = []
    for c in categories:
        if c.parent_id is None:
            groups.append((c.name, children.get(c.pk, [c])))
    return groups


def _locality_groups(units: list[OrgUnit]) -> list[tuple[str, list[tuple[OrgUnit, str]]]]:
    """One <optgroup> per 区县: the district itself (street unknown), then its streets; above
    them the tree's root (district unknown)."""
    by_parent: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    groups: list[tuple[str, list[tuple[OrgUnit, str]]]] = []
    for unit in units:
        if unit.kind == UnitKind.CITY:
            groups.append((unit.name, [(unit, f"{unit.name}（不清楚在哪个区县）")]))
        elif unit.kind == UnitKind.DISTRICT:
            streets = [(s, s.name) for s in by_parent.get(unit.pk, []) if s.kind == UnitKind.STREET]
            groups.append((unit.name, [(unit, f"{unit.name}（不清楚具体街道）"), *streets]))
    return groups


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        key = services.new_idempotency_key()
        form = PetitionForm(initial={"key": key})
        return _private(render(request, "portal/submit.html", _submit_context(form, key, [])))
    key = request.POST.get("key", "")
    if not _KEY.match(key):
        key = services.new_idempotency_key()  # a form from elsewhere: a fresh one
    data = request.POST.copy()
    repeated = services.submission_existing(key)
    resent = False
    if repeated is not None:
        if _same_petition(repeated.registration, data):
            # a double click or a retried request: the same submission
            return _receipt_redirect(request, repeated)
        # the same form (its key kept by the back button) with other content: not the first
        # one again, and not silently dropped either — shown back with a fresh key
        key, resent = services.new_idempotency_key(), True
    data["key"] = key
    form = PetitionForm(data)
    _sweep()
    for raw in request.POST.getlist("remove_upload"):
        if raw.isascii() and raw.isdigit() and len(raw) <= 18:  # "²".isdigit() too
            _unstage(list(StagedUpload.objects.filter(form_key=key, pk=int(raw))))
    file_errors: list[str] = []
    kept_files = StagedUpload.objects.filter(form_key=key).count()
    for upload in request.FILES.getlist("attachments"):
        name = PurePath(upload.name or "附件").name
        if kept_files >= services.MAX_FILES:
            # a form keeps at most MAX_FILES files: more are not written to the disk at all
            file_errors.append(f"附件最多{services.MAX_FILES}个，“{name}”未保存")
            continue
        if not _file_slot(request):
            file_errors.append(
                f"本网络上传的附件过多，“{name}”未保存，请一小时后再试；您填写的内容已保留在本页"
            )
            continue
        try:
            if _stage(key, upload) is not None:
                kept_files += 1
        except InputError as exc:
            file_errors.append(f"{exc.message}。此文件未保存，请换一个文件重新选择")
    staged = list(StagedUpload.objects.filter(form_key=key))
    if "remove_upload" in request.POST and not file_errors:
        # only a file removed: the form again as typed, nothing sent, no errors yet
        kept = PetitionForm(initial={name: data.get(name) for name in form.fields})
        messages.info(request, "已删除该附件。")
        return _private(render(request, "portal/submit.html", _submit_context(kept, key, staged)))
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    petition = services.PetitionInput(
        purpose=str(cleaned.get("purpose") or data.get("purpose", "")),
        content=str(data.get("content", "")),
        category=cleaned.get("category"),
        locality=cleaned.get("locality"),
        name=str(data.get("name", "")),
        id_number=str(data.get("id_number", "")),
        phone=str(data.get("phone", "")),
        address=str(data.get("address", "")),
    )
    for problem in services.petition_problems(petition):
        if problem.field and problem.field not in form.errors:
            form.add_error(problem.field, problem.message)
    if len(staged) > services.MAX_FILES:
        file_errors.append(f"附件最多{services.MAX_FILES}个，请删除多余的附件")
    for message in file_errors:
        form.add_error("attachments", message)
    if resent:
        form.add_error(None, RESENT)
    limit = int(getattr(settings, "XINFANG_PORTAL_SUBMITS_PER_HOUR", SUBMITS_PER_HOUR))
    reserved = False
    if not form.errors and limit:
        # the slot is taken before registering, so that racing requests cannot all pass
        reserved = _reserve(request, limit)
        if not reserved:
            form.add_error(None, "本网络提交过于频繁，请一小时后再试；您填写的内容已保留在本页")
    if form.errors:
        response = render(request, "portal/submit.html", _submit_context(form, key, staged))
        response.status_code = 400
        return _private(response)
    petition.uploads = _reopen(staged)
    created = False
    try:
        result = services.online_petition_submit(data=petition, idempotency_key=key)
        created = result.created
    except InputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        response = render(request, "portal/submit.html", _submit_context(form, key, staged))
        response.status_code = 400
        return _private(response)
    finally:
        for upload in petition.uploads:
            upload.close()
        if reserved and not created:  # refused, failed, or a twin's: the slot is given back
            _release(request)
    _unstage(staged)
    return _receipt_redirect(request, result)


def _same_petition(registration: Any, data: Any) -> bool:
    """Whether a form sent again says what the registered submission says (what a double click
    or a retry sends): its text, purpose, category, place, name and phone."""

    def typed(name: str) -> str:
        return unicodedata.normalize("NFKC", str(data.get(name, ""))).strip()

    return (
        registration.content == str(data.get("content", "")).strip()
        and registration.purpose == typed("purpose")
        and str(registration.category_id or "") == typed("category")
        and str(registration.locality_id or "") == typed("locality")
        and registration.petitioner_name == str(data.get("name", "")).strip()
        and registration.petitioner_phone == typed("phone")
    )


def _receipt_redirect(request: HttpRequest, result: services.Submission) -> HttpResponse:
    phone = result.registration.petitioner_phone
    request.session[RECEIPT] = {
        "code": result.query_code,
        "secret": result.secret,
        "sms": services.is_mobile(phone),
        "phone_tail": phone[-4:] if phone else "",
        "number": result.matter.number,  # the number every later paper names, not the 登记编号
        "at": _when(result.registration.received_at),
        # shown again on a reload for a while, not for the session's life
        "until": (timezone.now() + timedelta(minutes=VERIFIED_MINUTES)).timestamp(),
    }
    _remember(request, result.record)
    return redirect("portal:receipt")


def _when(at: datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    data = request.session.get(RECEIPT)
    if data and datetime.fromtimestamp(data.get("until", 0), tz=UTC) < timezone.now():
        request.session.pop(RECEIPT, None)
        data = None
    if not data:
        return redirect("portal:query")
    context = {**data, "code_text": services.display_code(data["code"])}
    context["secret_text"] = services.display_code(data["secret"])
    return _private(render(request, "portal/receipt.html", context))


# --- the code and secret -----------------------------------------------------------------------


def _remember(request: HttpRequest, record: PortalSubmission) -> None:
    until = timezone.now() + timedelta(minutes=VERIFIED_MINUTES)
    request.session.cycle_key()  # a new session id once someone proved a code
    request.session[VERIFIED] = {"code": record.query_code, "until": until.timestamp()}
    if not request.user.is_authenticated:
        # the session holds the code (and on a receipt the secret): it ends with them, in the
        # browser and in the session table; a staff login in this browser keeps its own length
        request.session.set_expiry(VERIFIED_MINUTES * 60)


def _verified(request: HttpRequest) -> PortalSubmission | None:
    data = request.session.get(VERIFIED)
    if not data:
        return None
    if datetime.fromtimestamp(data["until"], tz=UTC) < timezone.now():
        request.session.pop(VERIFIED, None)
        return None
    return (
        PortalSubmission.objects.select_related("registration__matter")
        .filter(query_code=data["code"], registration__isnull=False)
        .first()
    )


@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _private(render(request, "portal/query.html", {"form": QueryForm()}))
    form = QueryForm(request.POST)
    if form.is_valid():
        try:
            record = services.submission_verify(
                query_code=form.cleaned_data["query_code"],
                secret=form.cleaned_data["secret"],
                client=_client(request),
            )
        except XinfangError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            _remember(request, record)
            return redirect("portal:progress")
    response = render(request, "portal/query.html", {"form": form})
    response.status_code = 400
    return _private(response)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(VERIFIED, None)
    request.session.pop(RECEIPT, None)
    messages.info(request, "已退出查询。再次查询时请输入查询码和查询密码。")
    return redirect("portal:home")


# --- progress and the petitioner's steps -------------------------------------------------------


def _progress_page(
    request: HttpRequest,
    record: PortalSubmission,
    *,
    evaluation_form: EvaluationForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    assert record.registration is not None
    progress = progress_for(record.registration.matter, record.registration)
    form = evaluation_form or EvaluationForm(initial={"version": progress.matter.version})
    context = {
        "record": record,
        "code_text": services.display_code(record.query_code),
        "p": progress,
        "evaluation_form": form,
        "error": error,
        "delivered_kinds": DELIVERED_BY_OPENING,
    }
    response = render(request, "portal/progress.html", context)
    response.status_code = status
    return _private(response)


def _need_code(request: HttpRequest) -> HttpResponse:
    messages.info(request, "请输入查询码和查询密码；查询状态保留30分钟，超时需要重新输入。")
    return redirect(f"{reverse('portal:query')}")


@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    record = _verified(request)
    if record is None:
        return _need_code(request)
    return _progress_page(request, record)


@require_POST
def evaluate(request: HttpRequest) -> HttpResponse:
    record = _verified(request)
    if record is None:
        return _need_code(request)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        return _progress_page(request, record, evaluation_form=form, status=400)
    try:
        services.evaluation_submit(
            record=record,
            version=form.cleaned_data["version"],
            evaluation=form.cleaned_data["evaluation"],
        )
    except XinfangError as exc:
        # said at the top: the form itself may be gone (already evaluated, not yet delivered)
        return _progress_page(request, record, error=exc.message, status=400)
    messages.success(request, "感谢您的评价，已记录。")
    return redirect("portal:progress")


def _ask(request: HttpRequest, which: str) -> HttpResponse:
    """GET: what asking means, and a button; POST: ask."""
    record = _verified(request)
    if record is None:
        return _need_code(request)
    label = "复查" if which == "review" else "复核"
    if request.method != "POST":
        assert record.registration is not None
        p = progress_for(record.registration.matter, record.registration)
        window = p.review if which == "review" else p.rereview
        if not window.open:
            return _progress_page(request, record, error=window.reason, status=400)
        context = {"p": p, "window": window, "which": which, "label": label}
        return _private(render(request, "portal/ask.html", context))
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _progress_page(request, record, error="页面已过期，请刷新后重试", status=400)
    ask = services.review_ask if which == "review" else services.rereview_ask
    try:
        ask(record=record, version=form.cleaned_data["version"])
    except XinfangError as exc:
        return _progress_page(request, record, error=exc.message, status=400)
    messages.success(request, f"您的{label}申请已提交，将在30日内作出{label}意见。")
    return redirect("portal:progress")


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    return _ask(request, "review")


@require_http_methods(["GET", "POST"])
def rereview(request: HttpRequest) -> HttpResponse:
    return _ask(request, "rereview")


def _document(request: HttpRequest, pk: int) -> tuple[PortalSubmission, Progress, IssuedDocument]:
    record = _verified(request)
    if record is None or record.registration is None:
        raise Http404
    progress = progress_for(record.registration.matter, record.registration)
    document = next((d for d in progress.documents if d.pk == pk), None)
    if document is None:
        raise Http404
    return record, progress, document


@require_GET
def document_page(request: HttpRequest, pk: int) -> HttpResponse:
    if _verified(request) is None:
        return _need_code(request)
    record, _, document = _document(request, pk)
    assert record.registration is not None
    after = progress_for(record.registration.matter, record.registration)
    context = {"document": document, "p": after}
    return _private(render(request, "portal/document.html", context))


@require_POST
def document_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """「确认收到」on an opinion not yet delivered: 网上送达 on that day (a POST, never on merely
    opening a page — a link from elsewhere must not start the petitioner's 30 days)."""
    if _verified(request) is None:
        return _need_code(request)
    record, progress, document = _document(request, pk)
    if document in progress.undelivered:
        try:
            services.opinion_open(record=record)
        except XinfangError:
            log.exception("portal: online delivery of document %s not recorded", pk)
    return redirect("portal:document", pk=pk)


@require_GET
def document_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    if _verified(request) is None:
        return _need_code(request)
    _, _, document = _document(request, pk)
    response = HttpResponse(document_docx(document), content_type=DOCX)
    name = PurePath(f"{document.number}{document.get_kind_display()}.docx").name
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    return _private(response)

"""The petitioner's own actions, online: submit a petition, prove the query code, take the steps
the regulations leave to them (收到意见, 评价, 申请复查, 申请复核).

Public contract (the portal's pages and Open311 call it):

    online_petition_submit(*, data: PetitionInput, idempotency_key: str,
                           source: Source = Source.PORTAL) -> Submission

The same key again returns the same submission — no second matter, even when two requests race
(the key is claimed first, under a unique constraint). The key must be unguessable (the portal's
form carries a random one); a caller that takes keys from outside (Open311) must put its own
client in front of them, since whoever repeats a key gets that submission's code and secret back.

Whose hand: every step is taken by one system account, 网上信访平台 (username `portal-system`,
role 登记员 at the root of the organisation tree, no usable password, so it cannot log in). The
matter's history names it as the actor; a `portal.*` event next to each step carries the query
code. The secret is never stored: only a password hash of it (django's hashers); it is derived from
the idempotency key with the server's key, so a repeated request can show it again.
"""

import logging
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from xinfang.accounts.models import Role, User
from xinfang.core.audit import audit_record
from xinfang.core.errors import ConflictError, InputError, XinfangError
from xinfang.core.formtext import unsafe_text_message
from xinfang.intake.attachments import registration_create_with_attachments, upload_check
from xinfang.intake.choices import Channel, Level, Purpose, Source
from xinfang.intake.idcard import InvalidIdNumberError, parse_id_number
from xinfang.intake.models import Category, Matter, Petitioner, Registration
from xinfang.intake.services import PersonInput, RegistrationInput
from xinfang.organisation.models import OrgUnit
from xinfang.portal.models import PortalSubmission, QueryLock
from xinfang.workflow import services as workflow
from xinfang.workflow.models import MatterWorkflow
from xinfang.workflow.states import MatterStatus

log = logging.getLogger("xinfang.portal")

PORTAL_USERNAME = "portal-system"
PORTAL_DISPLAY_NAME = "网上信访平台"
# codes and secrets are read aloud and typed on phones: no 0/O, 1/I
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
SECRET_LENGTH = 8
MAX_FAILURES = 5  # wrong secrets in a row before the code is locked
LOCK_MINUTES = 15
CONTENT_MIN = 10
CONTENT_MAX = 5000
MAX_FILES = 10
# ASCII digits only: \d would take any script's digits and keep them in the file
_PHONE = re.compile(r"^(?:1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$")


class LockedError(XinfangError):
    """Too many wrong secrets for one code: it is locked for a while."""


@dataclass
class PetitionInput:
    """What a petitioner gives online. Identity is optional for a suggestion or an accusation;
    a 申诉求决 is answered in writing, so it needs a name and a phone (or ID number)."""

    purpose: str
    content: str
    category: Category | None = None
    locality: OrgUnit | None = None
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    uploads: list[UploadedFile] = field(default_factory=list)
    received_at: datetime | None = None  # None: now

    def __post_init__(self) -> None:
        # full-width digits and letters (a Chinese input method's) are the ASCII ones
        self.phone = unicodedata.normalize("NFKC", self.phone)
        self.id_number = unicodedata.normalize("NFKC", self.id_number)


@dataclass(frozen=True)
class Submission:
    record: PortalSubmission
    registration: Registration
    matter: Matter
    query_code: str
    secret: str
    created: bool  # False: the key was seen before, this is that submission


# --- codes and secrets -----------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """What the petitioner typed, as stored: upper case, without spaces or dashes; full-width
    letters and digits (a Chinese input method's) read as the ASCII ones (NFKC)."""
    return re.sub(r"[\s\-－—_]", "", unicodedata.normalize("NFKC", raw or "")).upper()


def display_code(code: str) -> str:
    """ABCD-EFGH: easier to read out and to copy by hand."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def _random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _new_code() -> str:
    while True:
        code = _random_code()
        if not PortalSubmission.objects.filter(query_code=code).exists():
            return code


def secret_for(idempotency_key: str) -> str:
    """The secret of a submission, from its key and the server's secret key (HMAC): nothing of it
    is stored, a look-up derives it again. A keyed hash, not a slow password hash: the secret is
    machine-made (40 random bits), guessing online stops after MAX_FAILURES, and without the
    server's key a stolen table gives nothing to try — while PBKDF2 would cost every look-up ~0.3 s
    of CPU (benchmarks/portal_load.py)."""
    digest = salted_hmac("xinfang.portal.secret", idempotency_key).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:SECRET_LENGTH])


def new_idempotency_key() -> str:
    return secrets.token_hex(16)


# --- the system account ----------------------------------------------------------------------


def portal_actor() -> User:
    """网上信访平台: the account the portal acts as. Created on first use, at the tree's root."""
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("id").first()
    user, created = User.objects.get_or_create(
        username=PORTAL_USERNAME,
        defaults={
            "display_name": PORTAL_DISPLAY_NAME,
            "role": Role.REGISTRAR,
            "org_unit": root,
            "is_active": True,
        },
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif root is not None and user.org_unit_id is None:
        user.org_unit = root
        user.save(update_fields=["org_unit"])
    return user


# --- submitting ------------------------------------------------------------------------------


def petition_check(data: PetitionInput) -> None:
    """Raise the first of `petition_problems`."""
    problems = petition_problems(data)
    if problems:
        raise problems[0]


def petition_problems(data: PetitionInput) -> list[InputError]:
    """Every rule of the online form that `data` breaks, each naming its field, in Chinese."""
    out: list[InputError] = []

    def bad(message: str, name: str) -> None:
        if all(problem.field != name for problem in out):  # one message per field
            out.append(InputError(message, field=name))

    if data.purpose not in Purpose.values:
        bad("请选择信访目的：建议意见、检举控告或申诉求决", "purpose")
    if data.category is not None and not data.category.active:
        bad("所选问题类别已停用，请重新选择", "category")
    if data.locality is not None and not data.locality.active:
        bad("所选问题发生地已停用，请重新选择", "locality")
    content = data.content.strip()
    if not content:
        bad("请填写反映的问题和您的诉求", "content")
    elif len(content) < CONTENT_MIN:
        bad(
            f"反映的内容太短（{len(content)}字），请至少写{CONTENT_MIN}个字，说明事实和诉求",
            "content",
        )
    elif len(content) > CONTENT_MAX:
        bad(
            f"反映的内容为{len(content)}字，超过{CONTENT_MAX}字上限；较长的材料请作为附件上传",
            "content",
        )
    name, phone, id_number = data.name.strip(), data.phone.strip(), data.id_number.strip()
    address = data.address.strip()
    if data.purpose == Purpose.REQUEST and not name:
        bad("申诉求决类信访需要书面答复您本人，请填写姓名（建议意见、检举控告可以不署名）", "name")
    elif (phone or id_number or address) and not name:
        bad("填写了联系方式的，请同时填写姓名；不愿署名的，请把联系方式也留空", "name")
    if len(name) > 64:
        bad("姓名不能超过64个字", "name")
    if id_number:
        try:
            parse_id_number(id_number)
        except InvalidIdNumberError as exc:
            bad(f"{exc}，请核对后重新填写", "id_number")
    if phone and not _PHONE.match(phone):
        bad(
            "联系电话格式不正确：请填写11位手机号码，或带区号的固定电话（如0571-12345678）", "phone"
        )
    elif data.purpose == Purpose.REQUEST and not phone:
        bad("申诉求决类信访需要与您联系并送达答复，请填写联系电话", "phone")
    if len(address) > 255:
        bad("住址不能超过255个字", "address")
    texts = {"content": data.content, "name": data.name, "phone": data.phone}
    texts.update(id_number=data.id_number, address=data.address)
    for name, text in texts.items():  # the forms' one rule, for callers without the form
        message = unsafe_text_message(text)
        if message is not None:
            bad(message, name)
    if len(data.uploads) > MAX_FILES:
        bad(f"附件最多{MAX_FILES}个", "attachments")
    for upload in data.uploads:
        try:
            upload_check(upload)
        except InputError as exc:
            bad(exc.message, "attachments")
    return out


def _person(data: PetitionInput) -> tuple[PersonInput | None, str]:
    """The petitioner to register, and an ID number typed but not linked (see below)."""
    name = data.name.strip()
    if not name:
        return None, ""
    phone, id_number = data.phone.strip(), data.id_number.strip().upper()
    if id_number:
        holder = Petitioner.objects.with_id_number(id_number).first()
        # An ID number already on file links this petition to that person's file — and would
        # let the form rewrite their name and contact. Online nobody has seen the card: link only
        # when name and phone agree with the file; otherwise the number waits for the staff.
        if holder is not None and (holder.name != name or (phone and holder.phone != phone)):
            return PersonInput(name=name, phone=phone, address=data.address.strip()), id_number
    return PersonInput(
        name=name, id_number=id_number, phone=phone, address=data.address.strip()
    ), ""


def online_petition_submit(
    *, data: PetitionInput, idempotency_key: str, source: Source = Source.PORTAL
) -> Submission:
    """Register an online petition (a new matter) and give its query code and secret.

    Raises InputError (with `field`) for bad input, before anything is written."""
    key = idempotency_key.strip()
    if not 16 <= len(key) <= 128:
        raise ValueError("idempotency_key must be 16 to 128 characters")
    if source not in (Source.PORTAL, Source.API):
        raise ValueError("online petitions come through the portal or an API")
    found = submission_existing(key)
    if found is not None:
        return found
    petition_check(data)
    actor = portal_actor()
    person, unlinked_id = _person(data)
    secret = secret_for(key)
    try:
        with transaction.atomic():
            # claim the key first: a racing twin waits here, then finds it taken
            record = PortalSubmission.objects.create(
                idempotency_key=key,
                query_code=_new_code(),
                source=source,
                claimed_id_number=unlinked_id,
            )
            registration = registration_create_with_attachments(
                actor=actor,
                data=RegistrationInput(
                    channel=Channel.ONLINE,
                    received_at=data.received_at or timezone.now(),
                    level=Level.LOCAL,
                    people=1,
                    content=data.content.strip(),
                    category=data.category,
                    purpose=data.purpose,
                    locality=data.locality,
                    petitioner=person,
                ),
                uploads=list(data.uploads),
                source=source,
            )
            record.registration = registration
            record.save(update_fields=["registration"])
            audit_record(
                actor=actor,
                action="portal.submit",
                obj=record,
                matter=registration.matter,
                data={
                    "query_code": record.query_code,
                    "registration": registration.number,
                    "source": str(source),
                    "attachments": len(data.uploads),
                    "anonymous": person is None,
                    **({"id_number_not_linked": True} if unlinked_id else {}),
                },
            )
    except IntegrityError:
        found = submission_existing(key)
        if found is None:
            raise
        return found
    if person is not None and person.phone and is_mobile(person.phone):
        number = record.query_code
        transaction.on_commit(lambda: _send_code(person.phone, number))
    return Submission(
        record, registration, registration.matter, record.query_code, secret, created=True
    )


def submission_existing(key: str) -> Submission | None:
    record = (
        PortalSubmission.objects.select_related("registration__matter")
        .filter(idempotency_key=key, registration__isnull=False)
        .first()
    )
    if record is None or record.registration is None:
        return None
    registration = record.registration
    return Submission(
        record, registration, registration.matter, record.query_code, secret_for(key), False
    )


def is_mobile(phone: str) -> bool:
    return bool(re.fullmatch(r"1[0-9]{10}", phone))


def sms_text(code: str) -> str:
    """The SMS: the code only. The secret is shown once on screen and never sent: a mistyped
    number must not hand a stranger both halves."""
    return (
        f"您的网上信访已收到，查询码{display_code(code)}。请凭查询码和提交时页面显示的查询密码"
        "在网上信访平台查询办理进度。"
    )


def _send_code(phone: str, code: str) -> None:
    from xinfang.notifications.backends import backend

    try:
        backend("sms").send(phone, "网上信访查询码", sms_text(code))
    except Exception:  # a failed SMS must not undo a registered petition; the screen shows it
        log.exception("portal: the query-code SMS could not be sent")


# --- proving the code ------------------------------------------------------------------------


def _lock_key(code: str, client: str) -> str:
    return salted_hmac("xinfang.portal.query-lock", f"{code}|{client}").hexdigest()


def _locked_out(until: datetime, now: datetime) -> LockedError:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return LockedError(
        f"查询密码连续输错{MAX_FAILURES}次，该查询码在本设备上已暂时锁定，请{minutes}分钟后再试",
        field="secret",
    )


def submission_verify(*, query_code: str, secret: str, client: str) -> PortalSubmission:
    """The submission, when the secret matches its code. Five wrong secrets in a row for one code
    from one `client` (its address) keep that client from the code for LOCK_MINUTES minutes; the
    petitioner on another device is not kept out. A code that does not exist answers exactly like
    one that does — the same words, the same count to the lock, the same work (one look-up, one
    keyed hash, the lock row, a log line and an audit row at the lock) — so the answers tell
    nobody which codes exist."""
    code, typed = normalise_code(query_code), normalise_code(secret)
    if not code:
        raise InputError("请填写查询码", field="query_code")
    if not typed:
        raise InputError("请填写查询密码", field="secret")
    wrong = InputError("查询码或查询密码不正确，请核对后重新输入", field="secret")
    record = (
        PortalSubmission.objects.filter(query_code=code, registration__isnull=False)
        .select_related("registration__matter")
        .first()
    )
    # an unknown code is compared with a secret nobody has, so both take the same path
    expected = secret_for(record.idempotency_key if record else f"unknown:{code}")
    key, now = _lock_key(code, client), timezone.now()
    with transaction.atomic():
        lock = QueryLock.objects.select_for_update().filter(key=key).first()
        if lock is not None and lock.locked_until is not None and lock.locked_until > now:
            raise _locked_out(lock.locked_until, now)
        if record is not None and constant_time_compare(expected, typed):
            if lock is not None:
                lock.delete()  # wrong secrets in a row: this one ends the row
            return record
        if lock is None:
            lock, _ = QueryLock.objects.select_for_update().get_or_create(key=key)
        lock.failures += 1
        until = None
        if lock.failures >= MAX_FAILURES:
            until = now + timedelta(minutes=LOCK_MINUTES)
            lock.failures, lock.locked_until = 0, until
            log.warning(
                "portal: a client locked out of a query code after %d wrong secrets", MAX_FAILURES
            )
            audit_record(
                actor=None,  # a member of the public
                action="portal.lockout",
                obj=record or lock,
                matter=record.registration.matter if record and record.registration else None,
                data={"query_code": code, "attempts": MAX_FAILURES, "minutes": LOCK_MINUTES},
            )
        lock.save(update_fields=["failures", "locked_until", "updated_at"])
    if until is not None:
        raise _locked_out(until, now)
    raise wrong


def query_locks_clear(*, now: datetime | None = None) -> int:
    """Housekeeping: lock rows neither locked nor touched for a day (a few wrong secrets long
    ago start afresh)."""
    now = now or timezone.now()
    stale = QueryLock.objects.filter(updated_at__lt=now - timedelta(days=1)).exclude(
        locked_until__gt=now
    )
    return stale.delete()[0]


# --- the petitioner's steps ------------------------------------------------------------------


def _matter(record: PortalSubmission) -> Matter:
    assert record.registration is not None
    return Matter.objects.get(pk=record.registration.matter_id)


def _note(record: PortalSubmission, step: str, matter: Matter, **extra: object) -> None:
    audit_record(
        actor=portal_actor(),
        action="portal.action",
        obj=record,
        matter=matter,
        data={"query_code": record.query_code, "step": step, **extra},
    )


def opinion_open(*, record: PortalSubmission, on: date | None = None) -> Matter:
    """网上送达: the petitioner opened the issued 处理意见书 / 复查意见书 in the portal. Records its
    delivery if nobody has yet (that starts the window to ask for review / re-review)."""
    from xinfang.documents.kinds import DocumentKind
    from xinfang.documents.models import IssuedDocument

    matter = _matter(record)
    flow = MatterWorkflow.objects.filter(matter=matter).first()
    issued = set(IssuedDocument.objects.filter(matter=matter).values_list("kind", flat=True))
    actor = portal_actor()
    with transaction.atomic():
        if (
            matter.status == MatterStatus.REPLIED
            and DocumentKind.REPLY in issued
            and (flow is None or flow.reply_delivered_on is None)
        ):
            matter = workflow.reply_deliver(
                actor=actor, matter=matter, version=matter.version, on=on
            )
            _note(record, "deliver_reply", matter, on=(on or timezone.localdate()).isoformat())
        elif (
            matter.status == MatterStatus.REVIEWED
            and DocumentKind.REVIEW in issued
            and (flow is None or flow.review_delivered_on is None)
        ):
            matter = workflow.review_deliver(
                actor=actor, matter=matter, version=matter.version, on=on
            )
            _note(record, "deliver_review", matter, on=(on or timezone.localdate()).isoformat())
    return matter


def _step(record: PortalSubmission, version: int, step: str, **kwargs: object) -> Matter:
    matter = _matter(record)
    services: dict[str, Callable[..., Matter]] = {
        "evaluate": workflow.evaluation_record,
        "request_review": workflow.review_request,
        "request_rereview": workflow.rereview_request,
    }
    service = services[step]
    with transaction.atomic():
        try:
            moved: Matter = service(actor=portal_actor(), matter=matter, version=version, **kwargs)
        except ConflictError as exc:
            raise ConflictError(
                "事项的办理情况已有更新，本次操作未保存，请查看最新进度后重试", field=exc.field
            ) from exc
        _note(record, step, moved)
    return moved


def evaluation_submit(
    *, record: PortalSubmission, version: int, evaluation: str, on: date | None = None
) -> Matter:
    """满意度评价 by the petitioner: once per delivered opinion (the rule is
    xinfang.workflow.entry.evaluation_given, the same for the staff)."""
    from xinfang.portal.selectors import evaluation_state

    allowed, reason = evaluation_state(_matter(record))
    if not allowed:
        # checked at the state the page's version names: a change since then is a conflict
        raise InputError(reason, field="evaluation")
    return _step(record, version, "evaluate", evaluation=evaluation, on=on)


def review_ask(*, record: PortalSubmission, version: int, on: date | None = None) -> Matter:
    """申请复查, inside its window (the service refuses it outside)."""
    return _step(record, version, "request_review", on=on)


def rereview_ask(*, record: PortalSubmission, version: int, on: date | None = None) -> Matter:
    """申请复核, inside its window."""
    return _step(record, version, "request_rereview", on=on)

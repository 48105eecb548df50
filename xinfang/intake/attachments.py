"""Attachments: an upload is checked by its first bytes and size, stored outside the web root."""

import hashlib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, cast

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from xinfang.core.audit import audit_record
from xinfang.core.config import domain_setting
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, may, user_of
from xinfang.intake.choices import AttachmentKind, Channel, Source
from xinfang.intake.models import Attachment, Matter, Registration
from xinfang.intake.services import RegistrationInput, registration_create

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# First bytes of each accepted type; a docx is a zip that holds word/document.xml.
SIGNATURES: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("application/pdf", (b"%PDF-",)),
    ("image/jpeg", (b"\xff\xd8\xff",)),
    ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ("image/tiff", (b"II*\x00", b"MM\x00*")),
    (DOCX, (b"PK\x03\x04",)),
)
TYPE_LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
    DOCX: "DOCX",
}


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    name: str
    content_type: str
    extension: str
    size: int


def allowed_types_text() -> str:
    types: dict[str, list[str]] = domain_setting("ATTACHMENT_TYPES")
    return "、".join(TYPE_LABELS.get(t, t) for t in types)


def max_bytes() -> int:
    return int(domain_setting("ATTACHMENT_MAX_BYTES"))


def sniff(head: bytes, upload: UploadedFile) -> str | None:
    """The content type the first bytes show, or None when they match no accepted type."""
    for content_type, signatures in SIGNATURES:
        if any(head.startswith(sig) for sig in signatures):
            if content_type == DOCX and not _is_docx(upload):
                return None
            return content_type
    return None


def upload_check(upload: UploadedFile) -> CheckedUpload:
    """The upload with its real type, or InputError saying in Chinese what is wrong with it."""
    name = PurePath(upload.name or "附件").name
    size = upload.size or 0
    if size == 0:
        raise InputError(f"“{name}”是空文件", field="attachments")
    limit = max_bytes()
    if size > limit:
        raise InputError(
            f"“{name}”大小为{_megabytes(size)}，超过上限{_megabytes(limit)}", field="attachments"
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    types: dict[str, list[str]] = domain_setting("ATTACHMENT_TYPES")
    content_type = sniff(head, upload)
    if content_type is None or content_type not in types:
        raise InputError(
            f"“{name}”不是允许的文件类型（只收{allowed_types_text()}）", field="attachments"
        )
    extension = PurePath(name).suffix.lower()
    if extension not in types[content_type]:
        raise InputError(
            f"“{name}”的扩展名与内容不符：内容是{TYPE_LABELS[content_type]}文件",
            field="attachments",
        )
    return CheckedUpload(upload, name, content_type, extension, size)


def default_kind(channel: str, content_type: str) -> str:
    if channel == Channel.LETTER and content_type != DOCX:
        return AttachmentKind.LETTER_SCAN
    if content_type.startswith("image/"):
        return AttachmentKind.PHOTO
    return AttachmentKind.OTHER


def attachment_add(
    *,
    actor: Actor,
    registration: Registration,
    upload: UploadedFile | CheckedUpload,
    kind: AttachmentKind | str = "",
) -> Attachment:
    """Keep one checked file with a registration; the stored name is random, never the user's."""
    if not may(actor, Action.UPLOAD_ATTACHMENT, registration):
        raise PermissionRefusedError("您没有为该登记上传附件的权限")
    checked = upload if isinstance(upload, CheckedUpload) else upload_check(upload)
    if kind and kind not in AttachmentKind.values:
        raise InputError("请选择附件类型", field="attachment_kind")
    digest = hashlib.sha256()
    for chunk in checked.upload.chunks():
        digest.update(chunk)
    checked.upload.seek(0)
    attachment = Attachment(
        registration=registration,
        kind=kind or default_kind(registration.channel, checked.content_type),
        original_name=checked.name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=digest.hexdigest(),
        uploaded_by=user_of(actor),
    )
    with transaction.atomic():
        attachment.file.save(f"{uuid.uuid4().hex}{checked.extension}", checked.upload, save=False)
        stored = attachment.file
        try:  # a failed row must not leave its file behind on disk
            attachment.save()
            audit_record(
                actor=actor,
                action="attachment.add",
                obj=attachment,
                matter=registration.matter,
                data={
                    "registration": registration.number,
                    "name": attachment.original_name,
                    "content_type": attachment.content_type,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                },
            )
        except Exception:
            stored.delete(save=False)
            raise
    return attachment


def registration_create_with_attachments(
    *,
    actor: Actor,
    data: RegistrationInput,
    matter: Matter | None = None,
    uploads: list[UploadedFile],
    attachment_kind: AttachmentKind | str = "",
    source: Source = Source.DESK,
) -> Registration:
    """Register an arrival and keep its files, all or nothing; every file is checked first."""
    checked = [upload_check(upload) for upload in uploads]
    if checked and not may(actor, Action.UPLOAD_ATTACHMENT):
        raise PermissionRefusedError("您没有上传附件的权限")
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            registration = registration_create(actor=actor, data=data, matter=matter, source=source)
            for item in checked:
                saved.append(
                    attachment_add(
                        actor=actor, registration=registration, upload=item, kind=attachment_kind
                    )
                )
    except Exception:
        for attachment in saved:
            attachment.file.delete(save=False)
        raise
    return registration


def _is_docx(upload: UploadedFile) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(cast(IO[bytes], upload)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}MB"

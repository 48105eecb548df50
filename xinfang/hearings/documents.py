"""听证通知书 and 听证报告: numbered, frozen at issue, printed and downloaded as Word.

Why not two more kinds of xinfang.documents: a kind there belongs to a matter's workflow step
(one per matter, kind and step, its facts read from MatterWorkflow and the step's audit event,
its template edited in /manage/, listed by the matter page's 文书 section); a hearing is a record
of its own, several per matter, so a kind there would need a `hearing` threaded through
document_issue, facts_for, check_issuer, issuable_kinds, the API and the pages, and a choices and
template migration of the shared documents tables. These two documents reuse what they can:
the unit's 机关代字 and 落款 (documents.prefixes), the number's form 〈代字〉〈文种代字〉〔年〕n号
with its own sequence per printed 代字 (core.sequences: never given twice, no gap on a
rollback), and the GB/T 9704 Word layout (documents.word). Their texts are fixed here.
"""

from typing import cast

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.masking import mask_free_text
from xinfang.core.sequences import next_value
from xinfang.documents.facts import common_values
from xinfang.documents.models import IssuedDocument
from xinfang.documents.prefixes import organ_name_of, prefix_of
from xinfang.documents.word import document_docx
from xinfang.hearings.choices import (
    DOCUMENT_CODES,
    HearingDocumentKind,
    HearingStatus,
    ParticipantRole,
)
from xinfang.hearings.models import Hearing, HearingDocument
from xinfang.hearings.services import _check_holder
from xinfang.intake.models import Matter

TITLES = {HearingDocumentKind.NOTICE: "信访听证通知书", HearingDocumentKind.REPORT: "信访听证报告"}


def serial_number(prefix: str, kind: str, year: int, sequence: int) -> str:
    return f"{prefix}{DOCUMENT_CODES[kind]}〔{year}〕{sequence}号"


def _dates(hearing: Hearing) -> str:
    if hearing.ends_on and hearing.ends_on != hearing.starts_on:
        return f"{cn_date(hearing.starts_on)}至{cn_date(hearing.ends_on)}"
    return cn_date(hearing.starts_on)


def _by_role(hearing: Hearing) -> list[str]:
    """“人大代表：张三（某某镇人大）、李四” — one line per role, in the roles' order."""
    lines = []
    people = list(hearing.participants.all())
    for role in ParticipantRole:
        names = [
            f"{p.name}（{p.affiliation}）" if p.affiliation else p.name
            for p in people
            if p.role == role
        ]
        if names:
            lines.append(f"{role.label}：{'、'.join(names)}")
    return lines


def notice_body(hearing: Hearing) -> str:
    facts = common_values(hearing.matter)
    you = facts["称谓"]
    public = "公开" if hearing.public else "不公开"
    host = hearing.host_unit.name if hearing.host_unit else ""
    lines = [
        f"{facts['信访人']}：",
        f"{you}于{facts['登记日期']}以{facts['信访形式']}方式提出的信访事项（事项编号：{facts['事项编号']}），"
        f"反映“{facts['反映内容']}”问题，现处于{hearing.get_stage_display()}阶段。"
        f"根据《信访工作条例》的有关规定，本机关决定就该事项举行{public}听证。",
        f"听证时间：{_dates(hearing)}。",
        f"听证地点：{hearing.place}。",
        f"主持单位：{host}。",
        *[f"{line}。" for line in _by_role(hearing)],
        f"请{you}按时参加，可以陈述事实、理由，提交有关材料；如不能按时参加，请事先告知本机关。",
        "特此通知。",
    ]
    return "\n".join(lines)


def report_body(hearing: Hearing) -> str:
    facts = common_values(hearing.matter)
    host = hearing.host_unit.name if hearing.host_unit else ""
    lines = [
        f"事项编号：{facts['事项编号']}；信访人：{facts['信访人']}；"
        f"内容分类：{facts['内容分类'] or '—'}。",
        f"反映问题：{facts['反映内容']}。",
        f"听证阶段：{hearing.get_stage_display()}；"
        f"听证方式：{'公开' if hearing.public else '不公开'}听证。",
        f"听证时间：{_dates(hearing)}；听证地点：{hearing.place or '—'}；主持单位：{host or '—'}。",
        "参加听证人员：",
        *[f"{line}。" for line in _by_role(hearing)],
        "听证情况：",
        *[mask_free_text(line) for line in hearing.record.split("\n") if line.strip()],
        "听证结论：",
        *[mask_free_text(line) for line in hearing.conclusion.split("\n") if line.strip()],
    ]
    return "\n".join(lines)


@transaction.atomic
def hearing_document_issue(*, actor: User, hearing: Hearing, kind: str) -> HearingDocument:
    """出具听证通知书 / 听证报告: numbered once, the text frozen; a second issue is refused."""
    if kind not in HearingDocumentKind.values:
        raise InputError("没有这种听证文书", field="kind")
    label = HearingDocumentKind(kind).label
    Matter.objects.select_for_update().get(pk=hearing.matter_id)
    current = Hearing.objects.select_for_update().select_related("matter").get(pk=hearing.pk)
    _check_holder(actor, current.matter, current.stage)
    if actor.org_unit is None:
        raise PermissionRefusedError("您的账号没有所属单位，不能出具文书")
    existing = HearingDocument.objects.filter(hearing=current, kind=kind).first()
    if existing is not None:
        raise ConflictError(
            f"该听证的{label}已于{cn_date(existing.issued_on)}出具（{existing.number}），"
            "请打印原件；同一文书不重复编号"
        )
    if kind == HearingDocumentKind.REPORT and current.status != HearingStatus.HELD:
        raise ConflictError(
            f"听证尚未结束（当前为「{current.get_status_display()}」），不能出具{label}"
        )
    if kind == HearingDocumentKind.NOTICE and current.status == HearingStatus.HELD:
        raise ConflictError(f"听证已举行，不能再出具{label}")
    issuer = actor.org_unit
    today = timezone.localdate()
    prefix = prefix_of(issuer)
    sequence = next_value(f"hearing_document:{prefix}:{kind}:{today.year}")
    number = serial_number(prefix, kind, today.year, sequence)
    body = notice_body(current) if kind == HearingDocumentKind.NOTICE else report_body(current)
    document = HearingDocument.objects.create(
        hearing=current,
        kind=kind,
        number=number,
        issuer=issuer,
        issuer_name=organ_name_of(issuer),
        issued_by=actor,
        issued_on=today,
        title=TITLES[HearingDocumentKind(kind)],
        body=body,
    )
    audit_record(
        actor=actor,
        action="hearing.document_issue",
        obj=document,
        matter=current.matter,
        data={"kind": kind, "number": number, "on": today.isoformat(), "hearing": current.pk},
    )
    if kind == HearingDocumentKind.NOTICE:
        _tell_petitioner(current)
    return document


def _tell_petitioner(hearing: Hearing) -> None:
    """听证通知 by SMS to the petitioner's mobile, if any: the matter's number, date, place."""
    person = hearing.matter.petitioner
    phone = person.phone if person is not None else ""
    if not phone:
        return
    text = (
        f"您的信访事项（编号{hearing.matter.number}）定于{_dates(hearing)}在{hearing.place}"
        "举行听证，详见听证通知书。"
    )

    def send() -> None:
        import logging

        from xinfang.notifications.backends import backend

        try:
            backend("sms").send(phone, "信访听证通知", text)
        except Exception:  # a failed SMS does not undo the notice; it is printed and delivered
            logging.getLogger("xinfang.hearings").exception("hearings: an SMS could not be sent")

    transaction.on_commit(send)


class _Printable:
    """What documents.word.document_docx reads of a document, for a hearing document."""

    def __init__(self, document: HearingDocument) -> None:
        self.title, self.number = document.title, document.number
        self.issuer_name, self.issued_at = document.issuer_name, document.issued_at
        self.date_text, self.footer = document.date_text, ""
        self.paragraphs = document.paragraphs


def hearing_document_docx(document: HearingDocument) -> bytes:
    """The same GB/T 9704 page as the nine documents (documents.word.document_docx)."""
    return document_docx(cast(IssuedDocument, _Printable(document)))

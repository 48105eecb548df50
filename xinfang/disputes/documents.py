"""调解协议书: the printable agreement of a mediation concluded 调解成功, as a page and as Word.

Why not a kind of xinfang.documents: those belong to a matter's workflow step, and a dispute is
not a matter (the hearings' documents say the same). Nor a frozen copy of its own: everything
the agreement says is already fixed when the mediation is concluded (mediation_conclude writes
the result, the day and the agreement text once; nothing changes them after), so the document is
read from the record each time and is the same at every reprint. Its number is fixed too: one
dispute has at most one 调解成功 (it settles the dispute), so 〈代字〉调协〔年〕〈纠纷编号〉号 is
unique and never changes. The layout is the GB/T 9704 page of documents.word.

The dispute has no list of people: the parties are its count and, per session, how many were
present; their names and signatures are written on the printed copy by hand.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import cast

from django.utils import timezone

from xinfang.core.chinese import cn_date
from xinfang.core.errors import ConflictError
from xinfang.core.masking import mask_free_text
from xinfang.disputes.choices import MediationKind, MediationResult
from xinfang.disputes.models import Mediation
from xinfang.documents.models import IssuedDocument
from xinfang.documents.prefixes import prefix_of
from xinfang.documents.word import document_docx

CODE = "调协"  # 文种代字 in the number
TITLES = {
    MediationKind.PEOPLE: "人民调解协议书",
    MediationKind.ADMINISTRATIVE: "行政调解协议书",
    MediationKind.JUDICIAL: "调解协议书",  # a court's own 调解书 is the court's document
}
BLANK = "＿＿＿＿＿＿＿＿"


@dataclass
class Agreement:
    """What documents.word.document_docx and documents/print.html read of a document."""

    title: str
    number: str
    issuer_name: str
    issued_at: datetime
    date_text: str
    lines: list[str] = field(default_factory=list)
    footer: str = ""

    def paragraphs(self) -> list[str]:
        return self.lines


def agreement_number(mediation: Mediation) -> str:
    unit = mediation.organisation or mediation.dispute.owner_unit
    assert mediation.concluded_on is not None
    return f"{prefix_of(unit)}{CODE}〔{mediation.concluded_on.year}〕{mediation.dispute.number}号"


def _plain(text: str) -> list[str]:
    return [mask_free_text(line.strip()) for line in text.split("\n") if line.strip()]


def agreement_of(mediation: Mediation) -> Agreement:
    """The 调解协议书 of a mediation concluded 调解成功; refused for any other."""
    if mediation.result != MediationResult.SUCCESS or mediation.concluded_on is None:
        raise ConflictError("只有调解成功的调解才有调解协议书")
    if not mediation.agreement.strip():
        raise ConflictError("该调解没有登记协议内容（台账导入的调解不记协议），不能出具调解协议书")
    dispute = mediation.dispute
    organisation = mediation.organisation.name if mediation.organisation else mediation.mediator
    sessions = list(mediation.sessions.all())
    held = [
        f"{cn_date(s.held_on)}第{n}次调解，到场当事方{s.parties_present}方。"
        for n, s in enumerate(sessions, start=1)
    ]
    category = dispute.category.name if dispute.category else "—"
    lines = [
        f"纠纷编号：{dispute.number}；排查日期：{cn_date(dispute.found_on)}；内容分类：{category}。",
        f"纠纷发生地：{dispute.place.name}。",
        f"当事各方：涉及{dispute.parties}人（当事人姓名、身份证件号码及住址由当事人在协议原件上"
        "填写，本系统不记录）。",
        "纠纷简要情况：",
        *_plain(dispute.description),
        f"调解组织：{organisation}；调解员：{mediation.mediator}；调解类型："
        f"{mediation.get_kind_display()}；调解地点：{organisation}。",
        f"调解经过：{cn_date(mediation.started_on)}开始调解，共调解{len(sessions)}次。",
        *held,
        "经调解，当事各方自愿达成如下协议：",
        *_plain(mediation.agreement),
        "本协议自当事各方签名（盖章或按指印）、调解员签名并加盖调解组织印章之日起生效。"
        "本协议一式若干份，当事各方各执一份，调解组织留存一份。",
        f"当事人（签名）：{BLANK}",
        f"当事人（签名）：{BLANK}",
        f"调解员（签名）：{BLANK}",
    ]
    concluded = mediation.concluded_on
    moment = datetime.combine(concluded, time(), tzinfo=timezone.get_current_timezone())
    return Agreement(
        title=TITLES[MediationKind(mediation.kind)],
        number=agreement_number(mediation),
        issuer_name=f"{organisation}（印章）",
        issued_at=moment,
        date_text=_date_text(concluded),
        lines=lines,
    )


def _date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def agreement_docx(agreement: Agreement) -> bytes:
    """The same GB/T 9704 page as every document (documents.word.document_docx)."""
    return document_docx(cast(IssuedDocument, agreement))

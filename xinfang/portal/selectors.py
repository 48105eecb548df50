"""What a petitioner sees of their own matter: steps in plain words, dates, the unit (never for an
accusation), the documents addressed to them, and what they may do now.

Built only from whitelisted facts: the step's kind, its date, and for a few steps one fact the
petitioner is told anyway (the unit, the legal channel, the reply's outcome, a deadline). Staff
names, internal notes, returns, supervision and other people's data are never read here.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from xinfang.core.chinese import cn_date
from xinfang.core.models import AuditEvent
from xinfang.documents.kinds import DocumentKind
from xinfang.documents.models import IssuedDocument
from xinfang.intake.choices import Evaluation, Purpose
from xinfang.intake.models import Matter, Registration
from xinfang.workflow.entry import evaluation_given
from xinfang.workflow.models import MatterWorkflow
from xinfang.workflow.states import MatterStatus as S
from xinfang.workflow.transitions import LegalChannel, ReplyOutcome

ACCUSATION_HANDOVER = "已按规定转交有权处理机关"

# the documents written to the petitioner (交办单 and 督办单 are between offices)
PETITIONER_KINDS = (
    DocumentKind.ACCEPT,
    DocumentKind.DECLINE,
    DocumentKind.FORWARD,
    DocumentKind.EXTENSION,
    DocumentKind.REPLY,
    DocumentKind.REVIEW,
    DocumentKind.REREVIEW,
)
# the documents that, opened in the portal, are delivered (网上送达)
DELIVERED_BY_OPENING = (DocumentKind.REPLY, DocumentKind.REVIEW)

STATUS_WORDS: dict[str, str] = {
    S.REGISTERED: "已登记，等待信访部门处理",
    S.ASSIGNED: "已转交承办单位，等待签收",
    S.RETURNED: "信访部门正在重新确定承办单位",
    S.DECLINED: "不予受理",
    S.LEGAL_CHANNEL: "不属于信访程序办理，请通过法定途径解决",
    S.IN_HANDLING: "办理中",
    S.REPLIED: "已答复",
    S.UNDER_REVIEW: "复查中",
    S.REVIEWED: "已复查",
    S.UNDER_REREVIEW: "复核中",
    S.FINAL: "已办结（终结）",
}

# where to go for each legal channel, in the words the petitioner needs
CHANNEL_ADVICE: dict[str, str] = {
    LegalChannel.LITIGATION: "请依法向人民法院起诉、上诉或申请再审；涉及刑事案件的，向公安机关、"
    "人民检察院反映",
    LegalChannel.ARBITRATION: "请向有管辖权的仲裁机构（如劳动人事争议仲裁委员会、农村土地承包仲裁"
    "委员会或合同约定的仲裁机构）申请仲裁",
    LegalChannel.PARTY_APPEAL: "请按照党内规定向有关党组织提出党员申诉",
    LegalChannel.ADMINISTRATIVE: "请依法申请行政复议，或通过行政裁决、行政确认、行政许可等行政程序"
    "解决；对行政行为不服的，也可以依法提起行政诉讼",
}


@dataclass
class Step:
    day: date
    label: str
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Window:
    """申请复查 or 申请复核: open now, or the reason it is not."""

    label: str
    open: bool
    due: date | None
    reason: str = ""

    @property
    def due_text(self) -> str:
        return cn_date(self.due)


@dataclass
class Progress:
    matter: Matter
    registration: Registration
    accusation: bool
    status_words: str
    steps: list[Step]
    documents: list[IssuedDocument]
    unit_name: str
    decline_reason: str
    legal_channel: str
    legal_advice: str
    reply_outcome: str
    reply_delivered_on: date | None
    review_delivered_on: date | None
    evaluation_open: bool
    evaluation_reason: str
    review: Window
    rereview: Window
    undelivered: list[IssuedDocument]


def _on(event: AuditEvent) -> date:
    raw = (event.data or {}).get("on")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    return timezone.localdate(event.at)


def _due(data: dict[str, object], key: str, label: str) -> list[tuple[str, str]]:
    raw = data.get(key)
    if isinstance(raw, str):
        try:
            return [(label, cn_date(date.fromisoformat(raw)))]
        except ValueError:
            return []
    return []


def _outcome(data: dict[str, object]) -> list[tuple[str, str]]:
    value = str(data.get("outcome") or "")
    if value in ReplyOutcome.values:
        return [("意见", str(ReplyOutcome(value).label))]
    return []


def _step(event: AuditEvent, accusation: bool) -> Step | None:
    """The petitioner's line for one workflow event, or None for what is internal."""
    data: dict[str, object] = event.data or {}
    kind = event.action.removeprefix("workflow.")
    day = _on(event)
    unit = str(data.get("unit") or "")
    if kind == "accept":
        return Step(day, "已受理，由信访部门直接办理", _due(data, "due", "办理期限"))
    if kind in ("forward", "assign"):
        if accusation:
            return Step(day, ACCUSATION_HANDOVER)
        verb = "转送" if kind == "forward" else "交办"
        return Step(day, f"已{verb}{unit}办理" if unit else f"已{verb}承办单位办理")
    if kind == "receive":
        return Step(day, "承办机关已签收" if accusation else "承办单位已签收，正在办理")
    if kind == "decline":
        return Step(day, "不予受理", [("理由", str(data.get("reason") or ""))])
    if kind == "legal_channel":
        channel = str(data.get("channel") or "")
        label = LegalChannel(channel).label if channel in LegalChannel.values else ""
        return Step(day, "依法分类处理：不属于信访程序办理", [("途径", str(label))])
    if kind == "decide_extension" and data.get("approved"):
        return Step(day, "办理期限依法延长", _due(data, "extended_to", "延长至"))
    if kind == "reply":
        return Step(day, "已出具处理意见书", _outcome(data))
    if kind == "deliver_reply":
        return Step(day, "处理意见已送达", _due(data, "review_request_due", "申请复查截止"))
    if kind == "evaluate":
        value = str(data.get("evaluation") or "")
        label = str(Evaluation(value).label) if value in Evaluation.values else ""
        return Step(day, "满意度评价", [("评价", label)])
    if kind == "request_review":
        return Step(day, "已申请复查", _due(data, "due", "复查期限"))
    if kind == "decide_review":
        return Step(day, "已出具复查意见书", _outcome(data))
    if kind == "deliver_review":
        return Step(day, "复查意见已送达", _due(data, "rereview_request_due", "申请复核截止"))
    if kind == "request_rereview":
        return Step(day, "已申请复核", _due(data, "due", "复核期限"))
    if kind == "start_hearing":
        return Step(day, "复核听证开始")
    if kind == "end_hearing":
        return Step(day, "复核听证结束")
    if kind == "decide_rereview":
        return Step(day, "已出具复核意见书，信访事项终结", _outcome(data))
    if kind == "finalise":
        return Step(day, "申请期限届满未申请，信访事项终结")
    return None  # 退回, 办理情况, 申请延期, 督办, 批示 ...: between offices


def progress_for(matter: Matter, registration: Registration) -> Progress:
    """The petitioner's view of `matter`, reached through `registration` (their submission)."""
    accusation = matter.purpose == Purpose.ACCUSATION
    flow = MatterWorkflow.objects.filter(matter=matter).first()
    steps = [Step(registration.received_on, "已登记（网上信访）")]
    events = AuditEvent.objects.filter(matter=matter, action__startswith="workflow.").order_by(
        "at", "id"
    )
    for event in events:
        found = _step(event, accusation)
        if found is not None:
            steps.append(found)
    steps.sort(key=lambda s: s.day)
    kinds = [k for k in PETITIONER_KINDS if not (accusation and k == DocumentKind.FORWARD)]
    documents = list(
        IssuedDocument.objects.filter(matter=matter, kind__in=kinds).order_by("issued_at", "id")
    )
    status = matter.status
    words = STATUS_WORDS.get(status, matter.get_status_display())
    if accusation and status in (S.ASSIGNED, S.IN_HANDLING, S.RETURNED):
        words = ACCUSATION_HANDOVER if status != S.IN_HANDLING else "办理中"
    unit_name = ""
    routed = matter.handling_method in ("forward", "assign")
    if not accusation and routed and matter.responsible_unit is not None:
        unit_name = matter.responsible_unit.name
    reply_delivered = flow.reply_delivered_on if flow else None
    review_delivered = flow.review_delivered_on if flow else None
    channel = flow.legal_channel if flow and status == S.LEGAL_CHANNEL else ""
    evaluation_open, evaluation_reason = _evaluation(matter, reply_delivered, review_delivered)
    undelivered = [
        d
        for d in documents
        if (d.kind == DocumentKind.REPLY and status == S.REPLIED and reply_delivered is None)
        or (d.kind == DocumentKind.REVIEW and status == S.REVIEWED and review_delivered is None)
    ]
    return Progress(
        matter=matter,
        registration=registration,
        accusation=accusation,
        status_words=words,
        steps=steps,
        documents=documents,
        unit_name=unit_name,
        decline_reason=flow.decline_reason if flow and status == S.DECLINED else "",
        legal_channel=str(LegalChannel(channel).label) if channel else "",
        legal_advice=CHANNEL_ADVICE.get(channel, ""),
        reply_outcome=flow.get_reply_outcome_display() if flow and flow.reply_outcome else "",
        reply_delivered_on=reply_delivered,
        review_delivered_on=review_delivered,
        evaluation_open=evaluation_open,
        evaluation_reason=evaluation_reason,
        review=_window(
            "申请复查",
            status,
            S.REPLIED,
            reply_delivered,
            flow.review_request_due if flow else None,
            matter.review_requested_on,
            "处理意见",
        ),
        rereview=_window(
            "申请复核",
            status,
            S.REVIEWED,
            review_delivered,
            flow.rereview_request_due if flow else None,
            matter.rereview_requested_on,
            "复查意见",
        ),
        undelivered=undelivered,
    )


def evaluation_state(matter: Matter) -> tuple[bool, str]:
    """Whether the petitioner may evaluate now (once per delivered opinion), or why not."""
    flow = MatterWorkflow.objects.filter(matter=matter).first()
    return _evaluation(
        matter,
        flow.reply_delivered_on if flow else None,
        flow.review_delivered_on if flow else None,
    )


def _evaluation(
    matter: Matter, reply_delivered: date | None, review_delivered: date | None
) -> tuple[bool, str]:
    if reply_delivered is None:
        return False, "处理意见送达后可以评价"
    if matter.status not in (S.REPLIED, S.REVIEWED, S.FINAL):
        return False, "复查、复核办理期间暂不评价，出具意见后可以评价"
    given = evaluation_given(matter, reply_delivered, review_delivered)  # once per opinion
    if given is not None:
        return False, f"您已于{cn_date(given)}评价：{matter.get_evaluation_display()}"
    return True, ""


def _window(
    label: str,
    status: str,
    needed: str,
    delivered: date | None,
    due: date | None,
    requested: date | None,
    opinion: str,
) -> Window:
    today = timezone.localdate()
    if requested is not None:
        return Window(label, False, due, f"您已于{cn_date(requested)}{label}")
    if status != needed:
        return Window(label, False, due, f"{opinion}出具后才能{label}")
    if delivered is None or due is None:
        return Window(label, False, due, f"{opinion}送达后才能{label}：请先查看{opinion}书")
    if today > due:
        return Window(label, False, due, f"{label}的期限已于{cn_date(due)}届满，不能再{label}")
    return Window(label, True, due)


def matter_by_code(query_code: str) -> Matter | None:
    """The matter an online submission's query code stands for (the code alone: for linking a
    reception booking to it; nothing of the matter is shown to whoever typed the code)."""
    from xinfang.portal.models import PortalSubmission
    from xinfang.portal.services import normalise_code

    code = normalise_code(query_code)
    if not code:
        return None
    record = (
        PortalSubmission.objects.select_related("registration__matter")
        .filter(query_code=code, registration__isnull=False)
        .first()
    )
    return record.registration.matter if record and record.registration else None

"""A matter's timeline: every registration and recorded event, by the day it happened.

Built from the matter's registrations and its audit events (one per change, written by the
services). Each entry names who, when, and the facts that matter (理由, 单位, 期限 ...). Views of
personal data (personal_data.reveal) are listed only for those who may read the audit history; an
action this module does not know is shown by its label alone, never with its data. The free texts
(理由, 办理情况, 批示内容, 说明) are typed by people and may name an ID number or a phone: they are
shown masked (xinfang.core.masking.mask_free_text) unless the viewer may reveal personal data.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from xinfang.core.masking import mask_free_text
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Channel, Evaluation, SupervisionLevel
from xinfang.intake.models import Registration, RegistrationOutcome
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.supervision_rules import TABLE as SV_TABLE
from xinfang.workflow.supervision_rules import (
    SupervisionKind,
    SupervisionOutcome,
    SupervisionSource,
)
from xinfang.workflow.transitions import TABLE, LegalChannel, ReplyOutcome

# labels of every workflow and supervision event, from the two tables
EVENT_LABELS: dict[str, str] = {
    **{f"workflow.{step}": t.label for step, t in TABLE.items()},
    **{f"workflow.{act}": r.label for act, r in SV_TABLE.items()},
    "document.issue": "印发文书",
}
FIELD_LABELS = {"id_number": "身份证号", "phone": "电话", "address": "住址"}
# data keys whose value is a date, with what the timeline calls them
DATE_KEYS = {
    "due": "期限",
    "return_due": "退回期限",
    "review_request_due": "申请复查截止",
    "rereview_request_due": "申请复核截止",
    "extended_to": "延期至",
    "window": "申请截止",
    "before": "原化解日期",
}
TEXT_KEYS = {
    "unit": "单位",  # a unit's name, written by the service: not masked
    "reason": "理由",
    "notes": "办理情况",
    "text": "批示内容",
    "note": "说明",
}


@dataclass
class Entry:
    day: date  # the day it happened (a step's `on`), which orders the list
    at: datetime  # when it was recorded
    kind: str  # registration / workflow / supervision / document / reveal / other
    label: str
    actor: str
    details: list[tuple[str, str]] = field(default_factory=list)
    seq: int = 0
    late_entry: bool = False  # 「补录」: an approved backdate, or a clock met only by the typed day

    @property
    def recorded_later(self) -> bool:
        return timezone.localdate(self.at) != self.day


def _choice(choices: Any, value: Any) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def event_details(event: AuditEvent, *, mask: bool = True) -> list[tuple[str, str]]:
    """The facts of one workflow, supervision or document event, in Chinese; never personal data
    unless `mask` is False (for a viewer who may reveal it)."""
    data: dict[str, Any] = event.data or {}
    action = event.action
    out: list[tuple[str, str]] = []
    before, after = data.get("from"), data.get("to")
    if before and after and before != after:
        status = f"{_choice(MatterStatus, before)} → {_choice(MatterStatus, after)}"
        out.append(("状态", status))
    for key, label in TEXT_KEYS.items():
        if data.get(key):
            text = str(data[key])
            out.append((label, mask_free_text(text) if mask and key != "unit" else text))
    if "channel" in data:
        out.append(("途径", _choice(LegalChannel, data["channel"])))
    if "days" in data:
        out.append(("延期天数", f"{data['days']}日"))
    if "approved" in data:
        out.append(("审批意见", "同意延期" if data["approved"] else "不同意延期"))
    if "outcome" in data:
        choices = SupervisionOutcome if action == "workflow.supervision_close" else ReplyOutcome
        out.append(
            ("结果" if choices is SupervisionOutcome else "意见", _choice(choices, data["outcome"]))
        )
    if "evaluation" in data:
        out.append(("评价", _choice(Evaluation, data["evaluation"])))
    if "level" in data:
        out.append(("督办级别", _choice(SupervisionLevel, data["level"])))
    if "kind" in data and action == "workflow.supervision_raise":
        out.append(("督办类型", _choice(SupervisionKind, data["kind"])))
    if data.get("source") == SupervisionSource.CLOCK:
        out.append(("发起方式", str(SupervisionSource.CLOCK.label)))
    for key, label in DATE_KEYS.items():
        if data.get(key):
            out.append((label, str(data[key])))
    if "on_time" in data:
        out.append(("是否按期", "按期" if data["on_time"] else "超期"))
    backdate = data.get("backdate")
    if isinstance(backdate, dict):
        reason = str(backdate.get("reason", ""))
        approved = f"{backdate.get('by', '')}批准：{mask_free_text(reason) if mask else reason}"
        out.append(("补录", f"{data.get('entered_on', '')}录入，{approved}"))
    for met in data.get("met_after_deadline") or []:
        if isinstance(met, dict):
            out.append(
                (
                    "补录",
                    f"{data.get('entered_on', '')}录入，{met.get('label', '')}"
                    f"（{met.get('deadline', '')}）录入时已过",
                )
            )
    if action == "workflow.backdate_approve" and data.get("day"):
        out.append(("补录步骤", f"{data.get('step_label', '')}，日期{data['day']}"))
    if action == "document.issue":
        if data.get("kind"):
            out.append(("文书", _document_kind(str(data["kind"]))))
        if data.get("number"):
            out.append(("文号", str(data["number"])))
    return out


def _document_kind(code: str) -> str:
    """The document kind's Chinese name, read from the documents app when it is installed."""
    try:
        from xinfang.documents.kinds import DocumentKind  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return code
    return _choice(DocumentKind, code)


def _day(event: AuditEvent) -> date:
    on = (event.data or {}).get("on")
    if isinstance(on, str):
        try:
            return date.fromisoformat(on)
        except ValueError:
            pass
    return timezone.localdate(event.at)


def _who(user: Any) -> str:
    return str(user) if user is not None else "系统"


def _registration(r: Registration, *, mask: bool) -> Entry:
    details = [("登记编号", r.number), ("渠道", _choice(Channel, r.channel))]
    details.append(("人数", f"{r.people}人"))
    details.append(("", "初信初访" if r.is_first else "重复信访"))
    if r.import_batch_id is not None:
        details.append(("来源", "台账导入"))
    if r.outcome in (RegistrationOutcome.TOLD, RegistrationOutcome.REFUSED):
        details.append(("登记结果", r.get_outcome_display()))
        details.append(("", mask_free_text(r.outcome_note) if mask else r.outcome_note))
    return Entry(
        day=timezone.localdate(r.received_at),
        at=r.received_at,
        kind="registration",
        label=f"登记（{r.get_channel_display()}）",
        actor=_who(r.registered_by),
        details=details,
    )


def matter_timeline(
    registrations: list[Registration],
    events: list[AuditEvent],
    *,
    may_view_audit: bool,
    may_reveal: bool = False,
) -> list[Entry]:
    """Every event of the matter the viewer may see, oldest first (by day, then as recorded).

    `may_reveal`: the viewer may reveal the matter's personal data (Action.REVEAL_PERSONAL_DATA);
    otherwise ID numbers and phones typed into the free texts are masked."""
    mask = not may_reveal
    entries = [_registration(r, mask=mask) for r in registrations]
    for event in events:
        action = event.action
        if action == "registration.create":
            continue  # the registration itself is listed, with its own date
        if action == "personal_data.reveal":
            if not may_view_audit:
                continue
            fields = "、".join(FIELD_LABELS.get(n, n) for n in (event.data or {}).get("fields", []))
            entry = Entry(_day(event), event.at, "reveal", "查看完整个人信息", _who(event.actor))
            entry.details.append(("查看了", fields or "（无）"))
        elif action in EVENT_LABELS:
            kind = (
                "document"
                if action.startswith("document.")
                else "supervision"
                if action.removeprefix("workflow.") in SV_TABLE
                else "workflow"
            )
            entry = Entry(_day(event), event.at, kind, EVENT_LABELS[action], _who(event.actor))
            entry.details = event_details(event, mask=mask)
            entry.late_entry = bool((event.data or {}).get("late_entry"))
        elif action == "attachment.add":
            entry = Entry(_day(event), event.at, "other", "上传附件", _who(event.actor))
            if (event.data or {}).get("name"):
                entry.details.append(("文件", str(event.data["name"])))
        else:
            from xinfang.core.templatetags.xinfang_tags import audit_label

            entry = Entry(_day(event), event.at, "other", audit_label(action), _who(event.actor))
        entry.seq = event.pk
        entries.append(entry)
    entries.sort(key=lambda e: (e.day, e.at, e.seq))
    return entries

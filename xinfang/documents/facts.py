"""What each kind of document needs from a matter's recorded facts, and the values it fills in.

`facts_for(matter, kind)` either returns the step the document belongs to and its placeholder
values, or refuses in Chinese naming the missing fact (a 受理告知书 before 受理, ...). It only
reads; xinfang.documents.services calls it with the matter row locked.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from xinfang.core.chinese import cn_date
from xinfang.core.config import domain_limit
from xinfang.core.errors import ConflictError, InputError
from xinfang.core.masking import mask_free_text
from xinfang.core.models import AuditEvent
from xinfang.documents.kinds import DocumentKind as K
from xinfang.intake.choices import Channel, Form, HandlingMethod, SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.workflow.models import Assignment, MatterWorkflow, SupervisionNotice
from xinfang.workflow.supervision_rules import SupervisionKind
from xinfang.workflow.transitions import AssignmentKind, ReplyOutcome

SUMMARY_CHARS = 300


@dataclass
class Facts:
    step_key: str
    event: AuditEvent | None = None
    notice: SupervisionNotice | None = None
    values: dict[str, str] = field(default_factory=dict)


# the registrar's opening naming who speaks — 信访人来信反映：, 张某等12人联名来信反映：,
# 匿名来信反映：, 来访人反映： (a colon ends it), or a bare leading 反映 — which the templates write
# outside the quotation marks themselves. A 反映 without a colon after words is the petition's
# own (业主多次向物业反映电梯故障, 信访人曾于3月2日反映此事): kept whole.
SPEAKER = re.compile(r"^(?:[^：:，,。；;“”\"\s]{0,24}?反映\s*[：:]|反映\s*[：:，,]?)\s*")

# how the petition came, as the sentence before 反映：“……” says it
HOW: dict[str, str] = {
    Channel.LETTER: "来信",
    Channel.VISIT: "来访",
    Channel.PHONE: "来电",
    Channel.ONLINE: "通过网上信访平台",
}


def content_summary(text: str) -> str:
    """The content in one line, ID numbers and phones masked, at most SUMMARY_CHARS, without the
    registrar's opening 「信访人来信反映：」: the templates quote it as 反映：“……”."""
    text = SPEAKER.sub("", " ".join(text.split()), count=1).strip()
    text = mask_free_text(text)
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "……"


def common_values(matter: Matter) -> dict[str, str]:
    """The matter's own facts every document may name; never an ID number, phone or address."""
    first = matter.registrations.order_by("received_at", "id").first()
    name = (matter.petitioner.name if matter.petitioner else "") or (
        first.petitioner_name if first else ""
    )
    if name and matter.form == Form.COLLECTIVE:
        name = f"{name}等"
    return {
        "事项编号": matter.number,
        "信访人": name or "信访人",
        "称谓": "你们" if matter.form == Form.COLLECTIVE or (first and first.people > 1) else "你",
        "登记日期": cn_date(matter.first_received_on),
        "信访形式": matter.get_channel_display(),
        "反映方式": HOW.get(matter.channel, "来信"),
        "反映内容": content_summary(first.content if first else ""),
        "内容分类": matter.category.name if matter.category else "",
    }


def _event(matter: Matter, action: str, **data: object) -> AuditEvent | None:
    events = AuditEvent.objects.filter(matter=matter, action=action)
    for key, value in data.items():
        events = events.filter(**{f"data__{key}": value})
    return events.order_by("-at", "-id").first()


def _step(event: AuditEvent | None) -> Facts:
    # a fact imported from a ledger has no event: its document is the matter's one of that kind
    return Facts(step_key=f"event:{event.pk}" if event else "matter", event=event)


def _flow(matter: Matter) -> MatterWorkflow:
    return MatterWorkflow.objects.filter(matter=matter).first() or MatterWorkflow(matter=matter)


def active_assignment(matter: Matter) -> Assignment | None:
    return Assignment.objects.filter(matter=matter, active=True).select_related("unit").first()


def facts_for(matter: Matter, kind: str, *, notice: SupervisionNotice | None = None) -> Facts:
    """The step and the values of a `kind` document of `matter`, or a refusal saying why not."""
    label = K(kind).label
    flow = _flow(matter)
    due = matter.extended_to or matter.handling_deadline
    if kind == K.ACCEPT:
        if matter.handling_method != HandlingMethod.ACCEPT or matter.decided_on is None:
            raise InputError(f"该事项尚未受理，不能出具{label}")
        facts = _step(_event(matter, "workflow.accept"))
        facts.values = {
            "受理日期": cn_date(matter.decided_on),
            "办理期限": cn_date(matter.handling_deadline),
            "办理天数": str(domain_limit("HANDLE_DAYS")),
        }
    elif kind == K.DECLINE:
        if matter.handling_method != HandlingMethod.DECLINE:
            raise InputError(f"该事项未作出不予受理决定，不能出具{label}")
        if not flow.decline_reason.strip():
            raise InputError(f"该事项没有登记不予受理的理由，不能出具{label}")
        facts = _step(_event(matter, "workflow.decline"))
        facts.values = {
            "决定日期": cn_date(matter.decided_on),
            "不予受理理由": mask_free_text(flow.decline_reason),
        }
    elif kind in (K.FORWARD, K.ASSIGN):
        facts = _route_facts(matter, kind)
    elif kind == K.EXTENSION:
        if flow.extension_approved is not True or matter.extended_to is None:
            raise InputError(f"该事项没有获批的延期，不能出具{label}")
        facts = _step(_event(matter, "workflow.decide_extension", approved=True))
        facts.values = {
            "受理日期": cn_date(matter.decided_on),
            "原办理期限": cn_date(matter.handling_deadline),
            "延期天数": str(flow.extension_days or ""),
            "延期理由": mask_free_text(flow.extension_reason),
            "延期后期限": cn_date(matter.extended_to),
        }
    elif kind == K.REPLY:
        if not flow.reply_outcome or matter.replied_on is None:
            raise InputError(f"该事项尚未出具处理意见，不能出具{label}")
        facts = _step(_event(matter, "workflow.reply"))
        lines = flow.handling_notes.split("\n")
        notes = [re.sub(r"^\d{4}-\d{2}-\d{2} ", "", line) for line in lines]
        facts.values = {
            "受理日期": cn_date(matter.decided_on),
            "答复日期": cn_date(matter.replied_on),
            "处理意见": ReplyOutcome(flow.reply_outcome).label,
            "办理情况": mask_free_text("\n".join(n for n in notes if n.strip())),
            "复查申请天数": str(domain_limit("REVIEW_REQUEST_DAYS")),
        }
    elif kind in _LATER_DECISIONS:
        facts = _later_decision_facts(matter, flow, _LATER_DECISIONS[kind], label)
    elif kind == K.SUPERVISION:
        chosen = _notice(matter, notice)
        facts = Facts(step_key=f"notice:{chosen.pk}", notice=chosen)
        facts.values = {
            "督办级别": SupervisionLevel(chosen.level).label,
            "督办类型": SupervisionKind(chosen.kind).label,
            "督办事由": mask_free_text(chosen.reason),
            "督办日期": cn_date(chosen.raised_on),
            "督办期限": cn_date(chosen.due),
            "被督办单位": chosen.unit.name if chosen.unit else "",
            "办理期限": cn_date(due),
        }
    else:
        raise InputError("没有这种文书")
    return facts


@dataclass(frozen=True)
class _LaterDecision:
    """复查 and 复核: one shape; `field` names the matter's <field>_requested_on / _replied_on, the
    workflow's <field>_outcome and the event workflow.decide_<field>."""

    name: str  # 复查 / 复核
    field: str  # review / rereview
    next_window: str | None  # the setting of the days to ask for the next level (复核), if any


_LATER_DECISIONS: dict[str, _LaterDecision] = {
    K.REVIEW: _LaterDecision("复查", "review", "REREVIEW_REQUEST_DAYS"),
    K.REREVIEW: _LaterDecision("复核", "rereview", None),
}


def _later_decision_facts(
    matter: Matter, flow: MatterWorkflow, decision: _LaterDecision, label: str
) -> Facts:
    name, field = decision.name, decision.field
    outcome: str = getattr(flow, f"{field}_outcome")
    replied_on: date | None = getattr(matter, f"{field}_replied_on")
    if not outcome or replied_on is None:
        raise InputError(f"该事项尚未作出{name}决定，不能出具{label}")
    facts = _step(_event(matter, f"workflow.decide_{field}"))
    facts.values = {
        f"{name}申请日期": cn_date(getattr(matter, f"{field}_requested_on")),
        f"{name}日期": cn_date(replied_on),
        f"{name}意见": ReplyOutcome(outcome).label,
    }
    if decision.next_window is not None:
        facts.values["复核申请天数"] = str(domain_limit(decision.next_window))
    return facts


def _route_facts(matter: Matter, kind: str) -> Facts:
    label = K(kind).label
    wanted = AssignmentKind.FORWARD if kind == K.FORWARD else AssignmentKind.ASSIGN
    latest = Assignment.objects.filter(matter=matter).select_related("unit").order_by("-id").first()
    if latest is not None:
        if latest.kind != wanted:
            how = latest.get_kind_display()
            raise InputError(f"该事项是{how}给{latest.unit}的，不能出具{label}")
        if not latest.active:
            raise ConflictError(f"{latest.unit}已退回该事项，待重新{wanted.label}后再出具{label}")
        event = _event(matter, f"workflow.{kind}", assignment=latest.pk)
        facts = Facts(step_key=f"assignment:{latest.pk}", event=event)
        unit = latest.unit.name
        on: date | None = latest.assigned_on
        due: date | None = latest.due
    else:  # imported history: the ledger records the unit and the dates on the matter
        if matter.handling_method != wanted.value or matter.responsible_unit is None:
            raise InputError(f"该事项尚未{wanted.label}，不能出具{label}")
        facts = Facts(step_key="matter")
        unit, on, due = matter.responsible_unit.name, matter.decided_on, matter.handling_deadline
    facts.values = {
        "承办单位": unit,
        f"{wanted.label}日期": cn_date(on),
        "办理期限": cn_date(matter.extended_to or due),
    }
    if kind == K.ASSIGN:
        facts.values["办理天数"] = str(domain_limit("HANDLE_DAYS"))
        facts.values["退回工作日数"] = str(domain_limit("RETURN_WORKING_DAYS"))
    return facts


def _notice(matter: Matter, notice: SupervisionNotice | None) -> SupervisionNotice:
    notices = SupervisionNotice.objects.filter(matter=matter).select_related("unit")
    if notice is not None:
        chosen = notices.filter(pk=notice.pk).first()
        if chosen is None:
            raise InputError("该督办记录不属于本事项", field="notice")
        if chosen.closed_on is not None:  # a closed 督办 is not sent to the unit again
            raise InputError("该督办已办结，不能再出具督办单", field="notice")
        return chosen
    open_ones = list(notices.filter(closed_on__isnull=True))
    if not open_ones:
        raise InputError("该事项没有未办结的督办，不能出具督办单；请先发起督办")
    if len(open_ones) > 1:
        levels = "、".join(f"{SupervisionLevel(n.level).label}级" for n in open_ones)
        raise InputError(
            f"该事项有多个未办结的督办（{levels}），请选择要出具督办单的一项", field="notice"
        )
    return open_ones[0]

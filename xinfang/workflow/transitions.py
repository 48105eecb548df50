"""The one table of a matter's steps: who may take each, from which states, to which, needing what.

Read it against 《信访工作条例》 (2022) and the domain brief, sections 3 and 4. Only
xinfang.workflow.services moves a matter, and every service asks `check` here first.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from xinfang.core.errors import ConflictError
from xinfang.core.permissions import STEP_ROLES, refuse_unless_role, role_may_take
from xinfang.workflow.states import MatterStatus as S


class Step(StrEnum):
    # the bureau routes: 登记, 转送, 交办 (第二十二条)
    ACCEPT = "accept"
    DECLINE = "decline"
    FORWARD = "forward"
    ASSIGN = "assign"
    LEGAL_CHANNEL = "legal_channel"
    # the handling unit: 处理意见 (第三十二条), 60 days and one extension (第三十四条)
    RECEIVE = "receive"
    RETURN = "return"
    RECORD_HANDLING = "record_handling"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPLY = "reply"
    # the petitioner's side, recorded by staff: review (第三十五条), re-review (第三十六条)
    DELIVER_REPLY = "deliver_reply"
    EVALUATE = "evaluate"
    REQUEST_REVIEW = "request_review"
    DECIDE_REVIEW = "decide_review"
    DELIVER_REVIEW = "deliver_review"
    DECLINE_REVIEW = "decline_review"  # 复查/复核申请不予受理 (the stage from the matter's state)
    WITHDRAW_REVIEW = "withdraw_review"  # 申请人撤回复查/复核申请
    REQUEST_REREVIEW = "request_rereview"
    START_HEARING = "start_hearing"
    END_HEARING = "end_hearing"
    DECIDE_REREVIEW = "decide_rereview"
    FINALISE = "finalise"


class LegalChannel(models.TextChoices):
    """Where 依法分类处理 sends a request that belongs to another legal procedure."""

    LITIGATION = "litigation", "诉讼（涉法涉诉，由政法机关依法处理）"
    ARBITRATION = "arbitration", "仲裁"
    PARTY_APPEAL = "party_appeal", "党员申诉"
    ADMINISTRATIVE = "administrative", "行政程序（复议、裁决、确认、许可、处罚等）"


class ReplyOutcome(models.TextChoices):
    SUPPORTED = "supported", "予以支持"
    EXPLAINED = "explained", "解释说明"
    NOT_SUPPORTED = "not_supported", "不予支持"


class AssignmentKind(models.TextChoices):
    FORWARD = "forward", "转送"
    ASSIGN = "assign", "交办"


@dataclass(frozen=True)
class Transition:
    step: Step
    label: str  # what the timeline and the refusals call it
    sources: frozenset[S]
    target: S | None  # None: the matter stays where it is, the step is still one event
    requires: str  # the rule's conditions beyond role and state, as a reader would check them

    @property
    def roles(self) -> frozenset[str]:
        """Who may take the step: core.permissions' STEP_ROLES, the one table of who may do what."""
        return STEP_ROLES[self.step]


TO_ROUTE = frozenset({S.REGISTERED, S.RETURNED})

_T = Transition
TABLE: dict[Step, Transition] = {
    t.step: t
    for t in [
        _T(Step.ACCEPT, "受理", TO_ROUTE, S.IN_HANDLING, "本局自办；办理期限自受理日起算"),
        _T(Step.DECLINE, "不予受理", TO_ROUTE, S.DECLINED, "须写明理由"),
        _T(
            Step.FORWARD,
            "转送",
            TO_ROUTE,
            S.ASSIGNED,
            "转送有权处理的单位；检举控告类只能转送纪检监察机关",
        ),
        _T(
            Step.ASSIGN,
            "交办",
            TO_ROUTE,
            S.ASSIGNED,
            "交办承办单位；检举控告类只能交办纪检监察机关",
        ),
        _T(
            Step.LEGAL_CHANNEL,
            "依法分类处理",
            TO_ROUTE,
            S.LEGAL_CHANNEL,
            "诉讼、仲裁、党员申诉、行政程序之一，并告知信访人途径",
        ),
        _T(Step.RECEIVE, "签收", frozenset({S.ASSIGNED}), S.IN_HANDLING, "本单位的交办件"),
        _T(
            Step.RETURN,
            "退回",
            frozenset({S.ASSIGNED, S.IN_HANDLING}),
            S.RETURNED,
            "签收后5个工作日内，须写明理由；由本局重新交办",
        ),
        _T(
            Step.RECORD_HANDLING,
            "记录办理情况",
            frozenset({S.IN_HANDLING}),
            None,
            "承办单位（本局受理的由经办人）",
        ),
        _T(
            Step.REQUEST_EXTENSION,
            "申请延期",
            frozenset({S.IN_HANDLING}),
            None,
            "仅可延期一次，不超过30日，须写明理由并告知信访人",
        ),
        _T(
            Step.DECIDE_EXTENSION,
            "审批延期",
            frozenset({S.IN_HANDLING}),
            None,
            "有待审批的延期申请；申请人不能自批",
        ),
        _T(
            Step.REPLY,
            "出具处理意见书",
            frozenset({S.IN_HANDLING}),
            S.REPLIED,
            "予以支持、解释说明或不予支持",
        ),
        _T(Step.DELIVER_REPLY, "送达处理意见", frozenset({S.REPLIED}), None, "尚未送达"),
        _T(
            Step.EVALUATE,
            "满意度评价",
            frozenset({S.REPLIED, S.REVIEWED, S.FINAL}),
            None,
            "处理意见已送达；满意、基本满意或不满意",
        ),
        _T(
            Step.REQUEST_REVIEW,
            "申请复查",
            frozenset({S.REPLIED}),
            S.UNDER_REVIEW,
            "收到处理意见之日起30日内",
        ),
        _T(
            Step.DECIDE_REVIEW,
            "出具复查意见",
            frozenset({S.UNDER_REVIEW}),
            S.REVIEWED,
            "复查期限为收到申请之日起30日",
        ),
        _T(Step.DELIVER_REVIEW, "送达复查意见", frozenset({S.REVIEWED}), None, "尚未送达"),
        _T(
            Step.DECLINE_REVIEW,
            "复查/复核申请不予受理",
            frozenset({S.REPLIED, S.REVIEWED, S.FINAL}),
            None,
            "登记收到的申请及不予受理理由：超过申请期限、不属于复查复核范围、已经终结等",
        ),
        _T(
            Step.WITHDRAW_REVIEW,
            "申请人撤回复查/复核申请",
            frozenset({S.UNDER_REVIEW, S.UNDER_REREVIEW}),
            None,
            "尚未出具复查或复核意见、未举行听证；事项回到申请前的状态",
        ),
        _T(
            Step.REQUEST_REREVIEW,
            "申请复核",
            frozenset({S.REVIEWED}),
            S.UNDER_REREVIEW,
            "收到复查意见之日起30日内",
        ),
        _T(
            Step.START_HEARING,
            "开始听证",
            frozenset({S.UNDER_REREVIEW}),
            None,
            "每件一次；听证期间不计入复核期限",
        ),
        _T(
            Step.END_HEARING,
            "结束听证",
            frozenset({S.UNDER_REREVIEW}),
            None,
            "听证已开始",
        ),
        _T(
            Step.DECIDE_REREVIEW,
            "出具复核意见",
            frozenset({S.UNDER_REREVIEW}),
            S.FINAL,
            "听证已结束；复核意见即为终结",
        ),
        _T(
            Step.FINALISE,
            "终结（逾期未申请）",
            frozenset({S.REPLIED, S.REVIEWED}),
            S.FINAL,
            "意见已送达，申请复查或复核的期限已过而未申请",
        ),
    ]
}


def check_role(step: Step, *, role: str) -> Transition:
    """The transition, if `role` may take `step` at all; otherwise a refusal naming who may."""
    t = TABLE[step]
    refuse_unless_role(role, STEP_ROLES[step], t.label)
    return t


def check_state(step: Step, *, status: str) -> Transition:
    """The transition, if a matter in `status` may take `step`; otherwise a refusal."""
    t = TABLE[step]
    if status not in t.sources:
        raise ConflictError(f"事项当前状态为「{S(status).label}」，不能{t.label}，请刷新后查看")
    return t


def check(step: Step, *, role: str, status: str) -> Transition:
    """Both guards of the table: the role, then the state."""
    check_role(step, role=role)
    return check_state(step, status=status)


def steps_from(status: str, role: str) -> list[Transition]:
    """The steps `role` may take now, in table order (for the matter page's buttons)."""
    return [t for t in TABLE.values() if status in t.sources and role_may_take(role, t.step)]

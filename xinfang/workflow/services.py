"""The only code that moves a matter: one function per step of transitions.TABLE.

Each runs in one transaction with the matter row locked, refuses a stale `version` (someone else
moved the matter first), checks the table's guard, bumps the version, saves with update_fields and
writes exactly one audit event `workflow.<step>` with the status before and after. A step
that has a document (受理, 不予受理, 转送, 交办, an approved 延期, 答复, 复查, 复核) issues it
in the same transaction (`_finish(move, document=...)`): one act, one document; if it cannot,
nothing is saved.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.config import domain_limit
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.permissions import Reach, assignment_reach, is_handling_unit, visible_matters
from xinfang.documents.kinds import DocumentKind
from xinfang.documents.services import step_document
from xinfang.intake.choices import Evaluation, HandlingMethod, Purpose
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import calendar, clocks, entry
from xinfang.workflow.models import (
    Assignment,
    MatterWorkflow,
    ReviewApplication,
    ReviewDeclineReason,
    ReviewResult,
    ReviewStage,
)
from xinfang.workflow.transitions import (
    TABLE,
    AssignmentKind,
    LegalChannel,
    ReplyOutcome,
    Step,
    Transition,
    check_role,
    check_state,
)


class _Move:
    """A step in progress: the locked matter, its workflow row, and what the step changes."""

    def __init__(self, step: Step, actor: User, matter: Matter, flow: MatterWorkflow) -> None:
        self.step, self.actor, self.matter, self.flow = step, actor, matter, flow
        self.matter_fields: set[str] = set()
        self.flow_fields: set[str] = set()
        self.data: dict[str, Any] = {}
        self.entry: dict[str, Any] = {}  # entered_on, late_entry ... (xinfang.workflow.entry)
        self.target: str | None = None  # the state a step without one in the table goes back to

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.matter, name, value)
            self.matter_fields.add(name)

    def set_flow(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.flow, name, value)
            self.flow_fields.add(name)


def _day(on: date | None) -> date:
    """The typed day, or today; `_begin` checks it against the matter (xinfang.workflow.entry)."""
    today = timezone.localdate()
    if on is None:
        return today
    if on > today:
        raise InputError("日期不能晚于今天", field="on")
    return on


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InputError(f"请填写{what}", field="reason")
    return value


def _active_assignment(matter: Matter) -> Assignment | None:
    return Assignment.objects.select_for_update().filter(matter=matter, active=True).first()


def _check_reach(t: Transition, actor: User, matter: Matter, version: int) -> None:
    """Unit staff act only on what is assigned to their unit; the bureau on what it may see."""
    assignment = _active_assignment(matter)
    assigned = assignment.unit_id if assignment is not None else None
    reach = assignment_reach(actor, assigned, handler_only=t.step in _HANDLER_STEPS)
    if reach == Reach.NOT_ASSIGNED:
        if version != matter.version and _was_assigned_to(matter, actor):
            # it was theirs when they looked: someone (a colleague's 退回) moved it first
            raise _stale(t, matter)
        raise PermissionRefusedError(f"该事项未交办本单位，不能{t.label}")
    if is_handling_unit(actor):
        return
    if reach == Reach.HANDLED_ELSEWHERE:
        assert assignment is not None
        raise PermissionRefusedError(f"该事项由{assignment.unit}办理，应由承办单位{t.label}")
    if not visible_matters(actor).filter(pk=matter.pk).exists():
        raise PermissionRefusedError("您无权处理该事项")


def _was_assigned_to(matter: Matter, actor: User) -> bool:
    return Assignment.objects.filter(matter=matter, unit_id=actor.org_unit_id).exists()


def _stale(t: Transition, matter: Matter) -> ConflictError:
    return ConflictError(
        f"事项{matter.number}已被他人更新（当前状态「{matter.get_status_display()}」），"
        f"本次「{t.label}」未保存，请刷新后重试"
    )


# steps the bureau's officer takes only for a matter it accepted itself
_HANDLER_STEPS = frozenset({Step.RECORD_HANDLING, Step.REQUEST_EXTENSION, Step.REPLY})


def _begin(step: Step, *, actor: User, matter: Matter, version: int, day: date) -> _Move:
    """Lock the matter and check, in order: role, reach, version, state (call inside atomic)."""
    t = check_role(step, role=actor.role)
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    _check_reach(t, actor, locked, version)
    if locked.version != version:
        raise _stale(t, locked)
    check_state(step, status=locked.status)
    flow, _ = MatterWorkflow.objects.get_or_create(matter=locked)
    # not before the previous step, not after today, in the backdating window or approved
    recorded = entry.check(day, matter=locked, step=str(step), actor=actor, flow=flow)
    move = _Move(step, actor, locked, flow)
    move.entry = recorded
    return move


def _finish(move: _Move, *, document: str | None = None, text: str = "") -> Matter:
    """Save what changed, bump the version, move the status per the table, write ONE event, and
    issue the step's `document` (a DocumentKind) with the step's `text` after it."""
    matter, before = move.matter, move.matter.status
    target = TABLE[move.step].target or move.target
    if target is not None:
        move.set(status=target)
    move.set(version=matter.version + 1)
    matter.save(update_fields=sorted(move.matter_fields | {"updated_at"}))
    if "decided_on" in move.matter_fields and matter.decided_on is not None:
        from xinfang.leaders.services import stamp_routed

        stamp_routed(matter.pk, matter.decided_on)  # 接访交办期限 met on the routing day
    if move.flow_fields:
        move.flow.save(update_fields=sorted(move.flow_fields))
    entry.settle(matter, move.entry)  # a clock met only by a typed day: a late entry
    audit_record(
        actor=move.actor,
        action=f"workflow.{move.step}",
        obj=matter,
        matter=matter,
        data={"from": before, "to": matter.status, **move.data, **move.entry},
    )
    if document is not None:
        label = TABLE[move.step].label
        on = date.fromisoformat(move.data["on"])  # dated the step's day (its 答复日期 ...)
        step_document(actor=move.actor, matter=matter, kind=document, step=label, on=on, text=text)
    return matter


# --- the bureau routes ------------------------------------------------------------------------


@transaction.atomic
def matter_accept(*, actor: User, matter: Matter, version: int, on: date | None = None) -> Matter:
    """受理: the bureau handles the matter itself; the 60-day clock starts today."""
    day = _day(on)
    move = _begin(Step.ACCEPT, actor=actor, matter=matter, version=version, day=day)
    due = calendar.deadline(day, domain_limit("HANDLE_DAYS"))
    move.set(
        handling_method=HandlingMethod.ACCEPT,
        decided_on=day,
        handling_deadline=due,
        extended_to=None,
    )
    move.data = {"on": day.isoformat(), "due": due.isoformat(), **_restart_handling(move)}
    return _finish(move, document=DocumentKind.ACCEPT)


def _restart_handling(move: _Move) -> dict[str, Any]:
    """A new handler starts clean: an extension asked or granted for the one before (who returned
    the matter) is not theirs. Returns what was cleared, for the event."""
    flow = move.flow
    if flow.extension_requested_on is None:
        return {}
    cleared = {
        "cleared_extension": {
            "days": flow.extension_days,
            "requested_on": flow.extension_requested_on.isoformat(),
            "approved": flow.extension_approved,
        }
    }
    move.set_flow(
        extension_days=None,
        extension_reason="",
        extension_requested_on=None,
        extension_requested_by=None,
        extension_approved=None,
    )
    return cleared


@transaction.atomic
def matter_decline(
    *, actor: User, matter: Matter, version: int, reason: str, on: date | None = None
) -> Matter:
    """不予受理, with the reason the petitioner is told."""
    day, reason = _day(on), _text(reason, "不予受理的理由")
    move = _begin(Step.DECLINE, actor=actor, matter=matter, version=version, day=day)
    move.set(handling_method=HandlingMethod.DECLINE, decided_on=day, handling_deadline=None)
    move.set_flow(decline_reason=reason)
    move.data = {"on": day.isoformat(), "reason": reason}
    return _finish(move, document=DocumentKind.DECLINE)


@transaction.atomic
def matter_sort_by_law(
    *, actor: User, matter: Matter, version: int, channel: str, on: date | None = None
) -> Matter:
    """依法分类处理: the petitioner is told which legal channel; the matter leaves the track."""
    day = _day(on)
    if channel not in LegalChannel.values:
        raise InputError("请选择依法分类的途径：诉讼、仲裁、党员申诉或行政程序", field="channel")
    move = _begin(Step.LEGAL_CHANNEL, actor=actor, matter=matter, version=version, day=day)
    move.set(handling_method=HandlingMethod.LEGAL_CHANNEL, decided_on=day, handling_deadline=None)
    move.set_flow(legal_channel=channel)
    move.data = {"on": day.isoformat(), "channel": channel}
    return _finish(move)


def _route(
    step: Step,
    *,
    actor: User,
    matter: Matter,
    version: int,
    unit: OrgUnit,
    on: date | None,
    requirements: str = "",
) -> Matter:
    day, requirements = _day(on), requirements.strip()
    if not unit.active:
        raise InputError(f"{unit}已停用，不能接收事项", field="unit")
    move = _begin(step, actor=actor, matter=matter, version=version, day=day)
    # 检举控告 material goes only to discipline and supervision organs (条例第二十二条)
    if move.matter.purpose == Purpose.ACCUSATION and not unit.is_discipline_organ:
        raise InputError("检举控告类事项只能转送、交办纪检监察机关", field="unit")
    due = calendar.deadline(day, domain_limit("HANDLE_DAYS"))
    kind = AssignmentKind.FORWARD if step == Step.FORWARD else AssignmentKind.ASSIGN
    assignment = Assignment.objects.create(
        matter=move.matter, unit=unit, kind=kind, assigned_on=day, assigned_by=actor, due=due
    )
    move.set(
        handling_method=HandlingMethod(kind.value),
        decided_on=day,
        handling_deadline=due,
        extended_to=None,
        responsible_unit=unit,
    )
    move.data = {
        "on": day.isoformat(),
        "unit": unit.name,
        "assignment": assignment.pk,
        "due": due.isoformat(),
        **_restart_handling(move),
    }
    return _finish(move, document=DocumentKind(kind.value), text=requirements)


@transaction.atomic
def matter_forward(
    *, actor: User, matter: Matter, version: int, unit: OrgUnit, on: date | None = None
) -> Matter:
    """转送 to the organ with authority; the 转送告知书 tells the petitioner."""
    return _route(Step.FORWARD, actor=actor, matter=matter, version=version, unit=unit, on=on)


@transaction.atomic
def matter_assign(
    *,
    actor: User,
    matter: Matter,
    version: int,
    unit: OrgUnit,
    requirements: str = "",
    on: date | None = None,
) -> Matter:
    """交办 to a handling unit, which reports back; the 交办单 carries the 办理要求."""
    return _route(
        Step.ASSIGN,
        actor=actor,
        matter=matter,
        version=version,
        unit=unit,
        on=on,
        requirements=requirements,
    )


# --- the handling unit ------------------------------------------------------------------------


@transaction.atomic
def assignment_receive(
    *, actor: User, matter: Matter, version: int, on: date | None = None
) -> Matter:
    """签收: the unit has it; its 5 working days to return it start now (clocks.return_due)."""
    day = _day(on)
    move = _begin(Step.RECEIVE, actor=actor, matter=matter, version=version, day=day)
    assignment = _active_assignment(move.matter)
    assert assignment is not None  # _begin's reach check guarantees it
    assignment.received_on, assignment.received_by = day, actor
    assignment.return_due = clocks.return_due(assignment.assigned_on, day)
    assignment.save(update_fields=["received_on", "received_by", "return_due"])
    move.data = {"on": day.isoformat(), "return_due": assignment.return_due.isoformat()}
    return _finish(move)


@transaction.atomic
def assignment_return(
    *, actor: User, matter: Matter, version: int, reason: str, on: date | None = None
) -> Matter:
    """退回: not this unit's matter, said within 5 working days of receipt; the bureau reassigns."""
    day, reason = _day(on), _text(reason, "退回理由")
    move = _begin(Step.RETURN, actor=actor, matter=matter, version=version, day=day)
    assignment = _active_assignment(move.matter)
    assert assignment is not None
    window = clocks.return_due(assignment.assigned_on, assignment.received_on)
    if day > window:
        raise InputError(
            f"退回期限（{cn_date(window)}）已过，不能退回；确非本单位职责的，请与信访局协调",
            field="on",
        )
    assignment.returned_on, assignment.returned_by = day, actor
    assignment.return_reason, assignment.active = reason, False
    assignment.save(update_fields=["returned_on", "returned_by", "return_reason", "active"])
    move.data = {"on": day.isoformat(), "unit": assignment.unit.name, "reason": reason}
    return _finish(move)


@transaction.atomic
def handling_record(
    *, actor: User, matter: Matter, version: int, notes: str, on: date | None = None
) -> Matter:
    """办理情况: what the handler did, kept on the matter's timeline."""
    day, notes = _day(on), _text(notes, "办理情况")
    move = _begin(Step.RECORD_HANDLING, actor=actor, matter=matter, version=version, day=day)
    stamp = f"{day:%Y-%m-%d} {notes}"
    move.set_flow(handling_notes="\n".join(filter(None, [move.flow.handling_notes, stamp])))
    move.data = {"on": day.isoformat(), "notes": notes}
    return _finish(move)


@transaction.atomic
def extension_request(
    *, actor: User, matter: Matter, version: int, days: int, reason: str, on: date | None = None
) -> Matter:
    """申请延期: once, at most EXTENSION_MAX_DAYS days, before the limit, with a reason."""
    day, reason = _day(on), _text(reason, "延期理由")
    most = domain_limit("EXTENSION_MAX_DAYS")
    if not 1 <= days <= most:
        raise InputError(f"延期不能超过{most}日", field="days")
    move = _begin(Step.REQUEST_EXTENSION, actor=actor, matter=matter, version=version, day=day)
    if move.flow.extension_requested_on is not None:
        raise InputError("该事项已申请过延期；办理期限只能延长一次", field="days")
    due = move.matter.handling_deadline
    if due is not None and day > due:
        raise InputError(f"办理期限（{cn_date(due)}）已过，不能再申请延期", field="on")
    move.set_flow(
        extension_days=days,
        extension_reason=reason,
        extension_requested_on=day,
        extension_requested_by=actor,
        extension_approved=None,
    )
    move.data = {"on": day.isoformat(), "days": days, "reason": reason}
    return _finish(move)


@transaction.atomic
def extension_decide(
    *, actor: User, matter: Matter, version: int, approve: bool, on: date | None = None
) -> Matter:
    """审批延期: the head approves (the clock runs 60 + n days from its start) or refuses."""
    day = _day(on)
    move = _begin(Step.DECIDE_EXTENSION, actor=actor, matter=matter, version=version, day=day)
    flow = move.flow
    if flow.extension_requested_on is None or flow.extension_approved is not None:
        raise ConflictError("该事项没有待审批的延期申请")
    if flow.extension_requested_by_id == actor.pk:
        raise PermissionRefusedError("延期申请须由他人审批，不能自行审批")
    move.set_flow(extension_approved=approve)
    move.data = {"on": day.isoformat(), "approved": approve}
    start, days = move.matter.decided_on, flow.extension_days or 0
    if approve and start is not None:
        extended = calendar.deadline(start, domain_limit("HANDLE_DAYS") + days)
        move.set(extended_to=extended)
        Assignment.objects.filter(matter=move.matter, active=True).update(due=extended)
        move.data["extended_to"] = extended.isoformat()
    return _finish(move, document=DocumentKind.EXTENSION if approve else None)


@transaction.atomic
def reply_issue(
    *,
    actor: User,
    matter: Matter,
    version: int,
    outcome: str,
    text: str = "",
    on: date | None = None,
) -> Matter:
    """答复: the 处理意见 (予以支持 / 解释说明 / 不予支持) and the 答复内容, issued as the
    处理意见书 in the same act."""
    day, text = _day(on), text.strip()
    if outcome not in ReplyOutcome.values:
        raise InputError("请选择处理意见：予以支持、解释说明或不予支持", field="outcome")
    move = _begin(Step.REPLY, actor=actor, matter=matter, version=version, day=day)
    due = move.matter.extended_to or move.matter.handling_deadline
    move.set(replied_on=day)
    move.set_flow(reply_outcome=outcome)
    move.data = {"on": day.isoformat(), "outcome": outcome, "on_time": due is None or day <= due}
    return _finish(move, document=DocumentKind.REPLY, text=text)


# --- the petitioner's side, recorded by staff ---------------------------------------------------


@transaction.atomic
def reply_deliver(*, actor: User, matter: Matter, version: int, on: date | None = None) -> Matter:
    """送达: the petitioner has the reply; the 30 days to ask for review start."""
    day = _day(on)
    move = _begin(Step.DELIVER_REPLY, actor=actor, matter=matter, version=version, day=day)
    if move.flow.reply_delivered_on is not None:
        raise ConflictError("处理意见已登记送达")
    window = calendar.deadline(day, domain_limit("REVIEW_REQUEST_DAYS"))
    move.set_flow(reply_delivered_on=day, review_request_due=window)
    move.data = {"on": day.isoformat(), "review_request_due": window.isoformat()}
    return _finish(move)


@transaction.atomic
def evaluation_record(
    *, actor: User, matter: Matter, version: int, evaluation: str, on: date | None = None
) -> Matter:
    """满意度评价 as the petitioner gave it."""
    day = _day(on)
    if evaluation not in Evaluation.values:
        raise InputError("请选择评价：满意、基本满意或不满意", field="evaluation")
    move = _begin(Step.EVALUATE, actor=actor, matter=matter, version=version, day=day)
    if move.flow.reply_delivered_on is None:
        raise InputError("处理意见尚未送达，不能登记评价")
    flow = move.flow
    given = entry.evaluation_given(move.matter, flow.reply_delivered_on, flow.review_delivered_on)
    if given is not None:
        raise InputError(
            f"信访人已于{cn_date(given)}评价：{move.matter.get_evaluation_display()}；"
            f"每份送达的意见只评价一次，原评价不能更改",
            field="evaluation",
        )
    move.set(evaluation=evaluation, evaluated_on=day)
    move.data = {"on": day.isoformat(), "evaluation": evaluation}
    return _finish(move)


def _within(day: date, window: date | None, what: str) -> None:
    if window is None:
        raise InputError(f"意见尚未送达，不能{what}")
    if day > window:
        raise InputError(f"{what}的期限（{cn_date(window)}）已过，不再受理", field="on")


@transaction.atomic
def review_request(*, actor: User, matter: Matter, version: int, on: date | None = None) -> Matter:
    """申请复查, within 30 days of receiving the reply; decided within 30."""
    day = _day(on)
    move = _begin(Step.REQUEST_REVIEW, actor=actor, matter=matter, version=version, day=day)
    _within(day, move.flow.review_request_due, "申请复查")
    due = calendar.deadline(day, domain_limit("REVIEW_DECIDE_DAYS"))
    move.set(review_requested_on=day)
    move.set_flow(review_due=due)
    move.data = {"on": day.isoformat(), "due": due.isoformat()}
    return _finish(move)


@transaction.atomic
def review_decide(
    *,
    actor: User,
    matter: Matter,
    version: int,
    outcome: str,
    text: str = "",
    on: date | None = None,
) -> Matter:
    """复查: the 复查意见 and its 理由, issued as the 复查意见书 in the same act."""
    day, text = _day(on), text.strip()
    if outcome not in ReplyOutcome.values:
        raise InputError("请选择复查意见", field="outcome")
    move = _begin(Step.DECIDE_REVIEW, actor=actor, matter=matter, version=version, day=day)
    move.set(review_replied_on=day)
    move.set_flow(review_outcome=outcome)
    due = move.flow.review_due
    move.data = {"on": day.isoformat(), "outcome": outcome, "on_time": due is None or day <= due}
    return _finish(move, document=DocumentKind.REVIEW, text=text)


@transaction.atomic
def review_deliver(*, actor: User, matter: Matter, version: int, on: date | None = None) -> Matter:
    """送达复查意见: the 30 days to ask for re-review start."""
    day = _day(on)
    move = _begin(Step.DELIVER_REVIEW, actor=actor, matter=matter, version=version, day=day)
    if move.flow.review_delivered_on is not None:
        raise ConflictError("复查意见已登记送达")
    window = calendar.deadline(day, domain_limit("REREVIEW_REQUEST_DAYS"))
    move.set_flow(review_delivered_on=day, rereview_request_due=window)
    move.data = {"on": day.isoformat(), "rereview_request_due": window.isoformat()}
    return _finish(move)


def _review_stage(matter: Matter) -> ReviewStage:
    """Which request a 复查/复核 申请 is: 复核 once a review has been asked for, else 复查."""
    if matter.status == "reviewed" or matter.review_requested_on is not None:
        return ReviewStage.REREVIEW
    return ReviewStage.REVIEW


@transaction.atomic
def review_decline(
    *,
    actor: User,
    matter: Matter,
    version: int,
    reason: str,
    received: date | None = None,
    note: str = "",
    on: date | None = None,
) -> Matter:
    """复查/复核申请不予受理: the request is registered as received, then refused with a reason.

    The matter's state does not change; the request is kept (ReviewApplication) for the reports.
    """
    day = _day(on)
    received = received or day
    if reason not in ReviewDeclineReason.values:
        raise InputError("请选择不予受理的理由", field="reason")
    note = (note or "").strip()
    if reason == ReviewDeclineReason.OTHER and not note:
        raise InputError("理由为“其他”时请写明说明", field="note")
    if received > day:
        raise InputError("申请日期不能晚于不予受理日期", field="received")
    move = _begin(Step.DECLINE_REVIEW, actor=actor, matter=matter, version=version, day=day)
    stage = _review_stage(move.matter)
    window = (
        move.flow.review_request_due
        if stage == ReviewStage.REVIEW
        else move.flow.rereview_request_due
    )
    if reason == ReviewDeclineReason.LATE and (window is None or received <= window):
        raise InputError(
            "该申请未超过申请期限，不能以“超过申请期限”不予受理"
            if window is not None
            else "意见尚未送达，申请期限尚未起算，不能以“超过申请期限”不予受理",
            field="reason",
        )
    if reason == ReviewDeclineReason.FINAL and move.matter.status != "final":
        raise InputError("该事项尚未终结，不能以“已经终结”不予受理", field="reason")
    if received < (move.flow.reply_delivered_on or received):
        raise InputError("申请日期不能早于处理意见送达日期", field="received")
    _drop_review(move, stage, received)
    ReviewApplication.objects.create(
        matter=move.matter,
        stage=stage,
        received_on=received,
        result=ReviewResult.DECLINED,
        result_on=day,
        reason=reason,
        note=note,
        recorded_by=actor,
    )
    move.data = {
        "on": day.isoformat(),
        "stage": str(stage),
        "received": received.isoformat(),
        "reason": reason,
        "note": note,
    }
    return _finish(move)


def _drop_review(move: _Move, stage: str, received: date) -> None:
    """A 复查申请 refused or withdrawn: the matter keeps its earliest date (review_dropped_on),
    for 初信初访一次性化解率 (a review was asked); a 复核申请's is not kept."""
    dropped = move.matter.review_dropped_on
    if stage == ReviewStage.REVIEW and (dropped is None or received < dropped):
        move.set(review_dropped_on=received)


@transaction.atomic
def review_withdraw(
    *, actor: User, matter: Matter, version: int, note: str = "", on: date | None = None
) -> Matter:
    """申请人撤回复查/复核申请 before the opinion: the matter goes back to where it was before the
    request, whose date is kept (ReviewApplication) for the reports; the window runs on."""
    day = _day(on)
    move = _begin(Step.WITHDRAW_REVIEW, actor=actor, matter=matter, version=version, day=day)
    if move.matter.status == "under_review":
        stage, received = ReviewStage.REVIEW, move.matter.review_requested_on
        move.set(review_requested_on=None)
        move.target = "replied"
        move.set_flow(review_due=None)
    else:
        if move.flow.hearing_started_on is not None:
            raise ConflictError("已举行听证的复核申请不能登记撤回")
        stage, received = ReviewStage.REREVIEW, move.matter.rereview_requested_on
        move.set(rereview_requested_on=None)
        move.target = "reviewed"
        move.set_flow(rereview_due=None)
    if received is None:  # a state without its request date (an old import): nothing to withdraw
        raise ConflictError("该事项没有登记申请日期，无法登记撤回")
    note = (note or "").strip()
    _drop_review(move, stage, received)
    ReviewApplication.objects.create(
        matter=move.matter,
        stage=stage,
        received_on=received,
        result=ReviewResult.WITHDRAWN,
        result_on=day,
        note=note,
        recorded_by=actor,
    )
    move.data = {
        "on": day.isoformat(),
        "stage": str(stage),
        "received": received.isoformat(),
        "note": note,
    }
    return _finish(move)


@transaction.atomic
def rereview_request(
    *, actor: User, matter: Matter, version: int, on: date | None = None
) -> Matter:
    """申请复核, within 30 days of receiving the review; decided within 30, hearings not counted."""
    day = _day(on)
    move = _begin(Step.REQUEST_REREVIEW, actor=actor, matter=matter, version=version, day=day)
    _within(day, move.flow.rereview_request_due, "申请复核")
    due = calendar.deadline(day, domain_limit("REREVIEW_DECIDE_DAYS"))
    move.set(rereview_requested_on=day)
    move.set_flow(rereview_due=due)
    move.data = {"on": day.isoformat(), "due": due.isoformat()}
    return _finish(move)


@transaction.atomic
def hearing_start(*, actor: User, matter: Matter, version: int, on: date | None = None) -> Matter:
    """听证 begins: the re-review clock stops until it ends."""
    day = _day(on)
    move = _begin(Step.START_HEARING, actor=actor, matter=matter, version=version, day=day)
    if move.flow.hearing_started_on is not None:
        raise ConflictError("该事项已举行过听证")
    move.set_flow(hearing_started_on=day)
    move.data = {"on": day.isoformat()}
    moved = _finish(move)
    from xinfang.hearings.sync import rereview_hearing_started  # the record follows the dates

    rereview_hearing_started(actor=actor, matter=moved, on=day)
    return moved


@transaction.atomic
def hearing_end(*, actor: User, matter: Matter, version: int, on: date | None = None) -> Matter:
    """听证 ends: the re-review limit moves on by the days it took."""
    day = _day(on)
    move = _begin(Step.END_HEARING, actor=actor, matter=matter, version=version, day=day)
    started, requested = move.flow.hearing_started_on, move.matter.rereview_requested_on
    if started is None or move.flow.hearing_ended_on is not None or requested is None:
        raise ConflictError("没有正在进行的听证")
    if day < started:
        raise InputError("听证结束日期不能早于开始日期", field="on")
    due = calendar.deadline(
        requested, domain_limit("REREVIEW_DECIDE_DAYS"), paused=[(started, day)]
    )
    move.set_flow(hearing_ended_on=day, rereview_due=due)
    move.data = {"on": day.isoformat(), "due": due.isoformat()}
    moved = _finish(move)
    from xinfang.hearings.sync import rereview_hearing_ended  # the record follows the dates

    rereview_hearing_ended(actor=actor, matter=moved, started=started, on=day)
    return moved


@transaction.atomic
def rereview_decide(
    *,
    actor: User,
    matter: Matter,
    version: int,
    outcome: str,
    text: str = "",
    on: date | None = None,
) -> Matter:
    """复核: the 复核意见 and its 理由, issued as the 复核意见书; the matter is final (终结)."""
    day, text = _day(on), text.strip()
    if outcome not in ReplyOutcome.values:
        raise InputError("请选择复核意见", field="outcome")
    move = _begin(Step.DECIDE_REREVIEW, actor=actor, matter=matter, version=version, day=day)
    if move.flow.hearing_started_on is not None and move.flow.hearing_ended_on is None:
        raise ConflictError("听证尚未结束，不能出具复核意见")
    move.set(rereview_replied_on=day)
    move.set_flow(rereview_outcome=outcome, final_on=day)
    due = move.flow.rereview_due
    move.data = {"on": day.isoformat(), "outcome": outcome, "on_time": due is None or day <= due}
    return _finish(move, document=DocumentKind.REREVIEW, text=text)


@transaction.atomic
def matter_finalise(*, actor: User, matter: Matter, version: int, on: date | None = None) -> Matter:
    """终结 when the window to ask for review or re-review passed unused."""
    day = _day(on)
    move = _begin(Step.FINALISE, actor=actor, matter=matter, version=version, day=day)
    flow = move.flow
    window = (
        flow.review_request_due if move.matter.status == "replied" else flow.rereview_request_due
    )
    if window is None:
        raise InputError("意见尚未送达，申请期限尚未起算，不能终结")
    if day <= window:
        raise InputError(f"信访人可在{cn_date(window)}前申请，期限届满后方可终结", field="on")
    move.set_flow(final_on=day)
    move.data = {"on": day.isoformat(), "window": window.isoformat()}
    return _finish(move)

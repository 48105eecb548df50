"""The matter page's 「办理」 panel: one form per step and supervision act, and which are offered.

Each form carries the matter's `version` (hidden) and parses what its service takes; the service
stays the judge (role, reach, version, state, dates). `offered_actions` filters the table's
`steps_from` by the same reach rules the services apply, and by the facts a service would refuse.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.config import domain_limit
from xinfang.core.formtext import SafeForm
from xinfang.core.permissions import Reach, assignment_reach, may_take
from xinfang.intake.choices import Evaluation, Purpose, SupervisionLevel
from xinfang.intake.forms import UnitField, units_for
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import entry
from xinfang.workflow import services as wf
from xinfang.workflow import supervision as sv
from xinfang.workflow.clocks import MatterClockFacts
from xinfang.workflow.models import ReviewDeclineReason, SupervisionNotice
from xinfang.workflow.supervision_rules import TABLE as SV_TABLE
from xinfang.workflow.supervision_rules import (
    Act,
    SupervisionKind,
    SupervisionOutcome,
)
from xinfang.workflow.transitions import TABLE, LegalChannel, ReplyOutcome, Step, steps_from


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class StepForm(SafeForm):
    """What every step form has: the version it was read at, and the day (default today)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    on = forms.DateField(
        label="日期",
        required=False,
        widget=DateInput(),
        help_text="默认今天；补录以前的事可填当时的日期（补录期限内），不能晚于今天",
        error_messages={"invalid": "请按“年-月-日”填写日期"},
    )
    # the service's name of a field → this form's, where they differ
    service_fields: dict[str, str] = {}
    intro = ""  # what the step does, shown above the fields

    def __init__(self, *args: Any, matter: Matter, user: User, facts: MatterClockFacts, **kw: Any):
        super().__init__(*args, **kw)
        self.matter, self.user, self.facts = matter, user, facts
        self.order_fields([n for n in self.fields if n != "on"] + ["on"])  # the day goes last
        if not self.is_bound:
            first = next(n for n in self.fields if not self.fields[n].widget.is_hidden)
            self.fields[first].widget.attrs["autofocus"] = True
        today = timezone.localdate()
        for f in self.fields.values():
            if isinstance(f.widget, DateInput):
                f.widget.attrs["max"] = today.isoformat()
            if f.required and not f.widget.is_hidden:  # say what is missing, not "这个字段是必填项"
                verb = "请选择" if isinstance(f, forms.ChoiceField) else "请填写"
                f.error_messages["required"] = f"{verb}{f.label}"

    def clean_on(self) -> date | None:
        on: date | None = self.cleaned_data.get("on")
        if on is not None and on > timezone.localdate():
            raise forms.ValidationError("日期不能晚于今天")
        return on

    def field_for(self, service_field: str | None) -> str | None:
        """Where the service's error about `service_field` is shown (None: above the form)."""
        if not service_field:
            return None
        name = self.service_fields.get(service_field, service_field)
        return name if name in self.fields else None


def _reason(label: str = "理由") -> forms.CharField:
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, strip=True
    )


def _radios(choices: Any, label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect)


class DayOnlyForm(StepForm):
    pass


class DeclineForm(StepForm):
    reason = _reason("不予受理的理由")


class LegalChannelForm(StepForm):
    channel = _radios(LegalChannel.choices, "依法分类途径")
    intro = "信访人将被告知应通过的法定途径，事项不再按信访程序办理。"


class RouteForm(StepForm):
    unit = UnitField(label="承办单位", queryset=OrgUnit.objects.none(), empty_label="（请选择）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, UnitField)
        field.queryset = route_units(self.user, self.matter)
        field.base_depth = (self.user.org_unit.depth + 1) if self.user.org_unit else 0
        if self.matter.purpose == Purpose.ACCUSATION:
            field.help_text = "检举控告类事项只能转送、交办纪检监察机关"


def route_units(user: User, matter: Matter) -> QuerySet[OrgUnit]:
    """Active units below the bureau; an accusation only to discipline and supervision organs."""
    units = units_for(user)
    if user.org_unit_id is not None:
        units = units.exclude(pk=user.org_unit_id)  # the bureau does not route to itself
    if matter.purpose == Purpose.ACCUSATION:
        units = units.filter(is_discipline_organ=True)
    return units


class ReturnForm(StepForm):
    reason = _reason("退回理由")
    intro = "确非本单位职责的，签收后5个工作日内可退回信访局，并写明理由。"


class HandlingForm(StepForm):
    notes = _reason("办理情况")
    service_fields = {"reason": "notes"}


class ExtensionRequestForm(StepForm):
    days = forms.IntegerField(label="延期天数", min_value=1)
    reason = _reason("延期理由")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        most = domain_limit("EXTENSION_MAX_DAYS")
        days = self.fields["days"]
        assert isinstance(days, forms.IntegerField)
        days.max_value = most
        days.validators.append(_most(most))
        days.widget.attrs.update({"min": 1, "max": most})
        days.help_text = f"仅可延期一次，不超过{most}日；理由将告知信访人"


def _most(most: int) -> Callable[[int], None]:
    def check(value: int) -> None:
        if value is not None and value > most:
            raise forms.ValidationError(f"延期不能超过{most}日")

    return check


class ExtensionDecideForm(StepForm):
    decision = _radios([("approve", "同意延期"), ("refuse", "不同意")], "审批意见")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        flow = self.facts.flow
        if flow is not None and flow.extension_requested_on:
            self.intro = (
                f"{flow.extension_requested_on:%Y-%m-%d} 申请延期{flow.extension_days}日，"
                f"理由：{flow.extension_reason}"
            )


def _document_text(label: str, *, required: bool, help_text: str = "") -> forms.CharField:
    """The step's text that goes into its document's body (documents.placeholders.STEP_TEXT)."""
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        strip=True,
        help_text=help_text or "写入文书正文；证件号、电话号码会自动隐去",
    )


class AssignForm(RouteForm):
    requirements = _document_text("办理要求", required=False)
    intro = "交办后即出具交办单（编文号），可在本页“文书”中打印、下载。"


class OutcomeForm(StepForm):
    outcome = _radios(ReplyOutcome.choices, "处理意见")
    text = _document_text("答复内容", required=True)
    intro = (
        "写明答复内容和处理意见，提交后事项转为“已答复”，同时出具处理意见书（编文号），"
        "可在本页“文书”中打印，交登记窗口送达信访人。"
    )


class ReviewOutcomeForm(StepForm):
    outcome = _radios(ReplyOutcome.choices, "复查意见")
    text = _document_text("复查认定的事实和理由", required=False)
    intro = (
        "提交后事项转为“已复查”，同时出具复查意见书（编文号），"
        "可在本页“文书”中打印，交登记窗口送达信访人。"
    )


class RereviewOutcomeForm(StepForm):
    outcome = _radios(ReplyOutcome.choices, "复核意见")
    text = _document_text("复核认定的事实和理由", required=False)
    intro = "复核意见即为终结，提交后事项转为“已终结”，同时出具复核意见书（编文号）。"


class ReviewDeclineForm(StepForm):
    reason = _radios(ReviewDeclineReason.choices, "不予受理的理由")
    received = forms.DateField(
        label="收到申请日期",
        required=False,
        widget=DateInput(),
        help_text="默认与下面的日期相同",
        error_messages={"invalid": "请按“年-月-日”填写日期"},
    )
    note = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    intro = (
        "登记收到的复查或复核申请并决定不予受理（阶段按事项状态：已答复为复查，已复查为复核）；"
        "事项状态不变，申请计入统计。"
    )


class ReviewWithdrawForm(StepForm):
    note = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    intro = "信访人撤回申请：复查或复核期限停止，事项回到申请前的状态；原申请日期计入统计。"


class EvaluationForm(StepForm):
    evaluation = _radios(Evaluation.choices, "信访人评价")


class SupervisionRaiseForm(StepForm):
    level = _radios(SupervisionLevel.choices, "督办级别")
    kind = _radios(SupervisionKind.choices, "督办类型")
    reason = _reason("督办事由")
    due = forms.DateField(
        label="督办期限",
        required=False,
        widget=DateInput(),
        help_text="不填则按督办日期起算的默认期限",
        error_messages={"invalid": "请按“年-月-日”填写日期"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due"].widget.attrs.pop("max", None)  # a due date lies ahead
        if not self.is_bound:
            self.initial.setdefault("level", SupervisionLevel.DISTRICT)
            self.initial.setdefault("kind", SupervisionKind.ROUTINE)


class NoticeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.get_level_display()}级督办（{obj.raised_on:%Y-%m-%d}起，期限{obj.due:%Y-%m-%d}）"
        )


class SupervisionCloseForm(StepForm):
    notice = NoticeField(label="督办单", queryset=SupervisionNotice.objects.none())
    outcome = _radios(SupervisionOutcome.choices, "督办结果")
    note = forms.CharField(
        label="结果说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["notice"]
        assert isinstance(field, NoticeField)
        field.queryset = SupervisionNotice.objects.filter(
            matter=self.matter, closed_on__isnull=True
        ).order_by("id")
        field.wide = True  # type: ignore[attr-defined]  # its long label needs the whole row
        open_ones = self.facts.open_notices
        if len(open_ones) == 1 and not self.is_bound:
            self.initial["notice"] = open_ones[0].pk


class InstructionForm(StepForm):
    text = forms.CharField(
        label="批示内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, strip=True
    )


class ResolveForm(StepForm):
    intro = "登记事项化解的日期（台账“化解日期”）。"


class BackdateApproveForm(StepForm):
    step = forms.ChoiceField(label="办理步骤", choices=())
    reason = _reason("补录理由")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.fields["step"]
        assert isinstance(step, forms.ChoiceField)
        step.choices = (
            [("", "（请选择）")]
            + [(str(s), t.label) for s, t in TABLE.items()]
            + [(str(a), r.label) for a, r in SV_TABLE.items() if a != Act.BACKDATE_APPROVE]
        )
        on = self.fields["on"]
        on.required, on.label = True, "补录日期"
        on.error_messages["required"] = "请填写补录日期"
        days = entry.window_days()
        on.help_text = f"早于{days}个工作日补录期限的日期；批准后该步骤可按此日期办理一次"
        self.intro = (
            f"办理步骤的日期只能补录{days}个工作日以内的；确需按更早日期登记的，由督查人员"
            "写明理由批准，承办人随后按此日期办理，办理过程中标注「补录」。"
        )


# --- the actions: each a form and the service call it makes -------------------------------------

Run = Callable[[User, Matter, dict[str, Any]], Any]


@dataclass(frozen=True)
class ActionSpec:
    key: str
    label: str
    form: type[StepForm]
    run: Run
    roles: frozenset[str]
    done: str  # the success message
    danger: bool = False


def _call(service: Callable[..., Any], *names: str) -> Run:
    def run(user: User, matter: Matter, data: dict[str, Any]) -> Any:
        kwargs = {n: data[n] for n in names}
        return service(actor=user, matter=matter, version=data["version"], on=data["on"], **kwargs)

    return run


def _decide_extension(user: User, matter: Matter, data: dict[str, Any]) -> Any:
    return wf.extension_decide(
        actor=user,
        matter=matter,
        version=data["version"],
        approve=data["decision"] == "approve",
        on=data["on"],
    )


def _handling(user: User, matter: Matter, data: dict[str, Any]) -> Any:
    return wf.handling_record(
        actor=user, matter=matter, version=data["version"], notes=data["notes"], on=data["on"]
    )


def _raise(user: User, matter: Matter, data: dict[str, Any]) -> Any:
    return sv.supervision_raise(
        actor=user,
        matter=matter,
        version=data["version"],
        level=data["level"],
        kind=data["kind"],
        reason=data["reason"],
        due=data["due"],
        on=data["on"],
    )


def _close(user: User, matter: Matter, data: dict[str, Any]) -> Any:
    return sv.supervision_close(
        actor=user,
        notice=data["notice"],
        version=data["version"],
        outcome=data["outcome"],
        note=data["note"],
        on=data["on"],
    )


def _instruction(user: User, matter: Matter, data: dict[str, Any]) -> Any:
    return sv.instruction_add(
        actor=user, matter=matter, version=data["version"], text=data["text"], on=data["on"]
    )


def _backdate(user: User, matter: Matter, data: dict[str, Any]) -> Any:
    return entry.backdate_approve(
        actor=user,
        matter=matter,
        version=data["version"],
        step=data["step"],
        reason=data["reason"],
        on=data["on"],
    )


def _resolve(user: User, matter: Matter, data: dict[str, Any]) -> Any:
    on = data["on"] or timezone.localdate()
    return sv.matter_resolve(actor=user, matter=matter, version=data["version"], on=on)


_STEP_FORMS: dict[Step, tuple[type[StepForm], Run]] = {
    Step.ACCEPT: (DayOnlyForm, _call(wf.matter_accept)),
    Step.DECLINE: (DeclineForm, _call(wf.matter_decline, "reason")),
    Step.FORWARD: (RouteForm, _call(wf.matter_forward, "unit")),
    Step.ASSIGN: (AssignForm, _call(wf.matter_assign, "unit", "requirements")),
    Step.LEGAL_CHANNEL: (LegalChannelForm, _call(wf.matter_sort_by_law, "channel")),
    Step.RECEIVE: (DayOnlyForm, _call(wf.assignment_receive)),
    Step.RETURN: (ReturnForm, _call(wf.assignment_return, "reason")),
    Step.RECORD_HANDLING: (HandlingForm, _handling),
    Step.REQUEST_EXTENSION: (ExtensionRequestForm, _call(wf.extension_request, "days", "reason")),
    Step.DECIDE_EXTENSION: (ExtensionDecideForm, _decide_extension),
    Step.REPLY: (OutcomeForm, _call(wf.reply_issue, "outcome", "text")),
    Step.DELIVER_REPLY: (DayOnlyForm, _call(wf.reply_deliver)),
    Step.EVALUATE: (EvaluationForm, _call(wf.evaluation_record, "evaluation")),
    Step.REQUEST_REVIEW: (DayOnlyForm, _call(wf.review_request)),
    Step.DECIDE_REVIEW: (ReviewOutcomeForm, _call(wf.review_decide, "outcome", "text")),
    Step.DELIVER_REVIEW: (DayOnlyForm, _call(wf.review_deliver)),
    Step.DECLINE_REVIEW: (
        ReviewDeclineForm,
        _call(wf.review_decline, "reason", "received", "note"),
    ),
    Step.WITHDRAW_REVIEW: (ReviewWithdrawForm, _call(wf.review_withdraw, "note")),
    Step.REQUEST_REREVIEW: (DayOnlyForm, _call(wf.rereview_request)),
    Step.START_HEARING: (DayOnlyForm, _call(wf.hearing_start)),
    Step.END_HEARING: (DayOnlyForm, _call(wf.hearing_end)),
    Step.DECIDE_REREVIEW: (RereviewOutcomeForm, _call(wf.rereview_decide, "outcome", "text")),
    Step.FINALISE: (DayOnlyForm, _call(wf.matter_finalise)),
}
_DANGER = {Step.DECLINE, Step.RETURN, Step.FINALISE, Step.DECLINE_REVIEW}

ACTIONS: dict[str, ActionSpec] = {
    str(step): ActionSpec(
        key=str(step),
        label=TABLE[step].label,
        form=form,
        run=run,
        roles=TABLE[step].roles,
        done=f"已{TABLE[step].label}",
        danger=step in _DANGER,
    )
    for step, (form, run) in _STEP_FORMS.items()
}
for _act, _form, _run in (
    (Act.SUPERVISION_RAISE, SupervisionRaiseForm, _raise),
    (Act.SUPERVISION_CLOSE, SupervisionCloseForm, _close),
    (Act.INSTRUCTION_ADD, InstructionForm, _instruction),
    (Act.RESOLVE, ResolveForm, _resolve),
    (Act.BACKDATE_APPROVE, BackdateApproveForm, _backdate),
):
    _rule = SV_TABLE[_act]
    ACTIONS[str(_act)] = ActionSpec(
        key=str(_act),
        label=_rule.label,
        form=_form,
        run=_run,
        roles=_rule.roles,
        done=f"已{_rule.label}",
    )


# --- what the user may do now -------------------------------------------------------------------


def _within_reach(step: Step, user: User, facts: MatterClockFacts) -> bool:
    """services._check_reach, read without locking: the page offers only what it would allow."""
    assigned = facts.active.unit_id if facts.active is not None else None
    return assignment_reach(user, assigned, handler_only=step in wf._HANDLER_STEPS) == Reach.OK


def _facts_allow(
    step: Step, user: User, matter: Matter, facts: MatterClockFacts, today: date
) -> bool:
    """The service's refusals that the recorded facts already decide (so no dead buttons)."""
    flow = facts.flow
    if step == Step.REQUEST_EXTENSION:
        return flow is None or flow.extension_requested_on is None
    if step == Step.DECIDE_EXTENSION:
        return (
            flow is not None
            and flow.extension_requested_on is not None
            and flow.extension_approved is None
            and flow.extension_requested_by_id != user.pk
        )
    if step == Step.DELIVER_REPLY:
        return flow is None or flow.reply_delivered_on is None
    if step in (Step.EVALUATE, Step.REQUEST_REVIEW):
        return flow is not None and flow.reply_delivered_on is not None
    if step == Step.DELIVER_REVIEW:
        return flow is None or flow.review_delivered_on is None
    if step == Step.REQUEST_REREVIEW:
        return flow is not None and flow.review_delivered_on is not None
    hearing_on = flow is not None and flow.hearing_started_on is not None
    hearing_over = flow is not None and flow.hearing_ended_on is not None
    if step == Step.DECLINE_REVIEW:  # a request is refused once the opinion was delivered
        if matter.status == "final":
            return True
        return flow is not None and (
            flow.reply_delivered_on is not None
            if matter.status == "replied"
            else flow.review_delivered_on is not None
        )
    if step == Step.WITHDRAW_REVIEW:
        return matter.status == "under_review" or not hearing_on
    if step == Step.START_HEARING:
        return not hearing_on
    if step == Step.END_HEARING:
        return hearing_on and not hearing_over
    if step == Step.DECIDE_REREVIEW:
        return not hearing_on or hearing_over
    if step == Step.FINALISE:
        if flow is None:
            return False
        window = (
            flow.review_request_due if matter.status == "replied" else flow.rereview_request_due
        )
        return window is not None and today > window
    return True


def offered_actions(
    user: User, matter: Matter, facts: MatterClockFacts, today: date
) -> list[ActionSpec]:
    """The buttons of the 「办理」 panel: what `user` may take on `matter` now, in table order."""
    found = [
        ACTIONS[str(t.step)]
        for t in steps_from(matter.status, user.role)
        if _within_reach(t.step, user, facts) and _facts_allow(t.step, user, matter, facts, today)
    ]
    for act in (
        Act.SUPERVISION_RAISE,
        Act.SUPERVISION_CLOSE,
        Act.INSTRUCTION_ADD,
        Act.RESOLVE,
        Act.BACKDATE_APPROVE,
    ):
        if not may_take(user, act):
            continue
        if act == Act.SUPERVISION_CLOSE and not facts.open_notices:
            continue
        found.append(ACTIONS[str(act)])
    return found

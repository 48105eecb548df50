"""When a step may be dated: the one rule for the day typed into a workflow or supervision step.

A typed day may not pass today nor precede the matter's previous step (`earliest_day`), and may
lie before today only within BACKDATE_WORKING_DAYS working days (`window_start`). An earlier day
is recorded only with a 督查's approval for that matter, step and day (`backdate_approve`), which
the step uses up. Every event says what was typed and when it was entered (`entered_on`, and
`late_entry` for an approved backdate). A day within the window is a late entry too when the
step meets a clock whose deadline had passed when it was entered but not on the day typed
(`settle`: the typed day alone made an overdue clock, or a window passed unused, met). The
demo's walk and the tests' set-ups record history inside `recording_history(source)`: the
window does not bind there, and each event says so.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.config import domain_limit
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.permissions import Actor, SystemActor, visible_matters
from xinfang.intake.models import Matter
from xinfang.workflow import calendar
from xinfang.workflow.models import Assignment, BackdateApproval, MatterWorkflow
from xinfang.workflow.supervision_rules import TABLE as SV_TABLE
from xinfang.workflow.supervision_rules import Act, check_role
from xinfang.workflow.transitions import TABLE

_HISTORY: ContextVar[str] = ContextVar("xinfang_recording_history", default="")

# the matter's and its workflow's recorded step dates; not 化解, 督办 or the 评价 (the petitioner's
# rating of an opinion: later steps do not follow from it)
_MATTER_DAYS = (
    "decided_on",
    "replied_on",
    "review_requested_on",
    "review_replied_on",
    "rereview_requested_on",
    "rereview_replied_on",
)
_FLOW_DAYS = (
    "extension_requested_on",
    "reply_delivered_on",
    "review_delivered_on",
    "hearing_started_on",
    "hearing_ended_on",
    "final_on",
)


@contextmanager
def recording_history(source: str) -> Iterator[None]:
    """Steps entered inside are history recorded after the fact (the demo's walk, a test's
    set-up): the backdating window does not bind; each event carries `history: source`."""
    token = _HISTORY.set(source)
    try:
        yield
    finally:
        _HISTORY.reset(token)


def window_days() -> int:
    return domain_limit("BACKDATE_WORKING_DAYS")


def window_start(today: date) -> date:
    """The earliest day a step entered `today` may carry without approval: today when the window
    is 0, else the BACKDATE_WORKING_DAYS-th working day before today."""
    day, left = today, window_days()
    while left > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def earliest_day(matter: Matter, flow: MatterWorkflow | None = None) -> date:
    """The earliest day a next step on `matter` may carry: its latest recorded step date (the
    first registration when nothing was recorded yet)."""
    days = [matter.first_received_on]
    days += [getattr(matter, name) for name in _MATTER_DAYS]
    if flow is None:
        flow = MatterWorkflow.objects.filter(matter=matter).first()
    if flow is not None:
        days += [getattr(flow, name) for name in _FLOW_DAYS]
    routed = Assignment.objects.filter(matter=matter).aggregate(
        a=Max("assigned_on"), r=Max("received_on"), b=Max("returned_on")
    )
    days += list(routed.values())
    return max(d for d in days if d is not None)


def evaluation_given(
    matter: Matter, reply_delivered: date | None, review_delivered: date | None
) -> date | None:
    """The day of the evaluation already given for the latest delivered opinion, else None:
    an evaluation is given once per delivered opinion (the staff and the portal alike)."""
    delivered = [d for d in (reply_delivered, review_delivered) if d is not None]
    if not delivered or matter.evaluated_on is None:
        return None
    return matter.evaluated_on if matter.evaluated_on >= max(delivered) else None


def step_label(step: str) -> str:
    if step in TABLE:
        return TABLE[step].label  # type: ignore[index]
    if step in SV_TABLE:
        return SV_TABLE[step].label  # type: ignore[index]
    raise InputError("请选择办理步骤", field="step")


def check(
    day: date,
    *,
    matter: Matter,
    step: str,
    actor: Actor,
    flow: MatterWorkflow | None = None,
    after_steps: bool = True,
) -> dict[str, Any]:
    """Refuse `day` for `step` on the locked `matter`, or return what the event records of it.

    `after_steps`: the day may not precede the previous step (workflow steps); otherwise only
    the first registration (supervision, 批示, 化解). The clock (actor None) dates its own acts.
    """
    today = timezone.localdate()
    if day > today:
        raise InputError("日期不能晚于今天", field="on")
    floor = earliest_day(matter, flow) if after_steps else matter.first_received_on
    if day < floor:
        if floor == matter.first_received_on:
            raise InputError(f"日期不能早于首次登记日期（{cn_date(floor)}）", field="on")
        raise InputError(f"日期不能早于本事项上一步的日期（{cn_date(floor)}）", field="on")
    data: dict[str, Any] = {"entered_on": today.isoformat()}
    history = _HISTORY.get()
    if history:
        data["history"] = history
        return data
    start = window_start(today)
    if isinstance(actor, SystemActor):
        return data
    if day >= start:
        stake = _deadlines_passed(matter, day, today)
        if stake:
            data[_AT_STAKE] = stake  # settle() keeps those the step meets: a late entry
        return data
    approval = (
        BackdateApproval.objects.select_for_update()
        .filter(matter=matter, step=step, day=day, used_at__isnull=True)
        .order_by("id")
        .first()
    )
    if approval is None:
        raise InputError(
            f"补录期限为{window_days()}个工作日，只能填{cn_date(start)}及以后的日期；"
            f"更早的日期须经督查人员在事项页「批准补录」后再办理",
            field="on",
        )
    approval.used_at = timezone.now()
    approval.save(update_fields=["used_at"])
    data["late_entry"] = True
    data["backdate"] = {
        "approval": approval.pk,
        "by": str(approval.approved_by),
        "reason": approval.reason,
    }
    return data


_AT_STAKE = "_deadlines_at_stake"  # between check() and settle(); never written to an event


def _clock_key(kind: str, start: date | None, unit: str) -> tuple[str, str, str]:
    return (str(kind), start.isoformat() if start else "", unit)


def _deadlines_passed(matter: Matter, day: date, today: date) -> list[dict[str, str]]:
    """The clocks of `matter` not done whose deadline had passed by `today` but not by `day`:
    a step dated `day` that finishes one would turn it from overdue (or a window passed
    unused) into met."""
    from xinfang.workflow.clocks import matter_clocks

    if day >= today:
        return []
    return [
        {
            "clock": str(c.kind),
            "label": c.label,
            "start": _clock_key(c.kind, c.start, c.unit)[1],
            "unit": c.unit,
            "deadline": c.deadline.isoformat(),
        }
        for c in matter_clocks(matter, today)
        if c.done_on is None and c.deadline is not None and day <= c.deadline < today
    ]


def settle(matter: Matter, data: dict[str, Any]) -> None:
    """After the step is saved, before its event is written: a clock whose deadline had passed
    when the step was entered but not on the day typed (check()), and which the step finished
    in time by that day, was met only by the typed day. The entry is then a late entry (补录)
    like an approved backdate: `late_entry`, and `met_after_deadline` naming the clocks."""
    from xinfang.workflow.clocks import ClockStatus, matter_clocks

    stake = data.pop(_AT_STAKE, None)
    if not stake:
        return
    wanted = {(s["clock"], s["start"], s["unit"]): s for s in stake}
    met = [
        {k: v for k, v in wanted[key].items() if k != "start"}
        for c in matter_clocks(matter, timezone.localdate())
        if (key := _clock_key(c.kind, c.start, c.unit)) in wanted and c.state == ClockStatus.MET
    ]
    if met:
        data["late_entry"] = True
        data["met_after_deadline"] = met


@transaction.atomic
def backdate_approve(
    *, actor: User, matter: Matter, version: int, step: str, reason: str, on: date
) -> BackdateApproval:
    """批准补录: a 督查 lets `step` on `matter` be dated `on`, before the window, once, with a
    reason; the step, entered by whoever takes it, records the approval and `late_entry`."""
    rule = check_role(Act.BACKDATE_APPROVE, role=actor.role)
    label = step_label(step)
    reason = reason.strip()
    if not reason:
        raise InputError("请填写补录理由", field="reason")
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    if not visible_matters(actor).filter(pk=locked.pk).exists():
        raise PermissionRefusedError("您无权处理该事项")
    if locked.version != version:
        raise ConflictError(
            f"事项{locked.number}已被他人更新，本次「{rule.label}」未保存，请刷新后重试"
        )
    today = timezone.localdate()
    if on > today:
        raise InputError("补录日期不能晚于今天", field="on")
    after_steps = step in TABLE
    floor = earliest_day(locked) if after_steps else locked.first_received_on
    if on < floor:
        raise InputError(f"补录日期不能早于本事项上一步的日期（{cn_date(floor)}）", field="on")
    if on >= window_start(today):
        raise InputError(
            f"{cn_date(on)}在{window_days()}个工作日的补录期限内，无需批准", field="on"
        )
    approval = BackdateApproval.objects.create(
        matter=locked,
        step=step,
        day=on,
        reason=reason,
        approved_by=actor,
        approved_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=f"workflow.{Act.BACKDATE_APPROVE}",
        obj=locked,
        matter=locked,
        data={
            "approval": approval.pk,
            "step": step,
            "step_label": label,
            "day": on.isoformat(),
            "reason": reason,
        },
    )
    return approval

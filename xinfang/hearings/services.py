"""Writing hearings (听证): schedule, begin, conclude, record a held one, issue its documents.

Every refusal is a Chinese InputError / ConflictError / PermissionRefusedError raised before
anything is written (each service is one transaction). Every change is audited.

One rule for the pause: a re-review (复核) hearing is begun and concluded through the workflow's
steps hearing_start / hearing_end, which write MatterWorkflow.hearing_started_on /
hearing_ended_on (what workflow.clocks reads) and open / close this record (xinfang.hearings.sync).
Hearings in 办理 and 复查 pause nothing.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.permissions import (
    Actor,
    is_handling_unit,
    may_hold_hearing,
    user_of,
    visible_matters,
)
from xinfang.hearings.choices import (
    STAGE_OF_STATUS,
    HearingStage,
    HearingStatus,
    ParticipantRole,
)
from xinfang.hearings.models import Hearing, HearingParticipant
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit

MAX_PARTICIPANTS = 60
TEXT_MAX = 20000
ROLE_NAMES = "、".join(ParticipantRole.labels)


@dataclass
class ParticipantInput:
    role: str  # a ParticipantRole value, or its Chinese label
    name: str
    affiliation: str = ""


@dataclass
class HearingInput:
    starts_on: date
    place: str
    host_unit: OrgUnit | None
    participants: Sequence[ParticipantInput] = field(default_factory=list)
    ends_on: date | None = None
    public: bool = True


def stage_of(matter: Matter) -> HearingStage:
    """The stage a hearing on `matter` is held in now, or why none may be held."""
    stage = STAGE_OF_STATUS.get(matter.status)
    if stage is not None:
        return stage
    if matter.status == "final":
        raise ConflictError(f"事项{matter.number}已终结，不能举行听证")
    raise ConflictError(
        f"事项{matter.number}当前为「{matter.get_status_display()}」，"
        "只有办理中、复查中、复核中的事项可以举行听证"
    )


def _role(value: str, n: int) -> str:
    value = (value or "").strip()
    if value in ParticipantRole.values:
        return value
    by_label = {label: v for v, label in ParticipantRole.choices}
    if value in by_label:
        return by_label[value]
    raise InputError(
        f"第{n}名参加人的身份「{value}」不是可选的身份（{ROLE_NAMES}）", field="participants"
    )


def _participants(items: Sequence[ParticipantInput]) -> list[HearingParticipant]:
    if not items:
        raise InputError("请至少填写一名听证参加人", field="participants")
    if len(items) > MAX_PARTICIPANTS:
        raise InputError(f"听证参加人不能超过{MAX_PARTICIPANTS}名", field="participants")
    rows = []
    for n, item in enumerate(items, start=1):
        role = _role(item.role, n)
        name, affiliation = item.name.strip(), item.affiliation.strip()
        if not name:
            raise InputError(f"请填写第{n}名参加人的姓名或单位", field="participants")
        if len(name) > 64 or len(affiliation) > 128:
            raise InputError(f"第{n}名参加人的姓名或所在单位过长", field="participants")
        rows.append(HearingParticipant(role=role, name=name, affiliation=affiliation, order=n))
    return rows


def _check_input(data: HearingInput) -> list[HearingParticipant]:
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise InputError(
            f"听证结束日期（{cn_date(data.ends_on)}）不能早于听证日期（{cn_date(data.starts_on)}）",
            field="ends_on",
        )
    if not data.place.strip():
        raise InputError("请填写听证地点", field="place")
    if len(data.place.strip()) > 200:
        raise InputError("听证地点不能超过200字", field="place")
    if data.host_unit is None:
        raise InputError("请选择主持单位", field="host_unit")
    return _participants(data.participants)


def _check_holder(actor: Actor, matter: Matter, stage: str) -> None:
    if not visible_matters(actor).filter(pk=matter.pk).exists():
        raise PermissionRefusedError("您无权处理该事项")
    if not may_hold_hearing(actor, matter, stage):
        if is_handling_unit(actor):
            raise PermissionRefusedError("承办单位只能为交办本单位、正在办理的事项举行听证")
        raise PermissionRefusedError("您没有举行听证的权限")


def _not_future(day: date, what: str) -> None:
    if day > timezone.localdate():
        raise InputError(f"{what}不能晚于今天", field="on")


def _texts(record: str, conclusion: str) -> tuple[str, str]:
    record, conclusion = record.strip(), conclusion.strip()
    if not conclusion:
        raise InputError("请填写听证结论", field="conclusion")
    if len(record) > TEXT_MAX or len(conclusion) > TEXT_MAX:
        raise InputError(f"听证笔录和结论各不能超过{TEXT_MAX}字", field="record")
    return record, conclusion


def _locked(matter: Matter) -> Matter:
    return Matter.objects.select_for_update().get(pk=matter.pk)


@transaction.atomic
def hearing_schedule(*, actor: Actor, matter: Matter, data: HearingInput) -> Hearing:
    """安排听证: a hearing to be held (its date may lie ahead; the notice can then be issued)."""
    locked = _locked(matter)
    stage = stage_of(locked)
    _check_holder(actor, locked, stage)
    participants = _check_input(data)
    if (
        stage == HearingStage.REREVIEW
        and Hearing.objects.filter(matter=locked, stage=HearingStage.REREVIEW).exists()
    ):
        raise ConflictError(f"事项{locked.number}复核中已安排听证（每件一次）")
    hearing = Hearing.objects.create(
        matter=locked,
        stage=stage,
        status=HearingStatus.PLANNED,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        place=data.place.strip(),
        host_unit=data.host_unit,
        public=data.public,
        created_by=user_of(actor),
    )
    for row in participants:
        row.hearing = hearing
    HearingParticipant.objects.bulk_create(participants)
    audit_record(
        actor=actor,
        action="hearing.schedule",
        obj=hearing,
        matter=locked,
        data={
            "stage": stage,
            "on": data.starts_on.isoformat(),
            "until": data.ends_on.isoformat() if data.ends_on else None,
            "unit": data.host_unit.name if data.host_unit else "",
            "public": data.public,
            "participants": [[p.role, p.order] for p in participants],  # roles, never names
        },
    )
    return hearing


@transaction.atomic
def hearing_begin(*, actor: Actor, hearing: Hearing, on: date | None = None) -> Hearing:
    """听证开始. In 复核 through the workflow's step, which stops the re-review clock."""
    day = on or timezone.localdate()
    locked = _locked(hearing.matter)
    current = Hearing.objects.select_for_update().get(pk=hearing.pk)
    _check_holder(actor, locked, current.stage)
    if current.status != HearingStatus.PLANNED:
        raise ConflictError(f"该听证已{current.get_status_display()}，不能再次开始")
    _not_future(day, "听证开始日期")
    if STAGE_OF_STATUS.get(locked.status) != current.stage:
        raise ConflictError(
            f"事项{locked.number}已不在{current.get_stage_display()}阶段"
            f"（当前为「{locked.get_status_display()}」），不能开始该听证"
        )
    if current.stage == HearingStage.REREVIEW:
        if not isinstance(actor, User):  # the workflow's step is a person's
            raise PermissionRefusedError("复核听证须由经办人登记")
        from xinfang.workflow import services as wf

        wf.hearing_start(actor=actor, matter=locked, version=locked.version, on=day)
        return Hearing.objects.get(pk=current.pk)
    current.status, current.starts_on = HearingStatus.IN_PROGRESS, day
    if current.ends_on is not None and current.ends_on < day:
        current.ends_on = None
    current.save(update_fields=["status", "starts_on", "ends_on", "updated_at"])
    audit_record(
        actor=actor,
        action="hearing.begin",
        obj=current,
        matter=locked,
        data={"stage": current.stage, "on": day.isoformat()},
    )
    return current


@transaction.atomic
def hearing_conclude(
    *,
    actor: Actor,
    hearing: Hearing,
    record: str,
    conclusion: str,
    on: date | None = None,
) -> Hearing:
    """听证结束, with its record (笔录) and conclusion. In 复核 through the workflow's step: the
    re-review limit moves on by the hearing's days."""
    day = on or timezone.localdate()
    locked = _locked(hearing.matter)
    current = Hearing.objects.select_for_update().get(pk=hearing.pk)
    _check_holder(actor, locked, current.stage)
    record, conclusion = _texts(record, conclusion)
    if current.status != HearingStatus.IN_PROGRESS:
        raise ConflictError(f"该听证当前为「{current.get_status_display()}」，没有正在进行的听证")
    if day < current.starts_on:
        raise InputError(
            f"听证结束日期（{cn_date(day)}）不能早于听证日期（{cn_date(current.starts_on)}）",
            field="on",
        )
    _not_future(day, "听证结束日期")
    if current.stage == HearingStage.REREVIEW:
        if not isinstance(actor, User):  # the workflow's step is a person's
            raise PermissionRefusedError("复核听证须由经办人登记")
        from xinfang.workflow import services as wf

        wf.hearing_end(actor=actor, matter=locked, version=locked.version, on=day)
        current = Hearing.objects.select_for_update().get(pk=current.pk)
    else:
        current.status, current.ends_on = HearingStatus.HELD, day
    current.record, current.conclusion = record, conclusion
    current.save(update_fields=["status", "ends_on", "record", "conclusion", "updated_at"])
    audit_record(
        actor=actor,
        action="hearing.record",
        obj=current,
        matter=locked,
        data={"stage": current.stage, "on": day.isoformat()},  # the texts stay on the record
    )
    return current


@transaction.atomic
def hearing_record(
    *,
    actor: Actor,
    matter: Matter,
    data: HearingInput,
    record: str,
    conclusion: str,
) -> Hearing:
    """登记已举行的听证: schedule, begin and conclude in one go (its dates are past)."""
    ends_on = data.ends_on or data.starts_on
    # the checks a reader would expect first, before any write (all roll back together anyway)
    stage = stage_of(matter)
    _check_holder(actor, matter, stage)
    _check_input(data)
    _texts(record, conclusion)
    _not_future(ends_on, "听证日期")
    hearing = hearing_schedule(actor=actor, matter=matter, data=data)
    hearing = hearing_begin(actor=actor, hearing=hearing, on=data.starts_on)
    return hearing_conclude(
        actor=actor, hearing=hearing, record=record, conclusion=conclusion, on=ends_on
    )

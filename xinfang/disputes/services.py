"""Writing disputes: record, escalate, mediate, settle, link to a petition, re-screen, report.

Every change is checked (a Chinese InputError, nothing written) and audited. Dates of the level
clocks come from xinfang.workflow.calendar through disputes.clocks only. Parties are a count:
nothing here lists people or records where anyone is.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import (
    Action,
    Actor,
    may,
    may_act_on_dispute,
    reaches_unit,
    user_of,
    visible_matters,
)
from xinfang.core.sequences import next_value
from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeSource,
    DisputeStatus,
    EscalationReason,
    MediationKind,
    MediationResult,
    NextStep,
    Risk,
)
from xinfang.disputes.clocks import level_due, next_level
from xinfang.disputes.models import (
    Dispute,
    Escalation,
    Feedback,
    Mediation,
    MediationSession,
    MonthlyReport,
    ScreeningCampaign,
)
from xinfang.intake.models import Category, Matter, Registration
from xinfang.intake.services import RegistrationInput, registration_create
from xinfang.organisation.models import OrgUnit, UnitKind

LEVEL_KIND = {
    DisputeLevel.VILLAGE: UnitKind.VILLAGE,
    DisputeLevel.STREET: UnitKind.STREET,
    DisputeLevel.DISTRICT: UnitKind.DISTRICT,
}


def _require(actor: Actor, action: Action, what: str) -> None:
    if not may(actor, action):
        raise PermissionRefusedError(f"您没有{what}的权限")


def _require_dispute(actor: Actor, dispute: Dispute) -> None:
    if not may_act_on_dispute(actor, dispute):
        raise PermissionRefusedError(f"纠纷{dispute.number}不由您的单位办理")


def _not_future(day: date, what: str) -> None:
    if day > timezone.localdate():
        raise InputError(f"{what}不能晚于今天", field=what)


def level_owners(place: OrgUnit) -> dict[str, OrgUnit | None]:
    """The unit of each level at or above `place` (村社区, 街道乡镇, 区县)."""
    ids = place.ancestor_ids() or [place.pk]
    units = {u.kind: u for u in OrgUnit.objects.filter(pk__in=ids)}
    units.setdefault(place.kind, place)
    return {str(level): units.get(kind) for level, kind in LEVEL_KIND.items()}


@dataclass
class DisputeInput:
    found_on: date
    source: str
    place: OrgUnit
    parties: int
    description: str
    risk: str
    level: str = DisputeLevel.VILLAGE
    category: Category | None = None
    plan: str = ""
    number: str = ""
    campaign: ScreeningCampaign | None = None


def _check(data: DisputeInput) -> dict[str, OrgUnit | None]:
    if data.source not in DisputeSource.values:
        raise InputError("来源应为日常排查、专项排查、网格上报或群众反映", field="source")
    if data.risk not in Risk.values:
        raise InputError("风险等级应为低、中或高", field="risk")
    if data.level not in DisputeLevel.values:
        raise InputError("当前层级应为村社区、街道乡镇或区县", field="level")
    if data.parties < 1:
        raise InputError("涉及人数至少为1", field="parties")
    if not data.description.strip():
        raise InputError("请填写纠纷情况", field="description")
    if len(data.number) > 40:
        raise InputError("纠纷编号不能超过40个字符", field="number")
    _not_future(data.found_on, "排查日期")
    if data.source == DisputeSource.SPECIAL and data.campaign is None:
        raise InputError("专项排查的纠纷请选择所属专项排查", field="campaign")
    if data.campaign is not None and not (
        data.campaign.starts_on <= data.found_on <= data.campaign.ends_on
    ):
        raise InputError(f"排查日期不在专项排查“{data.campaign.name}”的期间内", field="found_on")
    owners = level_owners(data.place)
    if owners[data.level] is None:
        raise InputError(
            f"问题属地“{data.place.name}”之上没有{DisputeLevel(data.level).label}一级的单位",
            field="level",
        )
    return owners


def next_number(found_on: date) -> str:
    return f"JF{found_on.year}{next_value(f'dispute:{found_on.year}'):05d}"


@transaction.atomic
def record_dispute(
    *, actor: Actor, data: DisputeInput, rescreen_of: Dispute | None = None
) -> Dispute:
    """Record a dispute found by screening; its level's clock starts on the day it was found."""
    _require(actor, Action.RECORD_DISPUTE, "录入矛盾纠纷")
    owners = _check(data)
    owner = owners[data.level]
    assert owner is not None
    if not reaches_unit(actor, owner):
        raise PermissionRefusedError(f"“{owner.name}”不在您的单位范围内")
    number = data.number.strip() or next_number(data.found_on)
    if Dispute.objects.filter(number=number).exists():
        raise InputError(f"纠纷编号{number}已存在", field="number")
    if rescreen_of is not None and rescreen_of.status != DisputeStatus.SETTLED:
        raise InputError(f"纠纷{rescreen_of.number}尚未化解，不能重排", field="rescreen_of")
    if (
        rescreen_of is not None
        and rescreen_of.settled_on
        and data.found_on < rescreen_of.settled_on
    ):
        raise InputError("重排的排查日期不能早于原纠纷的化解日期", field="found_on")
    dispute = Dispute.objects.create(
        number=number,
        found_on=data.found_on,
        source=data.source,
        campaign=data.campaign,
        place=data.place,
        category=data.category,
        parties=data.parties,
        description=data.description.strip(),
        risk=data.risk,
        plan=data.plan.strip(),
        owner_unit=owner,
        street_unit=owners[DisputeLevel.STREET],
        district_unit=owners[DisputeLevel.DISTRICT],
        level=data.level,
        level_since=data.found_on,
        level_due=level_due(data.level, data.found_on),
        rescreen_of=rescreen_of,
        rescreened=rescreen_of is not None,
        created_by=user_of(actor),
    )
    audit_record(
        actor=actor,
        action="dispute.rescreen" if rescreen_of else "dispute.record",
        obj=dispute,
        data={"number": number, "level": data.level, "place": data.place.name},
    )
    return dispute


def rescreen(*, actor: Actor, dispute: Dispute, data: DisputeInput) -> Dispute:
    """重排: the same problem found again after it was settled — a new dispute that repeats it."""
    return record_dispute(actor=actor, data=data, rescreen_of=dispute)


def _locked(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update().select_related("owner_unit").get(pk=dispute.pk)


def _open(dispute: Dispute) -> None:
    if dispute.status != DisputeStatus.OPEN:
        raise InputError(
            f"纠纷{dispute.number}{dispute.get_status_display()}，不能再办理", field="status"
        )


# 区县, or a place with no level above the one settling it: the clock runs, nothing rises
_AT_TOP = "纠纷已在{level}层级，其上没有可升级的层级（可由领导包案化解）"


@transaction.atomic
def escalate(*, actor: Actor, dispute: Dispute, on: date, note: str = "") -> Escalation:
    """手动升级: the level's owner hands the dispute up before its time has run out, to the
    next level that exists above its place (a missing 街道乡镇 is skipped)."""
    dispute = _locked(dispute)
    _require_dispute(actor, dispute)
    _open(dispute)
    _not_future(on, "升级日期")
    if on < dispute.level_since:
        raise InputError("升级日期不能早于进入本层级的日期", field="on")
    up = next_level(dispute)
    if up is None:
        raise InputError(_AT_TOP.format(level=dispute.get_level_display()), field="level")
    nxt, owner = DisputeLevel(up[0]), OrgUnit.objects.get(pk=up[1])
    row = Escalation.objects.create(
        dispute=dispute,
        on=on,
        from_level=dispute.level,
        to_level=nxt,
        reason=EscalationReason.MANUAL,
        note=note.strip()[:200],
        created_at=timezone.now(),
    )
    before = dispute.level
    dispute.level, dispute.level_since, dispute.owner_unit = nxt, on, owner
    dispute.level_due = level_due(nxt, on)
    dispute.save(update_fields=["level", "level_since", "level_due", "owner_unit"])
    audit_record(
        actor=actor, action="dispute.escalate", obj=dispute, data={"from": before, "to": nxt}
    )
    return row


@transaction.atomic
def mediation_start(
    *,
    actor: Actor,
    dispute: Dispute,
    kind: str,
    mediator: str,
    started_on: date,
    organisation: OrgUnit | None = None,
) -> Mediation:
    dispute = _locked(dispute)
    _require_dispute(actor, dispute)
    _open(dispute)
    if kind not in MediationKind.values:
        raise InputError("调解类型应为人民调解、行政调解或司法调解", field="kind")
    if not mediator.strip():
        raise InputError("请填写调解员或调解组织", field="mediator")
    _not_future(started_on, "调解开始日期")
    if started_on < dispute.found_on:
        raise InputError("调解开始日期不能早于排查日期", field="started_on")
    if dispute.mediations.filter(result="").exists():
        raise InputError("该纠纷已有进行中的调解，请先登记其结果", field="kind")
    mediation = Mediation.objects.create(
        dispute=dispute,
        kind=kind,
        level=dispute.level,
        mediator=mediator.strip()[:100],
        organisation=organisation,
        started_on=started_on,
        created_by=user_of(actor),
    )
    audit_record(actor=actor, action="dispute.mediation_start", obj=mediation, data={"kind": kind})
    return mediation


@transaction.atomic
def mediation_session_add(
    *,
    actor: Actor,
    mediation: Mediation,
    held_on: date,
    parties_present: int,
    positions: str,
    note: str = "",
) -> MediationSession:
    mediation = Mediation.objects.select_for_update().get(pk=mediation.pk)
    _require_dispute(actor, mediation.dispute)
    if mediation.result:
        raise InputError("调解已结束，不能再添加调解记录", field="held_on")
    _not_future(held_on, "调解日期")
    if held_on < mediation.started_on:
        raise InputError("调解日期不能早于调解开始日期", field="held_on")
    if parties_present < 1:
        raise InputError("到场当事方数至少为1", field="parties_present")
    if not positions.strip():
        raise InputError("请填写各方意见", field="positions")
    row = MediationSession.objects.create(
        mediation=mediation,
        held_on=held_on,
        parties_present=parties_present,
        positions=positions.strip(),
        note=note.strip(),
    )
    audit_record(actor=actor, action="dispute.mediation_session", obj=row)
    return row


@transaction.atomic
def mediation_conclude(
    *,
    actor: Actor,
    mediation: Mediation,
    result: str,
    on: date,
    agreement: str = "",
    failure_reason: str = "",
    next_step: str = "",
) -> Mediation:
    """调解成功 (with the agreement: the dispute is settled) or 调解不成 (reason, where next)."""
    mediation = Mediation.objects.select_for_update().get(pk=mediation.pk)
    dispute = _locked(mediation.dispute)
    _require_dispute(actor, dispute)
    if mediation.result:
        raise InputError("调解结果已登记", field="result")
    if result not in MediationResult.values:
        raise InputError("调解结果应为调解成功或调解不成", field="result")
    _not_future(on, "调解结束日期")
    if on < mediation.started_on:
        raise InputError("调解结束日期不能早于调解开始日期", field="on")
    if not mediation.sessions.exists():
        raise InputError("请先登记至少一次调解记录", field="result")
    if result == MediationResult.SUCCESS and not agreement.strip():
        raise InputError("调解成功请填写协议内容", field="agreement")
    if result == MediationResult.FAILURE:
        if not failure_reason.strip():
            raise InputError("调解不成请填写原因", field="failure_reason")
        if next_step not in NextStep.values:
            raise InputError("调解不成请选择去向", field="next_step")
        if next_step == NextStep.ESCALATE and next_level(dispute) is None:
            raise InputError(_AT_TOP.format(level=dispute.get_level_display()), field="next_step")
    mediation.result, mediation.concluded_on = result, on
    mediation.agreement = agreement.strip() if result == MediationResult.SUCCESS else ""
    mediation.failure_reason = failure_reason.strip() if result == MediationResult.FAILURE else ""
    mediation.next_step = next_step if result == MediationResult.FAILURE else ""
    mediation.save()
    audit_record(
        actor=actor,
        action="dispute.mediation_conclude",
        obj=mediation,
        data={"result": result, "next_step": mediation.next_step},
    )
    if result == MediationResult.SUCCESS:
        settle(actor=actor, dispute=dispute, on=on)
    elif next_step == NextStep.ESCALATE:
        escalate(actor=actor, dispute=dispute, on=on, note=f"调解不成：{failure_reason.strip()}")
    return mediation


@transaction.atomic
def settle(*, actor: Actor, dispute: Dispute, on: date) -> Dispute:
    dispute = _locked(dispute)
    _require_dispute(actor, dispute)
    _open(dispute)
    _not_future(on, "化解日期")
    if on < dispute.found_on:
        raise InputError("化解日期不能早于排查日期", field="on")
    dispute.status, dispute.settled_on, dispute.settled_level = (
        DisputeStatus.SETTLED,
        on,
        dispute.level,
    )
    dispute.save(update_fields=["status", "settled_on", "settled_level"])
    audit_record(actor=actor, action="dispute.settle", obj=dispute, data={"on": on.isoformat()})
    return dispute


@transaction.atomic
def link_petition(
    *,
    actor: Actor,
    dispute: Dispute,
    on: date,
    matter: Matter | None = None,
    registration: RegistrationInput | None = None,
) -> Dispute:
    """The dispute became a petition: linked to an existing matter, or registered now through
    intake's registration_create; from then it counts as the matter (status 已转信访)."""
    dispute = _locked(dispute)
    _require_dispute(actor, dispute)
    _open(dispute)
    _not_future(on, "转信访日期")
    if (matter is None) == (registration is None):
        raise InputError("请选择已有的信访事项或登记新的信访", field="matter")
    reg: Registration | None = None
    if registration is not None:
        reg = registration_create(actor=actor, data=registration)
        matter = reg.matter
    assert matter is not None
    if not visible_matters(actor).filter(pk=matter.pk).exists():
        raise PermissionRefusedError("您无权查看该信访事项")
    dispute.status, dispute.matter, dispute.registration = DisputeStatus.PETITION, matter, reg
    dispute.petition_on = on
    dispute.save(update_fields=["status", "matter", "registration", "petition_on"])
    audit_record(
        actor=actor,
        action="dispute.petition",
        obj=dispute,
        matter=matter,
        data={"matter": matter.pk},
    )
    return dispute


# --- campaigns, the monthly cycle ---------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *, actor: Actor, name: str, unit: OrgUnit, starts_on: date, ends_on: date, note: str = ""
) -> ScreeningCampaign:
    _require(actor, Action.RECORD_DISPUTE, "组织专项排查")
    if not name.strip():
        raise InputError("请填写专项排查名称", field="name")
    if ends_on < starts_on:
        raise InputError("结束日期不能早于开始日期", field="ends_on")
    if not reaches_unit(actor, unit):
        raise PermissionRefusedError(f"“{unit.name}”不在您的单位范围内")
    if ScreeningCampaign.objects.filter(unit=unit, name=name.strip()).exists():
        raise InputError(f"专项排查“{name.strip()}”已存在", field="name")
    campaign = ScreeningCampaign.objects.create(
        name=name.strip()[:100], unit=unit, starts_on=starts_on, ends_on=ends_on, note=note
    )
    audit_record(actor=actor, action="dispute.campaign", obj=campaign)
    return campaign


def month_start(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def report_submit(
    *,
    actor: Actor,
    unit: OrgUnit,
    month: date,
    disputes: list[Dispute] | None = None,
    on: date | None = None,
) -> MonthlyReport:
    """每月一排查: the unit's list of disputes found in the month, or 零报告 (an empty list)."""
    _require(actor, Action.RECORD_DISPUTE, "报送月排查")
    if not reaches_unit(actor, unit):
        raise PermissionRefusedError(f"“{unit.name}”不在您的单位范围内")
    on = on or timezone.localdate()
    month = month_start(month)
    if month > month_start(on):
        raise InputError("不能报送以后月份的排查", field="month")
    if MonthlyReport.objects.filter(unit=unit, month=month).exists():
        raise InputError(f"{unit.name}{month.year}年{month.month}月的排查已报送", field="month")
    items = list(disputes or [])
    for d in items:
        if not (d.place.is_within(unit) or d.owner_unit.is_within(unit)):
            raise InputError(f"纠纷{d.number}不属于{unit.name}", field="disputes")
        if month_start(d.found_on) != month:
            raise InputError(
                f"纠纷{d.number}的排查日期不在{month.year}年{month.month}月", field="disputes"
            )
    report = MonthlyReport.objects.create(
        unit=unit, month=month, zero=not items, submitted_on=on, submitted_by=user_of(actor)
    )
    report.disputes.set(items)
    audit_record(
        actor=actor,
        action="dispute.report",
        obj=report,
        data={"month": f"{month:%Y-%m}", "items": [d.number for d in items], "zero": not items},
    )
    return report


@transaction.atomic
def feedback_give(
    *, actor: Actor, report: MonthlyReport, dispute: Dispute, text: str, on: date
) -> Feedback:
    _require(actor, Action.RECORD_DISPUTE, "反馈")
    if not reaches_unit(actor, report.unit):
        raise PermissionRefusedError(f"“{report.unit.name}”不在您的单位范围内")
    if not report.disputes.filter(pk=dispute.pk).exists():
        raise InputError(f"纠纷{dispute.number}不在该月的排查报送中", field="dispute")
    if not text.strip():
        raise InputError("请填写反馈内容", field="text")
    _not_future(on, "反馈日期")
    if Feedback.objects.filter(report=report, dispute=dispute).exists():
        raise InputError(f"纠纷{dispute.number}已反馈", field="dispute")
    row = Feedback.objects.create(
        report=report, dispute=dispute, text=text.strip(), given_on=on, given_by=user_of(actor)
    )
    audit_record(actor=actor, action="dispute.feedback", obj=row)
    return row

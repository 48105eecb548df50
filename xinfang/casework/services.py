"""Writing casework: joint bodies, meetings and their decisions (each 交办 through the workflow),
batches handed down (交办积案) with 化解, 审核 and 回流, and the 积案 flag.

Every change is audited; a decision's 交办 is the workflow's own `matter_assign` (its clocks and
督办 apply), a batch item's 化解 is the workflow's own `matter_resolve` (the matter's 化解日期).
Every refusal is a Chinese InputError / PermissionRefusedError with nothing written.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.casework.choices import (
    BatchSource,
    BodyKind,
    LongStandingReason,
    MeetingKind,
    Verification,
)
from xinfang.casework.models import (
    BatchItem,
    BatchReflow,
    Decision,
    DecisionItem,
    HandedDownBatch,
    JointBody,
    LongStanding,
    Meeting,
    TopicGroup,
)
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.config import domain_setting
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError, XinfangError
from xinfang.core.permissions import (
    SYSTEM,
    Action,
    Actor,
    may,
    user_of,
    visible_batch_items,
    visible_matters,
)
from xinfang.intake.models import Matter, Registration
from xinfang.intake.reflow import registered_after_resolution
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.transitions import TABLE, Step


def _require(actor: Actor, action: Action, what: str) -> None:
    if not may(actor, action):
        raise PermissionRefusedError(f"您没有{what}的权限")


def _not_future(day: date, what: str, field: str) -> None:
    if day > timezone.localdate():
        raise InputError(f"{what}不能晚于今天", field=field)


def long_standing_days() -> int:
    return int(domain_setting("LONG_STANDING_DAYS"))


# --- joint bodies and meetings ----------------------------------------------------------------


@transaction.atomic
def body_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    unit: OrgUnit,
    members: Sequence[OrgUnit] = (),
    groups: dict[str, Sequence[OrgUnit]] | None = None,
) -> JointBody:
    """A 联席会议 or 会办会 with its member units and topic groups (e.g. 农村征用土地问题组)."""
    _require(actor, Action.PLAN_CASEWORK, "设立联席会议")
    name = name.strip()
    if not name:
        raise InputError("请填写联席会议名称", field="name")
    if kind not in BodyKind.values:
        raise InputError("请选择类型：联席会议或会办会", field="kind")
    if JointBody.objects.filter(name=name).exists():
        raise InputError(f"已有名为「{name}」的联席会议", field="name")
    body = JointBody.objects.create(name=name, kind=kind, unit=unit)
    body.members.set(members)
    made = []
    for group_name, group_members in (groups or {}).items():
        label = group_name.strip()
        if not label:
            raise InputError("专题小组名称不能为空", field="groups")
        outside = [u.name for u in group_members if members and u not in members]
        if outside:
            raise InputError(
                f"{label}的成员单位{'、'.join(outside)}不是联席会议成员单位", field="groups"
            )
        group = TopicGroup.objects.create(body=body, name=label)
        group.members.set(group_members)
        made.append(label)
    audit_record(
        actor=actor,
        action="casework.body_create",
        obj=body,
        data={"name": name, "kind": kind, "members": [u.pk for u in members], "groups": made},
    )
    return body


@transaction.atomic
def meeting_record(
    *,
    actor: Actor,
    body: JointBody,
    kind: str,
    held_on: date,
    place: str = "",
    minutes: str = "",
) -> Meeting:
    """A meeting held (联席会议, 会办会, 专题会) with its minutes."""
    _require(actor, Action.PLAN_CASEWORK, "记录联席会议")
    if kind not in MeetingKind.values:
        raise InputError("请选择会议类型：联席会议、会办会或专题会", field="kind")
    _not_future(held_on, "会议日期", "held_on")
    meeting = Meeting.objects.create(
        body=body,
        kind=kind,
        held_on=held_on,
        place=place.strip(),
        minutes=minutes.strip(),
        created_by=user_of(actor),
    )
    audit_record(
        actor=actor,
        action="casework.meeting_record",
        obj=meeting,
        data={"body": body.name, "kind": kind, "held_on": held_on.isoformat()},
    )
    return meeting


@dataclass
class DecisionAssignment:
    """One matter a decision assigns: to `unit`, to be settled by `deadline`."""

    matter: Matter
    unit: OrgUnit
    deadline: date


ASSIGNABLE = TABLE[Step.ASSIGN].sources  # 待处理, 已退回待重新交办


def decision_make(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    assignments: Sequence[DecisionAssignment],
    group: TopicGroup | None = None,
    on: date | None = None,
) -> Decision:
    """A meeting's decision; each matter is a 交办 through the workflow (`matter_assign`), so its
    handling clock and 督办 apply. All or nothing: one refused matter writes nothing. A person
    decides (the workflow's steps name who took them), never the system."""
    from xinfang.workflow.services import matter_assign

    _require(actor, Action.PLAN_CASEWORK, "作出会议交办决定")
    text = text.strip()
    if not text:
        raise InputError("请填写议定事项", field="text")
    if group is not None and group.body_id != meeting.body_id:
        raise InputError(f"{group.name}不是{meeting.body.name}的专题小组", field="group")
    if not assignments:
        raise InputError("请至少交办一件信访事项", field="assignments")
    day = on or timezone.localdate()
    if day < meeting.held_on:
        raise InputError(f"交办日期不能早于会议日期（{cn_date(meeting.held_on)}）", field="on")
    numbers = [a.matter.number for a in assignments]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:
        raise InputError(f"事项{'、'.join(twice)}重复列入", field="assignments")
    members = set(meeting.body.members.values_list("pk", flat=True))
    for a in assignments:
        if a.deadline < day:
            raise InputError(
                f"事项{a.matter.number}的办结时限不能早于交办日期（{cn_date(day)}）",
                field="assignments",
            )
        if members and a.unit.pk not in members:
            raise InputError(
                f"{a.unit.name}不是{meeting.body.name}的成员单位，不能由会议交办",
                field="assignments",
            )
    with transaction.atomic():
        decision = Decision.objects.create(
            meeting=meeting, group=group, text=text, created_by=user_of(actor)
        )
        for a in assignments:
            current = Matter.objects.get(pk=a.matter.pk)
            if current.status not in ASSIGNABLE:
                raise InputError(
                    f"事项{current.number}当前状态为「{current.get_status_display()}」，"
                    f"不能由会议交办（只有待处理或已退回待重新交办的事项可以交办）",
                    field="assignments",
                )
            try:
                assigned = matter_assign(
                    actor=actor, matter=current, version=current.version, unit=a.unit, on=day
                )
            except XinfangError as exc:  # the workflow's own refusal, with the matter named
                raise type(exc)(
                    f"事项{current.number}：{exc.message}", field="assignments"
                ) from exc
            assignment = assigned.assignments.get(active=True)
            item = DecisionItem.objects.create(
                decision=decision,
                matter=assigned,
                unit=a.unit,
                deadline=a.deadline,
                assignment=assignment,
            )
            audit_record(
                actor=actor,
                action="casework.decision_assign",
                obj=item,
                matter=assigned,
                data={
                    "meeting": meeting.pk,
                    "body": meeting.body.name,
                    "group": group.name if group else "",
                    "unit": a.unit.name,
                    "on": day.isoformat(),
                    "deadline": a.deadline.isoformat(),
                },
            )
    return decision


# --- batches handed down (交办积案) -------------------------------------------------------------


def matter_numbers_from_csv(text: str) -> list[str]:
    """The 事项编号 column of a small CSV (a header row, then one matter a row); every bad row is
    named by its spreadsheet row number."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows:
        raise InputError("文件为空：第一行须为表头「事项编号」", field="file")
    header = [cell.strip() for cell in rows[0]]
    if "事项编号" not in header:
        raise InputError("第1行缺少「事项编号」列", field="file")
    col = header.index("事项编号")
    numbers, errors = [], []
    for i, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        value = row[col].strip() if col < len(row) else ""
        if not value:
            errors.append(f"第{i}行「事项编号」为空")
        else:
            numbers.append(value)
    if errors:
        raise InputError("；".join(errors), field="file")
    return numbers


def _matters_by_number(actor: Actor, numbers: Sequence[str]) -> list[Matter]:
    cleaned = [n.strip() for n in numbers if n.strip()]
    if not cleaned:
        raise InputError("请至少列入一件信访事项", field="matters")
    twice = sorted({n for n in cleaned if cleaned.count(n) > 1})
    if twice:
        raise InputError(f"事项{'、'.join(twice)}重复列入", field="matters")
    found = {m.number: m for m in visible_matters(actor).filter(number__in=cleaned)}
    missing = [n for n in cleaned if n not in found]
    if missing:
        # the same words for a matter that does not exist and one the actor may not see
        raise InputError(f"找不到事项{'、'.join(missing)}", field="matters")
    return [found[n] for n in cleaned]


def _flag(matter: Matter, *, since: date, reason: str, batch: HandedDownBatch | None) -> bool:
    """积案 once per matter: the first fact stands (its date and reason)."""
    _, made = LongStanding.objects.get_or_create(
        matter=matter, defaults={"since": since, "reason": reason, "batch": batch}
    )
    return made


def batch_create(
    *,
    actor: Actor,
    source: str,
    name: str,
    unit: OrgUnit,
    handed_on: date,
    deadline: date,
    numbers: Sequence[str],
    note: str = "",
) -> HandedDownBatch:
    """交办积案: a batch (第N批) from 中央/省/市 with its matters, each 积案 from that day."""
    _require(actor, Action.PLAN_CASEWORK, "登记交办积案")
    if source not in BatchSource.values:
        raise InputError("请选择交办层级：中央、省或市", field="source")
    name = name.strip()
    if not name:
        raise InputError("请填写批次名称（如第一批）", field="name")
    _not_future(handed_on, "交办日期", "handed_on")
    if deadline < handed_on:
        raise InputError("化解时限不能早于交办日期", field="deadline")
    matters = _matters_by_number(actor, numbers)
    if HandedDownBatch.objects.filter(source=source, name=name, unit=unit).exists():
        raise InputError(f"{BatchSource(source).label}{name}已登记", field="name")
    try:
        with transaction.atomic():
            batch = HandedDownBatch.objects.create(
                source=source,
                name=name,
                unit=unit,
                handed_on=handed_on,
                deadline=deadline,
                note=note.strip(),
                created_by=user_of(actor),
            )
            for m in matters:
                item = BatchItem.objects.create(batch=batch, matter=m)
                _flag(m, since=handed_on, reason=LongStandingReason.HANDED_DOWN, batch=batch)
                audit_record(
                    actor=actor,
                    action="casework.batch_item_add",
                    obj=item,
                    matter=m,
                    data={"batch": str(batch), "handed_on": handed_on.isoformat()},
                )
            audit_record(
                actor=actor,
                action="casework.batch_create",
                obj=batch,
                data={
                    "source": source,
                    "name": name,
                    "unit": unit.name,
                    "handed_on": handed_on.isoformat(),
                    "deadline": deadline.isoformat(),
                    "matters": [m.number for m in matters],
                },
            )
    except IntegrityError as exc:  # the same batch entered twice at the same moment
        raise InputError(f"{BatchSource(source).label}{name}已登记", field="name") from exc
    return batch


def batch_create_from_csv(
    *,
    actor: Actor,
    source: str,
    name: str,
    unit: OrgUnit,
    handed_on: date,
    deadline: date,
    text: str,
    note: str = "",
) -> HandedDownBatch:
    """The same as batch_create, its matters read from a CSV's 事项编号 column."""
    _require(actor, Action.PLAN_CASEWORK, "登记交办积案")
    return batch_create(
        actor=actor,
        source=source,
        name=name,
        unit=unit,
        handed_on=handed_on,
        deadline=deadline,
        numbers=matter_numbers_from_csv(text),
        note=note,
    )


def _item_of(actor: Actor, batch: HandedDownBatch, matter: Matter) -> BatchItem:
    """The batch's item for `matter`, locked; a matter not in the batch is refused."""
    item = BatchItem.objects.select_for_update().filter(batch=batch, matter=matter).first()
    if item is None:
        raise InputError(f"事项{matter.number}不在{batch}交办积案中", field="matter")
    if not visible_batch_items(actor).filter(pk=item.pk).exists():
        raise PermissionRefusedError("您无权处理该交办积案事项")
    return item


def _came_back_since(item: BatchItem) -> bool:
    """A 回流 after the item's 化解: it is to be 化解 again."""
    return any(
        registered_after_resolution(on, item.resolved_on)
        for on in item.reflows.values_list("on", flat=True)
    )


@transaction.atomic
def item_resolve(
    *, actor: User, batch: HandedDownBatch, matter: Matter, on: date, version: int | None = None
) -> BatchItem:
    """化解 of a batch matter: the matter's 化解日期 through the workflow (`matter_resolve`, a
    person's step); once, unless it came back (回流) or the upper level sent it back."""
    from xinfang.workflow.supervision import matter_resolve

    item = _item_of(actor, batch, matter)
    if version is not None and item.version != version:
        raise ConflictError(f"事项{matter.number}已被他人更新，请刷新后重试")
    if item.resolved_on is not None and not _came_back_since(item):
        raise InputError(
            f"事项{matter.number}已于{cn_date(item.resolved_on)}化解，不能重复化解", field="on"
        )
    if on < batch.handed_on:
        raise InputError(f"化解日期不能早于交办日期（{cn_date(batch.handed_on)}）", field="on")
    current = Matter.objects.get(pk=matter.pk)
    resolved = matter_resolve(actor=actor, matter=current, version=current.version, on=on)
    item.resolved_on = resolved.resolved_on
    item.verification = Verification.PENDING
    item.verified_on, item.verified_by = None, None
    item.version += 1
    item.save(
        update_fields=["resolved_on", "verification", "verified_on", "verified_by", "version"]
    )
    audit_record(
        actor=actor,
        action="casework.item_resolve",
        obj=item,
        matter=resolved,
        data={"batch": str(batch), "on": on.isoformat()},
    )
    return item


@transaction.atomic
def item_verify(
    *,
    actor: Actor,
    batch: HandedDownBatch,
    matter: Matter,
    passed: bool,
    reason: str = "",
    on: date | None = None,
    version: int | None = None,
) -> BatchItem:
    """审核 for the handing-down level: 通过审核, or sent back with reasons (to be 化解 again)."""
    _require(actor, Action.PLAN_CASEWORK, "审核交办积案")
    day = on or timezone.localdate()
    _not_future(day, "审核日期", "on")
    item = _item_of(actor, batch, matter)
    if version is not None and item.version != version:
        raise ConflictError(f"事项{matter.number}已被他人更新，请刷新后重试")
    if item.resolved_on is None:
        raise InputError(f"事项{matter.number}尚未化解，不能审核", field="matter")
    if item.verification == Verification.PASSED:
        raise InputError(
            f"事项{matter.number}已于{cn_date(item.verified_on or day)}通过审核", field="matter"
        )
    if day < item.resolved_on:
        raise InputError(f"审核日期不能早于化解日期（{cn_date(item.resolved_on)}）", field="on")
    reason = reason.strip()
    if not passed and not reason:
        raise InputError("退回须填写理由", field="reason")
    resolved_before = item.resolved_on
    item.verification = Verification.PASSED if passed else Verification.SENT_BACK
    item.verified_on, item.verified_by = day, user_of(actor)
    item.sent_back_reason = "" if passed else reason
    if not passed:
        item.resolved_on = None  # the 化解 was not accepted: to be settled again
    item.version += 1
    item.save(
        update_fields=[
            "verification",
            "verified_on",
            "verified_by",
            "sent_back_reason",
            "resolved_on",
            "version",
        ]
    )
    audit_record(
        actor=actor,
        action="casework.item_verify",
        obj=item,
        matter=matter,
        data={
            "batch": str(batch),
            "passed": passed,
            "reason": reason,
            "on": day.isoformat(),
            "resolved_on": resolved_before.isoformat(),
        },
    )
    return item


def on_registration(registration: Registration) -> list[BatchReflow]:
    """回流: a registration of a batch matter after the item's 化解日期 (the rule shared with
    leader packages, xinfang.intake.reflow); it counts against the batch."""
    if registration.is_first:
        return []
    made = []
    items = BatchItem.objects.filter(matter_id=registration.matter_id, resolved_on__isnull=False)
    for item in items:
        if not registered_after_resolution(registration.received_on, item.resolved_on):
            continue
        assert item.resolved_on is not None
        reflow, created = BatchReflow.objects.get_or_create(
            item=item,
            registration=registration,
            defaults={"on": registration.received_on, "resolved_before": item.resolved_on},
        )
        if not created:
            continue
        audit_record(
            actor=SYSTEM,  # follows the registration by itself
            action="casework.item_reflow",
            obj=item,
            matter=registration.matter,
            data={
                "batch": str(item.batch),
                "registration": registration.number,
                "on": registration.received_on.isoformat(),
                "resolved_before": item.resolved_on.isoformat(),
            },
        )
        made.append(reflow)
    return made


# --- 积案 -----------------------------------------------------------------------------------------

# not petitions handled to the end: nothing there to settle (化解)
_NOT_SETTLED_HERE = (MatterStatus.DECLINED, MatterStatus.LEGAL_CHANNEL)


def long_standing_due(today: date) -> "Q":
    """Matters not 化解 LONG_STANDING_DAYS after their first registration, not yet flagged."""
    cutoff = today - timedelta(days=long_standing_days())
    return Q(resolved_on__isnull=True, first_received_on__lte=cutoff, long_standing__isnull=True)


def flag_long_standing(today: date | None = None, *, chunk: int = 5000) -> int:
    """The daily scan: each matter unresolved longer than the setting becomes 积案 on the day it
    passed it (first registration + LONG_STANDING_DAYS). How many were flagged."""
    today = today or timezone.localdate()
    days = long_standing_days()
    due = (
        Matter.objects.filter(long_standing_due(today))
        .exclude(status__in=_NOT_SETTLED_HERE)
        .values_list("pk", "first_received_on")
    )
    rows = list(due)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        flags = [
            LongStanding(
                matter_id=pk,
                since=first + timedelta(days=days),
                reason=LongStandingReason.UNRESOLVED,
            )
            for pk, first in part
        ]
        LongStanding.objects.bulk_create(flags, ignore_conflicts=True)
        _audit_flags(flags)
    return len(rows)


def _audit_flags(flags: Sequence[LongStanding]) -> None:
    """One `casework.long_standing` event on each flagged matter (chained like every event)."""
    from xinfang.core.models import AuditEvent

    stamp = timezone.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=stamp,
                action="casework.long_standing",
                object_type=Matter._meta.label_lower,
                object_id=str(f.matter_id),
                matter_id=f.matter_id,
                data={"since": f.since.isoformat(), "reason": str(f.reason)},
            )
            for f in flags
        ],
        batch_size=1000,
    )


def long_standing_of(matter: Matter) -> LongStanding | None:
    return LongStanding.objects.filter(matter=matter).select_related("batch").first()

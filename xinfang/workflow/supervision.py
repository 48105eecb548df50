"""Supervision services: raise and close 督办单, add a leader's 批示, record a matter's 化解.

Same shape as xinfang.workflow.services: one transaction with the matter locked, the role guard
from supervision_rules.TABLE, a version check, the version bumped, ONE audit event per call.
"""

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.config import domain_limit
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.permissions import Actor, SystemActor, user_of, visible_matters
from xinfang.documents.kinds import DocumentKind
from xinfang.documents.services import step_document
from xinfang.intake.choices import Purpose, SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import calendar, entry
from xinfang.workflow.models import LeaderInstruction, SupervisionNotice
from xinfang.workflow.supervision_rules import (
    TABLE,
    Act,
    SupervisionKind,
    SupervisionOutcome,
    SupervisionSource,
    check_role,
)


def _day(on: date | None, what: str = "日期") -> date:
    today = timezone.localdate()
    if on is None:
        return today
    if on > today:
        raise InputError(f"{what}不能晚于今天", field="on")
    return on


def _text(value: str, what: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise InputError(f"请填写{what}", field=field)
    return value


def _lock(act: Act, *, actor: Actor, matter: Matter, version: int | None) -> Matter:
    """Lock the matter; check the actor may see it and, when given, that `version` is current."""
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    if actor is not None and not visible_matters(actor).filter(pk=locked.pk).exists():
        raise PermissionRefusedError("您无权处理该事项")
    if version is not None and locked.version != version:
        raise ConflictError(
            f"事项{locked.number}已被他人更新，本次「{TABLE[act].label}」未保存，请刷新后重试"
        )
    return locked


def _entered(act: Act, day: date, matter: Matter, actor: Actor) -> dict[str, Any]:
    """Not before the first registration, not after today, in the backdating window or approved
    (xinfang.workflow.entry); what the event records of the day's entry."""
    return entry.check(day, matter=matter, step=str(act), actor=actor, after_steps=False)


def _finish(
    act: Act,
    *,
    actor: Actor,
    matter: Matter,
    fields: set[str],
    data: dict[str, Any],
    follow: Callable[[Matter], None] | None = None,
) -> Matter:
    """Bump the version, save the matter's changed facts, write the ONE event of this call.
    `follow`: what the saved facts close by themselves (化解 closes the matter's package), done
    before the late-entry check, so that a clock it meets counts too (entry.settle)."""
    matter.version += 1
    matter.save(update_fields=sorted(fields | {"version", "updated_at"}))
    if follow is not None:
        follow(matter)
    entry.settle(matter, data)  # a clock met only by a typed day: a late entry
    audit_record(actor=actor, action=f"workflow.{act}", obj=matter, matter=matter, data=data)
    return matter


@transaction.atomic
def supervision_raise(
    *,
    actor: Actor,
    matter: Matter,
    version: int,
    level: str,
    kind: str = SupervisionKind.ROUTINE,
    source: str = SupervisionSource.MANUAL,
    reason: str,
    unit: OrgUnit | None = None,
    due: date | None = None,
    on: date | None = None,
) -> SupervisionNotice:
    """督办: open a notice at `level`; a clock's second attempt returns the open one unchanged.

    `actor` is SYSTEM only for the clock scan (no person raised it); due defaults to
    SUPERVISION_DAYS calendar days on the working calendar.
    """
    if source not in SupervisionSource.values:
        raise InputError("发起方式无效", field="source")
    if isinstance(actor, SystemActor) and source != SupervisionSource.CLOCK:
        raise PermissionRefusedError("人工督办须由经办人或督查人员发起")
    if not isinstance(actor, SystemActor):
        check_role(Act.SUPERVISION_RAISE, role=actor.role)
    if level not in SupervisionLevel.values:
        raise InputError("请选择督办级别：中央、省、市或区", field="level")
    if kind not in SupervisionKind.values:
        raise InputError("请选择督办类型：常规督办或集中督办", field="kind")
    day, reason = _day(on, "督办日期"), _text(reason, "督办事由", "reason")
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    open_notice = SupervisionNotice.objects.filter(
        matter=locked, level=level, closed_on__isnull=True
    ).first()
    # idempotent for the clock: before the version check, so a rerun with an old version is a no-op
    if open_notice is not None and source == SupervisionSource.CLOCK:
        return open_notice
    locked = _lock(Act.SUPERVISION_RAISE, actor=actor, matter=locked, version=version)
    if open_notice is not None:
        raise ConflictError(
            f"该事项已有未办结的{SupervisionLevel(level).label}级督办单"
            f"（期限{cn_date(open_notice.due)}），不能重复督办"
        )
    recorded = _entered(Act.SUPERVISION_RAISE, day, locked, actor)
    target = unit if unit is not None else locked.responsible_unit
    if (
        locked.purpose == Purpose.ACCUSATION
        and target is not None
        and not target.is_discipline_organ
    ):
        # 检举控告 never reaches a unit that may be the accused, a 督办单 included (条例第二十二条)
        raise InputError("检举控告类事项只能督办纪检监察机关", field="unit")
    if due is None:
        due = calendar.deadline(day, domain_limit("SUPERVISION_DAYS"))
    elif due < day:
        raise InputError("督办期限不能早于督办日期", field="due")
    notice = SupervisionNotice.objects.create(
        matter=locked,
        level=level,
        kind=kind,
        source=source,
        unit=target,
        reason=reason,
        raised_on=day,
        due=due,
        raised_by=user_of(actor),
    )
    # the ledger's 督办 facts are the first notice's; later notices do not rewrite them
    fields: set[str] = set()
    if not locked.supervision_level:
        locked.supervision_level = level
        fields.add("supervision_level")
    if locked.supervision_started_on is None:
        locked.supervision_started_on = day
        fields.add("supervision_started_on")
    if locked.supervision_due is None:
        locked.supervision_due = due
        fields.add("supervision_due")
    data = {
        "notice": notice.pk,
        "level": level,
        "kind": kind,
        "source": source,
        "unit": str(notice.unit) if notice.unit else "",
        "on": day.isoformat(),
        "due": due.isoformat(),
        "reason": reason,
        **recorded,
    }
    _finish(Act.SUPERVISION_RAISE, actor=actor, matter=locked, fields=fields, data=data)
    if isinstance(actor, User):  # a person's 督办 issues its 督办单 in the same act; the clock's
        # notices wait for a person to issue theirs (补出具 on the matter page)
        step_document(
            actor=actor,
            matter=locked,
            kind=DocumentKind.SUPERVISION,
            step=TABLE[Act.SUPERVISION_RAISE].label,
            on=day,
            notice=notice,
        )
    return notice


@transaction.atomic
def supervision_close(
    *,
    actor: User,
    notice: SupervisionNotice,
    version: int,
    outcome: str,
    note: str = "",
    on: date | None = None,
) -> SupervisionNotice:
    """办结督办单 with its outcome (已办结 / 已化解 / 未化解) and the date."""
    check_role(Act.SUPERVISION_CLOSE, role=actor.role)
    if outcome not in SupervisionOutcome.values:
        raise InputError("请选择督办结果：已办结、已化解或未化解", field="outcome")
    day = _day(on, "办结日期")
    locked = _lock(Act.SUPERVISION_CLOSE, actor=actor, matter=notice.matter, version=version)
    current = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if current.closed_on is not None:
        raise ConflictError(f"该督办单已于{cn_date(current.closed_on)}办结")
    if day < current.raised_on:
        raise InputError(f"办结日期不能早于督办日期（{cn_date(current.raised_on)}）", field="on")
    recorded = _entered(Act.SUPERVISION_CLOSE, day, locked, actor)
    current.outcome, current.outcome_note = outcome, note.strip()
    current.closed_on, current.closed_by = day, actor
    current.save(update_fields=["outcome", "outcome_note", "closed_on", "closed_by"])
    data = {
        "notice": current.pk,
        "level": current.level,
        "outcome": outcome,
        "note": current.outcome_note,
        "on": day.isoformat(),
        "on_time": day <= current.due,
        **recorded,
    }
    _finish(Act.SUPERVISION_CLOSE, actor=actor, matter=locked, fields=set(), data=data)
    return current


@transaction.atomic
def instruction_add(
    *, actor: User, matter: Matter, version: int, text: str, on: date | None = None
) -> LeaderInstruction:
    """领导批示: the leader's own words on the matter, with the day given."""
    check_role(Act.INSTRUCTION_ADD, role=actor.role)
    day, text = _day(on, "批示日期"), _text(text, "批示内容", "text")
    locked = _lock(Act.INSTRUCTION_ADD, actor=actor, matter=matter, version=version)
    recorded = _entered(Act.INSTRUCTION_ADD, day, locked, actor)
    instruction = LeaderInstruction.objects.create(
        matter=locked, leader=actor, text=text, given_on=day
    )
    data = {"instruction": instruction.pk, "on": day.isoformat(), "text": text, **recorded}
    _finish(Act.INSTRUCTION_ADD, actor=actor, matter=locked, fields=set(), data=data)
    return instruction


@transaction.atomic
def matter_resolve(*, actor: User, matter: Matter, version: int, on: date) -> Matter:
    """化解: the day the matter was settled, kept as Matter.resolved_on (the ledger's 化解日期)."""
    check_role(Act.RESOLVE, role=actor.role)
    day = _day(on, "化解日期")
    locked = _lock(Act.RESOLVE, actor=actor, matter=matter, version=version)
    recorded = _entered(Act.RESOLVE, day, locked, actor)
    before = locked.resolved_on
    locked.resolved_on = day
    data = {"on": day.isoformat(), "before": before.isoformat() if before else None, **recorded}
    from xinfang.leaders.services import on_matter_resolved

    # 一包到底: the package closes when its matters are 化解 — before settle(), so that a
    # 包案办结时限 met only by the typed day is a late entry like any other clock
    return _finish(
        Act.RESOLVE,
        actor=actor,
        matter=locked,
        fields={"resolved_on"},
        data=data,
        follow=on_matter_resolved,
    )


# --- the clock scan's set-based 督办 ---------------------------------------------------------


def clock_raise_bulk(*, matters: Any, level: str, reason: str, on: date, due: date) -> int:
    """supervision_raise(source=clock) for many matters at once; how many notices it opened.

    `matters` is a queryset of matter ids (values("matter_id") or values("pk")). Like the single
    call: no notice where one is open at `level` (the conditional unique constraint decides, so
    a concurrent run cannot add a second), the unit is the matter's responsible unit, the
    ledger's 督办 facts are set where empty, the version is bumped and each opened notice gets
    its one `workflow.supervision_raise` event on the matter. Call inside a transaction.
    """
    from django.db import connection

    from xinfang.core.models import AuditEvent

    if level not in SupervisionLevel.values:
        raise InputError("请选择督办级别：中央、省、市或区", field="level")
    ids_sql, ids_params = matters.query.sql_with_params()
    qn = connection.ops.quote_name
    table, matter_table = SupervisionNotice._meta.db_table, Matter._meta.db_table
    columns = (
        "matter_id, level, kind, source, unit_id, reason, raised_on, due, outcome, outcome_note"
    )
    # Django has no INSERT … SELECT … RETURNING; the rows stay in the database this way
    select = (
        f"SELECT m.id, %s, %s, %s, m.responsible_unit_id, %s, %s, %s, '', '' "
        f"FROM {qn(matter_table)} m WHERE m.id IN ({ids_sql})"
    )
    params: list[Any] = [level, SupervisionKind.ROUTINE, SupervisionSource.CLOCK, reason, on, due]
    if connection.vendor == "sqlite":
        sql = f"INSERT OR IGNORE INTO {qn(table)} ({columns}) {select} RETURNING id, matter_id"
    else:
        sql = (
            f"INSERT INTO {qn(table)} ({columns}) {select} "
            f"ON CONFLICT DO NOTHING RETURNING id, matter_id"
        )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, *ids_params])
        opened = [(int(n), int(m)) for n, m in cur.fetchall()]
    if not opened:
        return 0
    ops = connection.ops
    stamp = timezone.now()  # the matters' updated_at and the events' time: one moment
    now = ops.adapt_datetimefield_value(stamp)
    on_s, due_s = on.isoformat(), due.isoformat()
    if connection.vendor == "sqlite":
        # no arrays in SQLite: the ids travel as one JSON array, read back by json_each
        notice_ids = "(SELECT value FROM json_each(%s))"
        matter_ids = notice_ids
        ids: list[Any] = [json.dumps([n for n, _ in opened]), json.dumps([m for _, m in opened])]
    else:
        notice_ids = "(SELECT unnest(%s::bigint[]))"
        matter_ids = notice_ids
        ids = [[n for n, _ in opened], [m for _, m in opened]]
    # the same event data as audit_record writes for one notice
    pairs = {
        "level": level,
        "kind": SupervisionKind.ROUTINE,
        "source": SupervisionSource.CLOCK,
        "on": on_s,
        "due": due_s,
        "reason": reason,
    }
    unit_table = OrgUnit._meta.db_table
    with connection.cursor() as cur:
        # one UPDATE: each row rewrite also rewrites the matter's many index entries
        cur.execute(
            f"UPDATE {qn(matter_table)} SET "
            f"supervision_level = CASE WHEN supervision_level = '' THEN %s "
            f"ELSE supervision_level END, "
            f"supervision_started_on = COALESCE(supervision_started_on, %s), "
            f"supervision_due = COALESCE(supervision_due, %s), "
            f"version = version + 1, updated_at = %s "
            f"WHERE id IN {matter_ids}",
            [level, ops.adapt_datefield_value(on), ops.adapt_datefield_value(due), now, ids[1]],
        )
        # the notices' units, read back in one statement; the events are chained (core/chain.py),
        # so they are built here and written by one bulk insert
        cur.execute(
            f"SELECT n.id, n.matter_id, COALESCE(u.name, '') FROM {qn(table)} n "
            f"LEFT JOIN {qn(unit_table)} u ON u.id = n.unit_id "
            f"WHERE n.id IN {notice_ids} ORDER BY n.id",
            [ids[0]],
        )
        notices = cur.fetchall()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=stamp,
                action=f"workflow.{Act.SUPERVISION_RAISE}",
                object_type=Matter._meta.label_lower,
                object_id=str(matter_id),
                matter_id=matter_id,
                data={"notice": notice_id, "unit": unit_name, **pairs},
            )
            for notice_id, matter_id, unit_name in notices
        ],
        batch_size=1000,
    )
    return len(opened)

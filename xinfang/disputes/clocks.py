"""The dispute clock: each level's time to settle, and what the daily scan does with it.

A dispute at 村社区 or 街道乡镇 has until `level_due` (calendar.deadline of the day it entered
the level + XINFANG["DISPUTE_DAYS"][level]); 区县 has no clock (a leader package follows there).
The scan (workflow.clockscan) calls `scan_disputes` in its transaction: 预警 to the level's owner
within CLOCK_WARNING_DAYS, and once the day has passed the dispute rises to the next level with
an Escalation row (超期自动) and a notification to the next level's unit staff and officers. All
of it is INSERT … SELECT and one UPDATE per level; the unique keys (dispute_alert_once,
escalation_once) and the level condition keep a second run from doing anything twice.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import CharField, F, IntegerField, QuerySet, Value
from django.db.models.functions import Cast, Concat

from xinfang.accounts.models import Role, User
from xinfang.disputes.choices import DisputeLevel, DisputeStatus, EscalationReason
from xinfang.disputes.models import Dispute, DisputeAlert, Escalation
from xinfang.workflow import calendar

WARNING, OVERDUE = "warning", "overdue"
ESCALATION_COLUMNS = ["dispute_id", "on", "from_level", "to_level", "reason", "note"]
ESCALATION_COLUMNS += ["scan_id", "created_at"]
# who hears: the bureau's officers and the unit's own staff
LISTENERS = (Role.OFFICER, Role.UNIT_STAFF)
# the owner of the next level, as a field of the dispute
NEXT_OWNER = {DisputeLevel.VILLAGE: "street_unit", DisputeLevel.STREET: "district_unit"}
NEXT = {DisputeLevel.VILLAGE: DisputeLevel.STREET, DisputeLevel.STREET: DisputeLevel.DISTRICT}


def level_days(level: str) -> int | None:
    days: dict[str, int] = settings.XINFANG.get("DISPUTE_DAYS", {})
    found = days.get(str(level))
    return int(found) if found else None


def level_due(level: str, since: date) -> date | None:
    """The last day to settle at `level` for a dispute that entered it on `since`."""
    days = level_days(level)
    return None if days is None else calendar.deadline(since, days)


def running(today: date, horizon: date) -> "QuerySet[Dispute]":
    """The clock reader: open disputes whose level's time ends by `horizon` (warn) or passed."""
    return Dispute.objects.filter(
        status=DisputeStatus.OPEN, level_due__isnull=False, level_due__lte=horizon
    )


def _insert(rows: "QuerySet[Any]", columns: list[str]) -> int:
    from xinfang.workflow.clockscan import _insert_select

    return _insert_select(DisputeAlert._meta.db_table, columns, rows)


def scan_disputes(
    run: Any, today: date, horizon: date, missing: set[int] | None = None
) -> tuple[int, int, int]:
    """预警, escalations and notifications of one scan run; returns (warnings, raised, notified).

    When the next level's time to settle reaches a year with no holiday arrangement, its
    disputes are not raised this run (the year goes into `missing`); a later run raises them.
    """
    from xinfang.notifications.models import Notification, NotificationKind

    columns = ["dispute_id", "level", "stage", "deadline", "unit_id", "scan_id", "created_at"]
    stamp = Value(run.started_at)
    warned = _insert(
        running(today, horizon)
        .filter(level_due__gte=today)
        .order_by()
        .values(
            c0=F("pk"),
            c1=F("level"),
            c2=Value(WARNING, output_field=CharField()),
            c3=F("level_due"),
            c4=F("owner_unit_id"),
            c5=Value(run.pk, output_field=IntegerField()),
            c6=stamp,
        ),
        columns,
    )
    raised = 0
    for level, owner in NEXT_OWNER.items():
        nxt = NEXT[level]
        try:
            new_due = level_due(nxt, today)
        except calendar.CalendarMissingError as exc:
            if missing is not None:
                missing.add(exc.year)
            continue
        over = running(today, horizon).filter(
            level=level, level_due__lt=today, **{f"{owner}__isnull": False}
        )
        raised += _insert(
            over.order_by().values(
                c0=F("pk"),
                c1=F("level"),
                c2=Value(OVERDUE, output_field=CharField()),
                c3=F("level_due"),
                c4=F(f"{owner}_id"),
                c5=Value(run.pk, output_field=IntegerField()),
                c6=stamp,
            ),
            columns,
        )
        from xinfang.workflow.clockscan import _insert_select

        _insert_select(
            Escalation._meta.db_table,
            [
                "dispute_id",
                "on",
                "from_level",
                "to_level",
                "reason",
                "note",
                "scan_id",
                "created_at",
            ],
            over.order_by().values(
                c0=F("pk"),
                c1=Value(today),
                c2=F("level"),
                c3=Value(str(NEXT[level]), output_field=CharField()),
                c4=Value(str(EscalationReason.AUTO), output_field=CharField()),
                c5=Concat(
                    Value(f"{DisputeLevel(level).label}化解期限"),
                    Cast("level_due", CharField()),
                    Value("已过"),
                    output_field=CharField(),
                ),
                c6=Value(run.pk, output_field=IntegerField()),
                c7=stamp,
            ),
        )
        over.update(
            level=nxt,
            level_since=today,
            level_due=new_due,
            owner_unit_id=F(f"{owner}_id"),
        )
    # notifications: one per (user at the alert's unit, alert), kept once by key
    text = Concat(
        F("org_unit__dispute_alerts__dispute__number"),
        Value(" 矛盾纠纷"),
        Value("（"),
        Cast("org_unit__dispute_alerts__deadline", CharField()),
        Value("）"),
        output_field=CharField(),
    )
    notified = 0
    for stage, words, kind in (
        (WARNING, "本层级化解期限即将到期", NotificationKind.WARNING),
        (OVERDUE, "已超期未化解，已升级至本单位", NotificationKind.OVERDUE),
    ):
        rows = (
            User.objects.filter(
                is_active=True,
                role__in=LISTENERS,
                org_unit__dispute_alerts__scan_id=run.pk,
                org_unit__dispute_alerts__stage=stage,
            )
            .order_by()
            .values(
                c0=F("pk"),
                c1=Value(str(kind), output_field=CharField()),
                c2=Concat(text, Value(words), output_field=CharField()),
                c3=Concat(
                    Value("dispute:"),
                    Cast("org_unit__dispute_alerts__pk", CharField()),
                    output_field=CharField(),
                ),
                c4=Value(run.pk, output_field=IntegerField()),
                c5=stamp,
            )
        )
        from xinfang.workflow.clockscan import _insert_select

        notified += _insert_select(
            Notification._meta.db_table,
            ["recipient_id", "kind", "text", "key", "scan_id", "created_at"],
            rows,
        )
    return warned, raised, notified

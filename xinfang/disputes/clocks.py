"""The dispute clock: each level's time to settle, and what the daily scan does with it.

A dispute at any level has until `level_due` (calendar.deadline of the day it entered the level +
XINFANG["DISPUTE_DAYS"][level]). The scan (workflow.clockscan) calls `scan_disputes` in its
transaction: 预警 to the level's owner within CLOCK_WARNING_DAYS, and once the day has passed
the dispute rises to the next level that exists above its place (a village directly under the
district skips 街道乡镇) with an Escalation row (超期自动) and a notification to that level's
unit staff and officers. At the top — 区县, or the highest level the place has — nothing is
above: the clock goes overdue (超期) and its own owner is told, once; the dispute stays.
All of it is INSERT … SELECT and one UPDATE per way up; the unique keys (dispute_alert_once,
escalation_once) and the level condition keep a second run from doing anything twice.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat

from xinfang.accounts.models import Role, User
from xinfang.disputes.choices import DisputeLevel, DisputeStatus, EscalationReason
from xinfang.disputes.models import Dispute, DisputeAlert, Escalation
from xinfang.workflow import calendar

WARNING, OVERDUE = "warning", "overdue"
# who hears: the bureau's officers and the unit's own staff
LISTENERS = (Role.OFFICER, Role.UNIT_STAFF)
# each level's ways up, nearest first: (next level, the dispute's field holding its owner); a
# level missing above the place is skipped, and a level with none left is the top
UP: dict[str, list[tuple[str, str]]] = {
    DisputeLevel.VILLAGE: [
        (DisputeLevel.STREET, "street_unit"),
        (DisputeLevel.DISTRICT, "district_unit"),
    ],
    DisputeLevel.STREET: [(DisputeLevel.DISTRICT, "district_unit")],
    DisputeLevel.DISTRICT: [],
}


def rises_to(level: str, owners: Mapping[str, int | None]) -> tuple[str, int] | None:
    """The level a dispute at `level` rises to and its owner's id, given the unit of each level
    above its place (`owners`: level -> unit id, None where the place has none); None at the top.
    The one rule of the scan, the services (escalate) and the ledger's 升级记录."""
    for nxt, _ in UP[level]:
        unit_id = owners.get(nxt)
        if unit_id is not None:
            return nxt, unit_id
    return None


def next_level(dispute: Dispute) -> tuple[str, int] | None:
    """The level `dispute` rises to and its owner's id; None at the top."""
    owners = {nxt: getattr(dispute, f"{field}_id") for nxt, field in UP[dispute.level]}
    return rises_to(dispute.level, owners)


def _ways() -> list[tuple[str, str, str, Q]]:
    """(level, next level, owner field, condition): the one way up each dispute takes."""
    found = []
    for level, routes in UP.items():
        for i, (nxt, field) in enumerate(routes):
            skipped = {f"{earlier}__isnull": True for _, earlier in routes[:i]}
            found.append(
                (level, nxt, field, Q(level=level, **{f"{field}__isnull": False}, **skipped))
            )
    return found


def _top() -> Q:
    """Disputes at the top: no level exists above their place."""
    top = Q()
    for level, routes in UP.items():
        top |= Q(level=level, **{f"{field}__isnull": True for _, field in routes})
    return top


@dataclass
class DisputeScan:
    warned: int = 0  # 预警 to the level's owner
    overdue_top: int = 0  # 超期 at the top (nothing above): the owner told, no rise
    raised: int = 0  # risen to the next level
    notified: int = 0


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


def _insert_select(table: str, columns: list[str], rows: "QuerySet[Any]") -> int:
    from xinfang.workflow.clockscan import _insert_select

    return _insert_select(table, columns, rows)


ALERT_COLUMNS = ["dispute_id", "level", "stage", "deadline", "unit_id", "scan_id", "created_at"]
ESCALATION_COLUMNS = ["dispute_id", "on", "from_level", "to_level", "reason", "note"]
ESCALATION_COLUMNS += ["scan_id", "created_at"]


def _alerts(rows: "QuerySet[Dispute]", stage: str, unit: str, run: Any) -> int:
    """One DisputeAlert per dispute of `rows` (kept once by dispute_alert_once)."""
    return _insert_select(
        DisputeAlert._meta.db_table,
        ALERT_COLUMNS,
        rows.order_by().values(
            c0=F("pk"),
            c1=F("level"),
            c2=Value(stage, output_field=CharField()),
            c3=F("level_due"),
            c4=F(unit),
            c5=Value(run.pk, output_field=IntegerField()),
            c6=Value(run.started_at),
        ),
    )


def scan_disputes(
    run: Any, today: date, horizon: date, missing: set[int] | None = None
) -> DisputeScan:
    """预警, 超期 at the top, escalations and notifications of one scan run.

    When the next level's time to settle reaches a year with no holiday arrangement, its
    disputes are not raised this run (the year goes into `missing`); a later run raises them.
    """
    found = DisputeScan()
    due = running(today, horizon)
    found.warned = _alerts(due.filter(level_due__gte=today), WARNING, "owner_unit_id", run)
    over = due.filter(level_due__lt=today)
    # at the top the clock goes overdue and stays; its own owner hears of it once
    found.overdue_top = _alerts(over.filter(_top()), OVERDUE, "owner_unit_id", run)
    for level, nxt, field, way in _ways():
        try:
            new_due = level_due(nxt, today)
        except calendar.CalendarMissingError as exc:
            if missing is not None:
                missing.add(exc.year)
            continue
        rising = over.filter(way)
        found.raised += _alerts(rising, OVERDUE, f"{field}_id", run)
        _insert_select(
            Escalation._meta.db_table,
            ESCALATION_COLUMNS,
            rising.order_by().values(
                c0=F("pk"),
                c1=Value(today),
                c2=F("level"),
                c3=Value(str(nxt), output_field=CharField()),
                c4=Value(str(EscalationReason.AUTO), output_field=CharField()),
                c5=Concat(
                    Value(f"{DisputeLevel(level).label}化解期限"),
                    Cast("level_due", CharField()),
                    Value("已过"),
                    output_field=CharField(),
                ),
                c6=Value(run.pk, output_field=IntegerField()),
                c7=Value(run.started_at),
            ),
        )
        rising.update(
            level=nxt, level_since=today, level_due=new_due, owner_unit_id=F(f"{field}_id")
        )
    found.notified = _notify(run)
    return found


def _notify(run: Any) -> int:
    """One notification per (user at the alert's unit, alert) of this run, kept once by key."""
    from xinfang.notifications.models import Notification, NotificationKind

    alert = "org_unit__dispute_alerts"
    text = Concat(
        F(f"{alert}__dispute__number"),
        Value(" 矛盾纠纷"),
        Value("（"),
        Cast(f"{alert}__deadline", CharField()),
        Value("）"),
        output_field=CharField(),
    )
    # an overdue alert whose dispute is still at the alert's level had nowhere to rise
    words = Case(
        When(
            **{f"{alert}__stage": WARNING},
            then=Value("本层级化解期限即将到期"),
        ),
        When(
            **{f"{alert}__dispute__level": F(f"{alert}__level")},
            then=Value("已超期未化解，已是最高层级，请领导包案化解"),
        ),
        default=Value("已超期未化解，已升级至本单位"),
        output_field=CharField(),
    )
    kind = Case(
        When(**{f"{alert}__stage": WARNING}, then=Value(str(NotificationKind.WARNING))),
        default=Value(str(NotificationKind.OVERDUE)),
        output_field=CharField(),
    )
    rows = (
        User.objects.filter(is_active=True, role__in=LISTENERS, **{f"{alert}__scan_id": run.pk})
        .order_by()
        .values(
            c0=F("pk"),
            c1=kind,
            c2=Concat(text, words, output_field=CharField()),
            c3=Concat(
                Value("dispute:"), Cast(f"{alert}__pk", CharField()), output_field=CharField()
            ),
            c4=Value(run.pk, output_field=IntegerField()),
            c5=Value(run.started_at),
        )
    )
    return _insert_select(
        Notification._meta.db_table,
        ["recipient_id", "kind", "text", "key", "scan_id", "created_at"],
        rows,
    )

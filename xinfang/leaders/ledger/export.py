"""Exporting the reception ledger (A3) in the format its importer reads.

Held sessions (and any session with receptions), by 接访日期 then 接访编号; within a session its
receptions by the registration's 登记日期 then 登记编号; a session nobody came to is one row with
an empty 登记编号. A reception's own leaders are not written: the format gives each reception all
the leaders of its session.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db.models import Q

from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import (
    Action,
    Actor,
    SystemActor,
    may,
    user_of,
    visible_matters,
    visible_sessions,
)
from xinfang.intake.ledger.check import Progress
from xinfang.intake.ledger.exporter import write_table
from xinfang.intake.ledger.readers import file_sha256
from xinfang.intake.ledger.values import Lookups
from xinfang.leaders.choices import SessionStatus
from xinfang.leaders.ledger.columns import RECEPTION_COLUMNS
from xinfang.leaders.models import Reception, ReceptionSession, SessionLeader

CHUNK = 2000


def _rows(actor: Actor) -> Iterator[tuple[Any, ...]]:
    sessions = ReceptionSession.objects.filter(
        Q(status=SessionStatus.HELD) | Q(receptions__isnull=False)
    ).distinct()
    if not isinstance(actor, SystemActor):
        sessions = sessions.filter(pk__in=visible_sessions(actor).values("pk"))
    found = list(
        sessions.order_by("held_on", "number").values_list(
            "id", "number", "held_on", "kind", "place"
        )
    )
    for start in range(0, len(found), CHUNK):
        chunk = found[start : start + CHUNK]
        ids = [row[0] for row in chunk]
        seated: dict[int, list[tuple[str, str]]] = {}
        for session_id, name, tier in (
            SessionLeader.objects.filter(session_id__in=ids)
            .order_by("session_id", "position", "id")
            .values_list("session_id", "leader__name", "tier")
        ):
            seated.setdefault(session_id, []).append((name, tier))
        receptions = Reception.objects.filter(session_id__in=ids)
        hidden: dict[int, int] = {}
        if not isinstance(actor, SystemActor):
            seen = visible_matters(actor).values("pk")
            for session_id in receptions.exclude(registration__matter__in=seen).values_list(
                "session_id", flat=True
            ):
                hidden[session_id] = hidden.get(session_id, 0) + 1
            receptions = receptions.filter(registration__matter__in=seen)
        received: dict[int, list[tuple[str, str, Any]]] = {}
        for session_id, number, outcome, routed in receptions.order_by(
            "session_id", "registration__received_at", "registration__number"
        ).values_list("session_id", "registration__number", "outcome", "routed_on"):
            received.setdefault(session_id, []).append((number, outcome, routed))
        for pk, number, held_on, kind, place in chunk:
            leaders = seated.get(pk, [])
            head = (
                number,
                held_on,
                kind,
                place,
                tuple(name for name, _ in leaders),
                tuple(tier for _, tier in leaders),
            )
            rows = received.get(pk, [])
            if not rows and not hidden.get(pk):
                yield (*head, "", None, None)
            for registration, outcome, routed in rows:
                yield (*head, registration, outcome, routed)


def export_receptions(path: Path | str, *, actor: Actor, progress: Progress | None = None) -> int:
    """Write the reception ledger `actor` may see to `path` (.csv or .xlsx); the number of rows."""
    if not may(actor, Action.EXPORT_LEDGER):
        raise PermissionRefusedError("您没有导出接访台账的权限")
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputError("导出文件名应以 .csv 或 .xlsx 结尾")
    ctx = Lookups.load()
    count = write_table(path, RECEPTION_COLUMNS, _rows(actor), ctx, progress, sheet="接访台账")
    AuditEvent.objects.create(
        actor=user_of(actor),
        action="receptions.export",
        object_type=ReceptionSession._meta.label_lower,
        object_id="*",
        data={"file": path.name, "rows": count, "sha256": file_sha256(path)},
        ip=current_ip.get(),
    )
    return count

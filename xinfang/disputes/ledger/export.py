"""Exporting the dispute ledger (A4) in the format its importer reads, by 排查日期 then 纠纷编号.

The disputes `actor` may see (core.permissions.visible_disputes); the row of each is the one
the importer compares with (ledger.stored), so export → import into an empty database gives
back the same disputes, and export → import into the same database changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xinfang.accounts.models import User
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import Action, may, visible_disputes
from xinfang.disputes.ledger.columns import DISPUTE_COLUMNS, FIELDS
from xinfang.disputes.ledger.stored import CHUNK, stored_rows
from xinfang.disputes.models import Dispute
from xinfang.intake.ledger.check import Progress
from xinfang.intake.ledger.exporter import write_table
from xinfang.intake.ledger.readers import file_sha256
from xinfang.intake.ledger.values import Lookups

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor


def _rows(actor: Actor) -> Iterator[tuple[Any, ...]]:
    disputes = visible_disputes(actor).order_by("found_on", "number")
    ids = list(disputes.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = list(Dispute.objects.filter(pk__in=ids[start : start + CHUNK]))
        chunk.sort(key=lambda d: (d.found_on, d.number))
        for values in stored_rows(chunk).values():
            yield tuple(values[name] for name in FIELDS)


def export_disputes(path: Path | str, *, actor: Actor, progress: Progress | None = None) -> int:
    """Write the dispute ledger `actor` may see to `path` (.csv or .xlsx); the number of rows."""
    if not may(actor, Action.EXPORT_LEDGER) or not may(actor, Action.VIEW_DISPUTES):
        raise PermissionRefusedError("您没有导出纠纷台账的权限")
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputError("导出文件名应以 .csv 或 .xlsx 结尾")
    ctx = Lookups.load()
    count = write_table(path, DISPUTE_COLUMNS, _rows(actor), ctx, progress, sheet="纠纷台账")
    AuditEvent.objects.create(
        actor=actor if isinstance(actor, User) else None,
        action="disputes.export",
        object_type=Dispute._meta.label_lower,
        object_id="*",
        data={"file": path.name, "rows": count, "sha256": file_sha256(path)},
        ip=current_ip.get(),
    )
    return count

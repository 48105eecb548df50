"""A matter's history as its page shows it: its audit events and the ledger imports that fed it."""

from dataclasses import dataclass
from datetime import datetime

from xinfang.accounts.models import User
from xinfang.core.models import AuditEvent
from xinfang.intake.models import ImportBatch, Matter, Registration
from xinfang.intake.selectors import matter_events


@dataclass(frozen=True)
class ImportLine:
    """A ledger import that brought registrations of the matter, read from its ImportBatch.

    An import writes one audit event for the whole file, not one per matter (a million rows
    would mean a million events), so the matter's share of it is found through its rows.
    """

    at: datetime
    file_name: str
    actor: User | None


HistoryEntry = tuple[str, AuditEvent | ImportLine]  # ("event" | "import", the entry)


def matter_history(
    matter: Matter, registrations: list[Registration], events: list[AuditEvent] | None = None
) -> list[HistoryEntry]:
    """The matter's audit events (read here unless given) and its ledger imports, oldest first."""
    batch_ids = {r.import_batch_id for r in registrations if r.import_batch_id is not None}
    batches = ImportBatch.objects.filter(pk__in=batch_ids).select_related("actor")
    entries: list[HistoryEntry] = [
        ("import", ImportLine(at=b.started_at, file_name=b.file_name, actor=b.actor))
        for b in sorted(batches, key=lambda b: (b.started_at, b.pk))
    ]
    if events is None:
        events = matter_events(matter)
    entries += [("event", event) for event in events]
    # A stable sort: events keep their (at, id) order, imports go before events of their moment.
    entries.sort(key=lambda entry: (entry[1].at, entry[0] == "event"))
    return entries

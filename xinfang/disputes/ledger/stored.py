"""The dispute ledger's row of each stored dispute, in the values its columns parse to.

One function for both the export (which formats these values) and the import (which compares a
file's row with them: importing the same file twice changes nothing), so the two cannot drift.
"""

from collections.abc import Iterable
from typing import Any

from xinfang.disputes.models import Dispute, Escalation, Mediation
from xinfang.intake.models import Registration

CHUNK = 2000


def stored_rows(disputes: Iterable[Dispute]) -> dict[str, dict[str, Any]]:
    """纠纷编号 -> {field: value} as DISPUTE_COLUMNS parse them; the last mediation is the row's."""
    items = list(disputes)
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(items), CHUNK):
        rows.update(_chunk(items[start : start + CHUNK]))
    return rows


def _chunk(disputes: list[Dispute]) -> dict[str, dict[str, Any]]:
    ids = [d.pk for d in disputes]
    raised: dict[int, list[tuple[Any, str]]] = {}
    for dispute_id, on, to in (
        Escalation.objects.filter(dispute_id__in=ids)
        .order_by("dispute_id", "on", "id")
        .values_list("dispute_id", "on", "to_level")
    ):
        raised.setdefault(dispute_id, []).append((on, to))
    last: dict[int, tuple[str, str]] = {}
    for dispute_id, kind, result in (
        Mediation.objects.filter(dispute_id__in=ids)
        .order_by("dispute_id", "started_on", "id")
        .values_list("dispute_id", "kind", "result")
    ):
        last[dispute_id] = (kind, result)
    linked = [d.registration_id for d in disputes if d.registration_id]
    registrations = dict(Registration.objects.filter(pk__in=linked).values_list("pk", "number"))
    # linked to a matter without a registration of its own: the matter's first registration
    firsts = dict(
        Registration.objects.filter(
            matter_id__in=[d.matter_id for d in disputes if d.matter_id and not d.registration_id],
            is_first=True,
        ).values_list("matter_id", "number")
    )
    rows = {}
    for d in disputes:
        kind, result = last.get(d.pk, ("", ""))
        registration = ""
        if d.registration_id:
            registration = registrations.get(d.registration_id, "")
        elif d.matter_id:
            registration = firsts.get(d.matter_id, "")
        rows[d.number] = {
            "number": d.number,
            "found_on": d.found_on,
            "source": d.source,
            "place": d.place_id,
            "category": d.category_id,
            "parties": d.parties,
            "risk": d.risk,
            "owner_unit": d.owner_unit_id,
            "description": d.description,
            "level": d.level,
            "mediation_kind": kind or None,
            "mediation_result": result or None,
            "settled_on": d.settled_on,
            "registration": registration,
            "escalations": tuple(raised.get(d.pk, ())),
            "rescreened": d.rescreened,
        }
    return rows

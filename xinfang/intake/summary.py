"""What a matter takes from its registrations: one rule for the desk and the ledger import."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from xinfang.intake.choices import Purpose


class RegistrationFacts(Protocol):
    @property
    def received_at(self) -> datetime | date: ...
    @property
    def received_on(self) -> date: ...
    @property
    def number(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def form(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def category_id(self) -> int | None: ...
    @property
    def locality_id(self) -> int | None: ...
    @property
    def responsible_unit_id(self) -> int | None: ...
    @property
    def petitioner_id(self) -> int | None: ...


@dataclass(frozen=True)
class MatterSummary:
    first_index: int  # position of the first registration (初信初访) in the rows given
    first_received_on: date
    last_received_on: date
    registration_count: int
    channel: str
    level: str
    form: str
    purpose: str
    category_id: int | None
    locality_id: int | None
    responsible_unit_id: int | None
    petitioner_id: int | None


def first_order(row: RegistrationFacts) -> tuple[date, str, str]:
    """Earliest 登记日期 first, then time, then 登记编号 (contract A)."""
    at = row.received_at
    return (row.received_on, at.isoformat() if isinstance(at, datetime) else "", row.number)


def accuses(purpose: str) -> bool:
    """Whether a registration of this purpose makes its whole matter an accusation."""
    return purpose == Purpose.ACCUSATION


def matter_purpose(first_purpose: str, *, accused: bool) -> str:
    """The matter's purpose: accusation if any registration accuses, else the first's."""
    # Accusation material must stay with the discipline organs even when it arrives as a repeat.
    return Purpose.ACCUSATION if accused else first_purpose


def summarise(rows: Sequence[RegistrationFacts]) -> MatterSummary:
    """The matter's summary; any accusation among its registrations makes it an accusation."""
    if not rows:
        raise ValueError("a matter has at least one registration")
    first_index = min(range(len(rows)), key=lambda i: first_order(rows[i]))
    first = rows[first_index]
    accused = any(accuses(row.purpose) for row in rows)
    responsible = first.responsible_unit_id or next(
        (
            row.responsible_unit_id
            for row in sorted(rows, key=first_order, reverse=True)
            if row.responsible_unit_id
        ),
        None,
    )
    return MatterSummary(
        first_index=first_index,
        first_received_on=first.received_on,
        last_received_on=max(row.received_on for row in rows),
        registration_count=len(rows),
        channel=first.channel,
        level=first.level,
        form=first.form,
        purpose=matter_purpose(first.purpose, accused=accused),
        category_id=first.category_id,
        locality_id=first.locality_id,
        responsible_unit_id=responsible,
        petitioner_id=first.petitioner_id,
    )

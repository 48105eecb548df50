"""What a checked ledger will write, held compactly: matters, people, and the rows on disk."""

import pickle
import tempfile
from array import array
from collections.abc import Iterator
from datetime import date, datetime
from operator import itemgetter
from typing import Any, NamedTuple

from xinfang.core.sealing import lookup_hash
from xinfang.intake.ledger.columns import MATTER_COLUMNS
from xinfang.intake.ledger.rows import DEFAULTS
from xinfang.intake.ledger.values import id_facts
from xinfang.intake.summary import accuses

MATTER_SLOTS = tuple(column.field for column in MATTER_COLUMNS)
# A matter's facts when nothing is stated: what empty cells read as (no date, empty text).
BLANK_FACTS = tuple(DEFAULTS[slot] for slot in MATTER_SLOTS)
_matter_values = itemgetter(*MATTER_SLOTS)

# A new registration as the spool keeps it: a plain tuple of text and numbers, ready for the
# database (received_at as this database's text of the UTC time, received_on as YYYY-MM-DD).
NEW_FIELDS = (
    "number",
    "received_at",
    "received_on",
    "channel",
    "level",
    "form",
    "people",
    "petitioner",  # a person reference of PersonBook
    "petitioner_name",
    "petitioner_phone",
    "petitioner_address",
    "content",
    "category",
    "purpose",
    "locality",
    "responsible_unit",
    "letter_kind",
)


class Head(NamedTuple):
    """What a matter copies from its first registration (intake.services._copy_first)."""

    number: str
    received_on: date
    channel: str
    level: str
    form: str
    purpose: str
    category: int | None
    locality: int | None
    petitioner: int | None  # a PersonBook reference
    responsible_unit: int | None


class MatterPlan:
    """One matter named by the file: the summary of its new rows and the facts its rows state."""

    __slots__ = (
        "accused",
        "count",
        "existing",
        "fact_row",
        "fact_rows",
        "facts",
        "first",
        "first_key",
        "first_row",
        "last_on",
        "latest_unit",
        "number",
    )

    def __init__(self, number: str, row: int) -> None:
        self.number = number
        self.first_row = row  # the first row of the file that names it
        self.existing: dict[str, Any] | None = None  # the stored matter, when there is one
        self.first_key: tuple[datetime, str] | None = None  # (received_at, number) of new rows
        self.first: Head | None = None
        self.last_on: date | None = None
        self.count = 0
        self.accused = False  # any new row accuses: the matter is an accusation (intake.summary)
        self.latest_unit: tuple[tuple[datetime, str], int] | None = None
        self.facts: list[Any] | None = None  # by MATTER_SLOTS, blanks unset; None: all blank
        self.fact_row = 0  # the row that first stated facts; most matters need no more
        self.fact_rows: array[int] | None = None

    def add_new(self, values: dict[str, Any], petitioner: int | None) -> None:
        key = (values["received_at"], values["number"])
        if self.first_key is None or key < self.first_key:
            self.first_key = key
            self.first = Head(
                values["number"],
                values["received_on"],
                values["channel"],
                values["level"],
                values["form"],
                values["purpose"],
                values["category"],
                values["locality"],
                petitioner,
                values["responsible_unit"],
            )
        received_on = values["received_on"]
        if self.last_on is None or received_on > self.last_on:
            self.last_on = received_on
        self.count += 1
        if not self.accused and accuses(values["purpose"]):
            self.accused = True
        unit = values["responsible_unit"]
        if unit is not None and (self.latest_unit is None or key > self.latest_unit[0]):
            self.latest_unit = (key, unit)

    def add_facts(self, row: int, values: dict[str, Any]) -> list[tuple[str, int, Any, Any]]:
        """Merge the row's matter columns; the disagreements as (field, other row, theirs, ours)."""
        given = _matter_values(values)
        if self.facts is None:
            if any(given):  # an empty cell reads as the blank: the row's values are the facts
                self.facts, self.fact_row = list(given), row
            return []
        if not any(given) or self.facts == list(given):
            return []
        clashes: list[tuple[str, int, Any, Any]] = []
        for slot, value in enumerate(given):
            if value is None or value == "":
                continue
            known = self.facts[slot]
            if known is None or known == "":
                self.facts[slot] = value
                if self.fact_rows is not None:
                    self.fact_rows[slot] = row
                elif row != self.fact_row:  # rows differ by slot: keep one row per slot now
                    self.fact_rows = array("I", [self.fact_row] * len(MATTER_SLOTS))
                    self.fact_rows[slot] = row
            elif known != value:
                clashes.append((MATTER_SLOTS[slot], self.row_of(slot), known, value))
        return clashes

    def row_of(self, slot: int) -> int:
        """The row that stated fact `slot`."""
        return self.fact_rows[slot] if self.fact_rows is not None else self.fact_row


class PersonBook:
    """Petitioners named by the file, found once each: by ID number, else by name and phone.

    A row with neither an ID number nor a phone makes a new person: a name alone is nobody's.

    A reference is an int: below zero, minus the id of a stored petitioner; from zero, the
    position of a new one in `new`. A new person's data is the latest row's (by 登记日期).
    """

    def __init__(self) -> None:
        self.by_key: dict[Any, int] = {}
        self.new: list[list[Any]] = []  # name, id_number, birth, sex, phone, address + 3 keys
        self.stored_ids: dict[str, int] = {}
        self.stored_names: dict[tuple[str, str], int] = {}

    def load_stored(self) -> None:
        from xinfang.intake.models import Petitioner

        # By their keyed hashes (xinfang.core.sealing): nothing stored has to be opened.
        rows = Petitioner.objects.order_by("-id").values_list(
            "id", "id_number_hash", "name", "phone_hash"
        )
        for pk, id_hash, name, phone_hash in rows.iterator(chunk_size=20000):
            if id_hash:
                self.stored_ids[id_hash] = pk
            else:
                self.stored_names[(name, phone_hash)] = pk  # descending ids: the oldest wins

    def reference(self, values: dict[str, Any]) -> int | None:
        name = values["petitioner_name"]
        if not name:
            return None
        id_number, phone = values["petitioner__id_number"], values["petitioner_phone"]
        if not id_number and not phone:
            # A name alone identifies nobody (petitioner_find_or_create): a new person each time.
            alone = self._add(None, "")
            self._bring_up_to_date(self.new[alone], values)
            return alone
        key: Any = id_number or (name, phone)
        ref = self.by_key.get(key)
        if ref is None:
            stored = self._stored(id_number, name, phone)
            ref = -stored if stored else self._add(key, id_number)
            self.by_key[key] = ref
        if ref >= 0:
            self._bring_up_to_date(self.new[ref], values)
        return ref

    def _stored(self, id_number: str, name: str, phone: str) -> int | None:
        if id_number:  # the hash only when something is stored: an empty table costs nothing
            return self.stored_ids.get(lookup_hash(id_number)) if self.stored_ids else None
        if not self.stored_names:
            return None
        return self.stored_names.get((name, lookup_hash(phone)))

    def _add(self, key: Any, id_number: str) -> int:
        birth, sex = id_facts(id_number) if id_number else (None, "")
        self.new.append(["", id_number or None, birth, sex, "", "", None, None, None])
        return len(self.new) - 1

    @staticmethod
    def _bring_up_to_date(person: list[Any], values: dict[str, Any]) -> None:
        # As petitioner_find_or_create, in the order of arrival: the latest name, and the latest
        # phone and address that were given (slots 6-8 hold the row key each value came from).
        key = (values["received_at"], values["number"])
        name, phone, address = (
            values["petitioner_name"],
            values["petitioner_phone"],
            values["petitioner_address"],
        )
        if name and (person[6] is None or key >= person[6]):
            person[0], person[6] = name, key
        if phone and (person[7] is None or key >= person[7]):
            person[4], person[7] = phone, key
        if address and (person[8] is None or key >= person[8]):
            person[5], person[8] = address, key


class Spool:
    """Rows kept on disk between checking and writing, so a million rows cost little memory.

    Records are tuples of str, int and None only, pickled (our own temporary file, read back
    by this same process; pickle reads back several times faster than marshal here).
    """

    BATCH = 20000

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._buffer: list[tuple[Any, ...]] = []
        self.count = 0

    def append(self, record: tuple[Any, ...]) -> None:
        self._buffer.append(record)
        self.count += 1
        if len(self._buffer) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                batch = pickle.load(self._file)
            except EOFError:
                return
            yield from batch

    def close(self) -> None:
        self._file.close()

"""Writing a checked ledger: new people, matters and registrations in bulk; updates; summaries.

Call inside one transaction. Matter summaries follow intake.summary (the purpose through its
own functions); a matter's status comes from its facts (workflow.states).
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from django.db import connection
from django.utils import timezone

from xinfang.analytics import summary as report_summary
from xinfang.core.audit import changes as audit_changes
from xinfang.core.errors import InputError
from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent
from xinfang.core.sealed_fields import hashes_of, with_hashes
from xinfang.intake import word_index
from xinfang.intake.choices import Source
from xinfang.intake.ledger.bulk import (
    Inserter,
    allocate_ids,
    doubles,
    faster_writes,
    sqlite_indexes_set_aside,
)
from xinfang.intake.ledger.check import CheckResult, Update
from xinfang.intake.ledger.columns import MATTER_FIELDS
from xinfang.intake.ledger.plan import BLANK_FACTS, NEW_FIELDS, MatterPlan
from xinfang.intake.ledger.values import Lookups
from xinfang.intake.models import Category, ImportBatch, Matter, Petitioner, Registration
from xinfang.intake.summary import accuses, matter_purpose
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.implied import DeadlineRule, implied_facts
from xinfang.workflow.states import RecordedFacts, status_from_facts

_AT = {name: index + 3 for index, name in enumerate(NEW_FIELDS)}  # positions in a spool record
# What a matter copies from its first registration, by model attribute.
_SUMMARY = (
    "channel",
    "level",
    "form",
    "purpose",
    "category_id",
    "locality_id",
    "petitioner_id",
    "responsible_unit_id",
)
_TRACKED = (
    "status",
    "first_received_on",
    "last_received_on",
    "registration_count",
    *_SUMMARY,
    *MATTER_FIELDS,
)
# A registration's fields an update may change, with the parsed value each takes.
_REG_UPDATE = {
    "received_at": "received_at",
    "received_on": "received_on",
    "channel": "channel",
    "level": "level",
    "form": "form",
    "people": "people",
    "petitioner_name": "petitioner_name",
    "petitioner_phone": "petitioner_phone",
    "petitioner_address": "petitioner_address",
    "content": "content",
    "category_id": "category",
    "purpose": "purpose",
    "locality_id": "locality",
    "responsible_unit_id": "responsible_unit",
    "letter_kind": "letter_kind",
}
_REG_INSERT = ("matter", "is_first", *NEW_FIELDS, "source", "import_batch")


def status_of(facts: dict[str, Any]) -> str:
    return status_from_facts(
        RecordedFacts(
            handling_method=facts.get("handling_method") or "",
            replied_on=facts.get("replied_on"),
            review_requested_on=facts.get("review_requested_on"),
            review_replied_on=facts.get("review_replied_on"),
            rereview_requested_on=facts.get("rereview_requested_on"),
            rereview_replied_on=facts.get("rereview_replied_on"),
        )
    )


class LedgerWriter:
    """Writes one checked ledger: call write() once, inside the import's transaction."""

    def __init__(
        self,
        result: CheckResult,
        *,
        batch: ImportBatch,
        ctx: Lookups,
        progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.result = result
        self.ctx = ctx
        self.batch = batch
        self.progress = progress
        self.bad = result.bad_matters()
        self.counts = dict.fromkeys(
            ("created", "updated", "matters_created", "matters_updated", "petitioners_created"), 0
        )
        self.audit: list[AuditEvent] = []
        self.updates = [u for u in result.updates if self._good(u.matter)]
        self.person_ids: list[int] = []
        self.matter_ids: dict[str, int] = {
            p.number: p.existing["id"] for p in result.matters.values() if p.existing
        }
        self.first_numbers: dict[str, str] = {}
        self.first_flags: dict[int, bool] = {}  # stored registration id -> is_first, when changed
        self.deadlines = DeadlineRule()  # the 办理期限 a blank cell implies (workflow.implied)
        self.similar_later = False  # the similar index left to a background task (write())

    def write(self) -> dict[str, int]:
        self._check_references()
        with faster_writes():
            return self._write()

    def _check_references(self) -> None:
        """What the rows point at and was read before the write began must still be there."""
        people = self.result.people
        assert people is not None
        ctx = self.ctx
        wanted = [
            (OrgUnit, {pk for pk in ctx.units.values() if pk is not None}),
            (Category, set(ctx.category_name)),
            (Matter, {p.existing["id"] for p in self.result.matters.values() if p.existing}),
            (Petitioner, {-ref for ref in people.by_key.values() if ref < 0}),
        ]
        for model, ids in wanted:
            found = sum(
                model.objects.filter(pk__in=chunk).count()  # type: ignore[attr-defined]
                for chunk in _chunks(sorted(ids))
            )
            if found != len(ids):
                raise ReferencesChangedError(
                    f"检查之后{model._meta.verbose_name}有了变化，没有写入任何数据，请重新导入"
                )

    def _write(self) -> dict[str, int]:
        self._insert_people()
        self._insert_matters()
        changed_matters = self._resummarise_stored_matters()
        # the report's summaries (SQLite) and the word index: a big import builds them once
        # at the end instead of row by row
        with (
            report_summary.bulk_insert(connection, self.result.new) as days,
            word_index.bulk_insert(connection, self.result.new),
        ):
            self._insert_registrations(days)
            self._update_registrations()
            Matter.objects.bulk_update(
                changed_matters, [*_TRACKED, "version", "updated_at"], batch_size=500
            )
        self.counts["matters_updated"] = len(changed_matters)
        AuditEvent.objects.bulk_create(self.audit, batch_size=1000)
        from xinfang.intake.similar.index import index_matters

        # 相似事项 finds what was imported (many: once a background task has rebuilt the index)
        self.similar_later = index_matters(self.matter_ids.values())
        return self.counts

    def _good(self, key: str) -> bool:
        return key not in self.bad

    def _new_records(self) -> Iterator[tuple[Any, ...]]:
        for record in self.result.spool:
            if record[0] == "n" and self._good(record[2]):
                yield record

    def _person(self, ref: int | None) -> int | None:
        if ref is None:
            return None
        return -ref if ref < 0 else self.person_ids[ref]

    def _insert_people(self) -> None:
        people = self.result.people
        assert people is not None
        used: Iterable[int] = range(len(people.new))
        if self.bad:  # people met only in rejected rows are not written
            at = _AT["petitioner"]
            seen = {r[at] for r in self._new_records() if r[at] is not None}
            seen |= {u.petitioner for u in self.updates if u.petitioner is not None}
            used = (ref for ref in seen if ref >= 0)
        # By name and phone: two of the table's indexes then grow at their end (faster inserts).
        new = people.new
        used = sorted(used, key=lambda ref: (new[ref][0], new[ref][4]))
        ids = allocate_ids(Petitioner, len(used))
        self.person_ids = [0] * len(people.new)
        for ref, pk in zip(used, ids, strict=True):
            self.person_ids[ref] = pk
        fields = ("id", "name", "id_number", "birth_date", "sex", "phone", "address")
        rows = ((self.person_ids[ref], *people.new[ref][:6]) for ref in used)
        with _rebuilt(Petitioner, len(used)):
            inserter = Inserter(Petitioner, fields)
            self.counts["petitioners_created"] = inserter.insert(rows, expected=len(used))

    def _insert_matters(self) -> None:
        plans = [
            p
            for p in self.result.matters.values()
            if p.existing is None and p.first_key is not None and self._good(p.number)
        ]
        # In date order: each index on (…, first_received_on) then grows at its end, which
        # SQLite does twice as fast as inserting all over it.
        plans.sort(key=lambda plan: plan.first_key)  # type: ignore[arg-type, return-value]
        ids = allocate_ids(Matter, len(plans))
        fields = (
            "id",
            "number",
            "status",
            "first_received_on",
            "last_received_on",
            "registration_count",
            *(name.removesuffix("_id") for name in _SUMMARY),
            *MATTER_FIELDS,
        )

        blank_status = status_of({})

        def rows() -> Iterator[tuple[Any, ...]]:
            for pk, plan in zip(ids, plans, strict=True):
                first = plan.first
                assert first is not None
                self.matter_ids[plan.number] = pk
                self.first_numbers[plan.number] = first.number
                if plan.facts is None:
                    facts, status = BLANK_FACTS, blank_status
                else:
                    stated = dict(zip(MATTER_FIELDS, plan.facts, strict=True))
                    facts = tuple(implied_facts(stated, self.deadlines).values())
                    status = status_of(stated)
                unit = first.responsible_unit
                if unit is None and plan.latest_unit is not None:
                    unit = plan.latest_unit[1]
                ref = first.petitioner
                yield (
                    pk,
                    plan.number,
                    status,
                    first.received_on,
                    plan.last_on,
                    plan.count,
                    first.channel,
                    first.level,
                    first.form,
                    matter_purpose(first.purpose, accused=plan.accused),
                    first.category,
                    first.locality,
                    None if ref is None else -ref if ref < 0 else self.person_ids[ref],
                    unit,
                    *facts,
                )

        with _rebuilt(Matter, len(plans)):
            self.counts["matters_created"] = Inserter(Matter, fields).insert(rows())

    def _insert_registrations(self, days: set[date | str]) -> None:
        """The new registrations; the 登记日期 of each added to `days` (ISO text)."""
        at = _AT
        batch = self.batch.pk
        source = Source.LEDGER.value
        firsts, matter_ids, progress = self.first_numbers, self.matter_ids, self.progress

        person_ids = self.person_ids
        p_at, name_at, number_at = at["petitioner"], at["petitioner_name"], at["number"]
        on_at, add_day = at["received_on"], days.add

        def rows() -> Iterator[tuple[Any, ...]]:
            for done, r in enumerate(self._new_records(), start=1):
                key, number, ref = r[2], r[number_at], r[p_at]
                add_day(r[on_at])
                yield (
                    matter_ids[key],
                    number == firsts[key],
                    number,
                    *r[number_at + 1 : p_at],
                    None if ref is None else -ref if ref < 0 else person_ids[ref],
                    *r[name_at:],
                    source,
                    batch,
                )
                if progress and done % 10000 == 0:
                    progress("写入", done)

        with _rebuilt(Registration, self.result.new):
            inserter = Inserter(Registration, _REG_INSERT)
            self.counts["created"] = inserter.insert(rows(), expected=self.result.new)

    def _resummarise_stored_matters(self) -> list[Matter]:
        """Stored matters that gain or change registrations or facts, summarised again."""
        by_matter: dict[str, list[Update]] = {}
        for update in self.updates:
            by_matter.setdefault(update.matter, []).append(update)
        touched = [
            plan
            for plan in self.result.matters.values()
            if plan.existing is not None
            and self._good(plan.number)
            and (plan.count or plan.number in self.result.fact_changes or plan.number in by_matter)
        ]
        ids = [plan.existing["id"] for plan in touched if plan.existing]
        # Locked till the import commits: a desk registration meanwhile waits, never lost.
        matters = _in_chunks(
            ids, lambda chunk: Matter.objects.select_for_update().filter(pk__in=chunk)
        )
        by_pk = {matter.pk: matter for matter in matters}
        fields = ("id", "matter_id", "number", "received_at", "received_on", "is_first", *_SUMMARY)
        stored: dict[int, list[dict[str, Any]]] = {}
        for row in _in_chunks(
            ids, lambda chunk: Registration.objects.filter(matter_id__in=chunk).values(*fields)
        ):
            stored.setdefault(row["matter_id"], []).append(row)
        changed: list[Matter] = []
        for plan in touched:
            assert plan.existing is not None
            matter = by_pk[plan.existing["id"]]
            updated = {u.pk: u for u in by_matter.get(plan.number, [])}
            regs = [self._after_update(r, updated.get(r["id"])) for r in stored.get(matter.pk, [])]
            if self._summarise(matter, plan, regs):
                changed.append(matter)
        return changed

    def _after_update(self, row: dict[str, Any], update: Update | None) -> dict[str, Any]:
        if update is None:
            return row
        values = update.values
        return (
            row
            | {attr: values[name] for attr, name in _REG_UPDATE.items() if attr in row}
            | {"petitioner_id": self._person(update.petitioner)}
        )

    def _summarise(self, matter: Matter, plan: MatterPlan, regs: list[dict[str, Any]]) -> bool:
        """As matter_refresh_summary, over the stored registrations and the new rows together."""
        rows = [((r["received_at"], r["number"]), r) for r in regs]
        if plan.first is not None and plan.first_key is not None:
            first = plan.first
            head_of_new = {name: getattr(first, name.removesuffix("_id")) for name in _SUMMARY} | {
                "petitioner_id": self._person(first.petitioner)
            }
            head_of_new |= {"number": first.number, "received_on": first.received_on}
            rows.append((plan.first_key, head_of_new))
        head = min(rows, key=lambda item: item[0])[1]
        before = {name: getattr(matter, name) for name in _TRACKED}
        matter.first_received_on = head["received_on"]
        for name in _SUMMARY:
            if name != "responsible_unit_id" or head[name]:
                setattr(matter, name, head[name])
        accused = plan.accused or any(accuses(r["purpose"]) for r in regs)
        matter.purpose = matter_purpose(head["purpose"], accused=accused)
        if not matter.responsible_unit_id:
            units = [(key, r["responsible_unit_id"]) for key, r in rows[: len(regs)]]
            units = [item for item in units if item[1]]
            if plan.latest_unit is not None:
                units.append(plan.latest_unit)
            if units:
                matter.responsible_unit_id = max(units, key=lambda item: item[0])[1]
        days = [r["received_on"] for r in regs] + ([plan.last_on] if plan.last_on else [])
        matter.last_received_on = max(days)
        matter.registration_count = len(regs) + plan.count
        facts = self.result.fact_changes.get(plan.number, {})
        for name, (_, value) in facts.items():
            setattr(matter, name, value)
        if facts:
            stated = {name: getattr(matter, name) for name in MATTER_FIELDS}
            implied = implied_facts(stated, self.deadlines)
            if implied["handling_deadline"] != stated["handling_deadline"]:
                matter.handling_deadline = implied["handling_deadline"]
                facts = facts | {"handling_deadline": [None, matter.handling_deadline]}
            matter.status = status_of(stated)
            self.audit.append(self._event("matter.update", matter, matter.pk, facts))
        self.first_numbers[plan.number] = head["number"]
        for r in regs:
            if r["is_first"] != (r["number"] == head["number"]):
                self.first_flags[r["id"]] = r["number"] == head["number"]
        if {name: getattr(matter, name) for name in _TRACKED} == before:
            return False
        matter.version += 1
        matter.updated_at = timezone.now()
        return True

    def _update_registrations(self) -> None:
        changed: list[Registration] = []
        for update in self.updates:
            registration = Registration(pk=update.pk)
            for attr, name in _REG_UPDATE.items():
                setattr(registration, attr, update.values[name])
            registration.petitioner_id = self._person(update.petitioner)
            hashes_of(registration)  # bulk_update skips pre_save, which keeps them otherwise
            changed.append(registration)
            self.audit.append(
                self._event(
                    "registration.update",
                    registration,
                    self.matter_ids[update.matter],
                    update.changes,
                )
            )
        fields = with_hashes(Registration, [*_REG_UPDATE, "petitioner_id"])
        Registration.objects.bulk_update(changed, fields, batch_size=500)
        flags = [Registration(pk=pk, is_first=value) for pk, value in self.first_flags.items()]
        Registration.objects.bulk_update(flags, ["is_first"], batch_size=500)
        self.counts["updated"] = len(changed)

    def _event(
        self, action: str, obj: Matter | Registration, matter_id: int, diff: dict[str, list[Any]]
    ) -> AuditEvent:
        return AuditEvent(
            actor=self.batch.actor,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            matter_id=matter_id,
            data={
                "changes": audit_changes(
                    {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()}
                ),
                "import_batch": self.batch.pk,
            },
            ip=current_ip.get(),
        )


def _rebuilt(model: type[Petitioner | Matter | Registration], rows: int) -> Any:
    """A bulk insert of `rows` that at least doubles the table rebuilds its indexes after
    (SQLite; ledger.bulk.sqlite_indexes_set_aside)."""
    return sqlite_indexes_set_aside(model._meta.db_table, when=doubles(model, rows))


class ReferencesChangedError(InputError):
    pass


def _chunks(ids: list[int], size: int = 2000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _in_chunks(ids: list[int], query: Callable[[list[int]], Any]) -> Iterator[Any]:
    for start in range(0, len(ids), 2000):
        yield from query(ids[start : start + 2000])

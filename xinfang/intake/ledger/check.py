"""Checking a whole ledger file before anything is written: every bad cell, every clash."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xinfang.intake.ledger.bulk import db_datetime_text
from xinfang.intake.ledger.columns import COLUMNS, MATTER_COLUMNS, MATTER_FIELDS, Column
from xinfang.intake.ledger.plan import NEW_FIELDS, MatterPlan, PersonBook, Spool
from xinfang.intake.ledger.readers import open_table
from xinfang.intake.ledger.rows import Problem, parse_row, read_header
from xinfang.intake.ledger.values import Lookups

if TYPE_CHECKING:
    from xinfang.accounts.models import User
    from xinfang.core.permissions import Actor

Progress = Callable[[str, int], None]
OUT_OF_SCOPE_REGISTRATION = "该登记不在您的权限范围内"
OUT_OF_SCOPE_MATTER = "该事项不在您的权限范围内"
OUT_OF_SCOPE_LOCALITY = "问题属地不在您的权限范围内"
UNPLACED_MATTER = "新事项未填问题属地（属于最上级单位），不在您的权限范围内"

# Columns that describe the registration itself; a stored registration is compared on these.
REGISTRATION_COLUMNS = tuple(
    c for c in COLUMNS if not c.matter and c.name not in {"登记编号", "事项编号"}
)
_BY_FIELD = {column.field: column for column in COLUMNS}
_record = itemgetter(*NEW_FIELDS)
_ORDER = {column.name: index for index, column in enumerate(COLUMNS)}
_STORED_FIELDS = ("id", "matter_id", *(c.field for c in COLUMNS if not c.matter))


@dataclass
class Update:
    """A stored registration the file changes (only with --update)."""

    row: int
    matter: str
    pk: int
    values: dict[str, Any]
    petitioner: int | None
    changes: dict[str, list[str]]  # column name -> [old, new] as the ledger writes them


@dataclass
class CheckResult:
    path: Path
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False  # the header is wrong: no row can be read
    bad_rows: dict[int, str] = field(default_factory=dict)  # row -> its matter's key
    matters: dict[str, MatterPlan] = field(default_factory=dict)
    updates: list[Update] = field(default_factory=list)
    # matter key -> {model field: [old, new]} for stored matters whose facts the file changes
    fact_changes: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    new: int = 0
    unchanged: int = 0
    spool: Spool = field(default_factory=Spool)
    people: PersonBook | None = None

    def bad_matters(self) -> set[str]:
        return set(self.bad_rows.values())


class LedgerCheck:
    CHUNK = 2000  # rows looked up in the database together (only when it holds registrations)

    def __init__(
        self,
        *,
        ctx: Lookups,
        update: bool,
        progress: Progress | None = None,
        actor: "Actor",
    ) -> None:
        from xinfang.intake.models import Matter, Petitioner, Registration

        self.ctx = ctx
        self.actor = actor
        self.hidden: set[str] = set()  # stored matters the actor may not see, by number
        # The localities a new row may name; None: any (the system at the console).
        self.scope: set[int | None] | None = None
        from xinfang.core.permissions import SystemActor

        if not isinstance(actor, SystemActor):
            self.scope = _scope_of(actor)
        self.update = update
        self.progress = progress
        self.has_registrations = Registration.objects.exists()
        self.has_matters = Matter.objects.exists()
        self.people = PersonBook()
        if Petitioner.objects.exists():
            self.people.load_stored()
        self.numbers: dict[str, int] = {}
        self.unstated: tuple[Column, ...] = ()  # extension columns the file leaves out
        self._db_time = db_datetime_text()
        self._db_times: dict[datetime, str] = {}  # dates repeat: each is converted once

    def run(self, path: Path) -> CheckResult:
        self.result = result = CheckResult(path=path, people=self.people)
        with open_table(path) as (header, rows):
            layout, problems = read_header(header)
            if problems:
                result.problems = problems
                result.fatal = True
                return result
            self.unstated = tuple(c for c in COLUMNS if c.extension and not layout.has(c.name))
            chunk: list[tuple[int, dict[str, Any]]] = []
            for number, cells in rows:
                result.rows += 1
                values, ok = parse_row(number, cells, layout, self.ctx, result.problems)
                ok = self._unique_number(number, values) and ok
                if not ok:
                    result.bad_rows[number] = values["matter__number"] or values["number"]
                    continue
                chunk.append((number, values))
                if len(chunk) >= self.CHUNK:
                    self._take(chunk)
                    chunk = []
                if self.progress and result.rows % 10000 == 0:
                    self.progress("检查", result.rows)
            self._take(chunk)
        self._compare_stored_facts()
        self._refuse_unplaced_matters()
        result.problems.sort(key=lambda p: (p.row, _ORDER.get(p.column, len(_ORDER))))
        return result

    def _unique_number(self, row: int, values: dict[str, Any]) -> bool:
        number = values["number"]
        if not number:
            return False
        first = self.numbers.setdefault(number, row)
        if first != row:
            self.result.problems.append(Problem(row, "登记编号", f"与第{first}行重复"))
            return False
        return True

    def _take(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        if not chunk:
            return
        stored = self._stored_registrations([v["number"] for _, v in chunk])
        visible = self._visible({old["matter_id"] for old in stored.values()})
        fresh: list[MatterPlan] = []
        for row, values in chunk:
            old = stored.get(values["number"])
            key = values["matter__number"] or (old["matter__number"] if old else values["number"])
            plan = self.result.matters.get(key)
            if plan is None:
                plan = self.result.matters[key] = MatterPlan(key, row)
                fresh.append(plan)
            if old is not None and old["matter_id"] not in visible:
                # Nothing of the stored registration may show: not its matter, not its values.
                self._problem(row, "登记编号", OUT_OF_SCOPE_REGISTRATION, key)
            elif not self._merge_facts(plan, row, values):
                self.result.bad_rows[row] = key
            elif old is None:
                locality = values["locality"]
                if self.scope is not None and locality is not None and locality not in self.scope:
                    self._problem(row, "问题属地", OUT_OF_SCOPE_LOCALITY, key)
                else:
                    self._take_new(plan, row, values)
            else:
                self._take_stored(plan, row, values, old)
        if self.has_matters:
            self._attach(fresh)

    def _take_new(self, plan: MatterPlan, row: int, values: dict[str, Any]) -> None:
        ref = self.people.reference(values)
        plan.add_new(values, ref)
        received = values["received_at"]
        at = self._db_times.get(received)
        if at is None:
            at = self._db_times[received] = self._db_time(received)
        values["petitioner"], values["received_at"] = ref, at
        values["received_on"] = values["received_on"].isoformat()
        record = _record(values)
        self.result.spool.append(("n", row, plan.number, *record))
        self.result.new += 1

    def _take_stored(
        self, plan: MatterPlan, row: int, values: dict[str, Any], old: dict[str, Any]
    ) -> None:
        if old["matter__number"] != plan.number:
            self._problem(
                row,
                "事项编号",
                f"登记编号“{values['number']}”已属于事项“{old['matter__number']}”，不能改到别的事项",
                plan.number,
            )
            return
        if self.unstated:
            for column in self.unstated:  # the file says nothing of it: the stored value stays
                values[column.field] = old[column.field]
            if values["channel"] != "letter":
                values["letter_kind"] = ""  # unless the row stops being a letter (--update)
        fmt = self.ctx
        diffs = {
            c.name: [c.format(old[c.field], fmt), c.format(values[c.field], fmt)]
            for c in REGISTRATION_COLUMNS
            if c.format(old[c.field], fmt) != c.format(values[c.field], fmt)
        }
        if not diffs:
            self.result.spool.append(("s", row, plan.number))
            self.result.unchanged += 1
        elif self.update:
            ref = self.people.reference(values)
            self.result.updates.append(Update(row, plan.number, old["id"], values, ref, diffs))
        else:
            for name, (before, _) in diffs.items():
                if any(column.name == name for column in self.unstated):
                    continue  # no such cell: its change follows from another column's
                reason = (
                    f"登记编号“{values['number']}”已导入，此列原为“{before}”；要修改请加 --update"
                )
                self._problem(row, name, reason, plan.number)

    def _merge_facts(self, plan: MatterPlan, row: int, values: dict[str, Any]) -> bool:
        clashes = plan.add_facts(row, values)
        for name, other, theirs, ours in clashes:
            column = _BY_FIELD[name]
            before, after = column.format(theirs, self.ctx), column.format(ours, self.ctx)
            reason = f"同一事项（{plan.number}）的第{other}行为“{before}”，此行为“{after}”"
            self.result.problems.append(Problem(row, column.name, reason))
        return not clashes

    def _problem(self, row: int, column: str, reason: str, key: str) -> None:
        self.result.problems.append(Problem(row, column, reason))
        self.result.bad_rows[row] = key

    def _stored_registrations(self, numbers: list[str]) -> dict[str, dict[str, Any]]:
        if not self.has_registrations:
            return {}
        from xinfang.intake.models import Registration

        rows = Registration.objects.filter(number__in=numbers).values(*_STORED_FIELDS)
        return {row["number"]: row for row in rows}

    def _attach(self, plans: list[MatterPlan]) -> None:
        from xinfang.intake.models import Matter

        by_number = {plan.number: plan for plan in plans}
        for start in range(0, len(plans), self.CHUNK):
            numbers = [plan.number for plan in plans[start : start + self.CHUNK]]
            stored = Matter.objects.filter(number__in=numbers).values(
                "id", "number", *MATTER_FIELDS
            )
            stored_rows = list(stored)
            visible = self._visible({row["id"] for row in stored_rows})
            for row in stored_rows:
                plan = by_number[row["number"]]
                plan.existing = row
                if row["id"] not in visible:
                    self.hidden.add(plan.number)  # its stored facts are never echoed
                    if plan.first_row not in self.result.bad_rows:  # once: not a 2nd reason
                        self._problem(plan.first_row, "事项编号", OUT_OF_SCOPE_MATTER, plan.number)

    def _visible(self, matter_ids: set[int]) -> set[int]:
        """Which of these stored matters the actor may see (visible_matters, the one rule)."""
        from xinfang.core.permissions import SystemActor, visible_matters

        if isinstance(self.actor, SystemActor) or not matter_ids:
            return matter_ids

        ids = sorted(matter_ids)
        seen: set[int] = set()
        for start in range(0, len(ids), self.CHUNK):
            chunk = ids[start : start + self.CHUNK]
            seen.update(
                visible_matters(self.actor).filter(pk__in=chunk).values_list("pk", flat=True)
            )
        return seen

    def _refuse_unplaced_matters(self) -> None:
        """A new matter with no 问题属地 belongs to the root: only the root's staff may add it."""
        if self.scope is None or None in self.scope:
            return
        for plan in self.result.matters.values():
            if plan.existing is None and plan.first is not None and plan.first.locality is None:
                self._problem(plan.first_row, "问题属地", UNPLACED_MATTER, plan.number)

    def _compare_stored_facts(self) -> None:
        """A stored matter keeps its facts unless the file states others (and --update is on)."""
        for plan in self.result.matters.values():
            if plan.existing is None or plan.facts is None or plan.number in self.hidden:
                continue
            for slot, column in enumerate(MATTER_COLUMNS):
                value = plan.facts[slot]
                if value is None or value == "":
                    continue
                name = MATTER_FIELDS[slot]
                before = column.format(plan.existing[name], self.ctx)
                after = column.format(value, self.ctx)
                if before == after:
                    continue
                if self.update:
                    changes = self.result.fact_changes.setdefault(plan.number, {})
                    changes[name] = [plan.existing[name], value]
                else:
                    reason = (
                        f"事项“{plan.number}”已导入，此项原为“{before or '空'}”；"
                        "要修改请加 --update"
                    )
                    self._problem(plan.row_of(slot), column.name, reason, plan.number)


def _scope_of(actor: "User") -> set[int | None]:
    """The localities the actor's matters may have: its subtree; no locality only at the root."""
    from xinfang.organisation.selectors import holds_unlocated, subtree_ids

    unit = actor.org_unit
    if unit is None:
        return set()
    scope: set[int | None] = set(subtree_ids(unit))
    if holds_unlocated(unit):
        scope.add(None)
    return scope

"""Checking a whole dispute ledger (A4) before anything is written; nothing here writes.

Every bad cell is a Problem (spreadsheet row, Chinese column name, reason). A row is one
dispute; what the row states must be a history the services could have made: levels rise from
the day found as the clock raises them (to the next level the place has), a settled dispute has
its 化解日期, a dispute that became a petition names a registration already in the ledger and is
not also settled. A 纠纷编号 already imported must state exactly what is stored (importing the
same file twice changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xinfang.accounts.models import User
from xinfang.core.permissions import reaches_unit, visible_matters
from xinfang.disputes.choices import DisputeSource, MediationResult
from xinfang.disputes.clocks import UP, level_due, rises_to
from xinfang.disputes.ledger.columns import (
    BY_FIELD,
    DEFAULTS,
    DISPUTE_COLUMNS,
    FIELDS,
    LEVELS,
)
from xinfang.disputes.ledger.stored import stored_rows
from xinfang.disputes.models import Dispute, ScreeningCampaign
from xinfang.intake.ledger.check import OUT_OF_SCOPE_REGISTRATION
from xinfang.intake.ledger.readers import open_table
from xinfang.intake.ledger.rows import Problem, parse_cells, read_header
from xinfang.intake.ledger.values import Lookups
from xinfang.intake.models import Registration
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.calendar import CalendarMissingError

WHAT = "纠纷台账"
CHUNK = 2000
_ORDER = {column.name: index for index, column in enumerate(DISPUTE_COLUMNS)}

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor


@dataclass
class DisputePlan:
    """One good row: what would be written."""

    row: int
    values: dict[str, Any]
    first_level: str = ""
    level_since: date | None = None
    owners: dict[str, int | None] = field(default_factory=dict)  # level -> unit id
    owner_unit: int = 0
    campaign: int | None = None
    registration_id: int | None = None
    matter_id: int | None = None
    petition_on: date | None = None
    new: bool = True


class DisputeCheck:
    """Reads and checks a whole dispute ledger; nothing is written."""

    def __init__(self, *, actor: Actor) -> None:
        self.actor = actor
        self.ctx = Lookups.load()
        self.problems: list[Problem] = []
        self.plans: dict[str, DisputePlan] = {}
        self.bad: set[int] = set()
        self.rows = 0
        self.fatal = False
        self._units: dict[int, OrgUnit] = {}

    def _problem(self, row: int, column: str, reason: str) -> None:
        self.problems.append(Problem(row, column, reason))
        self.bad.add(row)

    def run(self, path: Path) -> DisputeCheck:
        with open_table(path) as (header, rows):
            layout, problems = read_header(header, DISPUTE_COLUMNS, what=WHAT)
            if problems:
                self.problems, self.fatal = problems, True
                return self
            seen: dict[str, int] = {}
            for number, cells in rows:
                self.rows += 1
                before = len(self.problems)
                values = parse_cells(number, cells, layout, self.ctx, self.problems, DEFAULTS)
                if len(self.problems) > before:
                    self.bad.add(number)
                key = values["number"]
                if key:
                    first = seen.setdefault(key, number)
                    if first != number:
                        self._problem(number, "纠纷编号", f"与第{first}行重复：一件纠纷只写一行")
                        continue
                if number in self.bad:
                    continue  # a cell could not be read: the row's other rules would guess
                plan = DisputePlan(number, values)
                self._row(plan)
                self.plans[key] = plan  # checked against the database too, good or not
        self._against_database()
        self.problems.sort(key=lambda p: (p.row, _ORDER.get(p.column, len(_ORDER))))
        return self

    # --- one row on its own ----------------------------------------------------------------

    def _unit(self, pk: int) -> OrgUnit:
        unit = self._units.get(pk)
        if unit is None:
            unit = self._units[pk] = OrgUnit.objects.get(pk=pk)
        return unit

    def _owners(self, place: OrgUnit) -> dict[str, int | None]:
        from xinfang.disputes.services import level_owners

        return {level: u.pk if u else None for level, u in level_owners(place).items()}

    def _row(self, plan: DisputePlan) -> None:
        v, row = plan.values, plan.row
        before = len(self.problems)
        found: date = v["found_on"]
        if found > self.ctx.today:
            self._problem(row, "排查日期", f"排查日期{found:%Y-%m-%d}晚于今天")
        level: str = v["level"]
        raised: tuple[tuple[date, str], ...] = v["escalations"]
        plan.first_level, plan.level_since = level, found
        if raised:
            last_day, last_level = raised[-1]
            if last_level != level:
                reason = f"最后升至{LEVELS[last_level]}，与当前层级“{LEVELS[level]}”不符"
                self._problem(row, "升级记录", reason)
            if raised[0][0] < found:
                reason = f"升级日期{raised[0][0]:%Y-%m-%d}早于排查日期{found:%Y-%m-%d}"
                self._problem(row, "升级记录", reason)
            plan.level_since = last_day
        place = self._unit(v["place"])
        plan.owners = self._owners(place)
        if raised:
            self._steps(plan, place)
        elif plan.owners.get(level) is None:
            reason = f"问题属地“{place.name}”之上没有{LEVELS[level]}一级的单位"
            self._problem(row, "当前层级", reason)
        self._owner_unit(plan, place)
        self._outcome(plan)
        if len(self.problems) == before:
            try:  # the level's clock must be computable, as the services compute it
                level_due(level, plan.level_since)
            except CalendarMissingError as exc:
                self._problem(row, "升级记录" if raised else "排查日期", exc.message)
        if v["source"] == DisputeSource.SPECIAL:
            plan.campaign = self._campaign(place, found)

    def _steps(self, plan: DisputePlan, place: OrgUnit) -> None:
        """Each step of 升级记录 goes where the clock takes a dispute of this place: the next
        level that exists above it (disputes.clocks.rises_to, the scan's and escalate's rule).
        The level it was found at is the one that rises to the first step's level."""
        row, owners = plan.row, plan.owners
        raised: tuple[tuple[date, str], ...] = plan.values["escalations"]
        first = raised[0][1]
        if owners.get(first) is None:
            reason = f"问题属地“{place.name}”之上没有{LEVELS[first]}一级的单位"
            self._problem(row, "升级记录", reason)
            return
        ups = {lv: rises_to(lv, owners) for lv in UP if owners.get(lv) is not None}
        below = [lv for lv, up in ups.items() if up is not None and up[0] == first]
        if not below:
            to = LEVELS[first]
            reason = f"问题属地“{place.name}”没有{to}以下的层级，纠纷不能升至{to}"
            self._problem(row, "升级记录", reason)
            return
        plan.first_level = below[0]
        for (_, low), (_, high) in pairwise(raised):
            up = rises_to(low, owners)
            if up is None:
                reason = f"问题属地“{place.name}”之上没有{LEVELS[high]}一级的单位"
                self._problem(row, "升级记录", reason)
            elif up[0] != high:
                reason = (
                    f"问题属地“{place.name}”之上有{LEVELS[up[0]]}一级的单位，"
                    f"纠纷应由{LEVELS[low]}先升至{LEVELS[up[0]]}，不能直接升至{LEVELS[high]}"
                )
                self._problem(row, "升级记录", reason)

    def _owner_unit(self, plan: DisputePlan, place: OrgUnit) -> None:
        v, row = plan.values, plan.row
        level_unit = plan.owners.get(v["level"])
        if level_unit is None:
            return
        if v["owner_unit"] is None:
            plan.owner_unit = level_unit
        else:
            unit, top = self._unit(v["owner_unit"]), self._unit(level_unit)
            if not unit.is_within(top):
                reason = (
                    f"责任单位“{unit.name}”不在当前层级（{LEVELS[v['level']]}）的单位"
                    f"“{top.name}”之内"
                )
                self._problem(row, "责任单位", reason)
                return
            plan.owner_unit = unit.pk
        actor = self.actor
        if isinstance(actor, User):  # a person imports only what their unit may record
            owner = self._unit(plan.owner_unit)
            if not reaches_unit(actor, owner):
                column = "责任单位" if v["owner_unit"] is not None else "问题属地"
                self._problem(row, column, f"“{owner.name}”不在您的单位范围内")

    def _outcome(self, plan: DisputePlan) -> None:
        v, row = plan.values, plan.row
        kind, result, settled = v["mediation_kind"], v["mediation_result"], v["settled_on"]
        registration, raised = v["registration"], v["escalations"]
        if result is not None and kind is None:
            self._problem(row, "调解类型", "填写了调解结果，应填写调解类型")
        if result == MediationResult.SUCCESS and settled is None:
            self._problem(row, "化解日期", "调解成功的纠纷应填写化解日期")
        if registration and settled is not None:
            reason = "已转信访的纠纷不填化解日期（转信访后按信访事项统计）"
            self._problem(row, "化解日期", reason)
        if registration and result == MediationResult.SUCCESS:
            self._problem(row, "调解结果", "调解成功的纠纷已化解，不能再转信访")
        if kind is not None and result is None and (settled is not None or registration):
            reason = "纠纷已化解或已转信访，调解已结束，应填写调解结果"
            self._problem(row, "调解结果", reason)
        if settled is None:
            return
        if settled > self.ctx.today:
            self._problem(row, "化解日期", f"化解日期{settled:%Y-%m-%d}晚于今天")
        if settled < v["found_on"]:
            reason = f"化解日期{settled:%Y-%m-%d}早于排查日期{v['found_on']:%Y-%m-%d}"
            self._problem(row, "化解日期", reason)
        elif raised and settled < raised[-1][0]:
            reason = f"化解日期{settled:%Y-%m-%d}早于最后一次升级日期{raised[-1][0]:%Y-%m-%d}"
            self._problem(row, "化解日期", reason)

    def _campaign(self, place: OrgUnit, found: date) -> int | None:
        """专项排查: the campaign of the nearest unit above the place whose period holds the day
        (none: the dispute stays 专项排查 without one — the ledger does not name campaigns)."""
        ids = place.ancestor_ids() or [place.pk]
        found_campaigns = ScreeningCampaign.objects.filter(
            unit_id__in=ids, starts_on__lte=found, ends_on__gte=found
        ).values_list("pk", "unit__path")
        best = sorted(found_campaigns, key=lambda c: (-len(c[1]), c[0]))
        return best[0][0] if best else None

    # --- against what the database holds -------------------------------------------------------

    def _against_database(self) -> None:
        keys = list(self.plans)
        existing: list[Dispute] = []
        for start in range(0, len(keys), CHUNK):
            existing.extend(Dispute.objects.filter(number__in=keys[start : start + CHUNK]))
        stored = stored_rows(existing)
        for key, values in stored.items():
            plan = self.plans[key]
            plan.new = False
            for name in FIELDS:
                mine = plan.owner_unit if name == "owner_unit" else plan.values[name]
                if name == "owner_unit" and not mine:
                    continue  # not worked out: the row's level is already named as bad
                if mine != values[name]:
                    column = BY_FIELD[name]
                    before = column.format(values[name], self.ctx) or "空"
                    reason = f"纠纷编号“{key}”已导入，此列原为“{before}”；已导入的纠纷不能改动"
                    self._problem(plan.row, column.name, reason)
        self._registrations()

    def _registrations(self) -> None:
        wanted = [p for p in self.plans.values() if p.new and p.values["registration"]]
        numbers = [p.values["registration"] for p in wanted]
        found: dict[str, tuple[int, int, date]] = {}
        for start in range(0, len(numbers), CHUNK):
            found.update(
                {
                    n: (pk, matter, on)
                    for n, pk, matter, on in Registration.objects.filter(
                        number__in=numbers[start : start + CHUNK]
                    ).values_list("number", "pk", "matter_id", "received_on")
                }
            )
        visible: set[int] | None = None
        if isinstance(self.actor, User):
            matters = sorted({m for _, m, _ in found.values()})
            visible = set()
            for start in range(0, len(matters), CHUNK):
                visible.update(
                    visible_matters(self.actor)
                    .filter(pk__in=matters[start : start + CHUNK])
                    .values_list("pk", flat=True)
                )
        for plan in wanted:
            number = plan.values["registration"]
            hit = found.get(number)
            if hit is None:
                reason = (
                    f"登记编号“{number}”不存在：应为已导入台账的登记，"
                    "请先用 xinfang import-ledger 导入台账"
                )
                self._problem(plan.row, "转信访登记编号", reason)
                continue
            if visible is not None and hit[1] not in visible:
                self._problem(plan.row, "转信访登记编号", OUT_OF_SCOPE_REGISTRATION)
                continue
            pk, matter, on = hit
            if on < plan.values["found_on"]:
                reason = (
                    f"登记“{number}”的登记日期{on:%Y-%m-%d}早于排查日期"
                    f"{plan.values['found_on']:%Y-%m-%d}：转信访应在排查之后"
                )
                self._problem(plan.row, "转信访登记编号", reason)
                continue
            plan.registration_id, plan.matter_id, plan.petition_on = pk, matter, on

    # --- what would be written -------------------------------------------------------------

    def good(self) -> list[DisputePlan]:
        return [plan for plan in self.plans.values() if plan.row not in self.bad]

    def rejected_rows(self) -> dict[int, list[str]]:
        reasons: dict[int, list[str]] = {}
        for problem in self.problems:
            reasons.setdefault(problem.row, []).append(f"{problem.column}：{problem.reason}")
        return reasons

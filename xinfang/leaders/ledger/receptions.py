"""Importing the reception ledger (A3): check the whole file, then write it in one transaction.

Rows with one 接访编号 are one session (接访活动); each row with a 登记编号 is one reception of a
registration already in the ledger. Sessions come in as held (已接访) through
leaders.services.session_create, receptions through leaders.services.reception_link; the
file reading, cell parsing, error format, rejects file and ImportBatch are the ledger's own.
"""

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, SystemActor, may, user_of, visible_matters
from xinfang.intake.ledger.check import OUT_OF_SCOPE_REGISTRATION
from xinfang.intake.ledger.importer import LedgerRejectedError, write_rejects
from xinfang.intake.ledger.readers import file_sha256, open_table
from xinfang.intake.ledger.rows import Problem, parse_cells, read_header
from xinfang.intake.ledger.values import Lookups
from xinfang.intake.models import ImportBatch, Registration
from xinfang.leaders.choices import NEEDS_ROUTING, SessionStatus
from xinfang.leaders.ledger.columns import (
    BY_FIELD,
    DEFAULTS,
    FIELD_NAME,
    HEADER_REQUIRED,
    RECEPTION_COLUMNS,
    SESSION_FIELDS,
)
from xinfang.leaders.models import Leader, Reception, ReceptionSession, SessionLeader
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.calendar import CalendarMissingError

WHAT = "接访台账"
CHUNK = 2000
_ORDER = {column.name: index for index, column in enumerate(RECEPTION_COLUMNS)}


@dataclass
class ReceptionImportResult:
    """What an import of the reception ledger did (or, with dry_run, would do)."""

    file_name: str
    dry_run: bool
    unit: str = ""  # the organising unit of new sessions, and of the leaders created
    rows: int = 0
    sessions_created: int = 0
    sessions_unchanged: int = 0
    participations_created: int = 0  # leaders' 人次 of the new sessions
    receptions_created: int = 0
    receptions_unchanged: int = 0
    leaders_created: list[str] = field(default_factory=list)
    rejected: int = 0
    rejects_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.sessions_created or self.receptions_created)

    def text(self) -> str:
        verb = "检查完毕（试运行，未写入）" if self.dry_run else "导入完成"
        line = "，".join(
            [
                f"{self.file_name} {verb}：共{self.rows}行",
                f"新增接访活动{self.sessions_created}场（领导参与{self.participations_created}人次）",
                f"新增接访记录{self.receptions_created}条",
                f"已有接访活动{self.sessions_unchanged}场、接访记录{self.receptions_unchanged}条未变",
                f"退回{self.rejected}行",
            ]
        )
        line += "。"
        if self.leaders_created:
            names = "、".join(self.leaders_created[:20])
            more = f"等{len(self.leaders_created)}位" if len(self.leaders_created) > 20 else ""
            line += f"\n新建领导（{self.unit}）：{names}{more}。"
        if not self.changed and not self.dry_run:
            line += "\n文件内容与数据库中已有的相同，没有改动任何数据。"
        if self.rejects_path is not None:
            line += f"\n退回的行及原因已写入 {self.rejects_path}，改正后可再次导入。"
        return line


@dataclass
class RowPlan:
    row: int
    registration: str
    outcome: str | None
    routed_on: date | None
    registration_id: int = 0
    new: bool = True


@dataclass
class SessionPlan:
    key: str
    first_row: int
    rows: list[int] = field(default_factory=list)
    facts: dict[str, tuple[Any, int]] = field(default_factory=dict)  # field -> (value, row)
    receptions: list[RowPlan] = field(default_factory=list)
    existing: ReceptionSession | None = None
    leaders: list[Leader | str] = field(default_factory=list)  # str: a leader to create

    def fact(self, name: str) -> Any:
        found = self.facts.get(name)
        return None if found is None else found[0]


class ReceptionCheck:
    """Reads and checks a whole reception ledger; nothing is written."""

    def __init__(self, *, actor: Actor, unit: OrgUnit) -> None:
        self.actor = actor
        self.unit = unit
        self.ctx = Lookups.load()
        self.problems: list[Problem] = []
        self.sessions: dict[str, SessionPlan] = {}
        self.row_session: dict[int, str] = {}
        self.bad: set[str] = set()  # sessions with a bad row: kept or refused whole
        self.rows = 0
        self.fatal = False
        self.new_leaders: dict[str, str] = {}  # name -> tier of the leaders to create

    def _problem(self, row: int, column: str, reason: str, key: str | None) -> None:
        self.problems.append(Problem(row, column, reason))
        if key is not None:
            self.bad.add(key)

    def run(self, path: Path) -> "ReceptionCheck":
        with open_table(path) as (header, rows):
            layout, problems = read_header(header, RECEPTION_COLUMNS, what=WHAT)
            for name in HEADER_REQUIRED:
                if name != "接访编号" and name not in header:
                    problems.append(Problem(1, name, "缺少必填列"))
            if problems:
                self.problems, self.fatal = problems, True
                return self
            seen: dict[str, int] = {}
            for number, cells in rows:
                self.rows += 1
                before = len(self.problems)
                values = parse_cells(number, cells, layout, self.ctx, self.problems, DEFAULTS)
                key = values["session"]
                if not key:
                    continue  # 接访编号 is empty: already named, and belongs to no session
                plan = self.sessions.get(key)
                if plan is None:
                    plan = self.sessions[key] = SessionPlan(key, number)
                plan.rows.append(number)
                self.row_session[number] = key
                if len(self.problems) > before:
                    self.bad.add(key)
                self._row(number, values, plan, seen)
        for plan in self.sessions.values():
            self._session_complete(plan)
        self._against_database()
        self.problems.sort(key=lambda p: (p.row, _ORDER.get(p.column, len(_ORDER))))
        return self

    def _row(
        self, row: int, values: dict[str, Any], plan: SessionPlan, seen: dict[str, int]
    ) -> None:
        key = plan.key
        leaders, tiers = values["leaders"], values["tiers"]
        unread = any(
            p.row == row and p.column in ("接访领导", "领导层级") for p in self.problems[-9:]
        )
        if (leaders or tiers) and not unread and len(leaders or ()) != len(tiers or ()):
            reason = (
                f"接访领导有{len(leaders or ())}位，领导层级应按同样顺序填{len(leaders or ())}个，"
                f"实为{len(tiers or ())}个"
            )
            self._problem(row, "领导层级", reason, key)
        held = values["held_on"]
        if held is not None and held > self.ctx.today:
            self._problem(row, "接访日期", f"接访日期{held:%Y-%m-%d}晚于今天", key)
        for name in SESSION_FIELDS:
            value = values[name]
            if value is None or value == "":
                continue
            known = plan.facts.get(name)
            if known is None:
                plan.facts[name] = (value, row)
            elif known[0] != value:
                column = BY_FIELD[name]
                theirs, ours = column.format(known[0], self.ctx), column.format(value, self.ctx)
                reason = f"同一接访活动（{key}）的第{known[1]}行为“{theirs}”，此行为“{ours}”"
                self._problem(row, column.name, reason, key)
        number, outcome, routed = values["registration"], values["outcome"], values["routed_on"]
        if not number:
            for name, value in (("接访结果", outcome), ("交办日期", routed)):
                if value is not None:
                    reason = "没有登记编号的行（无来访群众的接访活动）不填此列"
                    self._problem(row, name, reason, key)
            return
        if outcome is None and not any(
            p.row == row and p.column == "接访结果" for p in self.problems[-9:]
        ):
            self._problem(row, "接访结果", "填写了登记编号，应填写接访结果", key)
        if routed is not None and routed > self.ctx.today:
            self._problem(row, "交办日期", f"交办日期{routed:%Y-%m-%d}晚于今天", key)
        first = seen.setdefault(number, row)
        if first != row:
            self._problem(row, "登记编号", f"与第{first}行重复：一次来访只能是一条接访记录", key)
            return
        plan.receptions.append(RowPlan(row, number, outcome, routed))

    def _session_complete(self, plan: SessionPlan) -> None:
        for name in ("held_on", "kind", "leaders"):
            if name not in plan.facts and not any(
                p.row in plan.rows and p.column == FIELD_NAME[name] for p in self.problems
            ):
                reason = f"不能为空（接访活动{plan.key}的各行都未填写）"
                self._problem(plan.first_row, FIELD_NAME[name], reason, plan.key)
        held = plan.fact("held_on")
        if held is None:
            return
        for item in plan.receptions:
            if item.routed_on is not None and item.routed_on < held:
                reason = f"交办日期{item.routed_on:%Y-%m-%d}早于接访日期{held:%Y-%m-%d}"
                self._problem(item.row, "交办日期", reason, plan.key)
        if any(item.outcome in NEEDS_ROUTING for item in plan.receptions):
            from xinfang.leaders.services import reception_route_due

            try:
                reception_route_due(held)  # the 2-working-day clock must be computable
            except CalendarMissingError as exc:
                row = plan.facts["held_on"][1]
                self._problem(row, "接访日期", exc.message, plan.key)

    # --- what the database holds ------------------------------------------------------------

    def _against_database(self) -> None:
        keys = list(self.sessions)
        stored: dict[str, ReceptionSession] = {}
        for start in range(0, len(keys), CHUNK):
            found = ReceptionSession.objects.filter(number__in=keys[start : start + CHUNK])
            stored.update({s.number: s for s in found})
        seated: dict[int, list[tuple[str, str]]] = {}
        for session_id, name, tier in (
            SessionLeader.objects.filter(session__in=list(stored.values()))
            .order_by("session_id", "position", "id")
            .values_list("session_id", "leader__name", "tier")
        ):
            seated.setdefault(session_id, []).append((name, tier))
        for key, session in stored.items():
            plan = self.sessions[key]
            plan.existing = session
            self._compare_session(plan, session, seated.get(session.pk, []))
        self._registrations()
        self._resolve_leaders()

    def _compare_session(
        self, plan: SessionPlan, session: ReceptionSession, seated: list[tuple[str, str]]
    ) -> None:
        if session.status == SessionStatus.CANCELLED:
            self._problem(
                plan.first_row, "接访编号", f"接访活动{plan.key}已取消，不能登记接待", plan.key
            )
            return
        stored = {
            "held_on": session.held_on,
            "kind": session.kind,
            "place": session.place,
            "leaders": tuple(name for name, _ in seated),
            "tiers": tuple(tier for _, tier in seated),
        }
        for name in SESSION_FIELDS:
            value = plan.fact(name)
            if name != "place" and value is None:
                continue
            value = value or ("" if name == "place" else value)
            if value != stored[name]:
                column = BY_FIELD[name]
                before = column.format(stored[name], self.ctx) or "空"
                row = plan.facts[name][1] if name in plan.facts else plan.first_row
                reason = f"接访编号“{plan.key}”已导入，此列原为“{before}”；已导入的接访活动不能改动"
                self._problem(row, column.name, reason, plan.key)

    def _registrations(self) -> None:
        items = [item for plan in self.sessions.values() for item in plan.receptions]
        numbers = [item.registration for item in items]
        found: dict[str, tuple[int, int]] = {}
        linked: dict[int, tuple[str, str, date | None]] = {}
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            rows = Registration.objects.filter(number__in=chunk).values_list(
                "number", "id", "matter_id"
            )
            found.update({number: (pk, matter) for number, pk, matter in rows})
            for reg, session, outcome, routed in Reception.objects.filter(
                registration__number__in=chunk
            ).values_list("registration_id", "session__number", "outcome", "routed_on"):
                linked[reg] = (session, outcome, routed)
        visible: set[int] | None = None
        if not isinstance(self.actor, SystemActor):
            matters = sorted({matter for _, matter in found.values()})
            visible = set()
            for start in range(0, len(matters), CHUNK):
                visible.update(
                    visible_matters(self.actor)
                    .filter(pk__in=matters[start : start + CHUNK])
                    .values_list("pk", flat=True)
                )
        for plan in self.sessions.values():
            for item in plan.receptions:
                hit = found.get(item.registration)
                if hit is None:
                    reason = (
                        f"登记编号“{item.registration}”不存在：应为已导入台账的登记，"
                        "请先用 xinfang import-ledger 导入台账"
                    )
                    self._problem(item.row, "登记编号", reason, plan.key)
                    continue
                if visible is not None and hit[1] not in visible:
                    self._problem(item.row, "登记编号", OUT_OF_SCOPE_REGISTRATION, plan.key)
                    continue
                item.registration_id = hit[0]
                old = linked.get(hit[0])
                if old is None:
                    continue
                session, outcome, routed = old
                if session != plan.key:
                    reason = f"登记“{item.registration}”已是接访活动“{session}”的接访记录"
                    self._problem(item.row, "登记编号", reason, plan.key)
                    continue
                item.new = False
                for name, before, after in (
                    ("outcome", outcome, item.outcome),
                    ("routed_on", routed, item.routed_on),
                ):
                    if before != after:
                        column = BY_FIELD[name]
                        shown = column.format(before, self.ctx) or "空"
                        reason = f"该接访记录已导入，此列原为“{shown}”；已导入的接访记录不能改动"
                        self._problem(item.row, column.name, reason, plan.key)

    def _resolve_leaders(self) -> None:
        """Each name is a Leader: the one of that name (same tier first, then of the organising
        unit, then the earliest); a name nobody has is a leader to create under the unit."""
        by_name: dict[str, list[Leader]] = {}
        names = {n for plan in self.sessions.values() for n in plan.fact("leaders") or ()}
        for chunk in _chunks(sorted(names)):
            for leader in Leader.objects.filter(name__in=chunk).order_by("id"):
                by_name.setdefault(leader.name, []).append(leader)
        for plan in self.sessions.values():
            if plan.existing is not None:
                continue
            tiers = plan.fact("tiers") or ()
            for name, tier in zip(plan.fact("leaders") or (), tiers, strict=False):
                candidates = by_name.get(name)
                if not candidates:
                    self.new_leaders.setdefault(name, tier)
                    plan.leaders.append(name)
                    continue
                candidates = sorted(
                    candidates,
                    key=lambda c: (c.tier != tier, c.unit_id != self.unit.pk, c.pk),
                )
                plan.leaders.append(candidates[0])

    # --- what would be written ---------------------------------------------------------------

    def good_sessions(self) -> list[SessionPlan]:
        return [plan for key, plan in self.sessions.items() if key not in self.bad]

    def rejected_rows(self) -> dict[int, list[str]]:
        reasons: dict[int, list[str]] = {}
        for problem in self.problems:
            reasons.setdefault(problem.row, []).append(f"{problem.column}：{problem.reason}")
        for key in self.bad:
            plan = self.sessions[key]
            bad_rows = sorted(row for row in plan.rows if row in reasons)
            others = "、".join(f"第{r}行" for r in bad_rows[:10])
            for row in plan.rows:
                if row not in reasons:
                    reasons[row] = [f"同一接访活动（{key}）的{others}有错误，整场退回"]
        return reasons


def _chunks(items: list[str]) -> Any:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def organising_unit(code: str | None) -> OrgUnit:
    """The unit sessions are organised by: the one named by --org, else the root of the tree."""
    if code:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise InputError(f"组织树中没有编码为“{code}”的单位")
        return unit
    from xinfang.organisation.selectors import unlocated_root_id

    root = unlocated_root_id()
    if root is None:
        raise InputError("组织树是空的：请先用 xinfang import-org 导入组织树")
    return OrgUnit.objects.get(pk=root)


def import_receptions(
    path: Path | str,
    *,
    actor: Actor,
    org: str | None = None,
    partial: bool = False,
    rejects_path: Path | None = None,
    dry_run: bool = False,
) -> ReceptionImportResult:
    """Check the whole reception ledger, then write it; LedgerRejectedError when refused whole.

    New sessions are organised by `org` (a unit code; default the root of the tree), and the
    leaders the file names that nobody has yet are created there with the file's tier.
    """
    for action in (Action.IMPORT_LEDGER, Action.PLAN_RECEPTIONS, Action.RECORD_RECEPTION):
        if not may(actor, action):
            raise PermissionRefusedError("您没有导入接访台账的权限")
    started = time.monotonic()
    path = Path(path)
    unit = organising_unit(org)
    result = ReceptionImportResult(file_name=path.name, dry_run=dry_run, unit=unit.name)
    check = ReceptionCheck(actor=actor, unit=unit).run(path)
    result.rows = check.rows
    if check.fatal or (check.problems and not partial):
        raise LedgerRejectedError(check.problems, what=WHAT)
    reasons = check.rejected_rows()
    result.rejected = len(reasons)
    result.problems = check.problems
    good = check.good_sessions()
    new_names = {n for plan in good for n in plan.leaders if isinstance(n, str)}
    result.leaders_created = [name for name in check.new_leaders if name in new_names]
    for plan in good:
        if plan.existing is None:
            result.sessions_created += 1
            result.participations_created += len(plan.leaders)
        else:
            result.sessions_unchanged += 1
        for item in plan.receptions:
            if item.new:
                result.receptions_created += 1
            else:
                result.receptions_unchanged += 1
    if not dry_run:
        if result.changed:
            _write(result, check, good, actor=actor, path=path, partial=partial)
        if reasons:
            result.rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
            write_rejects(path, result.rejects_path, reasons)
    result.seconds = time.monotonic() - started
    return result


def _write(
    result: ReceptionImportResult,
    check: ReceptionCheck,
    good: list[SessionPlan],
    *,
    actor: Actor,
    path: Path,
    partial: bool,
) -> None:
    from xinfang.leaders.services import (
        ReceptionInput,
        SessionInput,
        reception_link,
        session_create,
    )

    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                file_name=path.name,
                sha256=file_sha256(path),
                actor=user_of(actor),
                mode="receptions+partial" if partial else "receptions",
            )
            made = {
                name: Leader.objects.create(
                    name=name, tier=check.new_leaders[name], unit=check.unit
                )
                for name in result.leaders_created
            }
            registrations = Registration.objects.select_related("matter").in_bulk(
                [item.registration_id for plan in good for item in plan.receptions if item.new]
            )
            for plan in good:
                session = plan.existing
                if session is None:
                    leaders = [made[x] if isinstance(x, str) else x for x in plan.leaders]
                    session = session_create(
                        actor=actor,
                        data=SessionInput(
                            kind=plan.fact("kind"),
                            unit=check.unit,
                            held_on=plan.fact("held_on"),
                            leaders=leaders,
                            place=plan.fact("place") or "",
                            number=plan.key,
                        ),
                        import_batch=batch,
                    )
                    for leader, tier in zip(leaders, plan.fact("tiers"), strict=True):
                        if leader.tier != tier:  # the tier on the day, as the file states it
                            SessionLeader.objects.filter(session=session, leader=leader).update(
                                tier=tier
                            )
                    ReceptionSession.objects.filter(pk=session.pk).update(status=SessionStatus.HELD)
                else:
                    seated = SessionLeader.objects.filter(session=session).order_by(
                        "position", "id"
                    )
                    leaders = [seat.leader for seat in seated.select_related("leader")]
                for item in plan.receptions:
                    if not item.new:
                        continue
                    reception_link(
                        actor=actor,
                        session=session,
                        registration=registrations[item.registration_id],
                        data=ReceptionInput(leaders=leaders, outcome=item.outcome or ""),
                        routed_on=item.routed_on,
                        leader_due_required=False,
                    )
            batch.rows = result.rows
            batch.created = result.receptions_created
            batch.unchanged = result.receptions_unchanged
            batch.rejected = result.rejected
            batch.finished_at = timezone.now()
            batch.save()
            audit_record(
                actor=actor,
                action="receptions.import",
                obj=batch,
                data={
                    "file": path.name,
                    "sha256": batch.sha256,
                    "rows": result.rows,
                    "sessions_created": result.sessions_created,
                    "participations_created": result.participations_created,
                    "receptions_created": result.receptions_created,
                    "leaders_created": result.leaders_created,
                    "rejected": result.rejected,
                },
            )
            result.batch_id = batch.pk
    except IntegrityError as exc:  # someone wrote the same sessions or receptions after the check
        raise InputError(f"检查之后数据库有了变化，没有写入任何数据，请重新导入（{exc}）") from exc

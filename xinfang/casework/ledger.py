"""The batches-handed-down file (交办积案清单): one row per matter of a batch, checked whole, then
written in one transaction — `xinfang import-handed-down FILE`.

Columns: 来源 (中央, 省, 市), 批次名称, 交办日期, 办结期限 (the batch: rows of one 来源 + 批次名称
must agree), 登记编号 or 事项编号 (the matter, already in the ledger), and, to load a history,
化解日期 (the matter's own, as the ledger states it: one source for a matter's 化解日期),
审核结果 (通过审核, or empty: 待审核) and 审核日期 (default: the 化解日期). The matter ledger has no
such columns, so batches have this small file of their own (contract A's rules: every bad cell
named by row and column, refused whole unless --partial, --dry-run, importing twice changes
nothing).

Written like casework.services.batch_create (the batch, its items, each matter 积案 from the
交办日期, the same audit events), with an item's past 化解 and 审核 set from the file and audited
(`casework.item_resolve`, `casework.item_verify`, data "import": true) — the one-step services
take today's acts by a person; and each registration of a resolved matter after its 化解日期 is
a 回流 by the rule shared with packages (casework.services.on_registration).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.casework.choices import BatchSource, LongStandingReason, Verification
from xinfang.casework.models import BatchItem, HandedDownBatch
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, may, user_of, visible_matters
from xinfang.intake.ledger.columns import Column
from xinfang.intake.ledger.importer import LedgerRejectedError, write_rejects
from xinfang.intake.ledger.readers import file_sha256, open_table
from xinfang.intake.ledger.rows import Problem, parse_cells, read_header
from xinfang.intake.ledger.values import (
    Lookups,
    choice,
    format_choice,
    format_date,
    format_text,
    parse_date,
    parse_text,
)
from xinfang.intake.models import ImportBatch, Matter, Registration
from xinfang.organisation.models import OrgUnit

WHAT = "交办积案清单"
SOURCES = {s.value: s.label for s in BatchSource}
RESULTS = {Verification.PASSED.value: Verification.PASSED.label}
COLUMNS: tuple[Column, ...] = (
    Column("来源", "source", choice(SOURCES), format_choice(SOURCES), required=True),
    Column("批次名称", "name", parse_text(64), format_text, required=True, limit=64),
    Column("交办日期", "handed_on", parse_date, format_date, required=True, kind="date"),
    Column("办结期限", "deadline", parse_date, format_date, required=True, kind="date"),
    Column("登记编号", "registration", parse_text(64), format_text, limit=64),
    Column("事项编号", "matter", parse_text(64), format_text, limit=64),
    Column("化解日期", "resolved_on", parse_date, format_date, kind="date"),
    Column(
        "审核结果", "verification", choice(RESULTS, hint="（待审核留空）"), format_choice(RESULTS)
    ),
    Column("审核日期", "verified_on", parse_date, format_date, kind="date"),
)
DEFAULTS: dict[str, Any] = {c.field: None for c in COLUMNS} | {
    "name": "",
    "registration": "",
    "matter": "",
}
_ORDER = {c.name: i for i, c in enumerate(COLUMNS)}
BATCH_FACTS = (("handed_on", "交办日期"), ("deadline", "办结期限"))

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor


@dataclass
class ItemPlan:
    row: int
    matter_id: int
    number: str
    resolved_on: date | None
    verified_on: date | None  # None: 待审核
    new: bool = True


@dataclass
class BatchPlan:
    source: str
    name: str
    first_row: int
    handed_on: date
    deadline: date
    rows: list[int] = field(default_factory=list)
    items: list[ItemPlan] = field(default_factory=list)
    existing: HandedDownBatch | None = None


@dataclass
class HandedDownImportResult:
    file_name: str
    dry_run: bool
    unit: str = ""
    rows: int = 0
    batches_created: int = 0
    items_created: int = 0
    unchanged: int = 0
    resolved: int = 0
    verified: int = 0
    reflows: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    seconds: float = 0.0

    def text(self) -> str:
        verb = "检查完毕（试运行，未写入）" if self.dry_run else "导入完成"
        line = (
            f"{self.file_name} {verb}：共{self.rows}行，新增交办积案批次{self.batches_created}个、"
            f"事项{self.items_created}件（已化解{self.resolved}件，通过审核{self.verified}件），"
            f"已有事项{self.unchanged}件未变，退回{self.rejected}行。"
        )
        if self.reflows:
            line += f"\n化解后又有登记的回流{self.reflows}件次。"
        if not (self.batches_created or self.items_created) and not self.dry_run:
            line += "\n文件内容与数据库中已有的相同，没有改动任何数据。"
        if self.rejects_path is not None:
            line += f"\n退回的行及原因已写入 {self.rejects_path}，改正后可再次导入。"
        return line


class HandedDownCheck:
    def __init__(self, *, actor: Actor, unit: OrgUnit) -> None:
        self.actor, self.unit = actor, unit
        self.ctx = Lookups.load()
        self.problems: list[Problem] = []
        self.bad: set[int] = set()
        self.batches: dict[tuple[str, str], BatchPlan] = {}
        self.rows = 0
        self.fatal = False

    def _problem(self, row: int, column: str, reason: str) -> None:
        self.problems.append(Problem(row, column, reason))
        self.bad.add(row)

    def run(self, path: Path) -> HandedDownCheck:
        with open_table(path) as (header, rows):
            layout, problems = read_header(header, COLUMNS, what=WHAT)
            if problems:
                self.problems, self.fatal = problems, True
                return self
            read: list[tuple[int, dict[str, Any]]] = []
            for number, cells in rows:
                self.rows += 1
                before = len(self.problems)
                values = parse_cells(number, cells, layout, self.ctx, self.problems, DEFAULTS)
                if len(self.problems) > before:
                    self.bad.add(number)
                    continue
                read.append((number, values))
        matters = self._matters(read)
        for number, values in read:
            self._row(number, values, matters)
        self._against_database()
        self.problems.sort(key=lambda p: (p.row, _ORDER.get(p.column, len(_ORDER))))
        return self

    def _matters(self, read: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
        """登记编号 -> (matter id, number); 事项编号 -> the same; of matters the actor may see."""
        regs = {v["registration"] for _, v in read if v["registration"]}
        numbers = {v["matter"] for _, v in read if v["matter"]}
        seen = visible_matters(self.actor)
        found: dict[str, Any] = {}
        for reg, pk, num, resolved in Registration.objects.filter(
            number__in=regs, matter__in=seen
        ).values_list("number", "matter_id", "matter__number", "matter__resolved_on"):
            found[f"reg:{reg}"] = (pk, num, resolved)
        for num, pk, resolved in (
            Matter.objects.filter(number__in=numbers)
            .filter(pk__in=seen.values("pk"))
            .values_list("number", "pk", "resolved_on")
        ):
            found[f"matter:{num}"] = (pk, num, resolved)
        return found

    def _row(self, row: int, v: dict[str, Any], matters: dict[str, Any]) -> None:
        before = len(self.problems)
        if v["handed_on"] > self.ctx.today:
            self._problem(row, "交办日期", f"交办日期{v['handed_on']:%Y-%m-%d}晚于今天")
        if v["deadline"] < v["handed_on"]:
            self._problem(row, "办结期限", "办结期限不能早于交办日期")
        key = (v["source"], v["name"])
        plan = self.batches.get(key)
        if plan is None:
            plan = self.batches[key] = BatchPlan(*key, row, v["handed_on"], v["deadline"])
        plan.rows.append(row)
        for name, column in BATCH_FACTS:
            if v[name] != getattr(plan, name):
                reason = (
                    f"同一批次（{SOURCES[key[0]]}{key[1]}）的第{plan.first_row}行为"
                    f"“{getattr(plan, name):%Y-%m-%d}”，此行为“{v[name]:%Y-%m-%d}”"
                )
                self._problem(row, column, reason)
        hit = self._matter_of(row, v, matters)
        resolved, verified = v["resolved_on"], v["verified_on"]
        if v["verification"] is None and verified is not None:
            self._problem(row, "审核日期", "未填写审核结果（待审核），不填审核日期")
        if v["verification"] is not None:
            if resolved is None:
                self._problem(row, "审核结果", "通过审核的事项应填写化解日期")
            verified = verified or resolved
        if resolved is not None:
            if resolved > self.ctx.today:
                self._problem(row, "化解日期", f"化解日期{resolved:%Y-%m-%d}晚于今天")
            if resolved < v["handed_on"]:
                self._problem(row, "化解日期", "化解日期不能早于交办日期")
            if hit is not None and hit[2] != resolved:
                stated = f"为{hit[2]:%Y-%m-%d}" if hit[2] else "未填写"
                reason = (
                    f"事项{hit[1]}在台账中的化解日期{stated}，与此行不符："
                    "事项的化解日期以台账为准（xinfang import-ledger）"
                )
                self._problem(row, "化解日期", reason)
            if verified is not None and resolved is not None and verified < resolved:
                self._problem(row, "审核日期", "审核日期不能早于化解日期")
        if hit is None or len(self.problems) > before:
            return
        twice = next((i for i in plan.items if i.matter_id == hit[0]), None)
        if twice is not None:
            self._problem(row, "事项编号", f"与第{twice.row}行是同一事项：一个批次中只列一次")
            return
        plan.items.append(ItemPlan(row, hit[0], hit[1], resolved, verified))

    def _matter_of(self, row: int, v: dict[str, Any], matters: dict[str, Any]) -> Any:
        reg, num = v["registration"], v["matter"]
        if not reg and not num:
            self._problem(row, "事项编号", "应填写登记编号或事项编号")
            return None
        by_reg = matters.get(f"reg:{reg}") if reg else None
        by_num = matters.get(f"matter:{num}") if num else None
        if reg and by_reg is None:
            self._problem(row, "登记编号", f"找不到登记“{reg}”：应为已导入台账的登记")
        if num and by_num is None:
            self._problem(row, "事项编号", f"找不到事项“{num}”：应为已导入台账的事项")
        if by_reg and by_num and by_reg[0] != by_num[0]:
            self._problem(row, "事项编号", f"登记“{reg}”属于事项{by_reg[1]}，不是{num}")
            return None
        return by_reg or by_num

    def _against_database(self) -> None:
        for (source, name), plan in self.batches.items():
            batch = HandedDownBatch.objects.filter(source=source, name=name, unit=self.unit).first()
            if batch is None:
                continue
            plan.existing = batch
            label = f"{SOURCES[source]}{name}"
            for fact, column in BATCH_FACTS:
                if getattr(batch, fact) != getattr(plan, fact):
                    reason = (
                        f"批次“{label}”已导入，此列原为“{getattr(batch, fact):%Y-%m-%d}”；"
                        "已导入的批次不能改动"
                    )
                    self._problem(plan.first_row, column, reason)
            items = {i.matter_id: i for i in BatchItem.objects.filter(batch=batch)}
            for item in plan.items:
                old = items.get(item.matter_id)
                if old is None:
                    reason = f"批次“{label}”已导入，不含事项{item.number}；已导入的批次不能增加事项"
                    self._problem(item.row, "事项编号", reason)
                    continue
                item.new = False
                passed = old.verified_on if old.verification == Verification.PASSED else None
                if (old.resolved_on, passed) != (item.resolved_on, item.verified_on):
                    reason = (
                        f"事项{item.number}已导入，化解、审核情况与此行不同；已导入的事项不能改动"
                    )
                    self._problem(item.row, "化解日期", reason)

    def good(self) -> list[BatchPlan]:
        return [p for p in self.batches.values() if not any(row in self.bad for row in p.rows)]

    def rejected_rows(self) -> dict[int, list[str]]:
        reasons: dict[int, list[str]] = {}
        for problem in self.problems:
            reasons.setdefault(problem.row, []).append(f"{problem.column}：{problem.reason}")
        for plan in self.batches.values():
            if any(row in self.bad for row in plan.rows):
                for row in plan.rows:
                    reasons.setdefault(
                        row, [f"同一批次（{SOURCES[plan.source]}{plan.name}）有错误，整批退回"]
                    )
        return reasons


def import_handed_down(
    path: Path | str,
    *,
    actor: Actor,
    org: str | None = None,
    partial: bool = False,
    rejects_path: Path | None = None,
    dry_run: bool = False,
) -> HandedDownImportResult:
    """Check the whole file, then write it; LedgerRejectedError when refused whole. Batches are
    handed down to `org` (a unit code; default the root of the tree)."""
    from xinfang.leaders.ledger.receptions import organising_unit

    for action in (Action.IMPORT_LEDGER, Action.PLAN_CASEWORK):
        if not may(actor, action):
            raise PermissionRefusedError("您没有导入交办积案的权限")
    started = time.monotonic()
    path = Path(path)
    unit = organising_unit(org)
    result = HandedDownImportResult(file_name=path.name, dry_run=dry_run, unit=unit.name)
    check = HandedDownCheck(actor=actor, unit=unit).run(path)
    result.rows = check.rows
    if check.fatal or (check.problems and not partial):
        raise LedgerRejectedError(check.problems, what=WHAT)
    reasons = check.rejected_rows()
    result.rejected, result.problems = len(reasons), check.problems
    good = check.good()
    for plan in good:
        result.batches_created += plan.existing is None
        for item in plan.items:
            if item.new:
                result.items_created += 1
                result.resolved += item.resolved_on is not None
                result.verified += item.verified_on is not None
            else:
                result.unchanged += 1
    if not dry_run:
        if result.items_created:
            _write(result, good, unit=unit, actor=actor, path=path, partial=partial)
        if reasons:
            result.rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
            write_rejects(path, result.rejects_path, reasons)
    result.seconds = time.monotonic() - started
    return result


def _write(
    result: HandedDownImportResult,
    plans: list[BatchPlan],
    *,
    unit: OrgUnit,
    actor: Actor,
    path: Path,
    partial: bool,
) -> None:
    from xinfang.casework.services import _flag, on_registration

    try:
        with transaction.atomic():
            run = ImportBatch.objects.create(
                file_name=path.name,
                sha256=file_sha256(path),
                actor=user_of(actor),
                mode="handed_down+partial" if partial else "handed_down",
            )
            matters = Matter.objects.in_bulk([i.matter_id for p in plans for i in p.items])
            resolved: list[int] = []
            for plan in plans:
                batch = plan.existing or HandedDownBatch.objects.create(
                    source=plan.source,
                    name=plan.name,
                    unit=unit,
                    handed_on=plan.handed_on,
                    deadline=plan.deadline,
                    created_by=user_of(actor),
                )
                if plan.existing is None:
                    audit_record(
                        actor=actor,
                        action="casework.batch_create",
                        obj=batch,
                        data={
                            "source": plan.source,
                            "name": plan.name,
                            "unit": unit.name,
                            "handed_on": plan.handed_on.isoformat(),
                            "deadline": plan.deadline.isoformat(),
                            "matters": [i.number for i in plan.items],
                            "import": run.pk,
                        },
                    )
                for item in plan.items:
                    if not item.new:
                        continue
                    matter = matters[item.matter_id]
                    row = BatchItem.objects.create(
                        batch=batch,
                        matter=matter,
                        resolved_on=item.resolved_on,
                        verification=Verification.PASSED
                        if item.verified_on
                        else Verification.PENDING,
                        verified_on=item.verified_on,
                        verified_by=user_of(actor) if item.verified_on else None,
                    )
                    _flag(
                        matter,
                        since=plan.handed_on,
                        reason=LongStandingReason.HANDED_DOWN,
                        batch=batch,
                    )
                    data = {"batch": str(batch), "handed_on": plan.handed_on.isoformat()}
                    audit_record(
                        actor=actor,
                        action="casework.batch_item_add",
                        obj=row,
                        matter=matter,
                        data=data | {"import": run.pk},
                    )
                    if item.resolved_on is not None:
                        resolved.append(matter.pk)
                        audit_record(
                            actor=actor,
                            action="casework.item_resolve",
                            obj=row,
                            matter=matter,
                            data={
                                "batch": str(batch),
                                "on": item.resolved_on.isoformat(),
                                "import": True,
                            },
                        )
                    if item.verified_on is not None:
                        audit_record(
                            actor=actor,
                            action="casework.item_verify",
                            obj=row,
                            matter=matter,
                            data={
                                "batch": str(batch),
                                "passed": True,
                                "on": item.verified_on.isoformat(),
                                "import": True,
                            },
                        )
            # 回流: registrations of a resolved matter after its 化解日期 (the rule of packages)
            for registration in Registration.objects.filter(
                matter_id__in=resolved, is_first=False
            ).order_by("received_at", "number"):
                result.reflows += len(on_registration(registration))
            run.rows, run.created = result.rows, result.items_created
            run.unchanged, run.rejected = result.unchanged, result.rejected
            run.finished_at = timezone.now()
            run.save()
            audit_record(
                actor=actor,
                action="casework.handed_down_import",
                obj=run,
                data={
                    "file": path.name,
                    "sha256": run.sha256,
                    "batches_created": result.batches_created,
                    "items_created": result.items_created,
                    "reflows": result.reflows,
                },
            )
            result.batch_id = run.pk
    except IntegrityError as exc:
        raise InputError(f"检查之后数据库有了变化，没有写入任何数据，请重新导入（{exc}）") from exc


def export_handed_down(path: Path | str, *, actor: Actor) -> int:
    """The batches `actor` may see, one row per matter, in the format the importer reads."""
    from xinfang.core.permissions import visible_batch_items
    from xinfang.intake.ledger.exporter import write_table

    if not may(actor, Action.EXPORT_LEDGER) or not may(actor, Action.VIEW_CASEWORK):
        raise PermissionRefusedError("您没有导出交办积案的权限")
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputError("导出文件名应以 .csv 或 .xlsx 结尾")
    items = (
        visible_batch_items(actor)
        .order_by("batch__handed_on", "batch__source", "batch__name", "matter__number")
        .values_list(
            "batch__source",
            "batch__name",
            "batch__handed_on",
            "batch__deadline",
            "matter__number",
            "resolved_on",
            "verification",
            "verified_on",
        )
    )
    rows = (
        (
            s,
            n,
            h,
            d,
            "",
            m,
            r,
            v if v == Verification.PASSED else None,
            o if v == Verification.PASSED else None,
        )
        for s, n, h, d, m, r, v, o in items.iterator()
    )
    count = write_table(path, COLUMNS, rows, Lookups.load(), sheet="交办积案")
    _export_event(actor, "casework.handed_down_export", BatchItem, path, count)
    return count


def _export_event(actor: Actor, action: str, model: Any, path: Path, count: int) -> None:
    """An export names no single object: the event is about the rows written (as the ledger's)."""
    from xinfang.core.middleware import current_ip
    from xinfang.core.models import AuditEvent

    AuditEvent.objects.create(
        actor=user_of(actor),
        action=action,
        object_type=model._meta.label_lower,
        object_id="*",
        data={"file": path.name, "rows": count, "sha256": file_sha256(path)},
        ip=current_ip.get(),
    )

"""Importing a ledger file (contract A): check it whole, then write it in one transaction."""

import csv
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, may, user_of
from xinfang.intake.ledger.bulk import sqlite_foreign_keys_unchecked
from xinfang.intake.ledger.check import CheckResult, LedgerCheck, Progress
from xinfang.intake.ledger.columns import REASON_COLUMN
from xinfang.intake.ledger.readers import file_sha256, guard_formula, open_table
from xinfang.intake.ledger.rows import Problem
from xinfang.intake.ledger.values import Lookups, text
from xinfang.intake.ledger.write import LedgerWriter
from xinfang.intake.models import ImportBatch


class LedgerRejectedError(InputError):
    """The file was refused whole; `problems` names every bad cell."""

    def __init__(self, problems: list[Problem], what: str = "台账") -> None:
        super().__init__(f"{what}未导入：{len(problems)}处错误，没有写入任何数据")
        self.problems = problems


@dataclass
class ImportSummary:
    file_name: str
    mode: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    matters_created: int = 0
    matters_updated: int = 0
    petitioners_created: int = 0
    seconds: float = 0.0
    rejects_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    packages: Any = None  # leaders.ledger.PackageCounts: the leader packages the ledger states
    similar_later: bool = False  # the similar index rebuilt by a background task after the import

    def text(self) -> str:
        verb = "检查完毕（试运行，未写入）" if self.dry_run else "导入完成"
        parts = [
            f"{self.file_name} {verb}：共{self.rows}行",
            f"新增登记{self.created}条（新事项{self.matters_created}件）",
            f"更新{self.updated}条",
            f"未变{self.unchanged}条",
            f"退回{self.rejected}行",
        ]
        line = "，".join(parts) + "。"
        if self.seconds and self.rows:
            line += f"用时{self.seconds:.1f}秒，每秒{self.rows / self.seconds:,.0f}行。"
        if self.packages is not None and self.packages.changed:
            line += self.packages.text()
        if self.similar_later:
            line += (
                "相似事项索引已交后台任务重建（xinfang db_worker），"
                "建成前新导入的事项不在相似事项中。"
            )
        if self.rejects_path is not None:
            line += f"\n退回的行及原因已写入 {self.rejects_path}，改正后可再次导入。"
        return line


def ledger_import(
    *,
    actor: Actor,
    path: Path,
    partial: bool = False,
    rejects_path: Path | None = None,
    update: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check the whole file, then write it; raises LedgerRejectedError when refused whole."""
    if not may(actor, Action.IMPORT_LEDGER):
        raise PermissionRefusedError("您没有导入台账的权限")
    started = time.monotonic()
    mode = "+".join(name for name, on in (("partial", partial), ("update", update)) if on)
    summary = ImportSummary(file_name=path.name, mode=mode or "atomic", dry_run=dry_run)
    ctx = Lookups.load()
    result = LedgerCheck(ctx=ctx, update=update, progress=progress, actor=actor).run(path)
    try:
        summary.rows = result.rows
        if result.fatal or (result.problems and not partial):
            raise LedgerRejectedError(result.problems)
        reasons = _rejected_rows(result)
        _count_planned(summary, result, reasons)
        if not dry_run:
            _write(summary, result, ctx=ctx, actor=actor, path=path, progress=progress)
            if reasons:
                summary.rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
                write_rejects(path, summary.rejects_path, reasons)
    finally:
        result.spool.close()
    summary.problems = result.problems
    summary.seconds = time.monotonic() - started
    return summary


def _write(
    summary: ImportSummary,
    result: CheckResult,
    *,
    ctx: Lookups,
    actor: Actor,
    path: Path,
    progress: Progress | None,
) -> None:
    try:
        with sqlite_foreign_keys_unchecked(), transaction.atomic():
            batch = ImportBatch.objects.create(
                file_name=path.name,
                sha256=file_sha256(path),
                actor=user_of(actor),
                mode=summary.mode,
            )
            writer = LedgerWriter(result, batch=batch, ctx=ctx, progress=progress)
            counts = writer.write()
            summary.similar_later = writer.similar_later
            from xinfang.leaders.ledger import packages_from_ledger

            summary.packages = packages_from_ledger()  # 包案领导/包案日期 become packages; 回流
            summary.created, summary.updated = counts["created"], counts["updated"]
            summary.matters_created = counts["matters_created"]
            summary.matters_updated = counts["matters_updated"]
            summary.petitioners_created = counts["petitioners_created"]
            batch.rows, batch.created, batch.updated = (
                summary.rows,
                summary.created,
                summary.updated,
            )
            batch.unchanged, batch.rejected = summary.unchanged, summary.rejected
            batch.finished_at = timezone.now()
            batch.save()
            audit_record(
                actor=actor,
                action="ledger.import",
                obj=batch,
                data={
                    "file": path.name,
                    "sha256": batch.sha256,
                    "mode": summary.mode,
                    "rows": summary.rows,
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "rejected": summary.rejected,
                    "matters_created": summary.matters_created,
                    "matters_updated": summary.matters_updated,
                    "petitioners_created": summary.petitioners_created,
                },
            )
            summary.batch_id = batch.pk
    except IntegrityError as exc:  # someone registered the same numbers after the check
        raise InputError(f"检查之后数据库有了变化，没有写入任何数据，请重新导入（{exc}）") from exc


def _rejected_rows(result: CheckResult) -> dict[int, list[str]]:
    """Every row that will not be written, with its reasons; a matter is kept or refused whole."""
    reasons: dict[int, list[str]] = {}
    for problem in result.problems:
        reasons.setdefault(problem.row, []).append(f"{problem.column}：{problem.reason}")
    if not result.bad_rows:
        return reasons
    bad_by_matter: dict[str, list[int]] = {}
    for row, key in sorted(result.bad_rows.items()):
        bad_by_matter.setdefault(key, []).append(row)
    rows_of_bad = [(r[1], r[2]) for r in result.spool if r[2] in bad_by_matter]
    rows_of_bad += [(u.row, u.matter) for u in result.updates if u.matter in bad_by_matter]
    for row, key in rows_of_bad:
        if row not in reasons:
            others = "、".join(f"第{r}行" for r in bad_by_matter[key][:10])
            reasons[row] = [f"同一事项（{key}）的{others}有错误，整件退回"]
    return reasons


def _count_planned(
    summary: ImportSummary, result: CheckResult, reasons: dict[int, list[str]]
) -> None:
    summary.rejected = len(reasons)
    people = result.people
    summary.petitioners_created = len(people.new) if people else 0
    if not result.bad_rows:
        summary.created, summary.unchanged = result.new, result.unchanged
        summary.updated = len(result.updates)
        summary.matters_created = sum(
            1 for p in result.matters.values() if p.existing is None and p.first is not None
        )
        return
    bad = result.bad_matters()
    for record in result.spool:
        if record[2] not in bad:
            if record[0] == "n":
                summary.created += 1
            else:
                summary.unchanged += 1
    summary.updated = sum(1 for u in result.updates if u.matter not in bad)
    summary.matters_created = sum(
        1
        for p in result.matters.values()
        if p.existing is None and p.first is not None and p.number not in bad
    )


def write_rejects(source: Path, target: Path, reasons: dict[int, list[str]]) -> None:
    """The rejected rows as they were given, with a reason column, ready to be fixed."""
    with (
        open_table(source) as (header, rows),
        target.open("w", encoding="utf-8-sig", newline="") as fh,
    ):
        keep = [i for i, name in enumerate(header) if name != REASON_COLUMN]
        writer = csv.writer(fh)
        writer.writerow([header[i] for i in keep] + [REASON_COLUMN])
        for number, cells in rows:
            if number in reasons:
                cells_out = [guard_formula(_cell_text(cells[i])) for i in keep]
                writer.writerow([*cells_out, "；".join(reasons[number])])


def _cell_text(cell: Any) -> str:
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d") if cell.time() == datetime.min.time() else str(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    return text(cell) if cell is not None else ""

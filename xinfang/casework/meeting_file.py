"""The meetings file (会议台账): one row per 联席会议 / 会办会 / 专题会 held, checked whole, then
written in one transaction — `xinfang import-meetings FILE`.

Columns: 会议名称 (the joint body: 联席会议 or 会办会 of that name, created under --org when new),
会议类型 (联席会议, 会办会, 专题会), 会议日期, 地点, 会议纪要. A meeting is the same meeting
when its 会议名称, 会议类型 and 会议日期 are: importing twice changes nothing. Contract A's rules
(every bad cell named, refused whole unless --partial, --dry-run).

Decisions that assign matters (交办) are not in this file: each is a 交办 through the workflow
(casework.services.decision_make, its clocks and 督办), made on the casework pages; the matter
ledger keeps no assignment records to load them from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.casework.choices import BodyKind, MeetingKind
from xinfang.casework.models import JointBody, Meeting
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, may, user_of
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
from xinfang.intake.models import ImportBatch
from xinfang.organisation.models import OrgUnit

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor

WHAT = "会议台账"
KINDS = {k.value: k.label for k in MeetingKind}
COLUMNS: tuple[Column, ...] = (
    Column("会议名称", "body", parse_text(128), format_text, required=True, limit=128),
    Column("会议类型", "kind", choice(KINDS), format_choice(KINDS), required=True),
    Column("会议日期", "held_on", parse_date, format_date, required=True, kind="date"),
    Column("地点", "place", parse_text(128), format_text, limit=128),
    Column("会议纪要", "minutes", parse_text(20000), format_text, limit=20000),
)
DEFAULTS: dict[str, Any] = {c.field: None for c in COLUMNS} | {
    "body": "",
    "place": "",
    "minutes": "",
}
_ORDER = {c.name: i for i, c in enumerate(COLUMNS)}


@dataclass
class MeetingImportResult:
    file_name: str
    dry_run: bool
    unit: str = ""
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    bodies_created: list[str] = field(default_factory=list)
    rejected: int = 0
    rejects_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    seconds: float = 0.0

    def text(self) -> str:
        verb = "检查完毕（试运行，未写入）" if self.dry_run else "导入完成"
        line = (
            f"{self.file_name} {verb}：共{self.rows}行，新增会议{self.created}次，"
            f"已有会议{self.unchanged}次未变，退回{self.rejected}行。"
        )
        if self.bodies_created:
            line += f"\n新设联席会议/会办会（{self.unit}）：{'、'.join(self.bodies_created)}。"
        if not self.created and not self.dry_run:
            line += "\n文件内容与数据库中已有的相同，没有改动任何数据。"
        if self.rejects_path is not None:
            line += f"\n退回的行及原因已写入 {self.rejects_path}，改正后可再次导入。"
        return line


def _check(path: Path) -> tuple[int, list[Problem], list[tuple[int, dict[str, Any], bool]], bool]:
    """(rows, problems, [(row, values, new)], fatal)."""
    ctx = Lookups.load()
    problems: list[Problem] = []
    good: list[tuple[int, dict[str, Any], bool]] = []
    count = 0
    with open_table(path) as (header, rows):
        layout, fatal = read_header(header, COLUMNS, what=WHAT)
        if fatal:
            return 0, fatal, [], True
        seen: dict[tuple[str, str, date], int] = {}
        for number, cells in rows:
            count += 1
            before = len(problems)
            v = parse_cells(number, cells, layout, ctx, problems, DEFAULTS)
            if len(problems) > before:
                continue
            if v["held_on"] > ctx.today:
                problems.append(
                    Problem(number, "会议日期", f"会议日期{v['held_on']:%Y-%m-%d}晚于今天")
                )
                continue
            key = (v["body"], v["kind"], v["held_on"])
            if key in seen:
                reason = f"与第{seen[key]}行是同一次会议（同一会议名称、类型、日期）"
                problems.append(Problem(number, "会议日期", reason))
                continue
            seen[key] = number
            old = Meeting.objects.filter(
                body__name=v["body"], kind=v["kind"], held_on=v["held_on"]
            ).first()
            if old is not None and (old.place, old.minutes) != (v["place"], v["minutes"]):
                reason = "该次会议已导入，地点或会议纪要与此行不同；已导入的会议不能改动"
                problems.append(Problem(number, "会议日期", reason))
                continue
            good.append((number, v, old is None))
    problems.sort(key=lambda p: (p.row, _ORDER.get(p.column, len(_ORDER))))
    return count, problems, good, False


def import_meetings(
    path: Path | str,
    *,
    actor: Actor,
    org: str | None = None,
    partial: bool = False,
    rejects_path: Path | None = None,
    dry_run: bool = False,
) -> MeetingImportResult:
    """Check the whole meetings file, then write it; LedgerRejectedError when refused whole."""
    from xinfang.leaders.ledger.receptions import organising_unit

    for action in (Action.IMPORT_LEDGER, Action.PLAN_CASEWORK):
        if not may(actor, action):
            raise PermissionRefusedError("您没有导入会议台账的权限")
    started = time.monotonic()
    path = Path(path)
    unit = organising_unit(org)
    result = MeetingImportResult(file_name=path.name, dry_run=dry_run, unit=unit.name)
    result.rows, problems, good, fatal = _check(path)
    if fatal or (problems and not partial):
        raise LedgerRejectedError(problems, what=WHAT)
    reasons: dict[int, list[str]] = {}
    for p in problems:
        reasons.setdefault(p.row, []).append(f"{p.column}：{p.reason}")
    result.rejected, result.problems = len(reasons), problems
    new = [(row, v) for row, v, is_new in good if is_new]
    result.created, result.unchanged = len(new), len(good) - len(new)
    known = set(
        JointBody.objects.filter(name__in={v["body"] for _, v in new}).values_list(
            "name", flat=True
        )
    )
    result.bodies_created = sorted({v["body"] for _, v in new} - known)
    if not dry_run:
        if new:
            _write(result, new, unit=unit, actor=actor, path=path, partial=partial)
        if reasons:
            result.rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
            write_rejects(path, result.rejects_path, reasons)
    result.seconds = time.monotonic() - started
    return result


def _write(
    result: MeetingImportResult,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    unit: OrgUnit,
    actor: Actor,
    path: Path,
    partial: bool,
) -> None:
    person = user_of(actor)
    try:
        with transaction.atomic():
            run = ImportBatch.objects.create(
                file_name=path.name,
                sha256=file_sha256(path),
                actor=person,
                mode="meetings+partial" if partial else "meetings",
            )
            bodies = {
                b.name: b for b in JointBody.objects.filter(name__in={v["body"] for _, v in rows})
            }
            for row, v in rows:
                body = bodies.get(v["body"])
                if body is None:
                    kind = (
                        BodyKind.JOINT if v["kind"] == MeetingKind.JOINT else BodyKind.COORDINATION
                    )
                    body = bodies[v["body"]] = JointBody.objects.create(
                        name=v["body"], kind=kind, unit=unit
                    )
                    audit_record(
                        actor=actor,
                        action="casework.body_create",
                        obj=body,
                        data={
                            "name": body.name,
                            "kind": kind,
                            "members": [],
                            "groups": [],
                            "import": run.pk,
                        },
                    )
                meeting = Meeting.objects.create(
                    body=body,
                    kind=v["kind"],
                    held_on=v["held_on"],
                    place=v["place"],
                    minutes=v["minutes"],
                    created_by=person,
                )
                audit_record(
                    actor=actor,
                    action="casework.meeting_record",
                    obj=meeting,
                    data={
                        "body": body.name,
                        "kind": v["kind"],
                        "held_on": v["held_on"].isoformat(),
                        "import": run.pk,
                        "row": row,
                    },
                )
            run.rows, run.created, run.unchanged = result.rows, result.created, result.unchanged
            run.rejected, run.finished_at = result.rejected, timezone.now()
            run.save()
            audit_record(
                actor=actor,
                action="casework.meetings_import",
                obj=run,
                data={"file": path.name, "sha256": run.sha256, "created": result.created},
            )
            result.batch_id = run.pk
    except IntegrityError as exc:
        raise InputError(f"检查之后数据库有了变化，没有写入任何数据，请重新导入（{exc}）") from exc


def export_meetings(path: Path | str, *, actor: Actor) -> int:
    """The meetings `actor` may see, in the format the importer reads."""
    from xinfang.casework.ledger import _export_event
    from xinfang.core.permissions import visible_meetings
    from xinfang.intake.ledger.exporter import write_table

    if not may(actor, Action.EXPORT_LEDGER) or not may(actor, Action.VIEW_CASEWORK):
        raise PermissionRefusedError("您没有导出会议台账的权限")
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputError("导出文件名应以 .csv 或 .xlsx 结尾")
    rows = (
        visible_meetings(actor)
        .order_by("held_on", "body__name", "kind")
        .values_list("body__name", "kind", "held_on", "place", "minutes")
    )
    count = write_table(path, COLUMNS, rows.iterator(), Lookups.load(), sheet="会议台账")
    _export_event(actor, "casework.meetings_export", Meeting, path, count)
    return count

"""The hearings file (听证台账): one row per hearing held, checked whole, then written in one
transaction — `xinfang import-hearings FILE`.

Columns: 事项编号, 阶段 (办理, 复查, 复核), 听证日期, 结束日期, 地点, 主持单位 (a unit, named as
the ledger names units), 是否公开 (是/否, default 是), 参加人 (“信访人：张三；人大代表：李四”:
roles and names at the hearing, nothing else), 听证笔录, 结论. The matter ledger has no such
columns, so hearings have this small file of their own (contract A's rules). A hearing is the
same hearing when its 事项编号, 阶段 and 听证日期 are: importing twice changes nothing.

A hearing on a matter in that stage now is recorded by hearings.services.hearing_record (all its
rules; in 复核 through the workflow's steps, so the re-review limit pauses — which needs a
person: --user). A hearing of a stage the matter has finished (its reply, 复查答复 or 复核答复 is in
the ledger) is history: written as held, audited `hearing.import`, pausing nothing that still runs.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError, XinfangError
from xinfang.core.permissions import Action, may, user_of, visible_matters
from xinfang.hearings.choices import STAGE_OF_STATUS, HearingStage, HearingStatus, ParticipantRole
from xinfang.hearings.models import Hearing, HearingParticipant
from xinfang.hearings.services import MAX_PARTICIPANTS, TEXT_MAX, HearingInput, ParticipantInput
from xinfang.intake.ledger.columns import Column
from xinfang.intake.ledger.importer import LedgerRejectedError, write_rejects
from xinfang.intake.ledger.readers import file_sha256, open_table
from xinfang.intake.ledger.rows import Problem, parse_cells, read_header
from xinfang.intake.ledger.values import (
    Cell,
    CellError,
    Lookups,
    choice,
    format_choice,
    format_date,
    format_text,
    format_unit,
    parse_date,
    parse_text,
    parse_unit,
    text,
)
from xinfang.intake.models import ImportBatch, Matter
from xinfang.organisation.models import OrgUnit

WHAT = "听证台账"
STAGES = {s.value: s.label for s in HearingStage}
ROLES = {label: value for value, label in ParticipantRole.choices}
# the reply that ends each stage, as the ledger states it
STAGE_END = {
    HearingStage.HANDLING: "replied_on",
    HearingStage.REVIEW: "review_replied_on",
    HearingStage.REREVIEW: "rereview_replied_on",
}
STAGE_START = {
    HearingStage.REVIEW: "review_requested_on",
    HearingStage.REREVIEW: "rereview_requested_on",
}
_GROUPS = re.compile(r"[；;]")
_NAMES = re.compile(r"[、，,]")

Participants = tuple[tuple[str, str], ...]

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor


def parse_participants(raw: Cell, ctx: Lookups) -> Participants:
    """“信访人：张三；人大代表：李四、王五” → ((petitioner, 张三), (npc_deputy, 李四), …)."""
    value = text(raw)
    out: list[tuple[str, str]] = []
    for group in _GROUPS.split(value):
        group = group.strip()
        if not group:
            continue
        role, sep, names = group.replace(":", "：").partition("：")
        if not sep or role.strip() not in ROLES:
            raise CellError(
                f"应写作“身份：姓名、姓名；身份：姓名”，身份为{'、'.join(ROLES)}之一，实为“{group}”"
            )
        for name in _NAMES.split(names):
            name = name.strip()
            if not name or len(name) > 64:
                raise CellError(f"“{role.strip()}”后的姓名或单位不能为空或超过64个字")
            out.append((ROLES[role.strip()], name))
    if not out:
        raise CellError("请至少填写一名听证参加人")
    if len(out) > MAX_PARTICIPANTS:
        raise CellError(f"听证参加人不能超过{MAX_PARTICIPANTS}名")
    return tuple(out)


def format_participants(value: Participants | None, ctx: Lookups) -> str:
    labels = dict(ParticipantRole.choices)
    groups: dict[str, list[str]] = {}
    for role, name in value or ():
        groups.setdefault(role, []).append(name)
    return "；".join(f"{labels[r]}：{'、'.join(n)}" for r, n in groups.items())


def parse_yes_no(raw: Cell, ctx: Lookups) -> bool:
    value = text(raw)
    if value not in ("是", "否"):
        raise CellError(f"应为是或否，实为“{value}”")
    return value == "是"


COLUMNS: tuple[Column, ...] = (
    Column("事项编号", "matter", parse_text(64), format_text, required=True, limit=64),
    Column("阶段", "stage", choice(STAGES), format_choice(STAGES), required=True),
    Column("听证日期", "starts_on", parse_date, format_date, required=True, kind="date"),
    Column("结束日期", "ends_on", parse_date, format_date, kind="date"),
    Column("地点", "place", parse_text(200), format_text, required=True, limit=200),
    Column("主持单位", "host_unit", parse_unit, format_unit, required=True),
    Column("是否公开", "public", parse_yes_no, lambda v, c: "是" if v else "否"),
    Column("参加人", "participants", parse_participants, format_participants, required=True),
    Column("听证笔录", "record", parse_text(TEXT_MAX), format_text, limit=TEXT_MAX),
    Column("结论", "conclusion", parse_text(TEXT_MAX), format_text, required=True, limit=TEXT_MAX),
)
DEFAULTS: dict[str, Any] = {c.field: None for c in COLUMNS} | {
    "matter": "",
    "place": "",
    "public": True,
    "record": "",
    "conclusion": "",
}
_ORDER = {c.name: i for i, c in enumerate(COLUMNS)}


@dataclass
class HearingPlan:
    row: int
    values: dict[str, Any]
    matter: Matter
    current: bool  # the matter is in that stage now: through hearing_record
    new: bool = True


@dataclass
class HearingImportResult:
    file_name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    seconds: float = 0.0

    def text(self) -> str:
        verb = "检查完毕（试运行，未写入）" if self.dry_run else "导入完成"
        line = (
            f"{self.file_name} {verb}：共{self.rows}行，新增听证{self.created}场，"
            f"已有听证{self.unchanged}场未变，退回{self.rejected}行。"
        )
        if not self.created and not self.dry_run:
            line += "\n文件内容与数据库中已有的相同，没有改动任何数据。"
        if self.rejects_path is not None:
            line += f"\n退回的行及原因已写入 {self.rejects_path}，改正后可再次导入。"
        return line


class HearingCheck:
    def __init__(self, *, actor: Actor) -> None:
        self.actor = actor
        self.ctx = Lookups.load()
        self.problems: list[Problem] = []
        self.bad: set[int] = set()
        self.plans: list[HearingPlan] = []
        self.rows = 0
        self.fatal = False

    def _problem(self, row: int, column: str, reason: str) -> None:
        self.problems.append(Problem(row, column, reason))
        self.bad.add(row)

    def run(self, path: Path) -> HearingCheck:
        with open_table(path) as (header, rows):
            layout, problems = read_header(header, COLUMNS, what=WHAT)
            if problems:
                self.problems, self.fatal = problems, True
                return self
            read = []
            for number, cells in rows:
                self.rows += 1
                before = len(self.problems)
                values = parse_cells(number, cells, layout, self.ctx, self.problems, DEFAULTS)
                if len(self.problems) > before:
                    self.bad.add(number)
                else:
                    read.append((number, values))
        numbers = {v["matter"] for _, v in read}
        matters = {m.number: m for m in visible_matters(self.actor).filter(number__in=numbers)}
        seen: dict[tuple[str, str, date], int] = {}
        for number, values in read:
            key = (values["matter"], values["stage"], values["starts_on"])
            if key in seen:
                reason = f"与第{seen[key]}行是同一场听证（同一事项、阶段、听证日期）"
                self._problem(number, "听证日期", reason)
                continue
            seen[key] = number
            self._row(number, values, matters)
        self.problems.sort(key=lambda p: (p.row, _ORDER.get(p.column, len(_ORDER))))
        return self

    def _row(self, row: int, v: dict[str, Any], matters: dict[str, Matter]) -> None:
        matter = matters.get(v["matter"])
        if matter is None:
            self._problem(row, "事项编号", f"找不到事项“{v['matter']}”：应为已导入台账的事项")
            return
        stage, starts, ends = HearingStage(v["stage"]), v["starts_on"], v["ends_on"]
        last = ends or starts
        if last > self.ctx.today:
            self._problem(
                row, "结束日期" if ends else "听证日期", f"听证日期{last:%Y-%m-%d}晚于今天"
            )
        if ends is not None and ends < starts:
            self._problem(row, "结束日期", "结束日期不能早于听证日期")
        begun = (
            getattr(matter, STAGE_START[stage])
            if stage in STAGE_START
            else matter.first_received_on
        )
        if begun is None or starts < begun:
            what = {"handling": "登记日期", "review": "复查申请日期", "rereview": "复核申请日期"}[
                stage
            ]
            shown = f"{begun:%Y-%m-%d}" if begun else "未填写"
            self._problem(
                row, "听证日期", f"事项{matter.number}的{what}{shown}，{stage.label}听证应在其后"
            )
            return
        ended = getattr(matter, STAGE_END[stage])
        current = STAGE_OF_STATUS.get(matter.status) == stage
        if ended is not None and last > ended:
            reason = f"事项{matter.number}已于{ended:%Y-%m-%d}答复，{stage.label}听证应在此之前"
            self._problem(row, "听证日期", reason)
            return
        if ended is None and not current:
            reason = (
                f"事项{matter.number}当前为「{matter.get_status_display()}」，"
                f"不在{stage.label}阶段，也没有{stage.label}的答复日期"
            )
            self._problem(row, "阶段", reason)
            return
        if current and stage == HearingStage.REREVIEW and not isinstance(self.actor, User):
            reason = "复核中的听证须以经办人身份导入（--user），以便按听证天数暂停复核期限"
            self._problem(row, "阶段", reason)
            return
        old = Hearing.objects.filter(matter=matter, stage=stage, starts_on=starts).first()
        plan = HearingPlan(row, v, matter, current and ended is None)
        if old is not None:
            plan.new = False
            stored = (
                old.ends_on or old.starts_on,
                old.place,
                old.host_unit_id,
                old.public,
                old.conclusion,
            )
            if stored != (last, v["place"], v["host_unit"], v["public"], v["conclusion"]):
                reason = (
                    "该场听证已导入，地点、主持单位、结束日期、是否公开或结论与此行不同；"
                    "已导入的听证不能改动"
                )
                self._problem(row, "听证日期", reason)
                return
        self.plans.append(plan)


def import_hearings(
    path: Path | str,
    *,
    actor: Actor,
    partial: bool = False,
    rejects_path: Path | None = None,
    dry_run: bool = False,
) -> HearingImportResult:
    """Check the whole hearings file, then write it; LedgerRejectedError when refused whole."""
    for action in (Action.IMPORT_LEDGER, Action.HOLD_HEARING):
        if not may(actor, action):
            raise PermissionRefusedError("您没有导入听证台账的权限")
    started = time.monotonic()
    path = Path(path)
    result = HearingImportResult(file_name=path.name, dry_run=dry_run)
    check = HearingCheck(actor=actor).run(path)
    result.rows = check.rows
    if check.fatal or (check.problems and not partial):
        raise LedgerRejectedError(check.problems, what=WHAT)
    reasons: dict[int, list[str]] = {}
    for problem in check.problems:
        reasons.setdefault(problem.row, []).append(f"{problem.column}：{problem.reason}")
    result.rejected, result.problems = len(reasons), check.problems
    good = [p for p in check.plans if p.row not in check.bad]
    new = [p for p in good if p.new]
    result.created, result.unchanged = len(new), len(good) - len(new)
    if not dry_run:
        if new:
            _write(result, new, actor=actor, path=path, partial=partial)
        if reasons:
            result.rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
            write_rejects(path, result.rejects_path, reasons)
    result.seconds = time.monotonic() - started
    return result


def _write(
    result: HearingImportResult,
    plans: list[HearingPlan],
    *,
    actor: Actor,
    path: Path,
    partial: bool,
) -> None:
    from xinfang.hearings.services import hearing_record

    person = user_of(actor)
    try:
        with transaction.atomic():
            run = ImportBatch.objects.create(
                file_name=path.name,
                sha256=file_sha256(path),
                actor=person,
                mode="hearings+partial" if partial else "hearings",
            )
            units = OrgUnit.objects.in_bulk([p.values["host_unit"] for p in plans])
            for plan in plans:
                v = plan.values
                data = HearingInput(
                    starts_on=v["starts_on"],
                    ends_on=v["ends_on"],
                    place=v["place"],
                    host_unit=units[v["host_unit"]],
                    public=v["public"],
                    participants=[ParticipantInput(r, n) for r, n in v["participants"]],
                )
                if plan.current:
                    try:
                        hearing_record(
                            actor=actor,
                            matter=plan.matter,
                            data=data,
                            record=v["record"],
                            conclusion=v["conclusion"],
                        )
                    except XinfangError as exc:  # the service's own refusal, row named
                        raise InputError(f"第{plan.row}行：{exc.message}") from exc
                    continue
                hearing = Hearing.objects.create(
                    matter=plan.matter,
                    stage=v["stage"],
                    status=HearingStatus.HELD,
                    starts_on=v["starts_on"],
                    ends_on=v["ends_on"] or v["starts_on"],
                    place=v["place"],
                    host_unit=data.host_unit,
                    public=v["public"],
                    record=v["record"],
                    conclusion=v["conclusion"],
                    created_by=person,
                )
                HearingParticipant.objects.bulk_create(
                    HearingParticipant(hearing=hearing, role=r, name=n, order=i)
                    for i, (r, n) in enumerate(v["participants"], start=1)
                )
                audit_record(
                    actor=actor,
                    action="hearing.import",
                    obj=hearing,
                    matter=plan.matter,
                    data={
                        "stage": v["stage"],
                        "on": v["starts_on"].isoformat(),
                        "import": run.pk,
                        "participants": [[r, i] for i, (r, _) in enumerate(v["participants"], 1)],
                    },
                )
            run.rows, run.created, run.unchanged = result.rows, result.created, result.unchanged
            run.rejected, run.finished_at = result.rejected, timezone.now()
            run.save()
            audit_record(
                actor=actor,
                action="hearings.import",
                obj=run,
                data={"file": path.name, "sha256": run.sha256, "created": result.created},
            )
            result.batch_id = run.pk
    except IntegrityError as exc:
        raise InputError(f"检查之后数据库有了变化，没有写入任何数据，请重新导入（{exc}）") from exc


def export_hearings(path: Path | str, *, actor: Actor) -> int:
    """The held hearings on matters `actor` may see, in the format the importer reads."""
    from xinfang.casework.ledger import _export_event
    from xinfang.intake.ledger.exporter import write_table

    if not may(actor, Action.EXPORT_LEDGER) or not may(actor, Action.VIEW_MATTER):
        raise PermissionRefusedError("您没有导出听证台账的权限")
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputError("导出文件名应以 .csv 或 .xlsx 结尾")
    hearings = (
        Hearing.objects.filter(status=HearingStatus.HELD, matter__in=visible_matters(actor))
        .select_related("matter")
        .prefetch_related("participants")
        .order_by("starts_on", "matter__number", "stage")
    )
    rows = (
        (
            h.matter.number,
            h.stage,
            h.starts_on,
            h.ends_on,
            h.place,
            h.host_unit_id,
            h.public,
            tuple((p.role, p.name) for p in h.participants.all()),
            h.record,
            h.conclusion,
        )
        for h in hearings
    )
    count = write_table(path, COLUMNS, rows, Lookups.load(), sheet="听证台账")
    _export_event(actor, "hearings.export", Hearing, path, count)
    return count

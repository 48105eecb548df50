"""Loading or updating the organisation tree from a file (contract A2), checked whole first."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from xinfang.core.audit import changes
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import Action, Actor, may, user_of
from xinfang.intake.ledger.readers import file_sha256, open_table
from xinfang.intake.ledger.rows import Problem
from xinfang.intake.ledger.values import text
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.services import rebuild_paths

COLUMNS = ("编码", "名称", "上级编码", "类型")
REQUIRED = ("编码", "名称", "类型")
KINDS = {label: code for code, label in UnitKind.choices}
DISCIPLINE_MARKS = ("纪委", "监委")


class OrgFileRejectedError(InputError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"组织机构未导入：{len(problems)}处错误，没有写入任何数据")
        self.problems = problems


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    parent: str  # the parent's code; "" for a root
    kind: str


@dataclass
class OrgImportSummary:
    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    discipline_created: int = 0  # new units taken as discipline organs by their name

    def text(self) -> str:
        return (
            f"{self.file_name} 导入完成：共{self.rows}行，新增单位{self.created}个"
            f"（其中按名称认定为纪检监察机关{self.discipline_created}个），"
            f"更新{self.updated}个，未变{self.unchanged}个。"
            "纪检监察机关标记只在新建单位时按名称设定，已有单位的标记不变，请在单位管理中核对。"
        )


def org_import(*, actor: Actor, path: Path) -> OrgImportSummary:
    """Check every row (codes, parents, cycles, sibling names), then load or update the tree."""
    if not may(actor, Action.MANAGE_ORGANISATION):
        raise PermissionRefusedError("您没有管理组织机构的权限")
    units, problems = _read(path)
    stored = {unit.code: unit for unit in OrgUnit.objects.all()}
    if not problems:
        problems = _check_tree(units, stored)
    if problems:
        raise OrgFileRejectedError(sorted(problems, key=lambda p: p.row))
    summary = OrgImportSummary(file_name=path.name, rows=len(units))
    with transaction.atomic():
        _write(units, stored, summary, actor=actor)
        rebuild_paths()
        AuditEvent.objects.create(
            actor=user_of(actor),
            action="organisation.import",
            object_type=OrgUnit._meta.label_lower,
            object_id="*",  # the whole tree
            data={
                "file": path.name,
                "sha256": file_sha256(path),
                "rows": summary.rows,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            },
            ip=current_ip.get(),
        )
    return summary


def _read(path: Path) -> tuple[dict[str, UnitRow], list[Problem]]:
    problems: list[Problem] = []
    units: dict[str, UnitRow] = {}
    with open_table(path) as (header, rows):
        index: dict[str, int] = {}
        for position, name in enumerate(header):
            if name in index:
                problems.append(Problem(1, name, "列名重复"))
            elif name and name not in COLUMNS:
                problems.append(Problem(1, name, "未知的列名（应为编码、名称、上级编码、类型）"))
            index.setdefault(name, position)
        problems += [Problem(1, name, "缺少必填列") for name in REQUIRED if name not in index]
        if problems:
            return units, problems
        for number, cells in rows:

            def cell(name: str, cells: list[Any] = cells) -> str:
                return text(cells[index[name]]).strip() if name in index else ""

            unit = UnitRow(number, cell("编码"), cell("名称"), cell("上级编码"), cell("类型"))
            problems += _check_row(unit, units)
            if unit.code and unit.code not in units:
                units[unit.code] = unit
    return units, problems


def _check_row(unit: UnitRow, seen: dict[str, UnitRow]) -> list[Problem]:
    problems = []
    for column, value, limit in (("编码", unit.code, 64), ("名称", unit.name, 128)):
        if not value:
            problems.append(Problem(unit.row, column, "不能为空"))
        elif len(value) > limit:
            problems.append(Problem(unit.row, column, f"不能超过{limit}个字"))
    if unit.kind not in KINDS:
        allowed = "、".join(KINDS)
        problems.append(Problem(unit.row, "类型", f"应为{allowed}之一，实为“{unit.kind}”"))
    if unit.code in seen:
        problems.append(Problem(unit.row, "编码", f"与第{seen[unit.code].row}行重复"))
    return problems


def _check_tree(units: dict[str, UnitRow], stored: dict[str, OrgUnit]) -> list[Problem]:
    """Unknown parents, cycles and names repeated among siblings, in the tree after the import."""
    problems: list[Problem] = []
    codes_by_pk: dict[int | None, str] = {unit.pk: code for code, unit in stored.items()}
    parent = {code: codes_by_pk.get(unit.parent_id, "") for code, unit in stored.items()}
    name = {code: unit.name for code, unit in stored.items()}
    for code, unit in units.items():
        parent[code], name[code] = unit.parent, unit.name
    for unit in units.values():
        if unit.parent and unit.parent not in parent:
            problems.append(Problem(unit.row, "上级编码", f"没有编码为“{unit.parent}”的单位"))
    for code, unit in units.items():
        chain = [code]
        step = parent.get(code, "")
        while step and step in parent and step not in chain:
            chain.append(step)
            step = parent[step]
        if step == code:
            loop = " → ".join([*chain, code])
            problems.append(Problem(unit.row, "上级编码", f"上级关系成环：{loop}"))
    siblings: dict[tuple[str, str], list[str]] = {}
    for code in parent:
        siblings.setdefault((parent[code], name[code]), []).append(code)
    for (_, same_name), codes in siblings.items():
        if len(codes) < 2:
            continue
        for code in codes:
            if code in units:
                others = "、".join(_where(other, units) for other in codes if other != code)
                reason = f"与{others}同属一个上级，名称“{same_name}”重复"
                problems.append(Problem(units[code].row, "名称", reason))
    return problems


def _where(code: str, units: dict[str, UnitRow]) -> str:
    return f"第{units[code].row}行" if code in units else f"已有单位（编码{code}）"


def _write(
    units: dict[str, UnitRow],
    stored: dict[str, OrgUnit],
    summary: OrgImportSummary,
    *,
    actor: Actor,
) -> None:
    by_code = dict(stored)
    # New units level by level, so that every parent has its id before its children.
    new = [unit for code, unit in units.items() if code not in stored]
    depth = {code: _depth(code, units, stored) for code in (u.code for u in new)}
    for level in sorted(set(depth.values())):
        batch = [
            OrgUnit(
                code=unit.code,
                name=unit.name,
                kind=KINDS[unit.kind],
                parent=by_code.get(unit.parent),
                is_discipline_organ=_discipline(unit.name),
            )
            for unit in new
            if depth[unit.code] == level
        ]
        for created in OrgUnit.objects.bulk_create(batch):
            by_code[created.code] = created
    summary.created = len(new)
    summary.discipline_created = sum(1 for unit in new if _discipline(unit.name))
    events: list[AuditEvent] = []
    changed: list[OrgUnit] = []
    code_of: dict[int | None, str] = {unit.pk: code for code, unit in stored.items()}
    for code, unit in units.items():
        if code not in stored:
            continue
        current = stored[code]
        after = {
            "name": unit.name,
            "kind": KINDS[unit.kind],
            "parent": unit.parent or None,
            # Set only when a unit is created: a name never grants or takes away accusations.
            "is_discipline_organ": current.is_discipline_organ,
        }
        old_parent = code_of.get(current.parent_id)
        before = {
            "name": current.name,
            "kind": current.kind,
            "parent": old_parent,
            "is_discipline_organ": current.is_discipline_organ,
        }
        diff = changes(before, after)
        if not diff:
            summary.unchanged += 1
            continue
        current.name, current.kind = unit.name, KINDS[unit.kind]
        current.is_discipline_organ = bool(after["is_discipline_organ"])
        current.parent = by_code.get(unit.parent) if unit.parent else None
        changed.append(current)
        events.append(_event(actor, "orgunit.update", current, diff))
    # Renamed or moved units first take a name no sibling has, so a swap passes the constraint.
    for moved in changed:
        OrgUnit.objects.filter(pk=moved.pk).update(name=f"#改名中#{moved.pk}")
    fields = ["name", "kind", "parent", "is_discipline_organ"]
    OrgUnit.objects.bulk_update(changed, fields, batch_size=500)
    summary.updated = len(changed)
    events += [_event(actor, "orgunit.create", by_code[u.code], {}) for u in new]
    AuditEvent.objects.bulk_create(events, batch_size=1000)


def _depth(code: str, units: dict[str, UnitRow], stored: dict[str, OrgUnit]) -> int:
    depth = 0
    while code in units and units[code].parent and units[code].parent not in stored:
        code = units[code].parent
        depth += 1
    return depth


def _discipline(name: str) -> bool:
    return any(mark in name for mark in DISCIPLINE_MARKS)


def _event(actor: Actor, action: str, unit: OrgUnit, diff: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        actor=user_of(actor),
        action=action,
        object_type=OrgUnit._meta.label_lower,
        object_id=str(unit.pk),
        data={"code": unit.code, "name": unit.name} | ({"changes": diff} if diff else {}),
        ip=current_ip.get(),
    )

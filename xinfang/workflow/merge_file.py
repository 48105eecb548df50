"""The file a person reviews between `xinfang propose-merges` and `xinfang apply-merges`.

A CSV (UTF-8 with BOM, so Excel opens it; an .xlsx saved from it reads too): one row per matter,
the rows of a group together under one 组号 with an empty row after each group. The row marked
保留 is the matter that keeps; the reviewer writes 是 in 合并 on every row of a group to merge
(a row left empty stays out of the merge). apply-merges checks the whole file before it writes
anything, then merges every marked group in one transaction: all of them, or none.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from xinfang.core.errors import InputError
from xinfang.core.masking import mask_free_text
from xinfang.core.permissions import Action, Actor, may
from xinfang.core.spreadsheets import guard_formula
from xinfang.intake.ledger.readers import open_table
from xinfang.intake.models import Matter
from xinfang.intake.similar.repeats import MergeGroup
from xinfang.workflow.merges import MergeResult, matters_merge, merge_problems
from xinfang.workflow.models import MatterMerge

GROUP, MERGE, KEEP, NUMBER = "组号", "合并", "保留", "事项编号"
COLUMNS = (
    GROUP,
    MERGE,
    KEEP,
    NUMBER,
    "状态",
    "首次登记日期",
    "最近登记日期",
    "登记次数",
    "信访人",
    "问题属地",
    "内容分类",
    "信访目的",
    "相似度",
    "依据",
    "共同词语",
    "说明",
    "反映内容",
)
YES = {"是", "合并", "保留", "y", "yes", "1", "√", "✓", "✔", "x", "○"}
EXCERPT = 150


def write_proposals(path: Path, groups: list[MergeGroup]) -> int:
    """Write the groups for review; the number of rows written (one per matter)."""
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for index, group in enumerate(groups, start=1):
            for member in group.members:
                matter, evidence = member.matter, member.evidence
                first = matter.registrations.order_by("received_at", "id").first()
                notes = [f"已有{'、'.join(member.held)}，只能作为保留事项"] if member.held else []
                if evidence is None and group.problems:  # on the kept row, for the whole group
                    notes.append("按现有规则不能合并：" + "；".join(group.problems))
                note = "；".join(notes)
                cells = [
                    str(index),
                    "",
                    KEEP if evidence is None else "",
                    matter.number,
                    matter.get_status_display(),
                    matter.first_received_on.isoformat(),
                    matter.last_received_on.isoformat(),
                    str(matter.registration_count),
                    first.petitioner_name if first else "",
                    matter.locality.name if matter.locality else "",
                    matter.category.path if matter.category else "",
                    matter.get_purpose_display(),
                    "" if evidence is None else f"{evidence.score:.2f}",
                    "" if evidence is None else "；".join(evidence.reasons),
                    "" if evidence is None else "、".join(evidence.words),
                    note,
                    mask_free_text(first.content[:EXCERPT] if first else ""),
                ]
                writer.writerow([guard_formula(cell) for cell in cells])
                rows += 1
            writer.writerow([])
    return rows


@dataclass
class Marked:
    """One group as the reviewer marked it."""

    label: str
    kept: Matter
    absorbed: list[Matter]
    lines: list[int] = field(default_factory=list)


def _yes(value: object) -> bool | None:
    """True for a mark, False for an empty cell, None for anything else."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return False
    return True if text in YES else None


def read_marked(path: Path, *, actor: Actor) -> list[Marked]:
    """The marked groups of the file, every one checked; InputError listing every problem (with
    its row) when anything is wrong, before anything is written."""
    problems: list[str] = []
    groups: dict[str, list[tuple[int, str, bool]]] = {}
    with open_table(path) as (header, rows):
        missing = [name for name in (GROUP, MERGE, KEEP, NUMBER) if name not in header]
        if missing:
            raise InputError(
                f"{path.name} 缺少列：{'、'.join(missing)}；请使用 propose-merges 生成的文件"
            )
        at = {name: header.index(name) for name in (GROUP, MERGE, KEEP, NUMBER)}
        for line, cells in rows:
            label = str(cells[at[GROUP]] or "").strip()
            number = str(cells[at[NUMBER]] or "").strip()
            merge, keep = _yes(cells[at[MERGE]]), _yes(cells[at[KEEP]])
            if merge is None:
                problems.append(f"第{line}行：“合并”一栏请填“是”或留空")
                continue
            if keep is None:
                problems.append(f"第{line}行：“保留”一栏请填“保留”或留空")
                continue
            if not merge:
                continue
            if not label or not number:
                problems.append(f"第{line}行：标了合并，但没有组号或事项编号")
                continue
            groups.setdefault(label, []).append((line, number, keep))
    if not groups and not problems:
        raise InputError(f"{path.name} 中没有标为合并的事项（在要合并的各行“合并”一栏填“是”）")
    numbers = [number for rows_ in groups.values() for _, number, _ in rows_]
    found = {m.number: m for m in Matter.objects.filter(number__in=numbers)}
    gone = dict(
        MatterMerge.objects.filter(absorbed_number__in=numbers, undone_at__isnull=True).values_list(
            "absorbed_number", "kept__number"
        )
    )
    seen: dict[str, str] = {}
    marked = []
    for label, members in groups.items():
        where = f"第{label}组（第{'、'.join(str(line) for line, _, _ in members)}行）"
        trouble = len(problems)
        if len(members) < 2:
            problems.append(f"{where}：只标了一件事项，至少两件才能合并")
        keeps = [number for _, number, keep in members if keep]
        if len(keeps) != 1:
            problems.append(f"{where}：标为合并的事项中应有且只有一件标“保留”")
        for line, number, _ in members:
            if number in seen:
                problems.append(
                    f"第{line}行：{number}已在第{seen[number]}组中，一件事项只能合并一次"
                )
            seen[number] = label
            if number not in found:
                problems.append(
                    f"第{line}行：{number}已并入{gone[number]}"
                    if number in gone
                    else f"第{line}行：没有编号为{number}的事项"
                )
            elif not may(actor, Action.MERGE_MATTERS, found[number]):
                problems.append(f"第{line}行：您没有合并{number}的权限")
        if len(problems) > trouble:
            continue
        kept = found[keeps[0]]
        absorbed = [found[number] for _, number, keep in members if not keep]
        problems += [f"{where}：{text}" for text in merge_problems(kept, absorbed)]
        marked.append(Marked(label, kept, absorbed, [line for line, _, _ in members]))
    if problems:
        raise InputError("\n".join(problems))
    return marked


def apply_marked(path: Path, *, actor: Actor) -> list[MergeResult]:
    """Merge every marked group of the file, all in one transaction (or nothing)."""
    marked = read_marked(path, actor=actor)
    with transaction.atomic():
        return [
            matters_merge(
                actor=actor,
                kept=group.kept,
                absorbed=group.absorbed,
                evidence=f"{path.name} 第{group.label}组",
                source=path.name,
            )
            for group in marked
        ]

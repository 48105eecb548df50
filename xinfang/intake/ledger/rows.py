"""From the header and the cells of one row to checked values, or to the reasons they are bad."""

from dataclasses import dataclass
from typing import Any, NamedTuple

from xinfang.core.spreadsheets import UNSAFE_CHARS, unsafe_char, unsafe_char_message
from xinfang.intake.choices import form_for
from xinfang.intake.ledger.columns import BY_NAME, CHANNELS, COLUMNS, REASON_COLUMN, Column
from xinfang.intake.ledger.values import CellError, Lookups


class Problem(NamedTuple):
    """One bad cell: its row as a spreadsheet numbers it (header = 1), its column, the reason."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.reason}"


@dataclass(frozen=True)
class Layout:
    """Which cell of a row holds which column."""

    present: tuple[tuple[int, Column], ...]
    cells: tuple[tuple[int, str, Any, int, str], ...]  # (index, field, parser, text limit, name)
    required: tuple[tuple[int, Column], ...]
    unnamed: tuple[int, ...]  # positions without a column name: they must stay empty
    width: int

    def has(self, name: str) -> bool:
        return any(column.name == name for _, column in self.present)


def read_header(
    header: list[str], columns: tuple[Column, ...] = COLUMNS, *, what: str = "台账"
) -> tuple[Layout, list[Problem]]:
    """The layout of a file of `columns` (the ledger's by default; other files use their own)."""
    by_name = BY_NAME if columns is COLUMNS else {column.name: column for column in columns}
    problems: list[Problem] = []
    present: list[tuple[int, Column]] = []
    unnamed: list[int] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            unnamed.append(index)
            continue
        if name in seen:
            problems.append(Problem(1, name, f"列名重复（第{seen[name] + 1}列和第{index + 1}列）"))
            continue
        seen[name] = index
        if name == REASON_COLUMN:
            continue
        column = by_name.get(name)
        if column is None:
            problems.append(Problem(1, name, f"未知的列名（{what}的列名见格式说明）"))
            continue
        present.append((index, column))
    for column in columns:
        if column.required and column.name not in seen:
            problems.append(Problem(1, column.name, "缺少必填列"))
    required = tuple(item for item in present if item[1].required)
    cells = tuple((i, c.field, c.parse, c.limit, c.name) for i, c in present)
    layout = Layout(tuple(present), cells, required, tuple(unnamed), len(header))
    return layout, problems


# What an absent or empty cell means; "form" None is decided by the collective threshold.
DEFAULTS: dict[str, Any] = {column.field: None for column in COLUMNS} | {
    "number": "",
    "matter__number": "",
    "level": "local",
    "people": 1,
    "petitioner_name": "",
    "petitioner__id_number": "",
    "petitioner_phone": "",
    "petitioner_address": "",
    "purpose": "",
    "content": "",
    "letter_kind": "",
    "matter__handling_method": "",
    "matter__evaluation": "",
    "matter__package_leader": "",
    "matter__supervision_level": "",
    "matter__remark": "",
}


def parse_cells(
    number: int,
    cells: list[Any],
    layout: Layout,
    ctx: Lookups,
    problems: list[Problem],
    defaults: dict[str, Any],
) -> dict[str, Any]:
    """Every cell of a row parsed by its column (any file's columns), empty ones by `defaults`;
    bad cells, empty required ones and filled unnamed ones go to `problems`."""
    values = defaults.copy()
    for index, field, parse, limit, name in layout.cells:
        raw = cells[index]
        if not raw and (raw is None or raw == ""):
            continue
        if type(raw) is str:
            raw = raw.strip()  # the one place cells are trimmed; the parsers rely on it
            if not raw:
                continue
            if limit:  # plain text: no parser to call
                if len(raw) > limit:
                    problems.append(
                        Problem(number, name, f"不能超过{limit}个字，实为{len(raw)}个字")
                    )
                elif UNSAFE_CHARS.search(raw):  # refused like NUL in the forms
                    message = unsafe_char_message(unsafe_char(raw) or "")
                    problems.append(Problem(number, name, message))
                else:
                    values[field] = raw
                continue
        try:
            values[field] = parse(raw, ctx)
        except CellError as exc:
            problems.append(Problem(number, name, str(exc)))
    for index, column in layout.required:
        raw = cells[index]
        if raw is None or (type(raw) is str and not raw.strip()):
            problems.append(Problem(number, column.name, "不能为空"))
    if layout.unnamed or len(cells) > layout.width:
        _check_extra_cells(number, cells, layout, problems)
    return values


def parse_row(
    number: int, cells: list[Any], layout: Layout, ctx: Lookups, problems: list[Problem]
) -> tuple[dict[str, Any], bool]:
    """The row's values by model field, and whether it is good (its problems go to `problems`)."""
    before = len(problems)
    values = parse_cells(number, cells, layout, ctx, problems, DEFAULTS)
    if values["form"] is None:
        values["form"] = form_for(values["people"], None, values["channel"], ctx.threshold)
    elif values["form"] == "collective" and values["people"] < 2:
        problems.append(Problem(number, "形式", "集体访的人数至少为2人"))
    if values["petitioner__id_number"] and not values["petitioner_name"]:
        problems.append(Problem(number, "信访人", "填写了身份证号，也应填写信访人姓名"))
    if values["letter_kind"] and values["channel"] not in (None, "letter"):
        channel = CHANNELS[values["channel"]]
        reason = f"只有渠道为来信的登记才有来信类型，此行渠道为“{channel}”，应留空"
        problems.append(Problem(number, "来信类型", reason))
    if len(problems) > before:
        return values, False
    values["received_on"] = values["received_at"].date()
    return values, True


def _check_extra_cells(
    number: int, cells: list[Any], layout: Layout, problems: list[Problem]
) -> None:
    extra = [*layout.unnamed, *range(layout.width, len(cells))]
    for index in extra:
        cell = cells[index]
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            problems.append(Problem(number, f"第{index + 1}列", "该列没有列名，却填了内容"))

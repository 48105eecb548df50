"""The columns of the dispute ledger (A4): one row per dispute (矛盾纠纷).

Built from the ledger's own Column, parsers and formatters (xinfang.intake.ledger), so cells are
read, trimmed, limited, refused for control characters and named in errors exactly as in the
ledger (contract A); units are named by code or name like the ledger does.
"""

import re
from datetime import date
from itertools import pairwise

from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeSource,
    MediationKind,
    MediationResult,
    Risk,
)
from xinfang.disputes.clocks import UP
from xinfang.intake.ledger.columns import Column
from xinfang.intake.ledger.values import (
    Cell,
    CellError,
    Lookups,
    choice,
    format_category,
    format_choice,
    format_date,
    format_text,
    format_unit,
    parse_category,
    parse_date,
    parse_people,
    parse_text,
    parse_unit,
    text,
)

SOURCES = {s.value: s.label for s in DisputeSource}
RISKS = {r.value: r.label for r in Risk}
LEVELS = {lv.value: lv.label for lv in DisputeLevel}
KINDS = {k.value: k.label for k in MediationKind}
RESULTS = {r.value: r.label for r in MediationResult}
_LEVEL_OF = {label: code for code, label in LEVELS.items()}
# 升级记录 items are separated by "；" (a ";" or "，" typed instead is read the same)
_ITEMS = re.compile(r"[；;，,]")
EXAMPLE = "2024-03-02 街道乡镇；2024-03-20 区县"

Escalations = tuple[tuple[date, str], ...]


def parse_escalations(raw: Cell, ctx: Lookups) -> Escalations:
    """“2024-03-02 街道乡镇；2024-03-20 区县”: each level the dispute rose to, in order; a level
    its place lacks is skipped (“2024-03-02 区县” for a village directly under the district)."""
    value = text(raw)
    items: list[tuple[date, str]] = []
    for part in _ITEMS.split(value):
        part = part.strip()
        if not part:
            continue
        pieces = part.split()
        if len(pieces) != 2:
            raise CellError(f"应写作“{EXAMPLE}”，实为“{value}”")
        day = parse_date(pieces[0], ctx)
        level = _LEVEL_OF.get(pieces[1])
        if level is None or (level == DisputeLevel.VILLAGE and not items):
            raise CellError(f"升级到的层级应为街道乡镇或区县，实为“{pieces[1]}”")
        items.append((day, level))  # a 村社区 after another level: the step down named below
    if not items:
        raise CellError(f"应写作“{EXAMPLE}”，实为“{value}”")
    for (before, low), (after, high) in pairwise(items):
        # upwards only; whether a level was skipped depends on the place (the check's job)
        if high not in {up for up, _ in UP[low]}:
            raise CellError(
                f"层级只能上升（村社区→街道乡镇→区县，属地没有的层级跳过），"
                f"不能由{LEVELS[low]}到{LEVELS[high]}，实为“{value}”"
            )
        if after < before:
            raise CellError(f"升级日期应按先后排列，实为“{value}”")
    for day, _ in items:
        if day > ctx.today:
            raise CellError(f"升级日期{day:%Y-%m-%d}晚于今天")
    return tuple(items)


def format_escalations(value: Escalations | None, ctx: Lookups) -> str:
    return "；".join(f"{day.isoformat()} {LEVELS[level]}" for day, level in value or ())


def parse_yes_no(raw: Cell, ctx: Lookups) -> bool:
    value = text(raw)
    if value not in ("是", "否"):
        raise CellError(f"应为是或否，实为“{value}”")
    return value == "是"


def format_yes_no(value: bool | None, ctx: Lookups) -> str:
    return "是" if value else "否"


def parse_parties(raw: Cell, ctx: Lookups) -> int:
    try:
        return int(parse_people(raw, ctx))
    except CellError:
        raise CellError(f"涉及人数应为1至100000之间的整数，实为“{text(raw)}”") from None


DESCRIPTION_LIMIT = 5000

DISPUTE_COLUMNS: tuple[Column, ...] = (
    Column("纠纷编号", "number", parse_text(40), format_text, required=True, limit=40),
    Column("排查日期", "found_on", parse_date, format_date, required=True, kind="date"),
    Column("来源", "source", choice(SOURCES), format_choice(SOURCES), required=True),
    Column("问题属地", "place", parse_unit, format_unit, required=True),
    Column("内容分类", "category", parse_category, format_category),
    Column("涉及人数", "parties", parse_parties, format_text, required=True, kind="int"),
    Column("风险等级", "risk", choice(RISKS), format_choice(RISKS), required=True),
    Column("责任单位", "owner_unit", parse_unit, format_unit),
    Column(
        "情况",
        "description",
        parse_text(DESCRIPTION_LIMIT),
        format_text,
        required=True,
        limit=DESCRIPTION_LIMIT,
    ),
    Column("当前层级", "level", choice(LEVELS), format_choice(LEVELS), required=True),
    Column("调解类型", "mediation_kind", choice(KINDS), format_choice(KINDS)),
    Column("调解结果", "mediation_result", choice(RESULTS), format_choice(RESULTS)),
    Column("化解日期", "settled_on", parse_date, format_date, kind="date"),
    Column("转信访登记编号", "registration", parse_text(64), format_text, limit=64),
    Column("升级记录", "escalations", parse_escalations, format_escalations),
    Column("重排", "rescreened", parse_yes_no, format_yes_no),
)
FIELDS = tuple(column.field for column in DISPUTE_COLUMNS)
FIELD_NAME = {column.field: column.name for column in DISPUTE_COLUMNS}
BY_FIELD = {column.field: column for column in DISPUTE_COLUMNS}
DEFAULTS: dict[str, object] = {column.field: None for column in DISPUTE_COLUMNS} | {
    "number": "",
    "description": "",
    "registration": "",
    "escalations": (),
    "rescreened": False,
}

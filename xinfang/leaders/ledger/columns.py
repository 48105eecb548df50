"""The columns of the reception ledger (A3): one row per registration received at a session.

Built from the ledger's own Column, parsers and formatters (xinfang.intake.ledger), so cells are
read, trimmed, limited and named in errors exactly as in the ledger (contract A).
"""

import re

from xinfang.intake.ledger.columns import Column
from xinfang.intake.ledger.values import (
    Cell,
    CellError,
    Lookups,
    choice,
    format_choice,
    format_date,
    format_text,
    parse_date,
    parse_text,
    text,
)
from xinfang.leaders.choices import LeaderTier, ReceptionOutcome, SessionKind

KINDS = {kind.value: kind.label for kind in SessionKind}
TIERS = {tier.value: tier.label for tier in LeaderTier}
OUTCOMES = {outcome.value: outcome.label for outcome in ReceptionOutcome}
_TIER_OF = {label: code for code, label in TIERS.items()}
# names are written separated by 、; a comma typed instead is read the same
_SEPARATOR = re.compile(r"[、，,]")
NAME_LIMIT = 64  # Leader.name


def _parts(raw: Cell, what: str) -> list[str]:
    parts = [part.strip() for part in _SEPARATOR.split(text(raw))]
    if any(not part for part in parts):
        raise CellError(f"{what}之间用“、”分隔，不能有空项，实为“{text(raw)}”")
    return parts


def parse_names(raw: Cell, ctx: Lookups) -> tuple[str, ...]:
    names = _parts(raw, "领导姓名")
    for name in names:
        if len(name) > NAME_LIMIT:
            raise CellError(f"领导姓名“{name[:10]}…”超过{NAME_LIMIT}个字")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise CellError(f"{'、'.join(twice)}重复列出")
    return tuple(names)


def parse_tiers(raw: Cell, ctx: Lookups) -> tuple[str, ...]:
    codes = []
    for part in _parts(raw, "领导层级"):
        code = _TIER_OF.get(part)
        if code is None:
            raise CellError(f"“{part}”不是领导层级，应为{'、'.join(TIERS.values())}之一")
        codes.append(code)
    return tuple(codes)


def format_names(value: tuple[str, ...] | None, ctx: Lookups) -> str:
    return "、".join(value or ())


def format_tiers(value: tuple[str, ...] | None, ctx: Lookups) -> str:
    return "、".join(TIERS[code] for code in value or ())


RECEPTION_COLUMNS: tuple[Column, ...] = (
    Column("接访编号", "session", parse_text(64), format_text, required=True, limit=64),
    Column("接访日期", "held_on", parse_date, format_date, kind="date"),
    Column("接访形式", "kind", choice(KINDS), format_choice(KINDS)),
    Column("地点", "place", parse_text(128), format_text, limit=128),
    Column("接访领导", "leaders", parse_names, format_names),
    Column("领导层级", "tiers", parse_tiers, format_tiers),
    Column("登记编号", "registration", parse_text(64), format_text, limit=64),
    Column("接访结果", "outcome", choice(OUTCOMES), format_choice(OUTCOMES)),
    Column("交办日期", "routed_on", parse_date, format_date, kind="date"),
)
# A file must have these columns; their cells may be left empty on a session's other rows
# (merged cells in Excel), but every session must state them once.
SESSION_COLUMNS = ("接访日期", "接访形式", "接访领导", "领导层级")
HEADER_REQUIRED = ("接访编号", *SESSION_COLUMNS, "登记编号", "接访结果")
# the facts of a session: rows of one session must agree on each (or leave it empty)
SESSION_FIELDS = ("held_on", "kind", "place", "leaders", "tiers")
FIELD_NAME = {column.field: column.name for column in RECEPTION_COLUMNS}
BY_FIELD = {column.field: column for column in RECEPTION_COLUMNS}
DEFAULTS: dict[str, object] = {column.field: None for column in RECEPTION_COLUMNS} | {
    "session": "",
    "place": "",
    "registration": "",
}

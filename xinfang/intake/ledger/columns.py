"""The columns of the ledger file (contract A): Chinese name, model field, parser and writer."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xinfang.intake.choices import LetterKind
from xinfang.intake.ledger.values import (
    Cell,
    Lookups,
    choice,
    format_category,
    format_choice,
    format_date,
    format_received,
    format_text,
    format_unit,
    parse_category,
    parse_date,
    parse_id,
    parse_people,
    parse_received,
    parse_text,
    parse_unit,
)

Parser = Callable[[Cell, Lookups], Any]
Formatter = Callable[[Any, Lookups], str]

# The labels the export writes; contract A's first spelling of each value.
CHANNELS = {"letter": "来信", "visit": "来访", "online": "网上", "phone": "来电"}
LEVELS = {"national": "进京", "provincial": "赴省", "city": "到市", "local": "来区"}
FORMS = {"individual": "个访", "collective": "集体访"}
PURPOSES = {"suggestion": "建议意见", "accusation": "检举控告", "request": "申诉求决"}
HANDLING = {
    "accept": "受理",
    "decline": "不予受理",
    "forward": "转送",
    "assign": "交办",
    "legal_channel": "依法分类",
}
EVALUATIONS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
SUPERVISION = {"central": "中央", "provincial": "省", "city": "市", "district": "区"}
# An ordinary letter is written as an empty cell.
LETTER_KINDS = {kind.value: kind.label for kind in LetterKind if kind.value}


@dataclass(frozen=True)
class Column:
    name: str
    field: str  # lookup from Registration, e.g. "matter__replied_on"
    parse: Parser
    format: Formatter
    required: bool = False
    matter: bool = False  # from 处理方式 on: a fact of the matter, not of the registration
    kind: str = "text"  # "date", "datetime" or "int": how an .xlsx export types the cell
    limit: int = 0  # plain text of at most this many characters (read without a parser call)
    # Beyond contract A: a file without the column states nothing, and stored values stay.
    extension: bool = False


def _col(name: str, field: str, parse: Parser, fmt: Formatter = format_text, **kw: Any) -> Column:
    return Column(name, field, parse, fmt, **kw)


def _choice(name: str, field: str, labels: dict[str, str], **kw: Any) -> Column:
    aliases, hint = kw.pop("aliases", None), kw.pop("hint", "")
    return _col(name, field, choice(labels, aliases, hint), format_choice(labels), **kw)


def _date(name: str, field: str, **kw: Any) -> Column:
    return _col(name, field, parse_date, format_date, kind="date", **kw)


def _text(name: str, field: str, limit: int, **kw: Any) -> Column:
    return _col(name, field, parse_text(limit), limit=limit, **kw)


COLUMNS: tuple[Column, ...] = (
    _text("登记编号", "number", 64, required=True),
    _text("事项编号", "matter__number", 64),
    _col(
        "登记日期", "received_at", parse_received, format_received, required=True, kind="datetime"
    ),
    _choice(
        "渠道",
        "channel",
        CHANNELS,
        aliases={"走访": "visit", "网上信访": "online", "电话": "phone"},
        required=True,
    ),
    _choice("层级", "level", LEVELS, aliases={"去市": "city", "来县": "local", "本级": "local"}),
    _col("人数", "people", parse_people, kind="int"),
    _choice("形式", "form", FORMS),
    _text("信访人", "petitioner_name", 64),
    _col("身份证号", "petitioner__id_number", parse_id),
    _text("联系电话", "petitioner_phone", 32),
    _text("住址", "petitioner_address", 255),
    _col("问题属地", "locality", parse_unit, format_unit),
    _col("内容分类", "category", parse_category, format_category),
    _choice(
        "信访目的",
        "purpose",
        PURPOSES,
        aliases={f"{label}类": code for code, label in PURPOSES.items()},
    ),
    _text("反映内容", "content", 100000),
    _col("责任单位", "responsible_unit", parse_unit, format_unit),
    _choice(
        "来信类型",
        "letter_kind",
        LETTER_KINDS,
        aliases={"普通来信": ""},
        hint="（普通来信留空）",
        extension=True,
    ),
    _choice(
        "处理方式",
        "matter__handling_method",
        HANDLING,
        aliases={"依法分类处理": "legal_channel"},
        matter=True,
    ),
    _date("处理日期", "matter__decided_on", matter=True),
    _date("办理期限", "matter__handling_deadline", matter=True),
    _date("延期至", "matter__extended_to", matter=True),
    _date("答复日期", "matter__replied_on", matter=True),
    _choice("评价", "matter__evaluation", EVALUATIONS, matter=True),
    _date("评价日期", "matter__evaluated_on", matter=True),
    _date("复查申请日期", "matter__review_requested_on", matter=True),
    _date("复查答复日期", "matter__review_replied_on", matter=True),
    _date("复核申请日期", "matter__rereview_requested_on", matter=True),
    _date("复核答复日期", "matter__rereview_replied_on", matter=True),
    _text("包案领导", "matter__package_leader", 64, matter=True),
    _date("包案日期", "matter__package_started_on", matter=True),
    _choice(
        "督办级别",
        "matter__supervision_level",
        SUPERVISION,
        aliases={"省级": "provincial", "市级": "city", "区级": "district", "县": "district"},
        matter=True,
    ),
    _date("督办日期", "matter__supervision_started_on", matter=True),
    _date("督办期限", "matter__supervision_due", matter=True),
    _date("化解日期", "matter__resolved_on", matter=True),
    _text("备注", "matter__remark", 100000, matter=True),
)

BY_NAME = {column.name: column for column in COLUMNS}
MATTER_COLUMNS = tuple(column for column in COLUMNS if column.matter)
# The model field of each matter column ("matter__replied_on" -> "replied_on").
MATTER_FIELDS = tuple(column.field.removeprefix("matter__") for column in MATTER_COLUMNS)
REASON_COLUMN = "原因"  # added to a rejects file; read back and ignored so it can be re-imported

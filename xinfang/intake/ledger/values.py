"""Reading and writing one ledger cell: dates, numbers, closed vocabularies, units, categories."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any

from django.utils import timezone
from openpyxl.utils.datetime import from_excel

from xinfang.core.config import domain_setting
from xinfang.core.spreadsheets import UNSAFE_CHARS, unsafe_char, unsafe_char_message
from xinfang.intake.idcard import InvalidIdNumberError, parse_id_number

# What a reader hands over: text from CSV; from .xlsx also numbers and date cells.
Cell = str | int | float | datetime | date | bool | None

_DATE = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
)


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason, in Chinese."""


@dataclass
class Lookups:
    """Everything a row needs from the database, loaded once per file (no per-row queries)."""

    units: dict[str, int | None]  # code or name -> id; None: the name is ambiguous
    unit_display: dict[int, str]  # id -> its unambiguous name, else its code
    categories: dict[str, int]  # name or path -> id
    category_name: dict[int, str]
    threshold: int
    tz: tzinfo
    today: date
    dates: dict[str, date] = field(default_factory=dict)  # parse cache: dates repeat a lot
    datetimes: dict[str, datetime] = field(default_factory=dict)
    id_numbers: dict[str, str] = field(default_factory=dict)  # as given -> normalised

    @classmethod
    def load(cls) -> "Lookups":
        from xinfang.intake.models import Category
        from xinfang.organisation.models import OrgUnit
        from xinfang.organisation.selectors import unit_keys

        rows = list(OrgUnit.objects.values_list("id", "code", "name", "short_name"))
        units = unit_keys(rows)
        display = {pk: name if units.get(name) == pk else code for pk, code, name, _ in rows}
        categories: dict[str, int] = {}
        names: dict[int, str] = {}
        for pk, name, path in Category.objects.values_list("id", "name", "path"):
            categories[path] = pk
            categories[name] = pk
            names[pk] = name
        return cls(
            units=units,
            unit_display=display,
            categories=categories,
            category_name=names,
            threshold=int(domain_setting("COLLECTIVE_THRESHOLD")),
            tz=timezone.get_current_timezone(),
            today=timezone.localdate(),
        )


def text(raw: Cell) -> str:
    """The cell as text (rows.parse_row has trimmed it); whole numbers lose their ".0"."""
    if type(raw) is str:
        return raw
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ")
    return str(raw).strip()


def parse_text(limit: int) -> Any:
    def parse(raw: Cell, ctx: Lookups) -> str:
        value = text(raw)
        if UNSAFE_CHARS.search(value):  # refused like NUL in the forms (core/spreadsheets.py)
            raise CellError(unsafe_char_message(unsafe_char(value) or ""))
        if len(value) > limit:
            raise CellError(f"不能超过{limit}个字，实为{len(value)}个字")
        return value

    return parse


def _split_date(raw: Cell) -> tuple[date, time | None]:
    if isinstance(raw, datetime):
        moment = raw.time()
        return raw.date(), None if moment == time() else moment
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:  # an Excel serial day number in a cell without a date format
            return _split_date(from_excel(raw))
        raise CellError(f"日期应为YYYY-MM-DD，实为“{text(raw)}”")
    value = text(raw)
    match = _DATE.fullmatch(value)
    if match is None:
        raise CellError(f"日期应为YYYY-MM-DD，实为“{value}”")
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        day_value = date(int(year), int(month), int(day))
        if hour is None:
            return day_value, None
        moment = time(
            int(hour), int(minute), int(second or 0), int((fraction or "0").ljust(6, "0"))
        )
    except ValueError as exc:
        raise CellError(f"日期“{value}”不存在") from exc
    return day_value, None if moment == time() else moment


def parse_date(raw: Cell, ctx: Lookups) -> date:
    """A day; a time part is allowed (Excel date-time cells) but these columns keep the day."""
    if isinstance(raw, str):
        cached = ctx.dates.get(raw)
        if cached is None:
            cached = ctx.dates[raw] = _split_date(raw)[0]
        return cached
    return _split_date(raw)[0]


def parse_received(raw: Cell, ctx: Lookups) -> datetime:
    """登记日期: a day, or a day and a time (kept), in the local time zone; never in the future."""
    if isinstance(raw, str) and raw in ctx.datetimes:
        return ctx.datetimes[raw]
    day, moment = _split_date(raw)
    if day > ctx.today:
        raise CellError(f"登记日期{day:%Y-%m-%d}晚于今天")
    value = datetime.combine(day, moment or time(), tzinfo=ctx.tz)
    if isinstance(raw, str) and moment is None:
        ctx.datetimes[raw] = value
    return value


def parse_people(raw: Cell, ctx: Lookups) -> int:
    value = text(raw)
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 100000:
        raise CellError(f"人数应为1至100000之间的整数，实为“{value}”")
    return int(value)


def parse_id(raw: Cell, ctx: Lookups) -> str:
    value = text(raw)
    number = ctx.id_numbers.get(value)
    if number is None:
        try:
            number = parse_id_number(value, today=ctx.today).number
        except InvalidIdNumberError as exc:
            raise CellError(str(exc)) from exc
        ctx.id_numbers[value] = number  # valid ones only; people come back with the same number
    return number


def id_facts(number: str) -> tuple[date, str]:
    """Birth date and sex of a number parse_id accepted (read as idcard.parse_id_number does)."""
    birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return birth, "M" if int(number[16]) % 2 else "F"


def parse_unit(raw: Cell, ctx: Lookups) -> int:
    value = text(raw)
    pk = ctx.units.get(value, 0)
    if not pk:
        if value not in ctx.units:
            raise CellError(f"组织树中没有编码或名称为“{value}”的单位")
        raise CellError(f"名称“{value}”在组织树中不唯一，请填写单位编码")
    return pk


def parse_category(raw: Cell, ctx: Lookups) -> int:
    value = "/".join(part.strip() for part in text(raw).split("/"))
    pk = ctx.categories.get(value)
    if pk is None:
        raise CellError(f"没有名称或路径为“{value}”的内容分类")
    return pk


def choice(
    labels: Mapping[str, str], aliases: Mapping[str, str] | None = None, hint: str = ""
) -> Any:
    """A parser for a closed vocabulary: code -> label, and more spellings read as the same code."""
    table = {label: code for code, label in labels.items()} | dict(aliases or {})
    allowed = "、".join(labels.values())

    def parse(raw: Cell, ctx: Lookups) -> str:
        code = table.get(raw)  # type: ignore[arg-type]  # trimmed text; anything else misses
        if code is None:
            raise CellError(f"应为{allowed}之一{hint}，实为“{text(raw)}”")
        return code

    return parse


def format_date(value: date | None, ctx: Lookups) -> str:
    return "" if value is None else value.isoformat()


def format_received(value: datetime, ctx: Lookups) -> str:
    local = value.astimezone(ctx.tz).replace(tzinfo=None)
    if local.time() == time():
        return local.date().isoformat()
    return local.isoformat(sep=" ", timespec="microseconds" if local.microsecond else "seconds")


def format_text(value: Any, ctx: Lookups) -> str:
    return "" if value is None else str(value)


def format_unit(value: int | None, ctx: Lookups) -> str:
    return "" if value is None else ctx.unit_display[value]


def format_category(value: int | None, ctx: Lookups) -> str:
    return "" if value is None else ctx.category_name[value]


def format_choice(labels: Mapping[str, str]) -> Any:
    def fmt(value: str | None, ctx: Lookups) -> str:
        return labels.get(value, "") if value else ""

    return fmt

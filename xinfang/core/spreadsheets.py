"""Spreadsheets we write and read: text stays text, and a workbook is measured before it is opened.

- Writing. A cell we write from text is never a formula. In an .xlsx the cell is typed as text
  (openpyxl would otherwise store "=HYPERLINK(…)" as a formula); in a CSV, which has no types, a
  cell that starts with = + - @, a tab or a carriage return gets a leading apostrophe (and the
  readers take exactly one off again, so an export imports back unchanged).
- Reading. An .xlsx is a zip: before openpyxl opens one, its members' uncompressed sizes (which
  also bound what the zip reader will inflate) are checked against a total and a ratio, so that a
  small file that unzips to gigabytes is refused with a Chinese message instead of eating memory.
- Text. Control characters (U+0000–U+001F but tab, newline and carriage return; DEL) and the bidi
  embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069), the direction marks
  (U+200E, U+200F, U+061C) and the zero-width space and word joiner (U+200B, U+2060) are refused in
  imported text, as the forms refuse NUL: they hide or reorder what a reader sees.
"""

import re
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from xinfang.core.errors import InputError

# A CSV cell starting with one of these is a formula to a spreadsheet: exports prefix an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(cell: str) -> str:
    """The cell as a CSV export writes it: a leading apostrophe keeps a formula start as text."""
    # Apostrophes already there count too, so that unguard_formula gives back the very cell.
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def unguard_formula(cell: str) -> str:
    """Exactly one apostrophe taken off a guarded cell, so an export imports back unchanged."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def keep_text(sheet: Any) -> None:
    """Every string cell of an openpyxl worksheet typed as text: we never write formulas."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def text_cell(sheet: Any, value: str) -> Any:
    """A write-only worksheet's cell holding `value` as text, whatever it starts with."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


# -- reading an .xlsx ------------------------------------------------------------------------


def xlsx_limits() -> tuple[int, int]:
    conf = getattr(settings, "XINFANG", {})
    return (
        int(conf.get("XLSX_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024)),
        int(conf.get("XLSX_MAX_RATIO", 100)),
    )


# members smaller than this may compress as well as they like (styles, empty sheets)
_RATIO_FLOOR = 1024 * 1024


def check_xlsx(source: Path | IO[bytes], name: str = "") -> None:
    """Refuse a workbook whose members unzip to more than the limit, or one member that inflates
    more than the ratio allows; call before openpyxl opens it."""
    label = name or (source.name if isinstance(source, Path) else "工作簿")
    most, ratio = xlsx_limits()
    try:
        with zipfile.ZipFile(source) as book:
            members = book.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{label} 不是有效的.xlsx工作簿：{exc}") from exc
    finally:
        if not isinstance(source, Path):
            source.seek(0)
    total = sum(m.file_size for m in members)
    if total > most:
        raise InputError(
            f"{label} 解压后有 {_mb(total)}，超过上限 {_mb(most)}；请拆分后再导入，或改用CSV"
        )
    for m in members:
        if m.file_size > _RATIO_FLOOR and m.file_size > ratio * max(m.compress_size, 1):
            raise InputError(
                f"{label} 中的 {m.filename} 压缩比异常（{m.compress_size} 字节解压为 "
                f"{_mb(m.file_size)}，超过 {ratio} 倍），已拒绝打开"
            )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# -- text that hides or reorders what a reader sees -------------------------------------------

# Also the zero-width space and word joiner (拆\u200b迁 escapes a search for 拆迁) and the direction
# marks (U+200E, U+200F, U+061C); the zero-width (non-)joiners stay: emoji and scripts need them.
UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200b\u200e\u200f\u2060\u202a-\u202e\u2066-\u2069]"
)
ZERO_WIDTH = frozenset("\u200b\u2060")


def unsafe_char(text: str) -> str | None:
    """The first control or bidi character in `text`, or None."""
    found = UNSAFE_CHARS.search(text)
    return found.group() if found else None


def unsafe_char_message(ch: str, *, then: str = "重新导入") -> str:
    if ch in ZERO_WIDTH:
        kind = "零宽字符"
    elif ch == "\u061c" or ord(ch) >= 0x200E:
        kind = "文字方向控制字符"
    else:
        kind = "控制字符"
    return f"含有不可见的{kind}（U+{ord(ch):04X}），请删除后{then}"

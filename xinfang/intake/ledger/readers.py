"""Reading a table file: UTF-8 CSV (with or without BOM) or the first sheet of an .xlsx workbook.

Rows come numbered as a spreadsheet shows them (the header is row 1); empty rows are skipped.
Also used for the organisation file, so nothing here knows the ledger's columns.
"""

import csv
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xinfang.core.errors import InputError
from xinfang.core.spreadsheets import FORMULA_STARTS, check_xlsx, guard_formula, unguard_formula

Row = tuple[int, list[Any]]
# the formula guard of CSV exports lives with the other spreadsheet rules
__all__ = ["FORMULA_STARTS", "guard_formula", "unguard_formula"]


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in {".xlsx", ".xlsm"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def open_table(path: Path) -> Iterator[tuple[list[str], Iterator[Row]]]:
    """The header (trimmed names) and an iterator of (row number, cells as long as the header)."""
    if not path.is_file():
        raise InputError(f"找不到文件：{path}")
    if is_xlsx(path):
        with _open_xlsx(path) as rows:
            yield _split_header(rows)
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield _split_header(_csv_rows(fh, path))


def _csv_rows(fh: Any, path: Path) -> Iterator[list[Any]]:
    try:
        for row in csv.reader(fh):
            # Joined once, in C: most rows hold no cell that starts with an apostrophe.
            if "\x00'" in "\x00" + "\x00".join(row):
                row = [unguard_formula(cell) for cell in row]
            yield row
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} 不是UTF-8编码的CSV文件；请在Excel中“另存为 CSV UTF-8”后再导入"
        ) from exc
    except csv.Error as exc:
        raise InputError(f"{path.name} 不是有效的CSV文件：{exc}") from exc


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Iterator[list[Any]]]:
    from openpyxl import load_workbook

    check_xlsx(path)  # before openpyxl inflates anything
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged or foreign file
        raise InputError(f"{path.name} 不是有效的.xlsx工作簿：{exc}") from exc
    try:
        sheet = book.worksheets[0]
        yield (list(values) for values in sheet.iter_rows(values_only=True))
    finally:
        book.close()


def _split_header(rows: Iterator[list[Any]]) -> tuple[list[str], Iterator[Row]]:
    first = next(rows, None)
    if first is None:
        raise InputError("文件是空的：第1行应为列名")
    header = ["" if cell is None else str(cell).strip() for cell in first]
    while header and not header[-1]:
        header.pop()
    return header, _numbered(rows, len(header))


def _numbered(rows: Iterator[list[Any]], width: int) -> Iterator[Row]:
    for number, cells in enumerate(rows, start=2):
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        for cell in cells:  # usually stops at the first cell
            if cell is not None and (type(cell) is not str or cell.strip()):
                yield number, cells
                break

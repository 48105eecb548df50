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

Row = tuple[int, list[Any]]
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

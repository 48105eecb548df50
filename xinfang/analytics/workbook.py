"""The report as an Excel workbook: one sheet per table, formatted to print (A4 landscape)."""

from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from xinfang.analytics.tables import report_tables
from xinfang.analytics.text import period_label
from xinfang.core.spreadsheets import keep_text

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _sheet_name(title: str, used: set[str]) -> str:
    name = title[:31]
    n = 2
    while name in used:
        name = f"{title[:28]}{n}"
        n += 1
    used.add(name)
    return name


def write_workbook(report: dict[str, Any], path: Path) -> None:
    from datetime import date

    start = date.fromisoformat(report["period"]["start"])
    end = date.fromisoformat(report["period"]["end"])
    caption = f"{report.get('org_name') or report['org']} {period_label(start, end)}"
    if report.get("to_date"):  # counted to today: against the same days of the compared period
        prev = [date.fromisoformat(report["previous_period"][k]) for k in ("start", "end")]
        word = "同期" if report.get("comparison", "yoy") == "yoy" else "上期"
        caption += f"（截止目前，{word}为{period_label(*prev)}）"
    write_tables(path, caption, report_tables(report))


def write_tables(
    path: Path | BinaryIO, caption: str, tables: Iterable[Any], *, max_width: int = 40
) -> None:
    """Each table (title, header, rows; a note if it has one) on a sheet of its own, captioned,
    boxed, A4 landscape — the one layout of every workbook the product writes."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append([f"{caption} {table.title}"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(table.header))
        sheet.append(table.header)
        for row in table.rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2, max_row=sheet.max_row):
            for cell in cells:
                cell.border = BOX
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for i, head in enumerate(table.header, start=1):
            width = max([len(str(head))] + [len(str(r[i - 1] or "")) for r in table.rows])
            sheet.column_dimensions[get_column_letter(i)].width = min(max_width, 4 + width * 2)
        sheet.freeze_panes = "A3"
        sheet.print_title_rows = "1:2"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        if getattr(table, "note", ""):
            sheet.append([])
            sheet.append([table.note])
        keep_text(sheet)  # a category named "=HYPERLINK(…)" is text, never a formula
    book.save(path)

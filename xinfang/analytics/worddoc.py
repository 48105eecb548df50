"""The report as a Word draft: the prose of `text`, then every table, for staff to finish."""

from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from xinfang.analytics.tables import report_tables
from xinfang.analytics.text import render_text


def write_docx(report: dict[str, Any], path: Path) -> None:
    doc = Document()
    lines = render_text(report).split("\n")
    doc.add_heading(lines[0], level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[:2] in ("一、", "二、", "三、"):
            doc.add_heading(line, level=1)
        else:
            doc.add_paragraph(line)
    doc.add_heading("附表", level=1)
    for table in report_tables(report):
        doc.add_heading(table.title, level=2)
        grid = doc.add_table(rows=1, cols=len(table.header))
        grid.style = "Table Grid"
        for cell, head in zip(grid.rows[0].cells, table.header, strict=True):
            cell.text = head
        for row in table.rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = "" if value is None else str(value)
    doc.save(str(path))

"""The report as a Word draft: the prose of `text`, charts, then every table, for staff to finish.

The charts draw only `build_report` output: the report itself, and for the monthly trend one
report per month of the period (same node, 同比), built here when not given.
"""

from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from xinfang.analytics.charts import MAX_TREND_MONTHS, report_charts, report_months
from xinfang.analytics.tables import report_tables
from xinfang.analytics.text import render_text
from xinfang.documents.reference_docx import REFERENCE

EAST_ASIAN_FONT = "宋体"  # what bureaus' Word uses; LibreOffice substitutes a CJK font
CHART_WIDTH = Cm(15.5)


def monthly_reports(report: dict[str, Any]) -> list[dict[str, Any]] | None:
    """build_report for each month of the report's period (None when it spans too many)."""
    from xinfang.analytics.counting.report import build_report
    from xinfang.analytics.counting.scope import org_for_report
    from xinfang.analytics.periods import Period

    start = date.fromisoformat(report["period"]["start"])
    end = date.fromisoformat(report["period"]["end"])
    months = report_months(start, end)
    if len(months) > MAX_TREND_MONTHS:
        return None
    org = org_for_report(report["org"])
    return [  # the trend chart draws totals only: no leader work figures per month
        build_report(org=org, period=Period(s, e), comparison="yoy", leader_work=False)
        for s, e in months
    ]


def _east_asian(doc: Any) -> None:
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        fonts = doc.styles[name].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def write_docx(
    report: dict[str, Any], path: Path, *, monthly: list[dict[str, Any]] | None = None
) -> None:
    """`monthly`: the reports month by month for the trend chart (built here when None)."""
    if monthly is None:
        monthly = monthly_reports(report)
    charts = report_charts(report, monthly)  # drawn first: a missing font refuses before writing
    doc = Document(str(REFERENCE))  # our small GB/T 9704 template, not python-docx's gallery
    _east_asian(doc)
    doc.styles["Table Grid"].font.size = Pt(9)  # wide tables: 9 figures to a row
    lines = render_text(report).split("\n")
    doc.core_properties.title = lines[0]
    doc.core_properties.author = doc.core_properties.last_modified_by = report.get("org_name", "")
    doc.add_heading(lines[0], level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[:2] in ("一、", "二、", "三、"):
            doc.add_heading(line, level=1)
        else:
            doc.add_paragraph(line)
    doc.add_heading("附图", level=1)
    for number, (title, png) in enumerate(charts, start=1):
        doc.add_heading(f"图{number} {title}", level=2)
        if png is None:
            doc.add_paragraph("本期无数据，未绘制。")
            continue
        doc.add_picture(BytesIO(png), width=CHART_WIDTH)
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
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

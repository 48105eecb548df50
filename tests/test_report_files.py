"""The workbook and the Word draft of a report, read back, agree with its JSON figure for figure."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from tests.analytics_support import Ledger
from tests.conftest import District
from xinfang.analytics.tables import report_tables

pytestmark = pytest.mark.django_db

ARGS = ["report", "--start", "2024-01-01", "--end", "2024-06-30", "--org", "320101"]


@pytest.fixture
def rep(district: District, tmp_path: Path) -> dict[str, Any]:
    ledger = Ledger(tmp_path)
    ledger.add("2024-01-10", 层级="进京", 事项编号="A", 处理方式="受理", 处理日期="2024-01-12")
    ledger.add("2024-02-10", 层级="赴省", 人数=12, 形式="集体访", 事项编号="A")
    ledger.add("2024-03-05", locality="32010101", 渠道="来信", 内容分类="拖欠工资")
    ledger.add("2023-03-05", locality="32010102", 渠道="网上", 信访目的="建议意见")
    ledger.add(
        "2024-03-06",
        责任单位="32010190",
        处理方式="交办",
        处理日期="2024-03-08",
        答复日期="2024-04-01",
        评价="基本满意",
        评价日期="2024-04-03",
        督办级别="市",
        督办日期="2024-03-10",
        督办期限="2024-04-10",
        化解日期="2024-04-09",
        包案领导="王区长",
        包案日期="2024-03-12",
    )
    ledger.load()
    out = StringIO()
    call_command(*ARGS, stdout=out)
    return dict(json.loads(out.getvalue()))


def test_workbook_sheets_hold_the_json_figures(rep: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    call_command(*ARGS, "--format", "xlsx", "--output", str(target))
    book = load_workbook(target)
    tables = report_tables(rep)
    assert len(book.sheetnames) == len(tables)
    for sheet_name, table in zip(book.sheetnames, tables, strict=True):
        sheet = book[sheet_name]
        assert [c.value for c in sheet[2]] == table.header
        read = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
        assert read == table.rows
    overall = book["总体情况"]
    assert overall["B3"].value == rep["totals"]["batches"]
    assert overall["C4"].value == rep["totals"]["previous"]["people"]
    assert overall["D3"].value == rep["totals"]["change"]["batches"]
    # counted by hand: four rows in 2024 H1 (12 people on 02-10), one in 2023 H1; three matters
    # (A twice), all first registered in the period
    assert [[c.value for c in r][:4] for r in overall.iter_rows(min_row=3)] == [
        ["批次", 4, 1, "上升300.0%"],
        ["人次", 15, 1, "上升1400.0%"],
        ["件数", 3, 1, "上升200.0%"],
        ["初次件数", 3, 1, "上升200.0%"],
    ]
    law = book["法治化考核"]
    assert law["E6"].value == rep["rule_of_law"]["total"]
    assert law["E3"].value == rep["rule_of_law"]["acceptance"]["score"]
    # by hand: acceptance 2 of 3 first registrations acted on within 15 days (03-05's letter has
    # no 处理日期); handling 1 of 2 (A, accepted 01-12, due 60 days later, is never answered;
    # 03-06 answered 04-01); supervision 1 of 1 (化解 04-09, due 04-10).
    # 1.2 × 2/3 = 0.800, 0.5 × 1/2 = 0.250, 0.8 × 1 = 0.800
    assert [[c.value for c in r] for r in law.iter_rows(min_row=3)] == [
        ["应受理按规定受理", 2, 3, 1.2, "0.800"],
        ["应办理按期办理", 1, 2, 0.5, "0.250"],
        ["督办到期按期化解", 1, 1, 0.8, "0.800"],
        ["合计", None, None, None, "1.850"],
    ]
    rates = {r[0].value: r[3].value for r in book["各项比率"].iter_rows(min_row=3)}
    assert rates["包案化解率"] == rep["rates"]["package_resolution"]["pct"]
    assert (
        rates["督办化解率（市）"] == rep["rates"]["supervision_resolution"]["by_level"]["市"]["pct"]
    )
    assert rates["满意率"] == "100.0"  # a string: the decimals travel as they were counted
    levels = {r[0].value: r[1].value for r in book["按层级"].iter_rows(min_row=3)}
    assert levels["赴省"] == 1 and levels["进京"] == 1
    assert book["按层级"].page_setup.orientation == "landscape"


def test_word_draft_has_the_prose_and_the_same_tables(rep: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "report.docx"
    call_command(*ARGS, "--format", "docx", "--output", str(target))
    doc = Document(str(target))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2024年1-6月信访工作情况汇报" in text
    assert f"总得分{rep['rule_of_law']['total']}分" in text
    assert "总得分1.850分" in text  # counted by hand: see the workbook's test
    assert "登记信访事项4批15人次，较去年同期1批1人次，批次上升300.0%、人次上升1400.0%" in text
    assert "【待填写：下一步工作打算】" in text
    tables = report_tables(rep)
    assert len(doc.tables) == len(tables)
    for grid, table in zip(doc.tables, tables, strict=True):
        read = [[cell.text for cell in row.cells] for row in grid.rows]
        assert read[0] == table.header
        assert read[1:] == [["" if v is None else str(v) for v in row] for row in table.rows]
    overall = [[cell.text for cell in row.cells][:4] for row in doc.tables[0].rows]
    assert overall[1:3] == [["批次", "4", "1", "上升300.0%"], ["人次", "15", "1", "上升1400.0%"]]

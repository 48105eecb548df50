"""The Word draft's charts: images in the document, drawn from build_report's output only."""

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document

from tests.analytics_support import Ledger, report
from tests.conftest import District
from xinfang.analytics import charts
from xinfang.analytics.charts import ChartFontMissingError, report_months
from xinfang.analytics.tables import report_tables
from xinfang.analytics.worddoc import monthly_reports, write_docx

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def loaded(district: District, tmp_path: Path) -> District:
    ledger = Ledger(tmp_path)
    ledger.add("2024-01-10", 层级="进京", 内容分类="拖欠工资")
    ledger.add("2024-02-10", 层级="赴省", 人数=12, 形式="集体访", 内容分类="征地拆迁")
    ledger.add("2024-02-11", 渠道="来信", 内容分类="征地拆迁")
    ledger.add("2024-03-05", locality="32010101", 渠道="网上", 内容分类="物业管理")
    ledger.add("2023-02-05", locality="32010102", 层级="到市")
    ledger.load()
    return district


def _images(doc: Any) -> list[bytes]:
    return [
        doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        for shape in doc.inline_shapes
    ]


def test_docx_holds_the_three_charts_and_the_same_tables(loaded: District, tmp_path: Path) -> None:
    target = tmp_path / "report.docx"
    call_command(
        "report", "--start", "2024-01-01", "--end", "2024-03-31", "--org", "320101",
        "--format", "docx", "--output", str(target),
    )  # fmt: skip
    doc = Document(str(target))
    images = _images(doc)
    assert len(doc.inline_shapes) == 3
    assert all(blob.startswith(PNG) for blob in images)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert [h for h in headings if h.startswith("图")] == [
        "图1 月度走势",
        "图2 渠道与层级",
        "图3 内容分类",
    ]
    rep = report("320101", "2024-01-01", "2024-03-31")
    tables = report_tables(rep)
    assert len(doc.tables) == len(tables)
    for grid, table in zip(doc.tables, tables, strict=True):
        assert [c.text for c in grid.rows[0].cells] == table.header
    # counted by hand from the ledger: 1-3月 2024 four rows (12 people on 02-10), 2023 one
    assert [c.text for c in doc.tables[0].rows[1].cells][:4] == ["批次", "4", "1", "上升300.0%"]
    assert [c.text for c in doc.tables[0].rows[2].cells][:4] == ["人次", "15", "1", "上升1400.0%"]


def test_monthly_trend_is_one_report_per_month(loaded: District) -> None:
    rep = report("320101", "2024-01-15", "2024-03-31")
    monthly = monthly_reports(rep)
    assert monthly is not None
    assert [m["period"] for m in monthly] == [
        {"start": "2024-01-15", "end": "2024-01-31"},
        {"start": "2024-02-01", "end": "2024-02-29"},
        {"start": "2024-03-01", "end": "2024-03-31"},
    ]
    for month in monthly:
        s, e = month["period"]["start"], month["period"]["end"]
        whole = report("320101", s, e)
        # the trend's monthly reports leave out the leader work and prevention keys (the trend
        # draws registrations)
        b2 = ("receptions", "packages", "hearings", "handed_down", "meetings", "disputes")
        assert month == {k: v for k, v in whole.items() if k not in b2}
    assert sum(m["totals"]["batches"] for m in monthly) == rep["totals"]["batches"]
    # counted by hand: 01-10 is before the 15th; February 02-10 (12 people) and 02-11; March
    # 03-05; a year earlier only 2023-02-05
    assert [m["totals"]["batches"] for m in monthly] == [0, 2, 1]
    assert [m["totals"]["people"] for m in monthly] == [0, 13, 1]
    assert [m["totals"]["previous"]["batches"] for m in monthly] == [0, 1, 0]
    assert [m["previous_period"]["end"] for m in monthly] == [
        "2023-01-31",
        "2023-02-28",  # February 2024 to its 29th: the whole February 2023
        "2023-03-31",
    ]


def test_charts_draw_the_report_figures_they_are_given(
    loaded: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The channel × level chart's bars are the report's rows (the drawing is intercepted)."""
    drawn: list[list[int]] = []
    original = charts.Figure.add_subplot

    def spy(fig: Any, *args: Any, **kwargs: Any) -> Any:
        ax = original(fig, *args, **kwargs)
        bar = ax.bar

        def record(x: Any, values: Any, **kw: Any) -> Any:
            drawn.append(list(values))
            return bar(x, values, **kw)

        ax.bar = record
        return ax

    monkeypatch.setattr(charts.Figure, "add_subplot", spy)
    rep = report("320101", "2024-01-01", "2024-03-31")
    assert charts.channel_level_chart(rep).startswith(PNG)
    visits = [sum(col) for col in zip(*drawn, strict=True)]
    expected = [
        sum(r["batches"] for r in rep["breakdowns"]["channel,level"] if r["channel"] == c)
        for c in charts.Channel.values
    ]
    assert visits == expected and sum(expected) == rep["totals"]["batches"] == 4
    # counted by hand: 来信 02-11, 来访 01-10 and 02-10, 网上 03-05, no 来电; the visits by level
    assert visits == [1, 2, 1, 0]
    assert drawn[:2] == [[0, 1, 0, 0], [0, 1, 0, 0]]  # 进京: 01-10; 赴省: 02-10


def test_an_empty_period_says_so_instead_of_a_chart(district: District, tmp_path: Path) -> None:
    rep = report("320101", "2024-01-01", "2024-01-31")
    target = tmp_path / "empty.docx"
    write_docx(rep, target)
    doc = Document(str(target))
    assert len(doc.inline_shapes) == 1  # the monthly trend, all zeros, is still drawn
    assert sum(p.text == "本期无数据，未绘制。" for p in doc.paragraphs) == 2


def test_months_of_a_period() -> None:
    from datetime import date

    assert report_months(date(2024, 11, 20), date(2025, 1, 3)) == [
        (date(2024, 11, 20), date(2024, 11, 30)),
        (date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 1, 3)),
    ]


def test_missing_cjk_font_is_refused_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    charts.cjk_font_path.cache_clear()
    monkeypatch.setattr(charts.font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(charts.shutil, "which", lambda name: None)
    monkeypatch.setattr(charts, "DEBIAN_FONT", Path("/nonexistent/NotoSansCJK.ttc"))
    try:
        with pytest.raises(ChartFontMissingError, match="fonts-noto-cjk"):
            charts.cjk_font_path()
    finally:
        charts.cjk_font_path.cache_clear()


def test_the_font_found_is_noto_cjk() -> None:
    assert "NotoSansCJK" in charts.cjk_font_path().name

"""Periods that end today (截止目前) compare like with like: the report (JSON, text, Excel,
Word) and the dashboard's monthly trend count to today against the same days of the compared
period. Every figure below is counted by hand from the ledger of the fixture."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.analytics_support import Ledger
from tests.conftest import District
from xinfang.analytics.counting import build_report
from xinfang.analytics.counting.report import monthly_totals
from xinfang.analytics.dashboard import DashboardForm, build_dashboard
from xinfang.analytics.periods import Comparison, Period
from xinfang.analytics.text import render_text
from xinfang.analytics.worddoc import write_docx
from xinfang.analytics.workbook import write_workbook

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> Ledger:
    book = Ledger(tmp_path)
    # December 2026 to the 7th: 2 batches, 1 + 3 = 4 people
    book.add("2026-12-02", 人数=1)
    book.add("2026-12-07", 人数=3, 形式="集体访")
    # December 2025: 1-7 holds 2 batches of 2 + 1 = 3 people; the whole month 4 batches, 9 people
    book.add("2025-12-03", 人数=2)
    book.add("2025-12-07", 人数=1)
    book.add("2025-12-08", 人数=5, 形式="集体访")
    book.add("2025-12-20", 人数=1)
    # November 2026: 1-7 holds one batch of 2 people, the whole month two batches of 3 people
    book.add("2026-11-05", 人数=2)
    book.add("2026-11-20", 人数=1)
    # February 2024 to its 29th against February 2023, whose 1 March does not count
    book.add("2024-02-10", 人数=1)
    book.add("2024-02-29", 人数=2)
    book.add("2023-02-28", 人数=4)
    book.add("2023-03-01", 人数=7)
    book.load()
    return book


def december(district: District, comparison: Comparison = "yoy") -> dict[str, Any]:
    return build_report(org=district.district, period=DECEMBER, comparison=comparison, today=TODAY)


def test_december_to_date_against_december_1_to_7(district: District, ledger: Ledger) -> None:
    rep = december(district)
    assert rep["period"] == {"start": "2026-12-01", "end": "2026-12-07"}
    assert rep["previous_period"] == {"start": "2025-12-01", "end": "2025-12-07"}
    assert rep["to_date"] is True
    totals = rep["totals"]
    assert (totals["batches"], totals["people"]) == (2, 4)
    assert (totals["previous"]["batches"], totals["previous"]["people"]) == (2, 3)
    assert totals["change"]["batches"] == "持平"  # not 下降50.0% against the whole December
    assert totals["change"]["people"] == "上升33.3%"
    visit = next(r for r in rep["breakdowns"]["form"] if r["form"] == "collective")
    assert (visit["batches"], visit["previous"]["batches"]) == (1, 0)


def test_december_to_date_against_november_1_to_7(district: District, ledger: Ledger) -> None:
    rep = december(district, "pop")
    assert rep["previous_period"] == {"start": "2026-11-01", "end": "2026-11-07"}
    assert (rep["totals"]["previous"]["batches"], rep["totals"]["previous"]["people"]) == (1, 2)
    assert rep["totals"]["change"]["batches"] == "上升100.0%"


def test_a_past_december_is_compared_whole(district: District, ledger: Ledger) -> None:
    rep = build_report(org=district.district, period=DECEMBER, today=date(2027, 1, 5))
    assert rep["to_date"] is False
    assert rep["previous_period"] == {"start": "2025-12-01", "end": "2025-12-31"}
    assert (rep["totals"]["previous"]["batches"], rep["totals"]["previous"]["people"]) == (4, 9)


def test_february_to_its_29th_against_1_to_28_february(district: District, ledger: Ledger) -> None:
    # the 29th has no twin in 2023: the compared days stop on the 28th (periods.to_date_compared)
    february = Period(date(2024, 2, 1), date(2024, 2, 29))
    rep = build_report(org=district.district, period=february, today=date(2024, 2, 29))
    assert rep["to_date"] is True
    assert rep["previous_period"] == {"start": "2023-02-01", "end": "2023-02-28"}
    assert (rep["totals"]["batches"], rep["totals"]["people"]) == (2, 3)
    assert (rep["totals"]["previous"]["batches"], rep["totals"]["previous"]["people"]) == (1, 4)
    # the year 2024 to 29 February: the same days of 2023, 1 March 2023 left out
    year = build_report(
        org=district.district,
        period=Period(date(2024, 1, 1), date(2024, 12, 31)),
        today=date(2024, 2, 29),
    )
    assert year["period"] == {"start": "2024-01-01", "end": "2024-02-29"}
    assert year["previous_period"] == {"start": "2023-01-01", "end": "2023-02-28"}
    assert year["totals"]["previous"]["batches"] == 1


def test_text_says_to_date_and_the_compared_days(district: District, ledger: Ledger) -> None:
    text = render_text(december(district))
    assert "截止目前，2026年12月1日至2026年12月7日，共发生登记信访事项2批4人次" in text
    assert "较去年同期（2025年12月1日至2025年12月7日）2批3人次，批次持平、人次上升33.3%" in text


def test_workbook_and_word_say_to_date(district: District, ledger: Ledger, tmp_path: Path) -> None:
    rep = december(district)
    write_workbook(rep, tmp_path / "r.xlsx")
    overall = load_workbook(tmp_path / "r.xlsx")["总体情况"]
    assert overall["A1"].value == (
        "示范区 2026年12月1日至2026年12月7日"
        "（截止目前，同期为2025年12月1日至2025年12月7日） 总体情况"
    )
    assert [c.value for c in overall[3]][:4] == ["批次", 2, 2, "持平"]
    assert [c.value for c in overall[4]][:4] == ["人次", 4, 3, "上升33.3%"]
    write_docx(rep, tmp_path / "r.docx")
    paragraphs = [p.text for p in Document(str(tmp_path / "r.docx")).paragraphs]
    assert any(p.startswith("截止目前，2026年12月1日至2026年12月7日，") for p in paragraphs)


def test_monthly_totals_count_the_month_to_date(district: District, ledger: Ledger) -> None:
    months = monthly_totals(district.district, 2026, 12, today=TODAY)
    last_period, last = months[-1]
    assert last_period == Period(date(2026, 12, 1), TODAY)
    assert (last["batches"], last["previous"]["batches"], last["change"]["batches"]) == (
        2,
        2,
        "持平",
    )
    november = months[10][1]  # a whole month: the whole November 2025 (nothing in it)
    assert (november["batches"], november["people"], november["previous"]["batches"]) == (2, 3, 0)


def test_dashboard_trend_compares_december_1_to_7(district: District, ledger: Ledger) -> None:
    user = district.users["officer"]
    form = DashboardForm({"span": "m12", "year": "2026"}, user=user, today=TODAY)
    dash = build_dashboard(user=user, query=form.query(), today=TODAY)
    assert dash.query.period == Period(date(2026, 12, 1), TODAY)
    cards = {c["key"]: c for c in dash.cards}
    assert (cards["batches"]["value"], cards["batches"]["previous"]) == (2, 2)
    rows = [[c.value for c in row] for row in dash.tables["trend"].rows]
    assert rows[-1] == ["12月1—7日", 2, 4, 2, 3, "持平"]  # was "下降50.0%": the whole December
    assert rows[10] == ["11月", 2, 3, 0, 0, "新增"]
    assert rows[1] == ["2月", 0, 0, 0, 0, "持平"]

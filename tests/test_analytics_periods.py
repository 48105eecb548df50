"""Report periods: 同比 (same days a year earlier, 29 February) and 环比 (the period before)."""

from datetime import date

import pytest

from xinfang.analytics.counting import competition_rank
from xinfang.analytics.periods import (
    Comparison,
    Period,
    previous_period,
    report_periods,
    same_days_last_year,
)
from xinfang.analytics.text import period_label
from xinfang.core.errors import InputError


def p(start: str, end: str) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end))


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (p("2024-01-01", "2024-09-30"), p("2023-01-01", "2023-09-30")),
        (p("2024-02-29", "2024-02-29"), p("2023-02-28", "2023-02-28")),
        (p("2024-01-01", "2024-02-29"), p("2023-01-01", "2023-02-28")),
        (p("2025-01-01", "2025-02-28"), p("2024-01-01", "2024-02-29")),  # whole February
        (p("2025-02-28", "2025-03-05"), p("2024-02-28", "2024-03-05")),
    ],
)
def test_same_days_last_year(period: Period, expected: Period) -> None:
    assert same_days_last_year(period) == expected


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (p("2024-03-01", "2024-03-31"), p("2024-02-01", "2024-02-29")),  # a month
        (p("2024-01-01", "2024-01-31"), p("2023-12-01", "2023-12-31")),
        (p("2024-04-01", "2024-06-30"), p("2024-01-01", "2024-03-31")),  # a quarter
        (p("2024-07-01", "2024-12-31"), p("2024-01-01", "2024-06-30")),  # a half-year
        (p("2024-01-01", "2024-12-31"), p("2023-01-01", "2023-12-31")),  # a year
        (p("2024-03-10", "2024-03-19"), p("2024-02-29", "2024-03-09")),  # ten days before
        (p("2024-01-01", "2024-09-30"), p("2023-04-02", "2023-12-31")),  # 274 days before
    ],
)
def test_previous_period(period: Period, expected: Period) -> None:
    assert previous_period(period) == expected


def test_a_period_may_not_end_before_it_starts() -> None:
    with pytest.raises(InputError, match="晚于结束日期"):
        p("2024-02-01", "2024-01-31")


def test_competition_ranking() -> None:
    values = [9, 7, 7, 3]
    assert [competition_rank(v, values) for v in values] == [[1, 4], [2, 4], [2, 4], [4, 4]]


def test_period_labels() -> None:
    assert period_label(date(2024, 1, 1), date(2024, 9, 30)) == "2024年1-9月"
    assert period_label(date(2024, 9, 1), date(2024, 9, 30)) == "2024年9月"
    assert period_label(date(2024, 1, 1), date(2024, 12, 31)) == "2024年"
    assert period_label(date(2024, 1, 5), date(2024, 2, 3)) == "2024年1月5日至2024年2月3日"


# --- periods that end today (截止目前): the same days of the compared period ------------------


@pytest.mark.parametrize(
    ("asked", "today", "comparison", "counted", "compared"),
    [
        # December to date on the 7th: December 1-7 a year earlier, not the whole December
        (p("2026-12-01", "2026-12-31"), "2026-12-07", "yoy", p("2026-12-01", "2026-12-07"),
         p("2025-12-01", "2025-12-07")),
        (p("2026-12-01", "2026-12-31"), "2026-12-07", "pop", p("2026-12-01", "2026-12-07"),
         p("2026-11-01", "2026-11-07")),
        # a year to date: the same days of the year before, 环比 as 同比
        (p("2026-01-01", "2026-12-31"), "2026-12-07", "pop", p("2026-01-01", "2026-12-07"),
         p("2025-01-01", "2025-12-07")),
        # a quarter to date: the previous quarter to the same day of its third month
        (p("2026-10-01", "2026-12-31"), "2026-12-07", "pop", p("2026-10-01", "2026-12-07"),
         p("2026-07-01", "2026-09-07")),
        # March to the 30th, 环比: February has no 30th, so all of February (29 days in 2024)
        (p("2024-03-01", "2024-03-31"), "2024-03-30", "pop", p("2024-03-01", "2024-03-30"),
         p("2024-02-01", "2024-02-29")),
        # February to date on its 29th: 1-28 February 2023. The 29th has no twin a year
        # earlier; the compared period stops on the 28th rather than borrow 1 March (a day of
        # another month), as a whole February compares with the whole February before it.
        (p("2024-02-01", "2024-02-29"), "2024-02-29", "yoy", p("2024-02-01", "2024-02-29"),
         p("2023-02-01", "2023-02-28")),
        (p("2024-01-01", "2024-12-31"), "2024-02-29", "yoy", p("2024-01-01", "2024-02-29"),
         p("2023-01-01", "2023-02-28")),
        # a typed range to date, 环比: the same number of days from the start of the range before
        (p("2024-03-10", "2024-03-19"), "2024-03-12", "pop", p("2024-03-10", "2024-03-12"),
         p("2024-02-29", "2024-03-02")),
    ],
)  # fmt: skip
def test_a_period_reaching_today_counts_to_today_against_the_same_days(
    asked: Period, today: str, comparison: Comparison, counted: Period, compared: Period
) -> None:
    assert report_periods(asked, comparison, date.fromisoformat(today)) == (
        counted,
        compared,
        True,
    )


@pytest.mark.parametrize("today", ["2026-11-30", "2027-01-01", None])
def test_a_period_before_or_after_today_is_counted_whole(today: str | None) -> None:
    day = date.fromisoformat(today) if today else None
    december = p("2026-12-01", "2026-12-31")
    assert report_periods(december, "yoy", day) == (december, p("2025-12-01", "2025-12-31"), False)
    assert report_periods(december, "pop", day)[1] == p("2026-11-01", "2026-11-30")

"""Report periods: 同比 (same days a year earlier, 29 February) and 环比 (the period before)."""

from datetime import date

import pytest

from xinfang.analytics.counting import competition_rank
from xinfang.analytics.periods import Period, previous_period, same_days_last_year
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

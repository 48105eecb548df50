"""Report periods (contract B): whole days [start, end], 同比 and 环比.

- 同比 (`yoy`): the same days one year earlier. 29 February becomes 28 February; an end on the
  last day of February stays on the last day of February (so "1-2月" of 2025 compares with all of
  February 2024, 29 February included).
- 环比 (`pop`): the period just before. A whole calendar month compares with the previous month,
  a whole quarter with the previous quarter, a whole half-year with the previous half-year, a
  whole year with the previous year; any other range with the same number of days that ends the
  day before it starts.
- A period that ends today or runs past it (a month, quarter or year to date, "截止目前") is
  counted to today and compared with the same days of its compared period (`report_periods`):
  December 1-7 with December 1-7 a year earlier (同比) or November 1-7 (环比), not the whole
  month.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from xinfang.core.errors import InputError

Comparison = Literal["yoy", "pop"]
COMPARISON_LABELS: dict[str, str] = {"yoy": "同比", "pop": "环比"}


EARLIEST_YEAR = 1950


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InputError(
                f"统计期间的开始日期{self.start.isoformat()}晚于结束日期{self.end.isoformat()}",
                field="start",
            )
        # the comparison periods reach a year (or a period) back; and no bureau counts before 1949
        if self.start.year < EARLIEST_YEAR:
            raise InputError(f"统计期间须在{EARLIEST_YEAR}年以后", field="start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def parse_day(value: str, *, field: str) -> date:
    """A YYYY-MM-DD date from the command line or a form, refused in Chinese otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InputError(
            f"日期“{value}”无效，应为YYYY-MM-DD，例如2024-09-30", field=field
        ) from None


def _last_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_earlier(d: date, *, is_end: bool) -> date:
    year = d.year - 1
    if d.month == 2 and d == _last_of_month(d.year, 2):
        return _last_of_month(year, 2) if is_end else date(year, 2, min(d.day, 28))
    return date(year, d.month, d.day)


def same_days_last_year(p: Period) -> Period:
    """同比: the same days one year earlier."""
    return Period(_year_earlier(p.start, is_end=False), _year_earlier(p.end, is_end=True))


def _months_back(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def previous_period(p: Period) -> Period:
    """环比: the previous month, quarter, half-year or year, else the equal-length period before."""
    s, e = p.start, p.end
    if s.day == 1 and e == _last_of_month(e.year, e.month):
        months = (e.year - s.year) * 12 + e.month - s.month + 1
        if months in (1, 3, 6, 12) and (s.month - 1) % months == 0:
            first = _months_back(s, months)
            before = s - timedelta(days=1)
            return Period(first, before)
    return Period(s - timedelta(days=p.days), s - timedelta(days=1))


def compared_period(p: Period, comparison: Comparison) -> Period:
    if comparison == "yoy":
        return same_days_last_year(p)
    if comparison == "pop":
        return previous_period(p)
    raise InputError(f"比较方式“{comparison}”无效，应为同比(yoy)或环比(pop)", field="compare")


def _same_day_months_back(d: date, months: int) -> date:
    """The same day of the month `months` earlier; a day that month lacks becomes its last."""
    first = _months_back(d, months)
    return date(first.year, first.month, min(d.day, _last_of_month(first.year, first.month).day))


def to_date_compared(asked: Period, cut: Period, comparison: Comparison) -> Period:
    """The compared period of `cut`, the days of `asked` up to today: the same days of the
    period `asked` is compared with. 同比 is already day for day (`same_days_last_year`); 29
    February to date compares with the days to 28 February a year earlier, because the 29th has
    no twin there and borrowing 1 March would count a day of another month — the same rule as
    a whole February (so February 2024 to its 29th compares with 1-28 February 2023, the whole
    month with the whole month). 环比 starts where the asked period's comparison starts and
    ends on the same day of the month as many months back (a calendar month, quarter, half-year
    or year), or after the same number of days (any other range); never past its end."""
    if comparison == "yoy":
        return same_days_last_year(cut)
    whole = compared_period(asked, comparison)
    if asked.start.day == 1 and whole.start.day == 1:
        months = (asked.start.year - whole.start.year) * 12 + asked.start.month - whole.start.month
        end = _same_day_months_back(cut.end, months)
    else:
        end = whole.start + timedelta(days=cut.days - 1)
    return Period(whole.start, min(end, whole.end))


def report_periods(
    period: Period, comparison: Comparison, today: date | None
) -> tuple[Period, Period, bool]:
    """(the period counted, its compared period, whether it is counted to date): a period that
    ends today or runs past it counts to today and is compared with the same days
    ("截止目前"); any other, and every period when `today` is None, is counted whole."""
    if today is None or not period.start <= today <= period.end:
        return period, compared_period(period, comparison), False
    cut = Period(period.start, today)
    return cut, to_date_compared(period, cut, comparison), True

"""The working calendar and every clock of the product: nobody adds days by hand, they call here.

Days are calendar days ("日") unless a clock says working days; a period whose last day is not a
working day ends on the next working day. Public holidays and swapped working days (调休) come
from the `chinesecalendar` package, and an administrator's entry for a year replaces the package
for that year. A year that neither knows is never guessed: CalendarMissingError.
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from django.db import models

from xinfang.core.config import domain_limit, domain_setting
from xinfang.core.errors import XinfangError

Unit = Literal["calendar", "working"]
Pause = tuple[date, date]


class CalendarMissingError(XinfangError):
    """A clock needed a year whose holidays nobody has entered."""

    def __init__(self, year: int) -> None:
        super().__init__(f"{year}年的节假日安排尚未录入，请系统管理员录入后再计算期限")
        self.year = year


class ClockState(models.TextChoices):
    RUNNING = "running", "未到期"
    WARNING = "warning", "即将到期"
    OVERDUE = "overdue", "已超期"


@dataclass(frozen=True)
class YearArrangement:
    """One year's exceptions to the Monday–Friday week, each day with the festival's name."""

    year: int
    holidays: Mapping[date, str]
    workdays: Mapping[date, str]
    source: Literal["package", "admin"]


class WorkCalendar:
    """Working days of the years it was built from; pure: no database, no clock, no settings."""

    def __init__(self, years: Iterable[YearArrangement]) -> None:
        self.years: dict[int, YearArrangement] = {a.year: a for a in years}
        # ordinal -> is it a working day, for every day of every known year
        self._working: dict[int, bool] = {}
        for a in self.years.values():
            for o in range(date(a.year, 1, 1).toordinal(), date(a.year, 12, 31).toordinal() + 1):
                d = date.fromordinal(o)
                self._working[o] = d in a.workdays or (d.weekday() < 5 and d not in a.holidays)
        # ordinal -> first working ordinal on or after it; absent when the search leaves known years
        self._next: dict[int, int] = {}
        for o in sorted(self._working, reverse=True):
            if self._working[o]:
                self._next[o] = o
            elif o + 1 in self._next:
                self._next[o] = self._next[o + 1]

    def is_working_day(self, d: date) -> bool:
        """True on Monday–Friday that is not a holiday, and on a swapped working day (调休上班)."""
        working = self._working.get(_ordinal(d))
        if working is None:
            raise CalendarMissingError(d.year)
        return working

    def next_working_day(self, d: date) -> date:
        """`d` itself when it is a working day, else the first working day after it."""
        return date.fromordinal(self._next_working(_ordinal(d)))

    def add_calendar_days(self, start: date, n: int) -> date:
        """The regulation's plain "日": start + n days, moved on to a working day if needed."""
        _check_count(n)
        return date.fromordinal(self._next_working(_ordinal(start) + n))

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (the day of receipt itself is not counted)."""
        _check_count(n)
        return date.fromordinal(self._working_end(_ordinal(start), n, []))

    def deadline(
        self, start: date, limit: int, unit: Unit = "calendar", paused: Sequence[Pause] = ()
    ) -> date:
        """Last day of a `limit`-day clock from `start`; paused days (听证) are not counted."""
        _check_count(limit)
        first = _ordinal(start)
        pauses = _merged_pauses(paused, after=first)
        if unit == "working":
            return date.fromordinal(self._working_end(first, limit, pauses))
        if unit != "calendar":
            raise ValueError(f"unknown clock unit {unit!r}")
        end = first + limit
        for lo, hi in pauses:
            if lo > end:  # the clock had already run out when this pause began
                break
            end += hi - lo + 1
        return date.fromordinal(self._next_working(end))

    def missing_years(self, from_date: date, to_date: date) -> list[int]:
        """The years between the two dates (inclusive) that have no holiday arrangement."""
        return [y for y in range(from_date.year, to_date.year + 1) if y not in self.years]

    def day_name(self, d: date) -> str:
        """The festival a holiday or swapped working day belongs to ("春节"), else ""."""
        a = self.years.get(d.year)
        if a is None:
            raise CalendarMissingError(d.year)
        return a.holidays.get(d) or a.workdays.get(d) or ""

    def _next_working(self, o: int) -> int:
        found = self._next.get(o)
        if found is None:
            raise self._missing_from(o)
        return found

    def _working_end(self, first: int, n: int, pauses: list[tuple[int, int]]) -> int:
        if n == 0:
            return self._next_working(first)
        o, counted, p = first, 0, 0
        while counted < n:
            o += 1
            working = self._working.get(o)
            if working is None:
                raise self._missing_from(o)
            while p < len(pauses) and pauses[p][1] < o:
                p += 1
            if working and not (p < len(pauses) and pauses[p][0] <= o):
                counted += 1
        return o

    def _missing_from(self, o: int) -> CalendarMissingError:
        year = date.fromordinal(o).year
        while year in self.years:
            year += 1
        return CalendarMissingError(year)


def _ordinal(d: date) -> int:
    # an aware datetime from the database is in UTC: its date may be the day before in China
    if isinstance(d, datetime):
        raise TypeError("pass a date (timezone.localdate(...)), not a datetime")
    return d.toordinal()


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"a clock cannot run a negative number of days ({n})")


def _merged_pauses(paused: Sequence[Pause], *, after: int) -> list[tuple[int, int]]:
    """Pauses as sorted, non-overlapping ordinal ranges, clipped to the days after the start."""
    ranges: list[tuple[int, int]] = []
    for lo_d, hi_d in paused:
        lo, hi = _ordinal(lo_d), _ordinal(hi_d)
        if lo > hi:
            raise ValueError(f"pause {lo_d}..{hi_d} ends before it begins")
        if hi > after:
            ranges.append((max(lo, after + 1), hi))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


# --- the process-wide calendar: the package's years plus the administrator's, cached -----------

_package_years: dict[int, YearArrangement] | None = None


def package_years() -> dict[int, YearArrangement]:
    """The years the `chinesecalendar` package ships, with Chinese festival names."""
    global _package_years
    if _package_years is None:
        from chinese_calendar.constants import Holiday, holidays, workdays

        def chinese(english: str) -> str:
            return str(Holiday(english).chinese)

        found: dict[int, YearArrangement] = {}
        for year in sorted({d.year for d in holidays}):
            found[year] = YearArrangement(
                year=year,
                holidays={d: chinese(v) for d, v in holidays.items() if d.year == year},
                workdays={d: chinese(v) for d, v in workdays.items() if d.year == year},
                source="package",
            )
        _package_years = found
    return _package_years


@dataclass
class _Cache:
    calendar: WorkCalendar | None = None
    stamp: Any = None
    checked_at: float = 0.0
    recheck_seconds: float = 0.0


_cache = _Cache()


def current_calendar() -> WorkCalendar:
    """The calendar of this process, rebuilt when an administrator's year changes."""
    cal = _cache.calendar
    if cal is not None and time.monotonic() - _cache.checked_at < _cache.recheck_seconds:
        return cal
    # other processes see an admin's save within CALENDAR_RECHECK_SECONDS through this stamp
    stamp = _admin_stamp()
    if cal is None or stamp != _cache.stamp:
        cal = WorkCalendar({**package_years(), **_admin_years()}.values())
        _cache.calendar, _cache.stamp = cal, stamp
    _cache.checked_at = time.monotonic()
    _cache.recheck_seconds = float(domain_setting("CALENDAR_RECHECK_SECONDS"))
    return cal


def invalidate_calendar() -> None:
    """Forget the cached calendar; the next clock reads the years again."""
    _cache.calendar = None


def _admin_stamp() -> tuple[Any, ...]:
    from django.db.models import Count, Max

    from xinfang.workflow.models import CalendarYear

    row = CalendarYear.objects.aggregate(n=Count("id"), last=Max("entered_at"), top=Max("id"))
    return (row["n"], row["last"], row["top"])


def _admin_years() -> dict[int, YearArrangement]:
    from xinfang.workflow.models import CalendarDay, CalendarYear, DayKind

    days: dict[int, tuple[dict[date, str], dict[date, str]]] = {
        year: ({}, {}) for year in CalendarYear.objects.values_list("year", flat=True)
    }
    for year, day, kind, name in CalendarDay.objects.values_list(
        "calendar_year__year", "date", "kind", "name"
    ):
        days[year][0 if kind == DayKind.HOLIDAY else 1][day] = name
    return {
        year: YearArrangement(year=year, holidays=off, workdays=on, source="admin")
        for year, (off, on) in days.items()
    }


def is_working_day(d: date) -> bool:
    """True on Monday–Friday that is not a holiday, and on a swapped working day (调休上班)."""
    return current_calendar().is_working_day(d)


def next_working_day(d: date) -> date:
    """`d` itself when it is a working day, else the first working day after it."""
    return current_calendar().next_working_day(d)


def add_calendar_days(start: date, n: int) -> date:
    """The regulation's plain "日": start + n days, moved on to a working day if needed."""
    return current_calendar().add_calendar_days(start, n)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (the day of receipt itself is not counted)."""
    return current_calendar().add_working_days(start, n)


def deadline(
    start: date, limit: int, unit: Unit = "calendar", paused: Sequence[Pause] = ()
) -> date:
    """Last day of a `limit`-day clock from `start`; paused days (听证) are not counted."""
    return current_calendar().deadline(start, limit, unit, paused)


def missing_years(from_date: date, to_date: date) -> list[int]:
    """The years between the two dates (inclusive) that have no holiday arrangement yet."""
    return current_calendar().missing_years(from_date, to_date)


def days_left(deadline: date, today: date) -> int:
    """Calendar days from `today` to `deadline`: 0 on the last day, negative once overdue."""
    return _ordinal(deadline) - _ordinal(today)


def clock_state(deadline: date, today: date, warning_days: int | None = None) -> ClockState:
    """Overdue after the last day, warning within `warning_days` of it, else running."""
    if warning_days is None:
        warning_days = domain_limit("CLOCK_WARNING_DAYS")
    left = days_left(deadline, today)
    if left < 0:
        return ClockState.OVERDUE
    if left <= warning_days:
        return ClockState.WARNING
    return ClockState.RUNNING


def warning_horizon(today: date, warning_days: int | None = None) -> date:
    """The last deadline clock_state calls WARNING on `today` (to filter in the database)."""
    if warning_days is None:
        warning_days = domain_limit("CLOCK_WARNING_DAYS")
    return date.fromordinal(_ordinal(today) + warning_days)

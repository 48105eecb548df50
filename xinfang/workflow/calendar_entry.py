"""Entering a year's holiday arrangement: reading the administrator's lines, saving them audited."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError
from xinfang.workflow.calendar import YearArrangement, invalidate_calendar
from xinfang.workflow.models import FIRST_YEAR, LAST_YEAR, CalendarDay, CalendarYear, DayKind

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor

WEEKDAYS = "一二三四五六日"
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 32
KIND_WORDS = {
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
}
# one line: a date or a range (2027-02-06~2027-02-12, also 至 or ..), an optional name, 休 or 班
LINE = re.compile(
    r"^(?P<first>\d{4}[-/]\d{1,2}[-/]\d{1,2})"
    r"(?:\s*(?:~|～|至|\.\.)\s*(?P<last>\d{4}[-/]\d{1,2}[-/]\d{1,2}))?"
    r"(?:\s+(?P<name>.+?))?\s+(?P<kind>\S+)$"
)
EXAMPLE = (
    "# 每行一天或一段：日期（或 起日~止日） 节日名称 休/班；以 # 开头的行不读\n"
    "2027-01-01 元旦 休\n"
    "2027-02-06~2027-02-12 春节 休\n"
    "2027-02-20 春节 班\n"
)


@dataclass(frozen=True)
class DayEntry:
    day: date
    kind: DayKind
    name: str


class CalendarEntryError(InputError):
    """The lines could not be read; `problems` names every bad line, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems), field="days_text")
        self.problems = problems


def parse_year_text(text: str, year: int) -> list[DayEntry]:
    """The days the lines describe, or CalendarEntryError naming every bad line."""
    problems: list[str] = []
    entries: list[DayEntry] = []
    seen: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace("\u3000", " ").strip()
        if not line or line.startswith("#"):
            continue
        found = _read_line(line, number, year, problems)
        for entry in found:
            if entry.day in seen:
                earlier = seen[entry.day]
                problems.append(f"第{number}行：{entry.day:%Y-%m-%d} 已在第{earlier}行录入过")
                continue
            seen[entry.day] = number
            entries.append(entry)
    if not entries and not problems:
        problems.append(f"请至少录入{year}年的一天节假日")
    if problems:
        raise CalendarEntryError(problems)
    return sorted(entries, key=lambda e: e.day)


def _read_line(line: str, number: int, year: int, problems: list[str]) -> list[DayEntry]:
    where = f"第{number}行“{line}”"
    match = LINE.match(line)
    if match is None:
        problems.append(f"{where}：格式应为“日期 节日名称 休”或“日期 节日名称 班”")
        return []
    kind = KIND_WORDS.get(match["kind"])
    if kind is None:
        problems.append(f"{where}：最后一项应为“休”或“班”，而不是“{match['kind']}”")
        return []
    first, last = _date(match["first"]), _date(match["last"] or match["first"])
    if first is None or last is None:
        bad = match["first"] if first is None else match["last"]
        problems.append(f"{where}：“{bad}”不是有效的日期")
        return []
    if last < first:
        problems.append(f"{where}：止日早于起日")
        return []
    if first.year != year or last.year != year:
        problems.append(f"{where}：日期不在{year}年内")
        return []
    name = (match["name"] or "").strip()
    if len(name) > NAME_MAX:
        problems.append(f"{where}：节日名称不能超过{NAME_MAX}个字")
        return []
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if kind == DayKind.WORKDAY:
        weekdays = [d for d in days if d.weekday() < 5]
        if weekdays:
            d = weekdays[0]
            problems.append(
                f"{where}：{d:%Y-%m-%d} 是星期{WEEKDAYS[d.weekday()]}，本来就是工作日，"
                "调休上班只能是周六或周日"
            )
            return []
    return [DayEntry(day=d, kind=kind, name=name) for d in days]


def _date(text: str) -> date | None:
    try:
        y, m, d = (int(part) for part in text.replace("/", "-").split("-"))
        return date(y, m, d)
    except ValueError:
        return None


def format_days(entries: Sequence[DayEntry]) -> str:
    """The lines an administrator would type for these days, one day a line."""
    return "".join(
        f"{e.day:%Y-%m-%d} {e.name} {e.kind.label}\n".replace("  ", " ") for e in entries
    )


def entries_of(arrangement: YearArrangement) -> list[DayEntry]:
    """A known year's days as entries, to start an administrator's correction from them."""
    days = [DayEntry(d, DayKind.HOLIDAY, n) for d, n in arrangement.holidays.items()]
    days += [DayEntry(d, DayKind.WORKDAY, n) for d, n in arrangement.workdays.items()]
    return sorted(days, key=lambda e: e.day)


def entries_of_year(calendar_year: CalendarYear) -> list[DayEntry]:
    return [DayEntry(d.date, DayKind(d.kind), d.name) for d in calendar_year.days.order_by("date")]


@transaction.atomic
def calendar_year_save(
    *,
    actor: "Actor",
    year: int,
    days: Sequence[DayEntry],
    note: str = "",
    calendar_year: CalendarYear | None = None,
) -> CalendarYear:
    """Create or replace one year's arrangement; it wins over the package for that year."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"年份应在{FIRST_YEAR}至{LAST_YEAR}之间", field="year")
    wrong = [e.day for e in days if e.day.year != year]
    if wrong:
        raise InputError(f"{wrong[0]:%Y-%m-%d} 不在{year}年内", field="days_text")
    if len({e.day for e in days}) != len(days):
        raise InputError("同一天录入了两次", field="days_text")
    weekday = next((e.day for e in days if e.kind == DayKind.WORKDAY and e.day.weekday() < 5), None)
    if weekday is not None:
        raise InputError(f"{weekday:%Y-%m-%d} 本来就是工作日，不能标为调休上班", field="days_text")
    if calendar_year is None:
        calendar_year = CalendarYear.objects.filter(year=year).first() or CalendarYear()
    elif calendar_year.pk is not None:
        calendar_year = CalendarYear.objects.select_for_update().get(pk=calendar_year.pk)
    if CalendarYear.objects.filter(year=year).exclude(pk=calendar_year.pk).exists():
        raise InputError(f"{year}年的节假日安排已经录入过", field="year")
    created = calendar_year.pk is None
    before = [] if created else entries_of_year(calendar_year)
    old_year = None if created else calendar_year.year
    calendar_year.year, calendar_year.note = year, note.strip()
    from xinfang.core.permissions import user_of

    calendar_year.entered_by = user_of(actor)
    calendar_year.entered_at = timezone.now()
    calendar_year.save()
    calendar_year.days.all().delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=calendar_year, date=e.day, kind=e.kind, name=e.name) for e in days
    )
    audit_record(
        actor=actor,
        action=f"calendaryear.{'create' if created else 'change'}",
        obj=calendar_year,
        data={
            "year": year,
            "previous_year": old_year,
            "note": calendar_year.note,
            "added": _lines(set(days) - set(before)),
            "removed": _lines(set(before) - set(days)),
        },
    )
    _forget_calendar()
    return calendar_year


@transaction.atomic
def calendar_year_delete(*, actor: "Actor", calendar_year: CalendarYear) -> None:
    """Remove an entered year: the package's data (if any) applies to it again."""
    audit_record(
        actor=actor,
        action="calendaryear.delete",
        obj=calendar_year,
        data={"year": calendar_year.year, "removed": _lines(entries_of_year(calendar_year))},
    )
    calendar_year.delete()
    _forget_calendar()


def _lines(entries: set[DayEntry] | list[DayEntry]) -> list[str]:
    return format_days(sorted(entries, key=lambda e: e.day)).splitlines()


def _forget_calendar() -> None:
    # now, for this transaction's own clocks; after commit, for whatever was read meanwhile
    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)

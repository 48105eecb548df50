"""The working calendar: holidays and 调休 from the package and the admin, and every clock rule."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from django.conf import LazySettings
from django.test import Client

from tests.conftest import PASSWORD, TZ, District
from xinfang.core.errors import XinfangError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.workflow import calendar
from xinfang.workflow.calendar import (
    CalendarMissingError,
    ClockState,
    add_calendar_days,
    add_working_days,
    clock_state,
    days_left,
    deadline,
    is_working_day,
    missing_years,
    next_working_day,
)
from xinfang.workflow.calendar_entry import (
    CalendarEntryError,
    calendar_year_delete,
    calendar_year_save,
    parse_year_text,
)
from xinfang.workflow.models import CalendarDay, CalendarYear, DayKind

pytestmark = pytest.mark.django_db

D = date.fromisoformat

# Test data only: a plausible 2027 arrangement, as an administrator would type it in November 2026.
YEAR_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知（测试数据）
2027-01-01~2027-01-03 元旦 休
2027-02-06~2027-02-14 春节 休
2027-02-20 春节 班
2027-04-03~2027-04-05 清明节 休
2027-05-01~2027-05-05 劳动节 休
2027-05-08 劳动节 班
2027-06-09 端午节 休
2027-09-15 中秋节 休
2027-09-26 国庆节 班
2027-10-01~2027-10-07 国庆节 休
2027-10-09 国庆节 班
"""


def enter_2027() -> CalendarYear:
    return calendar_year_save(
        actor=SYSTEM, year=2027, days=parse_year_text(YEAR_2027, 2027), note="测试数据"
    )


# --- which days are working days ----------------------------------------------------------------


def test_national_day_2024() -> None:
    for day in range(1, 8):
        assert not is_working_day(date(2024, 10, day))
    assert is_working_day(D("2024-09-29"))  # a Sunday, swapped to work
    assert is_working_day(D("2024-10-12"))  # a Saturday, swapped to work
    assert is_working_day(D("2024-10-08"))
    assert not is_working_day(D("2024-10-13"))  # an ordinary Sunday


def test_spring_festival_2025() -> None:
    for offset in range(8):
        assert not is_working_day(D("2025-01-28") + timedelta(days=offset))  # 01-28 .. 02-04
    assert is_working_day(D("2025-02-05"))
    assert is_working_day(D("2025-01-26"))  # Sunday before, swapped
    assert is_working_day(D("2025-02-08"))  # Saturday after, swapped
    assert calendar.current_calendar().day_name(D("2025-01-26")) == "春节"


def test_spring_festival_2026() -> None:
    for offset in range(9):
        assert not is_working_day(D("2026-02-15") + timedelta(days=offset))  # 02-15 .. 02-23
    assert is_working_day(D("2026-02-24"))
    assert is_working_day(D("2026-02-14"))  # Saturday, swapped
    assert is_working_day(D("2026-02-28"))  # Saturday, swapped


def test_every_package_day_agrees_with_the_package() -> None:
    day, disagreements = D("2004-01-01"), []
    while day <= D("2026-12-31"):
        if is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []


# --- the clock rules -----------------------------------------------------------------------------


def test_a_period_ending_on_a_holiday_ends_on_the_next_working_day() -> None:
    assert add_calendar_days(D("2024-09-16"), 15) == D("2024-10-08")  # 10-01 is National Day
    assert add_calendar_days(D("2025-01-13"), 15) == D("2025-02-05")  # 01-28 is Spring Festival
    assert add_calendar_days(D("2024-03-01"), 15) == D("2024-03-18")  # 03-16 is a Saturday
    assert add_calendar_days(D("2024-03-04"), 15) == D("2024-03-19")  # a Tuesday: no move
    # a swapped working Saturday is a working day: the period ends on it
    assert add_calendar_days(D("2024-09-27"), 15) == D("2024-10-12")
    assert add_calendar_days(D("2026-01-30"), 15) == D("2026-02-14")
    assert add_calendar_days(D("2025-12-02"), 60) == D("2026-02-02")  # 01-31 is a Saturday
    assert deadline(D("2024-09-16"), 15) == D("2024-10-08")


def test_next_working_day() -> None:
    assert next_working_day(D("2024-10-08")) == D("2024-10-08")
    assert next_working_day(D("2024-10-05")) == D("2024-10-08")
    assert next_working_day(D("2024-09-28")) == D("2024-09-29")  # Saturday -> swapped Sunday


def test_five_working_days_across_a_holiday() -> None:
    # received Friday 09-27: Sun 09-29 (swapped), Mon 09-30, then 10-08, 10-09, 10-10
    assert add_working_days(D("2024-09-27"), 5) == D("2024-10-10")
    assert add_working_days(D("2025-01-24"), 5) == D("2025-02-07")
    assert add_working_days(D("2024-03-04"), 5) == D("2024-03-11")  # over one weekend
    assert deadline(D("2024-09-27"), 5, unit="working") == D("2024-10-10")


def test_a_paused_clock_is_extended_by_the_paused_days() -> None:
    start, hearing = D("2025-03-01"), (D("2025-03-10"), D("2025-03-14"))
    assert deadline(start, 30) == D("2025-03-31")
    # 30 + 5 paused days = 04-05, Tomb-sweeping Day; the holiday rule moves it to Monday 04-07
    assert deadline(start, 30, paused=[hearing]) == D("2025-04-07")
    # overlapping pauses count once; a pause begun after the clock ran out changes nothing
    overlapping = [hearing, (D("2025-03-12"), D("2025-03-16"))]
    assert deadline(start, 30, paused=overlapping) == D("2025-04-07")  # 03-10..03-16, 7 days
    assert deadline(start, 30, paused=[(D("2025-04-01"), D("2025-04-03"))]) == D("2025-03-31")
    # only the part of a pause after the start counts
    assert deadline(start, 30, paused=[(D("2025-02-25"), D("2025-03-02"))]) == D("2025-04-01")
    # a pause that begins on the would-be last day extends the clock
    assert deadline(start, 30, paused=[(D("2025-03-31"), D("2025-04-01"))]) == D("2025-04-02")
    # working days skip paused working days as well
    assert deadline(start, 10, unit="working") == D("2025-03-14")
    assert deadline(start, 10, unit="working", paused=[hearing]) == D("2025-03-21")


def test_bad_clock_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        deadline(D("2025-03-01"), -1)
    with pytest.raises(ValueError):
        deadline(D("2025-03-01"), 30, paused=[(D("2025-03-10"), D("2025-03-09"))])
    with pytest.raises(TypeError):  # an aware datetime's date may be the day before in China
        add_calendar_days(datetime(2025, 3, 1, 9, 30), 15)


def test_days_left_and_clock_state(settings: LazySettings) -> None:
    last = D("2024-10-08")
    assert days_left(last, D("2024-10-04")) == 4
    assert clock_state(last, D("2024-10-04")) == ClockState.RUNNING
    assert clock_state(last, D("2024-10-05")) == ClockState.WARNING  # 3 days left: the default
    assert days_left(last, last) == 0
    assert clock_state(last, last) == "warning"
    assert days_left(last, D("2024-10-09")) == -1
    assert clock_state(last, D("2024-10-09")) == ClockState.OVERDUE
    assert clock_state(last, D("2024-10-04"), warning_days=5) == ClockState.WARNING
    settings.XINFANG = {**settings.XINFANG, "CLOCK_WARNING_DAYS": 0}
    assert clock_state(last, D("2024-10-07")) == ClockState.RUNNING


def test_clock_limits_are_settings_with_the_regulation_defaults(settings: LazySettings) -> None:
    limits = {key: settings.XINFANG[key] for key in ("ROUTE_DAYS", "HANDLE_DAYS")}
    assert limits == {"ROUTE_DAYS": 15, "HANDLE_DAYS": 60}
    assert settings.XINFANG["RETURN_WORKING_DAYS"] == 5
    assert settings.XINFANG["REREVIEW_DECIDE_DAYS"] == 30
    assert settings.XINFANG["CLOCK_WARNING_DAYS"] == 3


# --- a year nobody has entered, then entered -----------------------------------------------------


def test_a_year_not_entered_is_never_guessed() -> None:
    with pytest.raises(CalendarMissingError) as caught:
        deadline(D("2026-12-01"), 60)  # 2027-01-30
    assert caught.value.year == 2027
    assert isinstance(caught.value, XinfangError)
    assert caught.value.message == "2027年的节假日安排尚未录入，请系统管理员录入后再计算期限"
    with pytest.raises(CalendarMissingError):
        add_working_days(D("2026-12-28"), 5)
    with pytest.raises(CalendarMissingError):
        is_working_day(D("2027-01-04"))
    with pytest.raises(CalendarMissingError) as before:
        add_calendar_days(D("2003-12-01"), 15)
    assert before.value.year == 2003
    assert deadline(D("2026-12-01"), 15) == D("2026-12-16")  # still inside 2026: computable
    assert missing_years(D("2026-11-21"), D("2027-03-01")) == [2027]
    assert missing_years(D("2025-01-01"), D("2026-12-31")) == []


def test_an_admin_entered_2027_makes_it_computable() -> None:
    enter_2027()
    assert missing_years(D("2026-11-21"), D("2027-03-01")) == []
    assert deadline(D("2026-12-01"), 60) == D("2027-02-01")  # 01-30 is a Saturday
    assert deadline(D("2026-12-16"), 60) == D("2027-02-15")  # 02-14 is the last day of 春节
    assert is_working_day(D("2027-02-20"))  # swapped Saturday
    assert not is_working_day(D("2027-01-01"))
    assert add_working_days(D("2026-12-30"), 5) == D("2027-01-07")  # 01-01 .. 01-03 off
    assert missing_years(D("2027-06-01"), D("2028-02-01")) == [2028]


def test_an_admin_year_replaces_the_package_for_that_year_only() -> None:
    assert not is_working_day(D("2026-10-01"))
    entered = calendar_year_save(
        actor=SYSTEM,
        year=2026,
        days=parse_year_text("2026-01-01 元旦 休\n2026-12-31 测试 休", 2026),
    )
    assert not is_working_day(D("2026-12-31"))
    assert is_working_day(D("2026-10-01"))  # the package's 2026 no longer applies
    assert not is_working_day(D("2025-10-01"))  # other years keep the package
    calendar_year_delete(actor=SYSTEM, calendar_year=entered)
    assert is_working_day(D("2026-12-31"))
    assert not is_working_day(D("2026-10-01"))


def test_tables_are_cached_and_another_process_s_save_is_seen_after_the_recheck(
    monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: object
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(calendar.time, "monotonic", lambda: clock[0])
    with pytest.raises(CalendarMissingError):
        deadline(D("2026-12-01"), 60)
    with django_assert_num_queries(0):  # type: ignore[operator]
        for offset in range(100):
            deadline(D("2025-01-01") + timedelta(days=offset), 60)
    # another process enters 2027: this process does not invalidate its cache
    year = CalendarYear.objects.create(
        year=2027, entered_at=datetime(2026, 11, 21, 9, 0, tzinfo=TZ)
    )
    CalendarDay.objects.create(
        calendar_year=year, date=D("2027-01-01"), kind=DayKind.HOLIDAY, name="元旦"
    )
    clock[0] += 59
    with pytest.raises(CalendarMissingError):
        deadline(D("2026-12-01"), 60)
    clock[0] += 2  # past CALENDAR_RECHECK_SECONDS (60)
    assert deadline(D("2026-12-01"), 60) == D("2027-02-01")


# --- entering a year -----------------------------------------------------------------------------


def test_lines_are_read_with_ranges_names_and_kinds() -> None:
    days = parse_year_text(YEAR_2027, 2027)
    holidays = [d for d in days if d.kind == DayKind.HOLIDAY]
    workdays = [d for d in days if d.kind == DayKind.WORKDAY]
    assert len(holidays) == 3 + 9 + 3 + 5 + 1 + 1 + 7
    assert [(d.day, d.name) for d in workdays] == [
        (D("2027-02-20"), "春节"),
        (D("2027-05-08"), "劳动节"),
        (D("2027-09-26"), "国庆节"),
        (D("2027-10-09"), "国庆节"),
    ]
    assert parse_year_text("2027/1/1　休", 2027)[0].day == D("2027-01-01")  # full-width space


def test_bad_lines_are_refused_each_named() -> None:
    text = (
        "2027-01-01 元旦 休\n"
        "2027-02-30 春节 休\n"
        "2026-12-31 元旦 休\n"
        "2027-02-08 春节 班\n"
        "2027-03-01 植树节 休假吧\n"
        "2027-01-01 元旦 休\n"
        "元旦放假\n"
    )
    with pytest.raises(CalendarEntryError) as caught:
        parse_year_text(text, 2027)
    problems = caught.value.problems
    assert problems == [
        "第2行“2027-02-30 春节 休”：“2027-02-30”不是有效的日期",
        "第3行“2026-12-31 元旦 休”：日期不在2027年内",
        "第4行“2027-02-08 春节 班”：2027-02-08 是星期一，本来就是工作日，调休上班只能是周六或周日",
        "第5行“2027-03-01 植树节 休假吧”：最后一项应为“休”或“班”，而不是“休假吧”",
        "第6行：2027-01-01 已在第1行录入过",
        "第7行“元旦放假”：格式应为“日期 节日名称 休”或“日期 节日名称 班”",
    ]
    with pytest.raises(CalendarEntryError, match="请至少录入2027年的一天节假日"):
        parse_year_text("# 只有说明\n\n", 2027)


def client_for(district: District, who: str) -> Client:
    client = Client()
    assert client.login(username=district.users[who].username, password=PASSWORD)
    return client


def test_admin_enters_a_year_as_lines_and_it_is_audited(district: District) -> None:
    admin = client_for(district, "admin")
    response = admin.post(
        "/manage/workflow/calendaryear/add/",
        {"year": 2027, "note": "国办发明电〔2026〕测试号", "days_text": YEAR_2027},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entered = CalendarYear.objects.get(year=2027)
    assert entered.entered_by == district.users["admin"]
    assert entered.days.count() == 29 + 4
    assert entered.days.get(date=D("2027-02-20")).kind == DayKind.WORKDAY
    event = AuditEvent.objects.get(action="calendaryear.create")
    assert event.actor == district.users["admin"]
    assert event.data["added"][0] == "2027-01-01 元旦 休"
    assert len(event.data["added"]) == 33
    assert deadline(D("2026-12-01"), 60) == D("2027-02-01")

    # the change form shows the days back as lines; removing one is audited as removed
    page = admin.get(f"/manage/workflow/calendaryear/{entered.pk}/change/").content.decode()
    assert "2027-02-20 春节 班" in page
    response = admin.post(
        f"/manage/workflow/calendaryear/{entered.pk}/change/",
        {"year": 2027, "note": "", "days_text": YEAR_2027.replace("2027-02-20 春节 班\n", "")},
    )
    assert response.status_code == 302
    change = AuditEvent.objects.get(action="calendaryear.change")
    assert change.data["removed"] == ["2027-02-20 春节 班"]
    assert change.data["added"] == []
    assert not is_working_day(D("2027-02-20"))


def test_admin_bad_lines_are_refused_in_chinese_and_nothing_is_saved(district: District) -> None:
    response = client_for(district, "admin").post(
        "/manage/workflow/calendaryear/add/",
        {"year": 2027, "note": "", "days_text": "2027-01-01 元旦 休\n2027-13-01 元旦 休\n"},
    )
    assert response.status_code == 200
    assert "第2行“2027-13-01 元旦 休”：“2027-13-01”不是有效的日期" in response.content.decode()
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="calendaryear").exists()


def test_admin_add_page_starts_from_the_package_when_correcting_a_year(
    district: District,
) -> None:
    page = client_for(district, "admin").get("/manage/workflow/calendaryear/add/?year=2026")
    assert "2026-02-14 春节 班" in page.content.decode()


def test_admin_year_list_warns_about_a_year_not_entered(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("xinfang.workflow.admin.today", lambda: D("2026-11-21"))
    page = client_for(district, "admin").get("/manage/workflow/calendaryear/").content.decode()
    assert "2027年的节假日安排尚未录入" in page
    monkeypatch.setattr("xinfang.workflow.admin.today", lambda: D("2026-06-01"))
    page = client_for(district, "admin").get("/manage/workflow/calendaryear/").content.decode()
    assert "尚未录入" not in page


def test_only_the_admin_role_enters_the_calendar(district: District) -> None:
    response = client_for(district, "officer").get("/manage/workflow/calendaryear/")
    assert response.status_code == 302

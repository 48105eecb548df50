"""Notifications: the page, marking read, the SMS / e-mail backends, the task and the command."""

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings
from django_tasks import TaskResultStatus

from xinfang.intake.models import Matter
from xinfang.notifications.models import ClockAlert, ClockScan, Notification
from xinfang.notifications.selectors import unread_count
from xinfang.workflow import services as wf
from xinfang.workflow import tasks
from xinfang.workflow.clockscan import scan_clocks
from xinfang.workflow.models import Assignment

from .conftest import District
from .views_support import client_for
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db

ASSIGNED_ON = date(2025, 8, 5)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def overdue_matter(d: District) -> tuple[int, date]:
    """A matter assigned to street A, and the first day its handling clock is overdue."""
    m = new_matter(d, received=date(2025, 8, 1))
    m = step(wf.matter_assign, m, d.users["officer"], unit=d.street_a, on=ASSIGNED_ON)
    due = fresh(m).handling_deadline
    assert due is not None
    return m.pk, due + timedelta(days=1)


def test_page_lists_my_notifications_unread_first_and_marks_read(district: District) -> None:
    pk, day = overdue_matter(district)
    scan_clocks(day)
    staff = district.users["street_a_staff"]
    mine = Notification.objects.get(recipient=staff)
    other = Notification.objects.get(recipient=district.users["officer"])
    assert unread_count(staff) == 1
    client = client_for(district, "street_a_staff")
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "办理期限已超期，已自动发起区级督办" in html
    assert f"/intake/matters/{pk}/" in html and "1 条未读" in html
    # someone else's notification cannot be marked, nor a GET mark anything
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{mine.pk}/read/").status_code == 405
    swapped = client.post(f"/notifications/{mine.pk}/read/", headers={"HX-Request": "true"})
    assert swapped.status_code == 200 and "已读" in swapped.content.decode()
    assert unread_count(staff) == 0
    assert Notification.objects.get(pk=other.pk).read_at is None
    tag = Template("{% load notifications_tags %}{% unread_count u %}")
    assert tag.render(Context({"u": district.users["officer"]})) == "1"
    client_for(district, "officer").post("/notifications/read-all/")
    assert unread_count(district.users["officer"]) == 0
    assert client_for(district, "anonymous").get("/notifications/").status_code == 302


def test_a_notification_about_a_matter_no_longer_seen_cannot_be_opened(district: District) -> None:
    pk, day = overdue_matter(district)
    scan_clocks(day)
    staff = district.users["street_a_staff"]
    mine = Notification.objects.get(recipient=staff)
    # the matter moves out of the street's sight (another locality, another unit)
    Matter.objects.filter(pk=pk).update(
        locality=district.street_b, responsible_unit=district.street_b
    )
    Assignment.objects.filter(matter_id=pk).update(active=False)
    client = client_for(district, "street_a_staff")
    response = client.post(f"/notifications/{mine.pk}/read/", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert Notification.objects.get(pk=mine.pk).read_at is None


def test_file_backend_writes_digests_without_personal_data(
    district: District, tmp_path: Path
) -> None:
    pk, day = overdue_matter(district)
    staff = district.users["street_a_staff"]
    staff.email = "jiedao@example.org"
    staff.save(update_fields=["email"])
    notify = {"FILE_DIR": tmp_path}
    with override_settings(XINFANG_NOTIFY=notify):
        r = scan_clocks(day)
    assert r.messages == 1  # only street A's staff has an e-mail; nobody has a phone number
    assert not (tmp_path / "sms.jsonl").exists()
    [line] = (tmp_path / "email.jsonl").read_text(encoding="utf-8").splitlines()
    sent = json.loads(line)
    number = fresh_number(pk)
    assert sent["to"] == "jiedao@example.org"
    assert number in sent["text"] and "办理期限已超期" in sent["text"]
    for personal in ("王小明", "13800138000", "物业"):
        assert personal not in line
    with override_settings(XINFANG_NOTIFY=notify):
        assert scan_clocks(day).messages == 0  # nothing new, nothing sent


def fresh_number(pk: int) -> str:
    from xinfang.intake.models import Matter

    return Matter.objects.get(pk=pk).number


def test_console_backend_logs(district: District, caplog: pytest.LogCaptureFixture) -> None:
    _, day = overdue_matter(district)
    officer = district.users["officer"]
    officer.email = "ban@example.org"
    officer.save(update_fields=["email"])
    backend = "xinfang.notifications.backends.ConsoleBackend"
    with override_settings(XINFANG_NOTIFY={"EMAIL_BACKEND": backend}):
        assert scan_clocks(day).messages == 1
    assert any("ban@example.org" in rec.getMessage() for rec in caplog.records)


def test_the_task_runs_through_the_tasks_api(
    district: District, caplog: pytest.LogCaptureFixture
) -> None:
    _, day = overdue_matter(district)
    with override_settings(TASKS=IMMEDIATE):
        result = tasks.scan_clocks.enqueue(day.isoformat())
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value is not None
    assert result.return_value["overdue"] == ClockAlert.objects.count() >= 1
    assert result.return_value["notices"] == 1
    assert tasks.scan_clocks.call(day.isoformat())["overdue"] == 0  # called directly, again
    # the task does what the command does, in the same order (tasks.run_daily): the day's
    # housekeeping anchored the audit chain, hotspots counted
    assert any("审计链锚点" in record.getMessage() for record in caplog.records)
    assert {"hotspots", "hotspot_notifications"} <= set(result.return_value)


def test_the_command_prints_its_counts(district: District) -> None:
    _, day = overdue_matter(district)
    out = StringIO()
    call_command("scan_clocks", today=day.isoformat(), stdout=out)
    text = out.getvalue()
    assert f"{day:%Y-%m-%d} 期限扫描：" in text
    assert "新增超期 1 条" in text and "自动督办 1 件" in text
    out = StringIO()
    call_command("scan_clocks", today=day.isoformat(), stdout=out)
    assert "新增超期 0 条" in out.getvalue() and "站内提醒 0 条" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_enqueued_scan_runs_in_the_database_worker(district: District) -> None:
    _, day = overdue_matter(district)
    out = StringIO()
    call_command("scan_clocks", today=day.isoformat(), enqueue=True, stdout=out)
    assert "已放入后台任务队列" in out.getvalue()
    assert not ClockScan.objects.exists()
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    scan = ClockScan.objects.get()
    assert (scan.today, scan.overdue, scan.notices) == (day, 1, 1)


def test_the_admin_reads_the_scan_log(district: District) -> None:
    _, day = overdue_matter(district)
    scan_clocks(day)
    page = client_for(district, "admin").get("/manage/notifications/clockscan/")
    assert page.status_code == 200 and day.strftime("%Y") in page.content.decode()
    assert client_for(district, "officer").get("/manage/notifications/clockscan/").status_code in (
        302,
        403,
    )

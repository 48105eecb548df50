"""Leader work in a real browser (Playwright + Debian's chromium), from 公示 to 回流.

The bureau's 经办人 arranges and publishes a 下访 session; on a phone the public books it on the
portal; at the session the desk registers two groups from the day's sheet — one 当场解决, one
限期解决 — and the bureau routes the second within the 2-working-day window through the matter
page's 交办 step; a package with the 六定 is opened on it; a month passes without a progress note
(the clock scan run a month later) and the reminder appears in 提醒; the matter is resolved (化解),
registered again, and the package page shows 回流. Screenshots under
test-artifacts/browser/<database>/leaders/.

Two time travels, both said where they happen: the session's day is moved back to a past working
day once it is booked (the browser cannot wait for the day), and the package's opening day with
it, so that its 化解 can be dated before the new registration that makes it a 回流.
"""

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser_support import DESK, PHONE, Shots, login, pick
from tests.conftest import PASSWORD, TZ, District
from tests.test_documents_support import ensure_default_templates
from xinfang.demo.live import demo_years_enter
from xinfang.intake.choices import Channel, Purpose
from xinfang.intake.models import Category, Matter
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create
from xinfang.leaders import services as ls
from xinfang.leaders.choices import (
    BookingStatus,
    LeaderTier,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import (
    Booking,
    Leader,
    Package,
    PackageReflow,
    Reception,
    ReceptionSession,
)
from xinfang.notifications.models import Notification
from xinfang.workflow import calendar, entry
from xinfang.workflow.clockscan import scan_clocks

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT_ON_THE_SPOT = "小区门口路灯损坏三个月无人维修，夜间出行不便，请求尽快修复。"
CONTENT_DEADLINE = "村集体土地征收补偿款至今未足额发放，涉及十余户村民，请求领导协调解决。"


def act(page: Any, label: str) -> None:
    """Open a step in the matter page's 「办理」 panel (htmx) and wait for its form."""
    page.locator("#act-panel").get_by_role("link", name=label, exact=True).click()
    page.locator("#act-slot form").wait_for()


def confirm(page: Any, label: str) -> None:
    page.locator("#act-slot").get_by_role("button", name=f"确认{label}").click()


def desk_page(browser: Any, base: str, username: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    login(page, base, username, PASSWORD)
    return context, page


def a_past_session_day(today: date) -> date:
    """A working day a few days back whose next working day (the routing) is before today and
    within the backdating window, so the officer may type it (xinfang.workflow.entry)."""
    earliest = entry.window_start(today)
    day = today - timedelta(days=1)
    while not (
        calendar.is_working_day(day) and earliest <= calendar.add_working_days(day, 1) < today
    ):
        day -= timedelta(days=1)
    return day


def publish_session(browser: Any, base: str, district: District, shots: Shots) -> ReceptionSession:
    """The bureau arranges a 下访 for the day after tomorrow and publishes it."""
    held = timezone.localdate() + timedelta(days=2)
    context, page = desk_page(browser, base, "officer")
    page.goto(f"{base}/leaders/sessions/")
    form = page.locator("#new-session")
    form.get_by_label("接访形式").select_option(value=SessionKind.VISIT_DOWN)
    form.get_by_label("接访日期").fill(held.isoformat())
    form.get_by_label("开始时间").fill("09:00")
    form.get_by_label("结束时间").fill("12:00")
    form.get_by_label("地点").fill("东风街道社会治理综合服务中心")
    form.get_by_label("接访内容").fill("征地拆迁、物业管理等群众身边问题")
    form.get_by_label("预约名额").fill("10")
    shots(page, "officer-sessions")
    form.get_by_role("checkbox", name=re.compile("张建国")).check()
    shots(page, "officer-arranges-visit-down")
    form.get_by_role("button", name="安排").click()
    page.wait_for_load_state()
    session = ReceptionSession.objects.get()
    assert session.status == SessionStatus.PLANNED and session.kind == SessionKind.VISIT_DOWN
    page.goto(f"{base}/leaders/sessions/{session.pk}/")
    page.get_by_role("button", name="公示").click()
    page.get_by_text("已公示").first.wait_for()
    shots(page, "officer-published")
    context.close()
    session.refresh_from_db()
    assert session.status == SessionStatus.PUBLISHED and session.published_at is not None
    return session


def public_books(browser: Any, base: str, session: ReceptionSession, shots: Shots) -> Booking:
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{base}/portal/receptions/")
    page.locator(f"#book-{session.pk}").wait_for()
    shots(page, "portal-receptions")
    page.locator(f"#book-{session.pk}").click()
    page.get_by_label("姓名").fill("刘桂兰")
    page.get_by_label("手机号码").fill("13912340001")
    page.get_by_label("要反映的事项").fill(CONTENT_ON_THE_SPOT)
    shots(page, "portal-booking-form")
    page.locator("#booking-submit").click()
    page.locator("#booking-code").wait_for()
    shots(page, "portal-booked")
    phone.close()
    booking = Booking.objects.get(session=session)
    assert booking.status == BookingStatus.BOOKED and booking.phone == "13912340001"
    return booking


def fill_registration(
    page: Any, district: District, *, name: str, phone: str, content: str
) -> None:
    page.locator("#id_petitioner_name").fill(name)
    page.locator("#id_petitioner_phone").fill(phone)
    page.locator("#id_content").fill(content)
    category = Category.objects.get(name="物业管理" if "路灯" in content else "征地拆迁")
    pick(page.locator("#id_category"), category.name)
    page.locator("#id_purpose").select_option(value=Purpose.REQUEST)
    pick(page.locator("#id_locality"), district.street_a.name)


def desk_registers(
    browser: Any, base: str, district: District, session: ReceptionSession, shots: Shots
) -> tuple[Reception, Reception]:
    """From the day's sheet: the booked group settled on the spot, a walk-in group 限期解决."""
    context, page = desk_page(browser, base, "registrar")
    page.goto(f"{base}/leaders/sessions/{session.pk}/")
    shots(page, "desk-sheet")
    page.get_by_role("link", name="接待登记", exact=True).first.click()
    page.locator("#at-session").wait_for()
    fill_registration(
        page, district, name="刘桂兰", phone="13912340001", content=CONTENT_ON_THE_SPOT
    )
    page.get_by_label("当场解决").check()
    shots(page, "desk-registers-booked-group")
    page.get_by_role("button", name=re.compile("^登记")).click()
    page.wait_for_url(re.compile(rf".*/leaders/sessions/{session.pk}/$"))

    page.get_by_role("link", name="接待登记（现场来访）").click()
    page.locator("#at-session").wait_for()
    fill_registration(page, district, name="赵德明", phone="13912340002", content=CONTENT_DEADLINE)
    page.locator("#id_people").fill("3")
    page.get_by_label("限期解决").check()
    page.locator("#id_reception_leader_due").fill(
        (session.held_on + timedelta(days=30)).isoformat()
    )
    page.get_by_role("button", name=re.compile("^登记")).click()
    page.wait_for_url(re.compile(rf".*/leaders/sessions/{session.pk}/$"))
    page.get_by_text("接待记录（2批）").wait_for()
    shots(page, "desk-two-groups-received")
    context.close()
    spot = Reception.objects.get(outcome=ReceptionOutcome.ON_THE_SPOT)
    deadline = Reception.objects.get(outcome=ReceptionOutcome.WITH_DEADLINE)
    assert spot.booking_id is not None and spot.route_due is None
    assert deadline.route_due == calendar.add_working_days(session.held_on, 2)
    assert deadline.registration.received_on == session.held_on
    assert deadline.registration.people == 3
    return spot, deadline


def officer_routes_and_packages(
    browser: Any, base: str, district: District, reception: Reception, shots: Shots
) -> Package:
    matter = reception.registration.matter
    routed = calendar.add_working_days(reception.session.held_on, 1)
    context, page = desk_page(browser, base, "officer")
    page.goto(f"{base}/intake/matters/{matter.pk}/")
    act(page, "交办")
    pick(page.get_by_label("承办单位"), district.street_a.name)
    page.locator("#act-slot").get_by_label("日期").fill(routed.isoformat())
    shots(page, "officer-routes-in-time")
    confirm(page, "交办")
    page.get_by_text("已交办").first.wait_for()
    reception.refresh_from_db()
    assert reception.route_due is not None
    assert ls.routed_on_of(reception) == routed <= reception.route_due
    page.goto(f"{base}/leaders/sessions/{reception.session_id}/")
    shots(page, "session-routed-within-window")

    page.goto(f"{base}/intake/matters/{matter.pk}/")
    page.get_by_role("link", name="领导包案").click()
    pick(page.get_by_label("定责任单位"), district.street_a.name)
    leader = Leader.objects.get(name="张建国")
    pick(page.get_by_label("定责任领导"), leader.name)
    page.get_by_label("定责任人").fill("孙海涛")
    staff = district.users["street_a_staff"]
    pick(page.get_by_label("责任人账号"), staff.display_name)
    pick(page.get_by_label("定督办单位"), district.district.name)
    page.get_by_label("定办结时限").fill((timezone.localdate() + timedelta(days=90)).isoformat())
    page.get_by_label("定办理要求").fill("一个月内拿出补偿方案，每月底前报送进展，一包到底")
    shots(page, "officer-opens-package")
    page.get_by_role("button", name="建立包案").click()
    page.wait_for_url(re.compile(r".*/leaders/packages/\d+/$"))
    shots(page, "package-six")
    context.close()
    package = Package.objects.get()
    assert package.status == PackageStatus.OPEN and package.leader == leader
    return package


def test_session_booking_receptions_package_reminder_reflow(
    chromium: Any, live_server: Any, district: District
) -> None:
    ensure_default_templates()
    today = timezone.localdate()
    demo_years_enter(today - timedelta(days=60), today + timedelta(days=240))
    Leader.objects.create(
        name="张建国",
        post="副区长",
        tier=LeaderTier.MEMBER,
        unit=district.district,
        user=district.users["leader"],
    )
    base, shots = live_server.url, Shots("leaders")

    session = publish_session(chromium, base, district, shots)
    booking = public_books(chromium, base, session, shots)

    # time travel: the session's day has come and gone — it was held last week
    held = a_past_session_day(today)
    ReceptionSession.objects.filter(pk=session.pk).update(held_on=held)
    session.refresh_from_db()
    spot, deadline = desk_registers(chromium, base, district, session, shots)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.RECEIVED
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD

    package = officer_routes_and_packages(chromium, base, district, deadline, shots)
    # time travel: the package was opened on the day the matter was routed
    opened = calendar.add_working_days(held, 1)
    Package.objects.filter(pk=package.pk).update(started_on=opened)

    # the leader sees the package among their own
    context, page = desk_page(chromium, base, "leader")
    page.goto(f"{base}/leaders/packages/")
    page.get_by_role("link", name=package.number).wait_for()
    shots(page, "leader-own-packages")
    context.close()

    # a month passes without a progress note: the scan a month on reminds the 责任人
    month_on = (today.replace(day=1) + timedelta(days=40)).replace(day=5)
    scan_clocks(month_on, send=False)
    reminder = Notification.objects.filter(
        recipient=district.users["street_a_staff"], key__startswith=f"pkgmonth:{package.pk}:"
    )
    assert reminder.count() == 1
    context, page = desk_page(chromium, base, "street_a_staff")
    page.goto(f"{base}/notifications/")
    page.get_by_text(re.compile(f"包案{package.number}.*进展未填报")).first.wait_for()
    shots(page, "reminder-in-notifications")
    context.close()

    # 化解 on the matter page (dated yesterday), then the matter is registered again today
    matter = Matter.objects.get(pk=deadline.registration.matter_id)
    resolved = today - timedelta(days=1)
    context, page = desk_page(chromium, base, "officer")
    page.goto(f"{base}/intake/matters/{matter.pk}/")
    act(page, "登记化解")
    page.locator("#act-slot").get_by_label("日期").fill(resolved.isoformat())
    confirm(page, "登记化解")
    page.get_by_text("已登记化解").first.wait_for()
    package.refresh_from_db()
    assert package.status == PackageStatus.RESOLVED and package.resolved_on == resolved

    petitioner = matter.petitioner
    assert petitioner is not None
    registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=Channel.LETTER,
            received_at=timezone.now().astimezone(TZ).replace(second=0, microsecond=0),
            content="补偿方案未兑现，再次来信要求落实。",
            category=matter.category,
            purpose=Purpose.REQUEST,
            locality=district.street_a,
            petitioner=PersonInput(name=petitioner.name, phone=petitioner.phone),
        ),
        matter=matter,
    )
    page.goto(f"{base}/leaders/packages/{package.pk}/")
    page.get_by_text("回流1次").wait_for()
    shots(page, "package-reflow")
    context.close()
    reflow = PackageReflow.objects.get()
    assert reflow.package == package and reflow.resolved_before == resolved
    package.refresh_from_db()
    assert package.status == PackageStatus.OPEN
    assert spot.registration.matter_id != matter.pk

"""The whole way of an online petition, in a real browser (Playwright + Debian's chromium).

A petitioner submits on a phone-sized screen and gets a query code; the registrar sees it in the
queue and assigns it; the unit signs for it, decides and issues the 处理意见书; the petitioner looks
the matter up with the code, reads the reply and rates it. Screenshots of every step are kept under
test-artifacts/browser/<database>/walk/.
"""

import re
from typing import Any

import pytest

from tests.browser_support import DESK, Shots, login
from tests.conftest import PASSWORD, District
from xinfang.intake.models import Matter
from xinfang.workflow.states import MatterStatus

pytestmark = pytest.mark.django_db(transaction=True)


def act(page: Any, label: str) -> None:
    """Open a step in the matter page's 「办理」 panel (htmx) and wait for its form."""
    page.locator("#act-panel").get_by_role("link", name=label, exact=True).click()
    page.locator("#act-slot form").wait_for()


def confirm(page: Any, label: str) -> None:
    page.locator("#act-slot").get_by_role("button", name=f"确认{label}").click()


def staff_handle(browser: Any, base: str, district: District, matter: Matter, shots: Shots) -> None:
    """The desk sees the matter; the bureau's 经办人 assigns it (routing is theirs in our table of
    steps); the street signs, replies and issues the 处理意见书."""
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    login(page, base, "registrar", PASSWORD)
    page.goto(f"{base}/intake/matters/?channel=online")
    page.get_by_role("link", name=matter.number).first.click()
    page.wait_for_url(re.compile(rf".*/intake/matters/{matter.pk}/$"))
    shots(page, "registrar-sees-online-matter")
    desk.close()

    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    login(page, base, "officer", PASSWORD)
    page.goto(f"{base}/workflow/queues/")
    shots(page, "officer-queue")
    page.get_by_role("link", name=matter.number).first.click()
    page.wait_for_url(re.compile(rf".*/intake/matters/{matter.pk}/$"))
    act(page, "交办")
    page.get_by_label("承办单位").select_option(label=district.street_a.name)
    shots(page, "officer-assigns")
    confirm(page, "交办")
    page.get_by_text("已交办").first.wait_for()
    desk.close()

    unit = browser.new_context(viewport=DESK, locale="zh-CN")
    page = unit.new_page()
    login(page, base, "street_a_staff", PASSWORD)
    page.goto(f"{base}/workflow/queues/")
    shots(page, "unit-queue")
    page.get_by_role("link", name=matter.number).first.click()
    act(page, "签收")
    confirm(page, "签收")
    page.get_by_text("已签收").first.wait_for()
    page.goto(f"{base}/intake/matters/{matter.pk}/")
    act(page, "出具处理意见书")
    page.get_by_label("予以支持").check()
    confirm(page, "出具处理意见书")
    page.get_by_text("已出具处理意见书").first.wait_for()
    page.goto(f"{base}/intake/matters/{matter.pk}/")
    documents = page.locator("#matter-documents")
    documents.locator("summary", has_text="处理意见书").click()
    documents.get_by_role("button", name=re.compile("处理意见书")).click()
    page.get_by_text("已出具处理意见书，文号").wait_for()
    shots(page, "unit-issued-reply")
    unit.close()
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REPLIED


def test_staff_half(chromium: Any, live_server: Any, district: District) -> None:  # TEMP
    from datetime import timedelta

    from django.utils import timezone

    from xinfang.demo.live import demo_years_enter

    today = timezone.localdate()
    # the clocks started today run into next year; chinesecalendar may not have it yet
    demo_years_enter(today, today + timedelta(days=200))
    from tests.conftest import register
    from xinfang.intake.choices import Channel

    matter = register(district, locality=district.street_a, channel=Channel.ONLINE)
    shots = Shots("walk")
    staff_handle(chromium, live_server.url, district, matter, shots)

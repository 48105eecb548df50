"""The dashboard's prevention tables in a real browser (Playwright + Debian's chromium): the
hand-counted set of test_prevention_report, each figure a link that opens its rows; screenshots
(desk and phone) under test-artifacts/browser/<database>/prevention/, beside the report's Word
and Excel files written from the same set (to look at as images: libreoffice, pdftoppm)."""

import re
from typing import Any

import pytest
from django.core.management import call_command

from tests.browser_support import DESK, PHONE, Shots, login
from tests.conftest import PASSWORD, District
from tests.test_prevention_report import REPORT_ARGS, _disputes, _set

pytestmark = pytest.mark.django_db(transaction=True)


def _login(page: Any, base: str, username: str) -> None:
    login(page, base, username, PASSWORD)  # the login form, and the second factor where asked


def test_dashboard_prevention_tables_open_their_lists(
    chromium: Any, live_server: Any, district: District
) -> None:
    _set(district)
    _disputes(district)
    base, shots = live_server.url, Shots("prevention")
    for fmt in ("docx", "xlsx"):  # the same figures on paper
        target = shots.dir / f"report.{fmt}"
        call_command("report", *REPORT_ARGS, "--format", fmt, "--output", str(target))

    context = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    _login(page, base, "officer")
    page.goto(f"{base}/analytics/?org=320101&span=custom&start=2025-08-01&end=2025-12-31")
    section = page.locator("section[aria-labelledby=h-prevention]")
    section.wait_for()
    found = page.locator("#table-disputes tbody tr").first
    assert found.locator("th").inner_text() == "排查（件）"
    assert [c.inner_text() for c in found.locator("td").all()] == ["3", "1", "1", "5"]
    section.screenshot(path=str(shots.dir / "00-prevention-section.png"))
    shots(page, "dashboard")
    found.get_by_role("link", name="5，查看明细").click()
    page.wait_for_url(re.compile(r".*/prevention/figures/disputes/.*"))
    assert page.get_by_role("heading", level=1).inner_text() == "期内排查的矛盾纠纷"
    assert page.locator("table[data-list=disputes] tbody tr").count() == 5
    shots(page, "disputes-found")
    page.go_back()
    page.locator("#table-handed_down").get_by_role("link", name="1，查看明细").first.click()
    page.wait_for_url(re.compile(r".*/prevention/figures/batch/.*"))
    assert "第一批交办积案" in page.get_by_role("heading", level=1).inner_text()
    shots(page, "batch-resolved-or-verified")
    context.close()

    phone = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    _login(page, base, "leader")
    page.goto(f"{base}/analytics/?org=320101&span=custom&start=2025-08-01&end=2025-12-31")
    card = page.locator("section[data-prevention=disputes]")
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(shots.dir / "phone-disputes.png"))  # the table scrolls sideways
    phone.close()

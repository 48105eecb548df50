"""The village clerk's month of screening in a real browser (Playwright + Debian's chromium), on a
phone: log in, open 本月排查, record a dispute, see it in the month's list, 报送 the month. The
pages must fit the phone (no horizontal scroll) with tap targets of at least 44px. Then the
district's desk: the ledger and the dispute's page. Screenshots under
test-artifacts/browser/<database>/disputes/.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser_support import DESK, PHONE, Shots, login
from tests.conftest import PASSWORD, District, make_user
from xinfang.accounts.models import Role
from xinfang.demo.live import demo_years_enter
from xinfang.disputes.choices import DisputeLevel, DisputeSource, Risk
from xinfang.disputes.models import Dispute, MonthlyReport

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = "村民甲乙两户因宅基地边界的围墙修建发生争执，双方多次口角，需尽快调处。"


def fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width}px wide on a {PHONE['width']}px phone"


def tall_enough(locator: Any, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None and box["height"] >= 44, f"{what}: {box}"


def test_a_village_clerk_screens_the_month_on_a_phone(
    chromium: Any, live_server: Any, district: District
) -> None:
    today = timezone.localdate()
    demo_years_enter(today - timedelta(days=60), today + timedelta(days=240))
    make_user("village_clerk", Role.UNIT_STAFF, district.village_a)
    base, shots = live_server.url, Shots("disputes")

    phone = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    login(page, base, "village_clerk", PASSWORD)
    page.get_by_role("link", name="矛盾纠纷").first.click()
    page.get_by_role("link", name="本月排查").click()
    page.get_by_text("未报送").first.wait_for()
    fits_the_phone(page)
    shots(page, "phone-month-empty")

    page.get_by_role("link", name="＋ 录入纠纷").click()
    page.get_by_role("heading", name="录入矛盾纠纷").wait_for()
    fits_the_phone(page)
    # the clerk's own village is the place already; the day is today
    assert page.locator("select[name=place]").input_value() == str(district.village_a.pk)  # picker
    assert page.locator("#id_place").input_value() == district.village_a.name  # its box
    assert page.locator("#id_found_on").input_value() == today.isoformat()
    page.get_by_label("群众反映").check()
    page.get_by_label("涉及人数").fill("4")
    page.get_by_label("高", exact=True).check()
    page.get_by_label("纠纷情况").fill(DESCRIPTION)
    page.get_by_label("化解方案").fill("村调解委员会三日内组织双方现场勘界、协商")
    tall_enough(page.get_by_label("群众反映"), "来源")
    tall_enough(page.get_by_label("涉及人数"), "涉及人数")
    save = page.get_by_role("button", name="保存纠纷")
    tall_enough(save, "保存纠纷")
    shots(page, "phone-record-form")
    save.click()
    page.wait_for_url(re.compile(r".*/disputes/month/$"))
    page.get_by_text("本月排查到的纠纷（1件）").wait_for()
    fits_the_phone(page)
    dispute = Dispute.objects.get()
    assert (dispute.place, dispute.source, dispute.risk, dispute.parties) == (
        district.village_a,
        DisputeSource.PUBLIC,
        Risk.HIGH,
        4,
    )
    assert (dispute.level, dispute.owner_unit) == (DisputeLevel.VILLAGE, district.village_a)
    assert page.locator("ul.month-list").get_by_text(dispute.number).is_visible()
    submit = page.get_by_role("button", name="报送本月排查（1件）")
    tall_enough(submit, "报送")
    shots(page, "phone-month-one-dispute")
    submit.click()
    page.locator("#submitted").wait_for()
    fits_the_phone(page)
    shots(page, "phone-month-submitted")
    phone.close()
    report = MonthlyReport.objects.get()
    assert (report.unit, report.month, report.zero) == (
        district.village_a,
        today.replace(day=1),
        False,
    )
    assert list(report.disputes.all()) == [dispute]

    # the district's desk: the ledger, the dispute's page, who submitted
    desk = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    login(page, base, "officer", PASSWORD)
    page.goto(f"{base}/disputes/")
    page.get_by_role("link", name=dispute.number).wait_for()
    # 15 days at the village (moved on to a working day when the 15th is not one)
    assert page.get_by_text(re.compile(r"^剩余1[5-9]天$")).first.is_visible()
    shots(page, "desk-ledger")
    page.get_by_role("link", name=dispute.number).click()
    page.get_by_role("heading", name=f"矛盾纠纷 {dispute.number}").wait_for()
    page.locator("#mediate-form > summary").click()
    page.get_by_label("人民调解").check()
    page.get_by_label("调解员或调解组织").fill("东风社区人民调解委员会")
    shots(page, "desk-dispute-start-mediation")
    page.get_by_role("button", name="开始调解").click()
    page.get_by_text("已开始调解。").wait_for()
    page.locator("#session-form > summary").click()
    shots(page, "desk-dispute-mediating")
    assert dispute.mediations.get().mediator == "东风社区人民调解委员会"
    page.goto(f"{base}/disputes/reports/")
    page.get_by_text("已报送 1 个").wait_for()
    shots(page, "desk-reports")
    desk.close()

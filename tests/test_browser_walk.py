"""The whole way of an online petition, in a real browser (Playwright + Debian's chromium).

A petitioner submits on a phone-sized screen and gets a query code; the registrar sees it in the
queue and assigns it; the unit signs for it, decides and issues the 处理意见书; the petitioner looks
the matter up with the code, reads the reply and rates it. Screenshots of every step are kept under
test-artifacts/browser/<database>/walk/.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser_support import DESK, PHONE, Shots, login, pick
from tests.conftest import PASSWORD, District
from tests.test_documents_support import ensure_default_templates
from xinfang.demo.live import demo_years_enter
from xinfang.intake.choices import Channel, Evaluation
from xinfang.intake.models import Matter
from xinfang.workflow.models import MatterWorkflow
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
    pick(page.get_by_label("承办单位"), district.street_a.name)
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
    page.get_by_label("答复内容").fill("经调查核实，路灯已于本周修复，恢复夜间照明。")
    confirm(page, "出具处理意见书")
    # one step, one document: the reply issues its 处理意见书 in the same act
    page.get_by_text(re.compile(r"已出具处理意见书（.+〔")).first.wait_for()
    page.goto(f"{base}/intake/matters/{matter.pk}/")
    expect_reply = page.locator("#matter-documents").get_by_text("处理意见书").first
    expect_reply.wait_for()
    shots(page, "unit-issued-reply")
    unit.close()
    matter.refresh_from_db()
    assert matter.status == MatterStatus.REPLIED


def petitioner_submits(
    browser: Any, base: str, district: District, shots: Shots
) -> tuple[str, str]:
    """On a phone: a first try with the content missing keeps what was typed; then the code."""
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{base}/portal/")
    shots(page, "portal-home")
    page.locator("#start-submit").click()
    page.get_by_label("申诉求决").check()
    page.get_by_label("问题类别").select_option(label="物业管理")
    page.get_by_label("问题发生地").select_option(label=district.street_a.name)
    page.get_by_label("姓名").fill("李秀英")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("客观真实").check()
    page.locator("#submit-petition").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "请填写" in alert.inner_text()
    assert page.get_by_label("姓名").input_value() == "李秀英"  # nothing typed is lost
    assert page.get_by_label("联系电话").input_value() == "13912345678"
    shots(page, "portal-error-keeps-input")
    page.get_by_label("反映的问题和诉求").fill(
        "小区物业长期不维修电梯，三号楼电梯停运两个月，老人上下楼困难，请督促物业尽快修复。"
    )
    page.locator("#submit-petition").dblclick()  # a double click never makes two matters
    page.wait_for_url(re.compile(r".*/portal/receipt/$"))
    code = page.locator("#query-code").get_attribute("data-code") or ""
    secret = page.locator("#query-secret").get_attribute("data-secret") or ""
    assert code and secret
    shots(page, "portal-receipt-code")
    phone.close()
    return code, secret


def petitioner_reads_and_rates(
    browser: Any, base: str, code: str, secret: str, shots: Shots
) -> None:
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{base}/portal/query/")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("查询密码").fill(secret)
    page.locator("#query-submit").click()
    page.wait_for_url(re.compile(r".*/portal/progress/$"))
    assert "已答复" in page.locator("#status-words").inner_text()
    shots(page, "portal-progress-replied")
    page.locator("#open-document-reply").click()
    page.get_by_text("处理意见书").first.wait_for()
    shots(page, "portal-reads-reply")
    page.locator("#confirm-receipt").click()  # 网上送达: confirmed by the petitioner
    page.get_by_text("送达您").first.wait_for()
    page.goto(f"{base}/portal/progress/")
    page.get_by_label("满意", exact=True).check()
    page.locator("#submit-evaluation").click()
    page.locator("#evaluation-state").wait_for()
    shots(page, "portal-rated")
    phone.close()


def test_online_petition_from_phone_to_rating(
    chromium: Any, live_server: Any, district: District
) -> None:
    ensure_default_templates()  # an earlier transactional test's flush removed the migrated ones
    today = timezone.localdate()
    # the clocks started today run into next year, which chinesecalendar may not have yet
    demo_years_enter(today, today + timedelta(days=200))
    shots = Shots("walk")
    code, secret = petitioner_submits(chromium, live_server.url, district, shots)
    matters = Matter.objects.filter(registrations__channel=Channel.ONLINE)
    assert matters.count() == 1
    matter = matters.get()
    staff_handle(chromium, live_server.url, district, matter, shots)
    petitioner_reads_and_rates(chromium, live_server.url, code, secret, shots)
    flow = MatterWorkflow.objects.get(matter=matter)
    assert flow.reply_delivered_on == today  # opened online: 网上送达
    matter.refresh_from_db()
    assert matter.evaluation == Evaluation.SATISFIED

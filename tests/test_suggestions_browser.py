"""The suggestion box in a real browser (Playwright + Debian's chromium): typing the content
offers categories and units with confidence; nothing is filled until one is clicked; the click
fills the picker, and what the registrar then chooses is what is stored.
Screenshots under test-artifacts/browser/<database>/suggestions/."""

from typing import Any

import pytest

from tests.browser_support import DESK, Shots, login
from tests.conftest import PASSWORD, District
from xinfang.intake.models import Category, Registration, SuggestionRule

pytestmark = pytest.mark.django_db(transaction=True)


def test_offered_then_picked_and_the_pick_is_stored(
    chromium: Any, live_server: Any, district: District, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path  # no model here: the keyword rules answer
    SuggestionRule.objects.all().delete()
    estate = Category.objects.get(name="物业管理")
    SuggestionRule.objects.create(keywords="物业 电梯", category=estate)
    SuggestionRule.objects.create(keywords="物业费", responsible_unit=district.housing)
    base, shots = live_server.url, Shots("suggestions")
    context = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    login(page, base, "registrar", PASSWORD)
    page.goto(f"{base}/intake/register/")
    page.locator("#id_content").fill("小区物业不修电梯，还乱收物业费")
    pick = page.locator("button[data-pick=category]").first
    pick.wait_for()
    assert pick.inner_text().startswith("城乡建设/物业管理")
    shots(page, "offered")
    category = page.get_by_role("combobox", name="内容分类")
    unit = page.get_by_role("combobox", name="责任单位")
    assert category.input_value() == "" and unit.input_value() == ""  # nothing filled unasked
    pick.click()
    page.locator("button[data-pick=responsible_unit]").first.click()
    assert page.locator("select[name=category]").input_value() == str(estate.pk)
    assert unit.input_value() == "区住房和城乡建设局"
    shots(page, "picked")
    category.fill("其他")  # the registrar changes their mind: the choice is what is stored
    category.press("Enter")
    page.get_by_label("姓名").fill("钱七")
    page.get_by_role("button", name="登记").click()
    page.locator("#done-outcome").wait_for()
    registration = Registration.objects.get()
    assert registration.category == Category.objects.get(name="其他")
    assert registration.responsible_unit == district.housing
    context.close()

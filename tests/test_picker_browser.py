"""The type-ahead pickers in a real browser (Playwright + Debian's chromium): Chinese, full pinyin
and initials find a unit; arrows and Enter pick it; the registration posts its id; the empty box
offers the registrar's recent choices first; without picker.js the select is still there.
Screenshots under test-artifacts/browser/<database>/pickers/."""

from typing import Any

import pytest

from tests.browser_support import DESK, Shots, login
from tests.conftest import PASSWORD, District
from xinfang.intake.models import Category, Registration

pytestmark = pytest.mark.django_db(transaction=True)


def options(page: Any, box: Any) -> list[str]:
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    return [t.split(" ")[0] for t in listbox.locator("[role=option]").all_inner_texts()]


def test_typed_chinese_pinyin_and_initials_pick_a_unit(
    chromium: Any, live_server: Any, district: District
) -> None:
    base, shots = live_server.url, Shots("pickers")
    context = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    login(page, base, "registrar", PASSWORD)
    page.goto(f"{base}/intake/register/")
    box = page.get_by_role("combobox", name="问题属地")
    assert box.get_attribute("aria-expanded") == "false"
    for typed in ("东风", "dfjd", "dongfeng", "DongFengJ"):
        box.fill(typed)
        assert options(page, box)[:1] == ["东风街道"], typed
        assert box.get_attribute("aria-expanded") == "true"
        shots(page, f"locality-{typed}")
    box.fill("xihu")
    assert options(page, box) == ["西湖街道"]
    box.fill("df")  # 东风街道, then 东风社区 under it
    assert options(page, box) == ["东风街道", "东风社区"]
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").inner_text().startswith("东风社区")
    box.press("Enter")
    assert box.input_value() == "东风社区"
    assert page.locator("select[name=locality]").input_value() == str(district.village_a.pk)
    category = page.get_by_role("combobox", name="内容分类")
    category.fill("qt")
    assert options(page, category)[:1] == ["其他"]
    category.fill("wygl")
    category.press("Tab")  # Tab takes the first match and moves on
    assert category.input_value() == "物业管理"
    unit = page.get_by_role("combobox", name="责任单位")
    for typed in ("zhufang", "zhujian", "住建"):  # a later syllable; an abbreviation
        unit.fill(typed)
        assert options(page, unit)[:1] == ["区住房和城乡建设局"], typed
    unit.press("Enter")
    # another script choosing (a suggested category) sets the select and says so: the box follows
    page.locator("select[name=category]").evaluate(
        """(s, v) => { s.value = v; s.dispatchEvent(new Event("change", {bubbles: true})); }""",
        str(Category.objects.get(name="规划").pk),
    )
    assert category.input_value() == "规划"
    category.fill("wygl")
    category.press("Enter")
    page.locator("#id_content").fill("反映东风社区路灯损坏")
    page.get_by_label("姓名").fill("钱七")
    shots(page, "picked")
    page.get_by_role("button", name="登记").click()
    page.locator("#done-outcome").wait_for()
    registration = Registration.objects.get()
    assert registration.locality == district.village_a
    assert registration.category == Category.objects.get(name="物业管理")
    assert registration.responsible_unit == district.housing

    # the next registration: the empty box offers the recent choice first
    unit = page.get_by_role("combobox", name="责任单位")
    unit.press("ArrowDown")
    assert options(page, unit)[0] == "区住房和城乡建设局"
    assert page.locator(".picker-head").first.inner_text() == "最近选择"
    shots(page, "recent-first")
    unit.press("Escape")
    assert unit.get_attribute("aria-expanded") == "false"
    context.close()

    # without the script the select is the picker: same name, same ids
    context = chromium.new_context(viewport=DESK, locale="zh-CN")
    context.route("**/js/picker.js", lambda route: route.abort())
    page = context.new_page()
    login(page, base, "registrar", PASSWORD)
    page.goto(f"{base}/intake/register/")
    page.get_by_label("问题属地").select_option(label="\u3000\u3000东风社区")
    assert page.locator("input[role=combobox]").count() == 0
    context.close()

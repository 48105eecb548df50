"""The public portal for keyboards, screen readers and cheap phones (Playwright, Debian chromium).

A petition submitted with the keyboard alone; every page at 360px checked for one h1, lang,
landmarks, a label on every field, nothing wider than the screen, 44px tap targets, 16px inputs,
AA contrast and a title that says the state; the error summary takes focus and leads to each
field; the receipt prints its code and secret. Screenshots under test-artifacts/browser/<db>/a11y/.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser_support import Shots
from tests.conftest import District
from tests.test_documents_support import ensure_default_templates
from xinfang.demo.live import demo_years_enter
from xinfang.intake.models import Matter
from xinfang.portal.models import PortalSubmission
from xinfang.workflow import services as wf

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = {"width": 360, "height": 740}  # the narrowest phone we design for
CONTENT = "小区物业长期不维修电梯，三号楼电梯停运两个月，老人上下楼困难，请督促物业尽快修复。"

# What one page gets wrong, measured in the browser; every list must come back empty.
PAGE_PROBLEMS = """() => {
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + ' "' + (el.innerText || el.value || '').trim().slice(0, 16) + '"';
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const vw = document.documentElement.clientWidth;
  const out = {wide: [], unlabelled: [], smallTargets: [], smallInputText: [], lowContrast: [],
               landmarks: []};
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 0.5) out.wide.push(name(el) + ' right=' + Math.round(r.right));
  }
  const scroll = document.documentElement.scrollWidth;
  if (scroll > vw) out.wide.push('page ' + scroll);
  const fields = document.querySelectorAll('input:not([type=hidden]), select, textarea');
  for (const el of fields) {
    const labelled = (el.labels && [...el.labels].some(l => l.innerText.trim()))
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled && !el.closest('[aria-hidden=true]')) out.unlabelled.push(name(el));
    if (!['radio', 'checkbox', 'file'].includes(el.type) && shown(el)
        && parseFloat(getComputedStyle(el).fontSize) < 16) out.smallInputText.push(name(el));
  }
  // links inside running text are exempt (WCAG 2.5.8); everything made to be tapped is not
  const targets = 'button:not(.vh), .button, select, textarea, summary, .masthead a, a.back, '
    + '.doc-links a, .error-summary a, .radio label, .checkbox label, '
    + 'input:not([type=hidden]):not([type=radio]):not([type=checkbox])';
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
    if (r.height < 44 || r.width < 44) out.smallTargets.push(name(el) + ' ' + size);
  }
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const a = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; };
  const background = el => { for (; el; el = el.parentElement) {
    const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length === 3 || c[3] > 0.5) return c; } return [255, 255, 255]; };
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (!shown(el) || el.closest('.vh')) continue;
    const s = getComputedStyle(el);
    const f = lum(rgb(s.color)), b = lum(background(el));
    const ratio = (Math.max(f, b) + 0.05) / (Math.min(f, b) + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    if (ratio < (large ? 3 : 4.5)) out.lowContrast.push(name(el) + ' ' + ratio.toFixed(2));
  }
  for (const sel of ['header', 'nav', 'main#main', 'footer', 'a.skip[href="#main"]'])
    if (!document.querySelector(sel)) out.landmarks.push(sel);
  return out;
}"""


def check_page(page: Any, what: str, title: str) -> None:
    """One page read as a screen reader and a 360px phone would: nothing in PAGE_PROBLEMS."""
    assert page.evaluate("document.documentElement.lang") == "zh-CN", what
    assert page.locator("h1").count() == 1, what
    assert re.search(title, page.title()), (what, page.title())
    problems = page.evaluate(PAGE_PROBLEMS)
    assert problems == {k: [] for k in problems}, (what, problems)


def errors_lead_to_fields(page: Any) -> None:
    """Each link of the error summary leads to a field; each message is read with its field."""
    links = page.locator("#error-summary a").evaluate_all("a => a.map(x => x.hash)")
    messages = page.locator(".error-message").evaluate_all("m => m.map(x => x.id)")
    assert links and len(messages) == len(set(messages))
    for href in links:
        assert page.locator(href).count() == 1, href
    for message in messages:
        assert page.locator(f"[aria-describedby~='{message}']").count() >= 1, message


def focus_is_visible(page: Any) -> bool:
    return bool(
        page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
            return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
              || s.boxShadow !== 'none'; }"""
        )
    )


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus, checking that each stop shows where it is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert focus_is_visible(page), page.evaluate("document.activeElement.outerHTML")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def phone(chromium: Any) -> Any:
    context = chromium.new_context(viewport=SMALL, locale="zh-CN", is_mobile=True, has_touch=True)
    return context, context.new_page()


def test_a_petition_with_the_keyboard_alone(
    chromium: Any, live_server: Any, district: District
) -> None:
    """Tab, Space, Enter — and the arrow keys a keyboard uses inside radio groups and selects."""
    shots = Shots("a11y-keyboard")
    context, page = phone(chromium)
    page.goto(f"{live_server.url}/portal/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    skip = page.locator("a.skip").bounding_box()
    assert skip and skip["x"] >= 0 and skip["y"] >= 0  # shown on the screen when it has focus
    tab_to(page, "#start-submit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/portal/submit/$"))

    tab_to(page, "#id_purpose_0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_purpose_2").is_checked()  # 申诉求决
    tab_to(page, "#id_category")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_locality")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#id_name")
    page.keyboard.type("李秀英")
    tab_to(page, "#id_phone")
    page.keyboard.type("13912345678")
    tab_to(page, "#id_truthful")
    page.keyboard.press("Space")
    assert page.locator("#id_truthful").is_checked()
    tab_to(page, "#submit-petition")
    page.keyboard.press("Enter")  # the content is missing: the form comes back

    # the summary takes the focus (autofocus: applied at the next rendering, hence the wait)
    page.wait_for_function("document.activeElement.id === 'error-summary'")
    assert page.title().startswith("（有错误）")
    shots(page, "error-summary-has-focus")
    page.keyboard.press("Tab")
    link = page.evaluate("document.activeElement.getAttribute('href')")
    assert link == "#id_content"
    page.keyboard.press("Enter")  # the summary's link takes the focus to the field
    assert page.evaluate("document.activeElement.id") == "id_content"
    label = page.locator("label[for=id_content]").bounding_box()
    assert label and label["y"] >= 0  # scrolled so that its label is still on the screen
    page.keyboard.type(CONTENT)
    assert page.get_by_label("姓名").input_value() == "李秀英"  # nothing typed was lost
    assert page.locator("#id_category").input_value()
    tab_to(page, "#submit-petition")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r".*/portal/receipt/$"))
    assert page.locator("#query-code").get_attribute("data-code")
    assert page.locator("#query-secret").get_attribute("data-secret")
    shots(page, "receipt-after-keyboard")
    context.close()
    assert PortalSubmission.objects.count() == 1


def _reply(district: District, matter: Matter) -> None:
    """The bureau accepts, handles and replies itself, and issues the 处理意见书."""
    officer = district.users["officer"]
    steps: list[tuple[Any, dict[str, str]]] = [
        (wf.matter_accept, {}),
        (wf.handling_record, {"notes": "已到现场核实"}),
        (wf.reply_issue, {"outcome": "supported"}),
    ]
    for service, kwargs in steps:
        matter = Matter.objects.get(pk=matter.pk)  # the row as it is now, with its version
        service(actor=officer, matter=matter, version=matter.version, **kwargs)
    # the reply issued its 处理意见书


def test_every_page_at_360px_reads_right(
    chromium: Any, live_server: Any, district: District
) -> None:
    ensure_default_templates()  # an earlier transactional test's flush removed the migrated ones
    today = timezone.localdate()
    demo_years_enter(today, today + timedelta(days=200))  # the clocks started today
    shots = Shots("a11y")
    base = live_server.url
    context, page = phone(chromium)

    def seen(what: str, title: str) -> None:
        check_page(page, what, title)
        shots(page, what)

    page.goto(f"{base}/portal/")
    seen("home", "首页")
    page.goto(f"{base}/portal/notice/")
    seen("notice", "须知")
    page.goto(f"{base}/portal/submit/")
    seen("submit", "^我要信访")
    page.locator("#submit-petition").click()
    page.get_by_role("alert").wait_for()
    seen("submit-errors", "^（有错误）我要信访")
    errors_lead_to_fields(page)

    page.get_by_label("申诉求决").check()
    page.locator("#id_category").select_option(index=1)
    page.get_by_label("问题发生地").select_option(label=district.street_a.name)
    page.get_by_label("姓名").fill("李秀英")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("反映的问题和诉求").fill(CONTENT)
    page.get_by_label("客观真实").check()
    page.locator("#submit-petition").click()
    page.wait_for_url(re.compile(r".*/portal/receipt/$"))
    seen("receipt", "提交成功")
    code = page.locator("#query-code").get_attribute("data-code") or ""
    secret = page.locator("#query-secret").get_attribute("data-secret") or ""
    for selector in ("#query-code", "#query-secret"):  # read out letter by letter, not as a word
        shown = page.locator(selector).inner_text()
        assert page.locator(f"{selector} + .vh").text_content() == " ".join(shown)

    # on paper: black on white, the code and secret whole, no buttons
    page.emulate_media(media="print")
    for selector in ("#query-code", "#query-secret"):
        assert page.locator(selector).is_visible()
        assert page.locator(selector).evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    assert page.locator(".panel-success h1").evaluate("e => getComputedStyle(e).color") == (
        "rgb(0, 0, 0)"  # browsers drop the green background when printing: white would vanish
    )
    assert not page.locator("#to-progress").is_visible()
    assert not page.locator(".masthead nav").is_visible()
    shots(page, "receipt-print")
    page.emulate_media(media="screen")

    page.goto(f"{base}/portal/progress/")
    seen("progress-registered", "办理进度：已登记")
    page.locator("#leave").click()
    page.goto(f"{base}/portal/query/")
    seen("query", "查询进度")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("查询密码").fill("WRONG")
    page.locator("#query-submit").click()
    page.get_by_role("alert").wait_for()
    seen("query-wrong-secret", "^（有错误）查询进度")
    assert page.get_by_label("查询码").input_value() == code  # kept to try again

    matter = PortalSubmission.objects.get(query_code=code).registration.matter  # type: ignore[union-attr]
    _reply(district, matter)
    page.get_by_label("查询密码").fill(secret)
    page.locator("#query-submit").click()
    page.wait_for_url(re.compile(r".*/portal/progress/$"))
    seen("progress-replied", "办理进度：已答复")
    page.locator("#open-document-reply").click()
    page.locator("#doc-title").wait_for()
    seen("document", "处理意见书")
    page.locator("#confirm-receipt").click()
    page.get_by_text("送达您").first.wait_for()
    seen("document-received", "处理意见书")
    page.locator("#back-to-progress").click()
    page.locator("#submit-evaluation").click()
    page.get_by_role("alert").wait_for()
    seen("evaluation-missing", "^（未成功）办理进度：已答复")
    errors_lead_to_fields(page)
    page.get_by_label("满意", exact=True).check()
    page.locator("#submit-evaluation").click()
    page.locator("#evaluation-state").wait_for()
    seen("progress-evaluated", "办理进度：已答复")
    context.close()

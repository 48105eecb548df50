"""The browser walk of 相似事项 (issue 15): on the demo district, the registrar types a re-worded
complaint about a demo matter; it comes first with the shared words marked; one key joins it."""

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.browser_support import DESK, Shots, login
from tests.conftest import ensure_default_categories, ensure_default_templates
from xinfang.accounts.models import User
from xinfang.core.permissions import visible_matters
from xinfang.demo.services import DEMO_PASSWORD
from xinfang.intake.models import Matter, Registration
from xinfang.intake.similar.lookup import OPEN

pytestmark = pytest.mark.django_db(transaction=True)

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def reworded(content: str) -> str:
    """The same complaint told again: without the opener, its clauses the other way round,
    要求 → 请求, a clause added, full-width digits."""
    body = content.split("：", 1)[-1]
    clauses = [c for c in re.split(r"(?<=[，。])", body) if c]
    text = "".join(reversed(clauses)).replace("要求", "请求")
    return ("这件事拖了很久了。" + text).translate(FULL_WIDTH)


def a_demo_matter(registrar: User) -> Matter:
    """An open request of one registration, the registrar's to see, with the longest content."""
    matters = visible_matters(registrar).filter(
        status__in=OPEN, purpose="request", registration_count=1
    )
    firsts = Registration.objects.filter(matter__in=matters).values_list("matter_id", "content")
    pk, _ = max(firsts, key=lambda row: (len(row[1]), row[0]))
    return Matter.objects.get(pk=pk)


def test_registrar_finds_and_joins_a_reworded_complaint(chromium: Any, live_server: Any) -> None:
    # an earlier transactional test's flush removed what the migrations loaded
    ensure_default_categories()
    ensure_default_templates()
    call_command("load_demo", registrations=300, stdout=StringIO())
    registrar = User.objects.get(username="dengji")
    matter = a_demo_matter(registrar)
    original = matter.registrations.get().content
    typed = reworded(original)
    assert typed != original
    before = matter.registration_count

    base, shots = live_server.url, Shots("similar")
    context = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    login(page, base, "dengji", DEMO_PASSWORD)
    page.goto(f"{base}/intake/register/")
    page.locator("#id_content").fill(typed)
    first = page.locator("#similar-matters .similar-item").first
    first.wait_for()
    assert matter.number in first.locator(".similar-head").inner_text()
    marked = first.locator("mark").all_inner_texts()
    assert marked and all(
        word in original.translate(FULL_WIDTH) or word in original for word in marked
    )
    assert sum(len(word) for word in marked) >= 10
    shots(page, "similar-first-with-shared-words")

    # one key joins it: 「并入此事项」 — the person look-up shows it as the earlier matter
    first.get_by_role("button", name=re.compile("并入此事项")).click()
    chosen = page.locator(f"#match-{matter.pk}")
    chosen.wait_for()
    assert chosen.is_checked()
    shots(page, "joined-as-earlier-matter")
    page.get_by_role("button", name=re.compile("^登记")).click()
    page.locator("#done-outcome").wait_for()
    assert matter.number in page.locator("#done-outcome").inner_text()
    shots(page, "registered-as-repeat")
    context.close()
    matter.refresh_from_db()
    assert matter.registration_count == before + 1
    latest = matter.registrations.order_by("-id").first()
    assert latest is not None and latest.content == typed and not latest.is_first

"""Casework in a real browser (Playwright + Debian's chromium): the bureau's 经办人 sets up a
会办会 with a topic group, records a meeting, and its decision 交办 a matter picked by typing part
of its number (search-as-you-type); then registers the province's 第一批 of two matters, records
one 化解 and passes it in 审核. Screenshots under test-artifacts/browser/<database>/casework/.

No time travel: everything happens today (the live server's steps are held to the backdating
window, so every date typed is today's).
"""

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser_support import DESK, PHONE, Shots, login, pick
from tests.conftest import PASSWORD, TZ, District, register
from xinfang.casework.choices import Verification
from xinfang.casework.models import BatchItem, DecisionItem, HandedDownBatch, JointBody, Meeting
from xinfang.demo.live import demo_years_enter
from xinfang.intake.models import Matter
from xinfang.workflow.states import MatterStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _matters(district: District, count: int) -> list[Matter]:
    now = timezone.now().astimezone(TZ).replace(second=0, microsecond=0)
    when = min(
        now, datetime.combine(timezone.localdate(), datetime.min.time(), TZ) + timedelta(hours=9)
    )
    return [
        register(
            district,
            locality=district.village_a,
            name=f"村民{i}",
            phone=f"1390000000{i}",
            content="村集体土地征收补偿款至今未足额发放，请求协调解决。",
            category="物业管理",
            when=when,
        )
        for i in range(count)
    ]


def test_a_meeting_assigns_a_matter_and_a_batch_is_resolved_and_verified(
    chromium: Any, live_server: Any, district: District
) -> None:
    today = timezone.localdate()
    demo_years_enter(today - timedelta(days=60), today + timedelta(days=240))
    assigned, first, second = _matters(district, 3)
    base, shots = live_server.url, Shots("casework")
    context = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = context.new_page()
    login(page, base, "officer", PASSWORD)

    # a 会办会 with its member units and a topic group
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="会办交办").click()
    page.get_by_role("navigation", name="会办交办").get_by_role(
        "link", name="联席会议 · 会办会"
    ).click()
    form = page.locator("#new-body")
    form.get_by_label("名称").fill("示范区信访工作会办会")
    form.get_by_label("类型").select_option(label="会办会")
    form.get_by_label("成员单位").select_option(
        [str(district.street_a.pk), str(district.housing.pk)]
    )
    form.get_by_label("专题小组").fill("农村征用土地问题组：东风街道")
    shots(page, "officer-sets-up-a-body")
    form.get_by_role("button", name="设立").click()
    page.get_by_text("已设立会办会").wait_for()
    body = JointBody.objects.get()

    # its meeting, today
    form = page.locator("#new-meeting")
    form.get_by_label("地点").fill("区信访局会议室")
    form.get_by_label("会议纪要").fill("研究东风街道征地补偿问题。")
    form.get_by_role("button", name="记录会议").click()
    page.get_by_text("已记录会办会").wait_for()
    meeting = Meeting.objects.get()
    assert meeting.body == body and meeting.held_on == today

    # the decision: the matter picked by typing part of its number
    form = page.locator("#new-decision")
    form.get_by_label("议定事项").fill("征地补偿问题由东风街道限期办结")
    form.get_by_label("专题小组").select_option(label="农村征用土地问题组")
    number = form.get_by_label("第1行事项编号")
    number.press_sequentially(assigned.number[:-1], delay=30)
    page.locator(f'#matter-options option[value="{assigned.number}"]').wait_for(state="attached")
    shots(page, "decision-number-suggested")
    number.fill(assigned.number)
    pick(form.get_by_label("第1行承办单位"), "东风街道")
    form.get_by_label("第1行办结时限").fill((today + timedelta(days=30)).isoformat())
    # more rows: the page comes back with what was typed and five empty rows more
    form.get_by_role("button", name="需要更多行").click()
    form = page.locator("#new-decision")
    form.get_by_label("第10行事项编号").wait_for()
    assert form.get_by_label("第1行事项编号").input_value() == assigned.number
    assert form.get_by_label("议定事项").input_value() == "征地补偿问题由东风街道限期办结"
    assert form.get_by_label("第1行承办单位").input_value() == district.street_a.name  # the picker
    assert form.locator("select[name$='-unit']").first.input_value() == str(district.street_a.pk)
    form.get_by_role("button", name="作出决定并交办").click()
    page.get_by_text("已作出会议决定，事项已交办。").wait_for()
    row = page.locator(f'tr[data-matter="{assigned.number}"]')
    row.get_by_text("已转交待签收").wait_for()
    assert "剩" in row.inner_text()  # the 办理期限 clock runs, days left shown
    shots(page, "meeting-with-its-decision")
    item = DecisionItem.objects.get()
    assert item.matter_id == assigned.pk and item.unit == district.street_a
    assert Matter.objects.get(pk=assigned.pk).status == MatterStatus.ASSIGNED

    page.goto(f"{base}/casework/bodies/{body.pk}/")
    page.get_by_text(re.compile("其中：农村征用土地问题组有1个案件，已办结0个")).wait_for()
    shots(page, "body-figures-by-group")

    # 交办积案: the province's 第一批 of two
    page.goto(f"{base}/casework/batches/")
    form = page.locator("#new-batch")
    form.get_by_label("交办层级").select_option(label="省")
    form.get_by_label("批次").fill("第一批")
    form.get_by_label("化解时限").fill((today + timedelta(days=90)).isoformat())
    form.get_by_label("事项编号").fill(f"{first.number}\n{second.number}")
    shots(page, "officer-registers-a-batch")
    form.get_by_role("button", name="登记").click()
    page.get_by_text("已登记省第一批交办积案，共2件。").wait_for()
    batch = HandedDownBatch.objects.get()

    # 化解 of the first, then 通过审核
    row = page.locator(f"#item-{first.pk}")
    row.get_by_role("button", name="登记化解").click()
    page.get_by_text(f"已登记事项{first.number}化解。").wait_for()
    row = page.locator(f"#item-{first.pk}")
    row.locator("summary", has_text="审核").click()
    row.get_by_label("通过审核").check()
    shots(page, "officer-verifies")
    row.get_by_role("button", name="确认审核").click()
    page.get_by_text(f"事项{first.number}已通过审核。").wait_for()
    figures = {
        k: page.locator(f'[data-figure="{k}"]').inner_text()
        for k in ("matters", "resolved", "verified", "reflowed", "rate")
    }
    assert figures == {
        "matters": "2件",
        "resolved": "1件",
        "verified": "1件",
        "reflowed": "0件",
        "rate": "50.0%",
    }
    shots(page, "batch-one-resolved-and-verified")
    done = BatchItem.objects.get(batch=batch, matter=first)
    assert done.resolved_on == today and done.verification == Verification.PASSED
    assert Matter.objects.get(pk=first.pk).resolved_on == today

    # the matter page: 积案 from today, the batch's line
    page.goto(f"{base}/intake/matters/{first.pk}/")
    page.get_by_text("上级交办积案").first.wait_for()
    page.locator("#matter-casework").get_by_text("省第一批交办积案").wait_for()
    shots(page, "matter-page-long-standing-and-batch")

    # on a phone (390×844), signed in as above: no casework page scrolls sideways (a wide table
    # scrolls inside its own wrapper)
    phone = chromium.new_context(
        viewport=PHONE, locale="zh-CN", storage_state=context.storage_state()
    )
    context.close()
    page = phone.new_page()
    pages = {
        "meetings": "/casework/",
        "meeting": f"/casework/meetings/{meeting.pk}/",
        "bodies": "/casework/bodies/",
        "body": f"/casework/bodies/{body.pk}/",
        "batches": "/casework/batches/",
        "batch": f"/casework/batches/{batch.pk}/",
    }
    for name, path in pages.items():
        page.goto(base + path)
        shots(page, f"phone-{name}")
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{path} scrolls sideways by {wide}px on a phone"
    phone.close()

"""The matter page's 听证 section, the record form, a hearing's page and its printed documents."""

from datetime import date

import pytest

from xinfang.hearings.models import Hearing, HearingDocument
from xinfang.workflow.models import MatterWorkflow

from .conftest import District
from .hearings_support import in_handling, under_rereview
from .views_support import client_for

pytestmark = pytest.mark.django_db

PEOPLE = "信访人 王小明\n人大代表 李四 东风街道人大工委\n有关部门 区住建局"


def test_record_a_hearing_from_the_matter_page_then_print_its_report(district: District) -> None:
    m = in_handling(district)
    staff = client_for(district, "street_a_staff")
    page = staff.get(f"/intake/matters/{m.pk}/").content.decode()
    assert 'id="h-hearings"' in page and "登记办理听证" in page
    # a supervisor reads the section but has no form
    assert (
        "登记办理听证"
        not in client_for(district, "supervisor").get(f"/intake/matters/{m.pk}/").content.decode()
    )
    bad = staff.post(
        f"/hearings/matters/{m.pk}/new/",
        {"held": "1", "starts_on": "2025-08-20", "place": "街道会议室", "participants": "记者 某某",
         "record": "笔录", "conclusion": "结论"},
        follow=True,
    )  # fmt: skip
    assert "身份「记者」不是可选的身份" in bad.content.decode()
    assert not Hearing.objects.exists()
    response = staff.post(
        f"/hearings/matters/{m.pk}/new/",
        {"held": "1", "starts_on": "2025-08-20", "ends_on": "2025-08-21", "place": "街道会议室",
         "public": "1", "participants": PEOPLE,
         "record": "双方陈述", "conclusion": "限期整改"},
    )  # fmt: skip
    hearing = Hearing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hearings/{hearing.pk}/"
    assert (hearing.host_unit, hearing.participants.count()) == (district.street_a, 3)
    detail = staff.get(f"/hearings/{hearing.pk}/").content.decode()
    assert "人大代表：李四（东风街道人大工委）" in detail and "出具听证报告" in detail
    staff.post(f"/hearings/{hearing.pk}/report/")
    document = HearingDocument.objects.get()
    printed = staff.get(f"/hearings/documents/{document.pk}/").content.decode()
    assert "信访听证报告" in printed and document.number in printed
    word = staff.get(f"/hearings/documents/{document.pk}/docx")
    assert word.status_code == 200 and word.content[:2] == b"PK"
    # someone who may not see the matter gets nothing, not even a hint
    other = client_for(district, "street_b_staff")
    assert other.get(f"/hearings/{hearing.pk}/").status_code == 404
    assert other.get(f"/hearings/documents/{document.pk}/docx").status_code == 404


def test_a_rereview_hearing_through_the_pages_pauses_the_limit(district: District) -> None:
    m = under_rereview(district)
    officer = client_for(district, "officer")
    officer.post(
        f"/hearings/matters/{m.pk}/new/",
        {"held": "0", "starts_on": "2025-09-30", "place": "区信访局听证室",
         "participants": "信访人 王小明\n律师 陈律师 某律师事务所"},
    )  # fmt: skip
    hearing = Hearing.objects.get()
    officer.post(f"/hearings/{hearing.pk}/notice/")
    officer.post(f"/hearings/{hearing.pk}/begin/", {"on": "2025-09-30"})
    officer.post(
        f"/hearings/{hearing.pk}/conclude/",
        {"on": "2025-10-09", "record": "笔录", "conclusion": "维持复查意见"},
    )
    hearing.refresh_from_db()
    assert (hearing.status, hearing.ends_on) == ("held", date(2025, 10, 9))
    assert MatterWorkflow.objects.get(matter=m).rereview_due == date(2025, 11, 3)
    assert HearingDocument.objects.get().kind == "notice"

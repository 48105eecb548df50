"""Casework pages: a body with topic groups, a meeting, a decision that 交办 matters (by number),
the body's figures by group; a batch typed or uploaded, 化解, 审核 and the refusal of a matter not
in the batch; who sees what (a unit its own items, never the accusation about it); the matter
page's lines and the 积案 filter. Figures typed by hand from the steps of each test."""

import re
from datetime import date, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xinfang.casework.choices import BatchSource, BodyKind, MeetingKind, Verification
from xinfang.casework.models import (
    BatchItem,
    Decision,
    DecisionItem,
    HandedDownBatch,
    JointBody,
    LongStanding,
    Meeting,
)
from xinfang.casework.services import (
    DecisionAssignment,
    batch_create,
    body_create,
    decision_make,
    item_resolve,
    meeting_record,
)
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter
from xinfang.workflow.models import Assignment
from xinfang.workflow.states import MatterStatus

from .conftest import TZ, District, register
from .workflow_support import fresh, new_matter


def client_for(d: District, who: str) -> Client:
    client = Client()
    client.force_login(d.users[who])
    return client


def text(response: Any) -> str:
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _body(d: District) -> JointBody:
    return body_create(
        actor=d.users["officer"],
        name="示范区信访工作联席会议",
        kind=BodyKind.JOINT,
        unit=d.district,
        members=[d.street_a, d.street_b, d.housing, d.discipline],
        groups={"农村征用土地问题组": [d.street_a], "住房问题组": [d.housing]},
    )


def _meeting(d: District, body: JointBody | None = None) -> Meeting:
    return meeting_record(
        actor=d.users["officer"],
        body=body or _body(d),
        kind=MeetingKind.COORDINATION,
        held_on=date(2025, 9, 1),
        minutes="研究征地问题",
    )


def _rows(*rows: tuple[str, Any, str]) -> dict[str, str]:
    data = {"rows-TOTAL_FORMS": str(len(rows)), "rows-INITIAL_FORMS": "0"}
    for i, (number, unit, deadline) in enumerate(rows):
        data[f"rows-{i}-matter"] = number
        data[f"rows-{i}-unit"] = str(unit.pk) if unit else ""
        data[f"rows-{i}-deadline"] = deadline
    return data


# --- bodies, meetings, decisions ---------------------------------------------------------------


def test_a_planner_sets_up_a_body_records_a_meeting_and_assigns_by_number(
    district: District,
) -> None:
    d = district
    officer = client_for(d, "officer")
    response = officer.post(
        "/casework/bodies/",
        {
            "name": "示范区信访工作联席会议",
            "kind": BodyKind.JOINT,
            "unit": d.district.pk,
            "members": [d.street_a.pk, d.housing.pk],
            "groups": "农村征用土地问题组：东风街道\n住房问题组：区住房和城乡建设局",
        },
    )
    body = JointBody.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/casework/bodies/{body.pk}/"
    assert sorted(body.groups.values_list("name", flat=True)) == [
        "住房问题组",
        "农村征用土地问题组",
    ]
    assert list(body.groups.get(name="住房问题组").members.all()) == [d.housing]

    response = officer.post(
        f"/casework/bodies/{body.pk}/",
        {"kind": MeetingKind.COORDINATION, "held_on": "2025-09-01", "place": "区信访局会议室"},
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/casework/meetings/{meeting.pk}/"

    first, second, third = new_matter(d), new_matter(d), new_matter(d, locality=d.street_b)
    group = body.groups.get(name="农村征用土地问题组")
    response = officer.post(
        f"/casework/meetings/{meeting.pk}/",
        {
            "text": "征地补偿问题限期办结",
            "group": group.pk,
            "on": "2025-09-02",
            **_rows(
                (first.number, d.street_a, "2025-10-15"),
                ("", None, ""),  # a blank row is skipped
                (second.number, d.housing, "2025-10-31"),
            ),
        },
    )
    assert response.status_code == 302, messages_of(response)
    decision = Decision.objects.get()
    assert [(i.matter_id, i.unit_id) for i in decision.items.order_by("id")] == [
        (first.pk, d.street_a.pk),
        (second.pk, d.housing.pk),
    ]
    for m in (first, second):
        assert fresh(m).status == MatterStatus.ASSIGNED
        assert Assignment.objects.get(matter=m, active=True).assigned_on == date(2025, 9, 2)

    # one of them answered: done. A second decision, no group, assigns the third
    Matter.objects.filter(pk=first.pk).update(replied_on=date(2025, 10, 10))
    decision_make(
        actor=d.users["officer"],
        meeting=meeting,
        text="另一件",
        on=date(2025, 9, 2),
        assignments=[DecisionAssignment(third, d.street_a, date(2025, 12, 1))],
    )
    page = text(officer.get(f"/casework/meetings/{meeting.pk}/"))
    assert first.number in page and second.number in page and third.number in page
    assert "已转交待签收" in page  # the matter's state
    assert "办理期限" in page and "2025-10-31" in page  # the workflow's 60-day clock from 09-02
    assert "已办结" in page

    # the body page: 3 assigned, 1 done; 农村征用土地问题组 2 assigned (first, second), 1 done
    page = text(officer.get(f"/casework/bodies/{body.pk}/"))
    assert (
        "共交办<strong>3</strong>个案件，已办结<strong>1</strong>个，其中：农村征用土地问题组有2个案件，"
        "已办结1个。" in page
    )
    meetings = text(officer.get("/casework/"))
    assert "2025-09-01" in meetings and "示范区信访工作联席会议" in meetings


def test_a_decision_with_a_bad_row_writes_nothing(district: District) -> None:
    d = district
    meeting = _meeting(d)
    fine, accusation = new_matter(d), new_matter(d, purpose=Purpose.ACCUSATION)
    officer = client_for(d, "officer")
    url = f"/casework/meetings/{meeting.pk}/"
    base = {"text": "交办", "on": "2025-09-02"}
    before = AuditEvent.objects.count()

    # an unknown number, a row without its unit
    response = officer.post(
        url, {**base, **_rows(("XF-NONE", d.street_a, "2025-10-01"), (fine.number, None, ""))}
    )
    assert response.status_code == 400
    page = text(response)
    assert "找不到事项XF-NONE，或您无权查看该事项" in page
    assert "请选择承办单位" in page and "请填写办结时限" in page

    # the workflow refuses one matter (an accusation to a unit that is no discipline organ)
    response = officer.post(
        url,
        {
            **base,
            **_rows(
                (fine.number, d.street_a, "2025-10-01"),
                (accusation.number, d.housing, "2025-10-01"),
            ),
        },
    )
    assert response.status_code == 400
    assert "检举控告类事项只能转送、交办纪检监察机关" in text(response)
    assert accusation.number in text(response)

    # a deadline before the day of the 交办; no rows at all
    response = officer.post(url, {**base, **_rows((fine.number, d.street_a, "2025-08-01"))})
    assert "办结时限不能早于交办日期（2025年9月2日）" in text(response)
    response = officer.post(url, {**base, **_rows(("", None, ""))})
    assert "请至少交办一件信访事项" in text(response)

    assert not Decision.objects.exists() and not DecisionItem.objects.exists()
    assert fresh(fine).status == MatterStatus.REGISTERED
    assert not Assignment.objects.exists()
    assert AuditEvent.objects.count() == before


def test_more_rows_keep_what_was_typed_then_the_decision_is_made(district: District) -> None:
    d = district
    meeting = _meeting(d)
    group = meeting.body.groups.get(name="农村征用土地问题组")
    m1, m2 = new_matter(d), new_matter(d)
    officer = client_for(d, "officer")
    url = f"/casework/meetings/{meeting.pk}/"
    typed = {
        "text": "两件征地问题由街道牵头办理",
        "group": str(group.pk),
        "on": "2025-09-02",
        # the second row half typed: kept as it is, not yet checked
        **_rows((m1.number, d.street_a, "2025-10-01"), (m2.number, None, "")),
    }
    before = AuditEvent.objects.count()
    response = officer.post(url, {**typed, "more": "1"})
    assert response.status_code == 200
    page = text(response)
    assert 'name="rows-TOTAL_FORMS" value="7"' in page  # the 2 typed and 5 more
    assert f'name="rows-0-matter" id="id_rows-0-matter" value="{m1.number}"' in page
    assert f'name="rows-1-matter" id="id_rows-1-matter" value="{m2.number}"' in page
    assert re.search(rf"<option value=\"{d.street_a.pk}\" selected[ >]", page)
    assert 'value="2025-10-01"' in page and "两件征地问题由街道牵头办理</textarea>" in page
    assert re.search(rf'<option value="{group.pk}" selected>', page)
    assert 'id="id_rows-2-matter" value="" list="matter-options" autocomplete="off" ' in page
    assert "autofocus" in page.split('id="id_rows-2-matter"')[1].split(">")[0]  # the first new
    assert "请选择承办单位" not in page and "请填写办结时限" not in page  # nothing checked yet
    assert not Decision.objects.exists() and AuditEvent.objects.count() == before
    # the page posts back what it shows: the second row completed in a new row's place
    data = {**typed, **_rows((m1.number, d.street_a, "2025-10-01"), ("", None, ""))}
    data.update({"rows-TOTAL_FORMS": "7", "rows-INITIAL_FORMS": "2"})
    data.update({"rows-6-matter": m2.number, "rows-6-unit": str(d.housing.pk)})
    data["rows-6-deadline"] = "2025-10-15"
    response = officer.post(url, data)
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.text, decision.group) == ("两件征地问题由街道牵头办理", group)
    made = decision.items.values_list("matter__number", "unit__name", "deadline")
    assert sorted(made) == sorted(
        [
            (m1.number, "东风街道", date(2025, 10, 1)),
            (m2.number, "区住房和城乡建设局", date(2025, 10, 15)),
        ]
    )


def test_more_rows_stop_at_fifty_and_only_for_the_planner(district: District) -> None:
    d = district
    meeting = _meeting(d)
    url = f"/casework/meetings/{meeting.pk}/"
    full = {"text": "x", "on": "2025-09-02", **_rows(*[("", None, "")] * 48), "more": "1"}
    page = text(client_for(d, "officer").post(url, full))
    assert 'name="rows-TOTAL_FORMS" value="50"' in page and 'name="more"' not in page
    for who in ("leader", "supervisor"):
        assert client_for(d, who).post(url, full).status_code == 403
    assert not Decision.objects.exists()


def test_only_the_planner_writes(district: District) -> None:
    d = district
    meeting = _meeting(d)
    m = new_matter(d)
    data = {"text": "交办", "on": "2025-09-02", **_rows((m.number, d.street_a, "2025-10-01"))}
    for who in ("registrar", "leader", "supervisor", "street_a_staff"):
        client = client_for(d, who)
        assert client.post(f"/casework/meetings/{meeting.pk}/", data).status_code in (403, 404)
        assert client.post("/casework/bodies/", {"name": "x"}).status_code == 403
        assert client.get("/casework/matters/lookup/?q=XF").status_code == 403
    assert not Decision.objects.exists()
    assert client_for(d, "admin").get("/casework/").status_code == 403


def test_units_see_their_own_items_and_never_the_accusation_about_them(
    district: District,
) -> None:
    d = district
    meeting = _meeting(d)
    own, others = new_matter(d), new_matter(d, locality=d.street_b)
    # an accusation about 东风街道, sent to 区纪委监委
    accusation = new_matter(d, purpose=Purpose.ACCUSATION)
    decision_make(
        actor=d.users["officer"],
        meeting=meeting,
        text="三件交办",
        group=meeting.body.groups.get(name="农村征用土地问题组"),
        on=date(2025, 9, 2),
        assignments=[
            DecisionAssignment(own, d.street_a, date(2025, 10, 1)),
            DecisionAssignment(others, d.street_b, date(2025, 10, 1)),
            DecisionAssignment(accusation, d.discipline, date(2025, 10, 1)),
        ],
    )
    url = f"/casework/meetings/{meeting.pk}/"
    numbers = {"own": own.number, "others": others.number, "accusation": accusation.number}
    expected = {
        "officer": {"own", "others", "accusation"},
        "registrar": {"own", "others", "accusation"},
        "leader": {"own", "others"},
        "supervisor": {"own", "others"},
        "street_a_staff": {"own"},  # the accused unit: never the accusation
        "street_b_staff": {"others"},
        "discipline_staff": {"accusation"},
    }
    for who, sees in expected.items():
        page = text(client_for(d, who).get(url))
        shown = {k for k, n in numbers.items() if n in page}
        assert shown == sees, who
    assert client_for(d, "housing_staff").get(url).status_code == 404
    # the body page counts what the reader sees: the group's 3 for the officer, 2 for the leader
    body = f"/casework/bodies/{meeting.body.pk}/"
    assert "农村征用土地问题组有3个案件" in text(client_for(d, "officer").get(body))
    assert "农村征用土地问题组有2个案件" in text(client_for(d, "leader").get(body))
    assert "农村征用土地问题组有1个案件" in text(client_for(d, "street_a_staff").get(body))
    assert client_for(d, "housing_staff").get(body).status_code == 404
    # the list: a unit sees the meeting that assigned it a matter
    assert "2025-09-01" in text(client_for(d, "street_a_staff").get("/casework/"))
    assert "2025-09-01" not in text(client_for(d, "housing_staff").get("/casework/"))


def test_the_number_lookup_offers_matters_one_may_assign(district: District) -> None:
    d = district
    waiting = new_matter(d)
    meeting = _meeting(d)
    assigned = new_matter(d)
    decision_make(
        actor=d.users["officer"],
        meeting=meeting,
        text="交办",
        on=date(2025, 9, 2),
        assignments=[DecisionAssignment(assigned, d.street_a, date(2025, 10, 1))],
    )
    officer = client_for(d, "officer")
    prefix = waiting.number[:-1]
    page = text(officer.get(f"/casework/matters/lookup/?for=decision&rows-0-matter={prefix}"))
    assert waiting.number in page and assigned.number not in page
    page = text(officer.get(f"/casework/matters/lookup/?q={prefix}"))
    assert waiting.number in page and assigned.number in page
    assert text(officer.get("/casework/matters/lookup/?q=X")).strip() == ""  # two at least


# --- batches handed down -----------------------------------------------------------------------


def _batch(d: District, matters: list[Matter]) -> HandedDownBatch:
    return batch_create(
        actor=d.users["officer"],
        source=BatchSource.PROVINCE,
        name="第一批",
        unit=d.district,
        handed_on=date(2025, 9, 1),
        deadline=date(2025, 12, 31),
        numbers=[m.number for m in matters],
    )


def test_a_batch_typed_or_uploaded(district: District) -> None:
    d = district
    a, b, c = new_matter(d), new_matter(d), new_matter(d)
    officer = client_for(d, "officer")
    base = {
        "source": BatchSource.CITY,
        "name": "第二批",
        "unit": d.district.pk,
        "handed_on": "2025-09-01",
        "deadline": "2025-12-31",
    }
    # a number that does not exist: nothing written, the number named
    response = officer.post("/casework/batches/", {**base, "numbers": f"{a.number}、XF-NONE"})
    assert response.status_code == 400 and "找不到事项XF-NONE" in text(response)
    # a CSV with an empty cell: its row named
    upload = SimpleUploadedFile("list.csv", f"事项编号,备注\n{a.number},x\n\n,y\n".encode())
    response = officer.post("/casework/batches/", {**base, "file": upload})
    assert response.status_code == 400 and "第4行「事项编号」为空" in text(response)
    # neither: refused
    response = officer.post("/casework/batches/", base)
    assert "请至少列入一件信访事项" in text(response)
    assert not HandedDownBatch.objects.exists() and not LongStanding.objects.exists()

    response = officer.post("/casework/batches/", {**base, "numbers": f"{a.number}\n{b.number}"})
    batch = HandedDownBatch.objects.get()
    assert response["Location"] == f"/casework/batches/{batch.pk}/"
    assert set(batch.items.values_list("matter_id", flat=True)) == {a.pk, b.pk}
    # the same from a CSV in GB18030, as a spreadsheet saves it
    upload = SimpleUploadedFile("list.csv", f"序号,事项编号\n1,{c.number}\n".encode("gb18030"))
    response = officer.post("/casework/batches/", {**base, "name": "第三批", "file": upload})
    assert response.status_code == 302
    third = HandedDownBatch.objects.get(name="第三批")
    assert list(third.items.values_list("matter_id", flat=True)) == [c.pk]
    assert LongStanding.objects.filter(matter=c, since=date(2025, 9, 1)).exists()


def test_resolve_verify_and_send_back_on_the_batch_page(district: District) -> None:
    d = district
    a, b, c = new_matter(d), new_matter(d), new_matter(d)
    batch = _batch(d, [a, b, c])
    officer = client_for(d, "officer")
    url = f"/casework/batches/{batch.pk}/"
    response = officer.post(f"{url}resolve/", {"matter": a.number, "on": "2025-09-10"})
    assert response.status_code == 302
    assert fresh(a).resolved_on == date(2025, 9, 10)  # the matter's own 化解日期
    officer.post(f"{url}resolve/", {"matter": b.number, "on": "2025-09-15"})
    response = officer.post(
        f"{url}verify/", {"matter": a.number, "passed": "1", "on": "2025-09-20"}, follow=True
    )
    assert f"事项{a.number}已通过审核。" in messages_of(response)
    # sent back without a reason: refused; with one, the 化解 is undone
    response = officer.post(
        f"{url}verify/", {"matter": b.number, "passed": "0", "on": "2025-09-20"}, follow=True
    )
    assert "退回须填写理由" in messages_of(response)
    assert BatchItem.objects.get(batch=batch, matter=b).verification == Verification.PENDING
    officer.post(
        f"{url}verify/",
        {"matter": b.number, "passed": "0", "reason": "诉求未落实", "on": "2025-09-20"},
    )
    item = BatchItem.objects.get(batch=batch, matter=b)
    assert (item.verification, item.resolved_on, item.sent_back_reason) == (
        Verification.SENT_BACK,
        None,
        "诉求未落实",
    )
    # b comes back (回流) after its first 化解? No: it was sent back. a is registered again
    register(d, locality=d.street_a, matter=a, when=datetime(2025, 10, 8, 9, 0, tzinfo=TZ))
    page = text(officer.get(url))
    # 3 matters; 化解: a (b's was sent back) = 1; 通过审核: a = 1; 回流: a = 1; 1/3 = 33.3%
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', page))
    assert figures == {
        "matters": "3件",
        "resolved": "1件",
        "verified": "1件",
        "reflowed": "1件",
        "rate": "33.3%",
    }
    assert "退回理由：诉求未落实" in page
    assert "化解后回流，待重新化解" in page
    assert "2025-10-08" in page
    listing = text(officer.get("/casework/batches/"))
    assert "省第一批" in listing and "33.3%" in listing


def test_verifying_a_matter_not_in_the_batch_is_refused_and_writes_nothing(
    district: District,
) -> None:
    d = district
    a = new_matter(d)
    batch = _batch(d, [a])
    item_resolve(actor=d.users["officer"], batch=batch, matter=a, on=date(2025, 9, 10))
    outsider = new_matter(d)
    officer = client_for(d, "officer")
    before = AuditEvent.objects.count()
    response = officer.post(
        f"/casework/batches/{batch.pk}/verify/",
        {"matter": outsider.number, "passed": "1", "on": "2025-09-20"},
        follow=True,
    )
    assert response.status_code == 200
    assert f"事项{outsider.number}不在省第一批交办积案中" in messages_of(response)
    response = officer.post(
        f"/casework/batches/{batch.pk}/resolve/",
        {"matter": outsider.number, "on": "2025-09-20"},
        follow=True,
    )
    assert f"事项{outsider.number}不在省第一批交办积案中" in messages_of(response)
    assert AuditEvent.objects.count() == before
    assert fresh(outsider).resolved_on is None
    assert BatchItem.objects.get().verification == Verification.PENDING
    # a matter the officer may not see is a 404, as any object out of scope; no choice is a refusal
    response = officer.post(f"/casework/batches/{batch.pk}/verify/", {"matter": a.number})
    assert "请选择通过审核或退回" in messages_of(officer.get(f"/casework/batches/{batch.pk}/"))
    assert (
        officer.post(
            f"/casework/batches/{batch.pk}/verify/", {"matter": "XF-NONE", "passed": "1"}
        ).status_code
        == 404
    )


def test_a_unit_sees_its_items_and_may_neither_resolve_nor_verify(district: District) -> None:
    d = district
    own = new_matter(d)  # in 东风社区 (东风街道's area)
    others = new_matter(d, locality=d.street_b)
    accusation = new_matter(d, purpose=Purpose.ACCUSATION)
    batch = _batch(d, [own, others, accusation])
    url = f"/casework/batches/{batch.pk}/"
    street = client_for(d, "street_a_staff")
    page = text(street.get(url))
    assert own.number in page and others.number not in page and accusation.number not in page
    assert "登记化解" not in page and "确认审核" not in page
    assert street.post(f"{url}resolve/", {"matter": own.number}).status_code == 403
    assert street.post(f"{url}verify/", {"matter": own.number, "passed": "1"}).status_code == 403
    assert client_for(d, "housing_staff").get(url).status_code == 404
    leader = text(client_for(d, "leader").get(url))
    assert accusation.number not in leader and "登记化解" in leader and "确认审核" not in leader
    assert 'data-figure="matters">2件' in leader  # the two the leader may see
    assert fresh(own).resolved_on is None


# --- the matter page and the list --------------------------------------------------------------


def test_the_matter_page_shows_its_meeting_batch_and_long_standing(district: District) -> None:
    d = district
    meeting = _meeting(d)
    m, plain = new_matter(d), new_matter(d)
    decision_make(
        actor=d.users["officer"],
        meeting=meeting,
        text="交办",
        on=date(2025, 9, 2),
        assignments=[DecisionAssignment(m, d.street_a, date(2025, 10, 1))],
    )
    batch = _batch(d, [m])
    page = text(client_for(d, "officer").get(f"/intake/matters/{m.pk}/"))
    assert "会议交办 · 交办积案" in page
    assert f"/casework/meetings/{meeting.pk}/" in page and "办结时限 2025-10-01" in page
    assert f"/casework/batches/{batch.pk}/" in page and "省第一批交办积案" in page
    assert "2025-09-01起 · 上级交办积案" in page
    assert "会议交办 · 交办积案" not in text(
        client_for(d, "officer").get(f"/intake/matters/{plain.pk}/")
    )
    # the list's 积案 filter, reached from the casework tabs
    assert "/intake/matters/?long_standing=1" in text(client_for(d, "officer").get("/casework/"))
    listed = text(client_for(d, "officer").get("/intake/matters/?long_standing=1"))
    assert m.number in listed and plain.number not in listed


@pytest.mark.parametrize("who", ["officer", "leader", "supervisor", "registrar", "street_a_staff"])
def test_every_list_opens(district: District, who: str) -> None:
    client = client_for(district, who)
    for url in ("/casework/", "/casework/bodies/", "/casework/batches/"):
        assert client.get(url).status_code == 200, url

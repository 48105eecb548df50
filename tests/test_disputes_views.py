"""The dispute pages: the ledger scoped to the reader, the record form (bad input: a Chinese error
on the field, nothing written), a dispute's page (clock, mediation, 化解, 升级, 转为信访, history),
专项排查, 本月排查 with 报送 / 零报告, who submitted, and 反馈.

"Today" is 2026-03-16 (a Monday). Level clocks, typed by hand from the 2026 arrangement
(village and street 15 calendar days each, warning 3 days):
  found 03-02 → due 03-17: 剩余1天 (预警);  found 03-10 → due 03-25: 剩余9天;
  found 01-05 → due 01-20: 超期55天 (the scan has not raised it).
"""

import re
import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, District, make_user, register
from xinfang.accounts.models import Role
from xinfang.core.models import AuditEvent
from xinfang.disputes import services
from xinfang.disputes.choices import DisputeLevel, DisputeSource, DisputeStatus, Risk
from xinfang.disputes.models import (
    Dispute,
    Feedback,
    Mediation,
    MonthlyReport,
    ScreeningCampaign,
)
from xinfang.intake.models import Category
from xinfang.organisation.models import UnitKind
from xinfang.organisation.services import unit_create

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)
_real_localdate = timezone.localdate


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    def localdate(value: Any = None, timezone: Any = None) -> date:
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def places(district: District) -> District:
    """Two village clerks: 东风社区 (under 东风街道) and 西湖村 (under 西湖街道)."""
    village_b = unit_create(
        code="3201010201", name="西湖村", kind=UnitKind.VILLAGE, parent=district.street_b
    )
    district.users["clerk_a"] = make_user("clerk_a", Role.UNIT_STAFF, district.village_a)
    district.users["clerk_b"] = make_user("clerk_b", Role.UNIT_STAFF, village_b)
    district.village_b = village_b  # type: ignore[attr-defined]
    return district


def login(d: District, who: str) -> Client:
    client = Client()
    assert client.login(username=d.users[who].username, password=PASSWORD)
    return client


def record(d: District, place: Any, found_on: date, **kw: Any) -> Dispute:
    data: dict[str, Any] = {
        "found_on": found_on,
        "source": DisputeSource.ROUTINE,
        "place": place,
        "parties": 2,
        "description": "相邻两户因宅基地界址发生争执",
        "risk": Risk.MEDIUM,
    }
    data.update(kw)
    return services.record_dispute(actor=d.users["officer"], data=services.DisputeInput(**data))


def form(d: District, **kw: str) -> dict[str, str]:
    data = {
        "found_on": "2026-03-16",
        "source": "routine",
        "place": str(d.village_a.pk),
        "category": str(Category.objects.get(name="物业管理").pk),
        "parties": "3",
        "risk": "low",
        "description": "小区楼上漏水，两户因维修费用分担发生争执",
        "plan": "社区调解委员会组织双方协商",
    }
    data.update(kw)
    return data


def numbers(html: str) -> list[str]:
    return re.findall(r"JF\d{9}|VA-\d+|VB-\d+", html)


# --- the ledger --------------------------------------------------------------------------------


def test_the_ledger_shows_each_reader_their_places(places: District) -> None:
    d = places
    a = record(d, d.village_a, date(2026, 3, 2), number="VA-1")
    b = record(d, d.village_b, date(2026, 3, 3), number="VB-1")  # type: ignore[attr-defined]
    seen = {
        "clerk_a": ["VA-1"],
        "clerk_b": ["VB-1"],
        "street_a_staff": ["VA-1"],
        "street_b_staff": ["VB-1"],
        "officer": ["VB-1", "VA-1"],
        "leader": ["VB-1", "VA-1"],
        "supervisor": ["VB-1", "VA-1"],
        "housing_staff": [],
    }
    for who, expected in seen.items():
        page = login(d, who).get("/disputes/")
        assert page.status_code == 200, who
        assert numbers(page.content.decode()) == expected, who
    # the nav shows the entry to those who may see disputes, not to the registrar
    assert "矛盾纠纷" in login(d, "clerk_a").get("/").content.decode()
    assert login(d, "registrar").get("/disputes/").status_code == 403
    assert 'href="/disputes/"' not in login(d, "registrar").get("/").content.decode()
    # another village's clerk gets nothing, not even a hint
    assert login(d, "clerk_b").get(f"/disputes/{a.pk}/").status_code == 404
    assert login(d, "clerk_a").get(f"/disputes/{b.pk}/").status_code == 404
    assert login(d, "street_a_staff").get(f"/disputes/{a.pk}/").status_code == 200


def test_the_ledger_filters_and_level_clocks(places: District) -> None:
    d = places
    record(d, d.village_a, date(2026, 3, 2), number="VA-1", risk=Risk.HIGH)
    record(d, d.village_a, date(2026, 3, 10), number="VA-2")
    record(d, d.village_a, date(2026, 1, 5), number="VA-3", source=DisputeSource.GRID)
    street = record(d, d.street_a, date(2026, 3, 9), number="VA-4", level=DisputeLevel.STREET)
    settled = record(d, d.village_a, date(2026, 3, 4), number="VA-5")
    services.settle(actor=d.users["officer"], dispute=settled, on=date(2026, 3, 12))
    officer = login(d, "officer")

    def listed(query: str) -> list[str]:
        response = officer.get(f"/disputes/?{query}")
        assert response.status_code == 200
        return numbers(response.content.decode())

    assert listed("") == ["VA-2", "VA-4", "VA-5", "VA-1", "VA-3"]
    assert listed("month=2026-01") == ["VA-3"]
    assert listed("level=street") == ["VA-4"]
    assert listed("risk=high") == ["VA-1"]
    assert listed("source=grid") == ["VA-3"]
    assert listed("status=settled") == ["VA-5"]
    assert listed("clock=warning") == ["VA-1"]
    assert listed("clock=overdue") == ["VA-3"]
    bad = officer.get("/disputes/?month=三月").content.decode()
    assert "请按“年-月”填写月份" in bad
    html = officer.get("/disputes/").content.decode()
    assert "剩余1天" in html and "剩余9天" in html and "超期55天" in html
    # a street's dispute: 03-09 + 15 = 03-24 → 剩余8天
    assert street.level_due == date(2026, 3, 24) and "剩余8天" in html


# --- recording ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"description": "  "}, "description", "请填写纠纷情况"),
        ({"parties": "0"}, "parties", "涉及人数至少为1"),
        ({"parties": "两"}, "parties", "涉及人数应为整数"),
        ({"found_on": "2026-03-17"}, "found_on", "排查日期不能晚于今天"),
        ({"found_on": "3月16日"}, "found_on", "请按“年-月-日”填写日期"),
        ({"source": "special"}, "campaign", "专项排查的纠纷请选择所属专项排查"),
        ({"source": "rumour"}, "source", "请从列表中选择来源"),
        ({"risk": ""}, "risk", "请选择风险等级"),
        ({"place": ""}, "place", "请选择问题属地"),
    ],
)
def test_bad_input_is_named_on_its_field_and_nothing_is_written(
    places: District, change: dict[str, str], field: str, message: str
) -> None:
    clerk = login(places, "clerk_a")
    before = AuditEvent.objects.count()
    response = clerk.post("/disputes/new/", form(places, **change))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error">{message}' in html
    assert "未保存" in html
    assert not Dispute.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_place_outside_the_clerks_village_is_refused(places: District) -> None:
    d = places
    clerk = login(d, "clerk_a")
    # another village's id is not a choice of the form
    response = clerk.post("/disputes/new/", form(d, place=str(d.village_b.pk)))  # type: ignore[attr-defined]
    assert response.status_code == 400
    assert "所选单位不在可选范围内" in response.content.decode()
    # a level above the clerk's village: its owner (the street) is not the clerk's to hold
    response = clerk.post("/disputes/new/", form(d, level="street"))
    assert response.status_code == 400
    assert "“东风街道”不在您的单位范围内" in response.content.decode()
    assert not Dispute.objects.exists()
    # a leader may read disputes but not record them
    assert login(d, "leader").get("/disputes/new/").status_code == 403


def test_record_from_the_month_page_then_submit_the_month(places: District) -> None:
    d = places
    clerk = login(d, "clerk_a")
    page = clerk.get("/disputes/month/").content.decode()
    assert (
        "东风社区 · 2026年3月排查" in page and "未报送" in page and ">报送零报告</button>" in page
    )
    response = clerk.post("/disputes/new/", {**form(d), "next": "month"})
    assert response.status_code == 302 and response["Location"] == "/disputes/month/"
    dispute = Dispute.objects.get()
    assert (dispute.number, dispute.owner_unit, dispute.level, dispute.level_due) == (
        "JF202600001",
        d.village_a,
        DisputeLevel.VILLAGE,
        date(2026, 3, 31),
    )
    assert (dispute.parties, dispute.risk, dispute.created_by) == (3, Risk.LOW, d.users["clerk_a"])
    page = clerk.get("/disputes/month/").content.decode()
    assert "本月排查到的纠纷（1件）" in page and "报送本月排查（1件）" in page
    assert ">报送零报告</button>" not in page
    # a 零报告 while the month has a dispute is refused
    clerk.post("/disputes/month/submit/", {"month": "2026-03", "zero": "1"})
    assert not MonthlyReport.objects.exists()
    done = clerk.post("/disputes/month/submit/", {"month": "2026-03"}, follow=True)
    assert "已报送2026年3月排查1件纠纷" in done.content.decode()
    report = MonthlyReport.objects.get()
    assert (report.unit, report.month, report.zero) == (d.village_a, date(2026, 3, 1), False)
    assert list(report.disputes.all()) == [dispute]
    # pressed again: one report, a clear message
    again = clerk.post("/disputes/month/submit/", {"month": "2026-03"}, follow=True)
    assert "东风社区2026年3月的排查已报送" in again.content.decode()
    assert MonthlyReport.objects.count() == 1
    page = clerk.get("/disputes/month/").content.decode()
    assert "已报送" in page and 'id="submit-month"' not in page
    # the previous month: nothing found → 零报告
    zero = clerk.post("/disputes/month/submit/", {"month": "2026-02", "zero": "1"}, follow=True)
    assert "已报送2026年2月零报告" in zero.content.decode()
    assert MonthlyReport.objects.get(month=date(2026, 2, 1)).zero
    # a future month cannot be reported
    clerk.post("/disputes/month/submit/", {"month": "2026-04"})
    assert MonthlyReport.objects.count() == 2


def test_the_district_sees_who_submitted_and_units_give_feedback(places: District) -> None:
    d = places
    a = record(d, d.village_a, date(2026, 3, 2), number="VA-1")
    services.report_submit(
        actor=d.users["clerk_a"], unit=d.village_a, month=TODAY, disputes=[a], on=TODAY
    )
    services.report_submit(actor=d.users["street_b_staff"], unit=d.street_b, month=TODAY, on=TODAY)
    html = login(d, "officer").get("/disputes/reports/?month=2026-03").content.decode()
    assert "应报送 4 个单位，已报送 2 个（其中零报告 1 个），未报送 2 个" in html
    assert "未报送：</strong>东风街道、西湖村" in html
    # a street sees its own villages only
    html = login(d, "street_b_staff").get("/disputes/reports/?month=2026-03").content.decode()
    assert "应报送 2 个单位，已报送 1 个" in html and "东风社区" not in html

    report = MonthlyReport.objects.get(unit=d.village_a)
    url = f"/disputes/reports/{report.pk}/"
    assert login(d, "clerk_b").get(url).status_code == 404
    clerk = login(d, "clerk_a")
    empty = clerk.post(
        f"{url}feedback/{a.pk}/", {f"f{a.pk}-text": " ", f"f{a.pk}-on": "2026-03-16"}
    )
    assert empty.status_code == 400 and "请填写反馈内容" in empty.content.decode()
    assert not Feedback.objects.exists()
    ok = clerk.post(
        f"{url}feedback/{a.pk}/",
        {f"f{a.pk}-text": "已组织双方调解，正在落实协议", f"f{a.pk}-on": "2026-03-16"},
    )
    assert ok.status_code == 302
    fb = Feedback.objects.get()
    assert (fb.dispute, fb.text, fb.given_by) == (
        a,
        "已组织双方调解，正在落实协议",
        d.users["clerk_a"],
    )
    assert "已组织双方调解，正在落实协议" in clerk.get(url).content.decode()
    twice = clerk.post(
        f"{url}feedback/{a.pk}/", {f"f{a.pk}-text": "再次反馈", f"f{a.pk}-on": "2026-03-16"}
    )
    assert twice.status_code == 400 and f"纠纷{a.number}已反馈" in twice.content.decode()
    assert Feedback.objects.count() == 1


# --- a dispute's page --------------------------------------------------------------------------


def test_mediation_fails_and_escalates_then_succeeds_at_the_street(places: District) -> None:
    d = places
    dispute = record(d, d.village_a, date(2026, 3, 2))
    clerk = login(d, "clerk_a")
    page = clerk.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "剩余1天" in page and "开始调解" in page and "登记化解" in page
    bad = clerk.post(
        f"/disputes/{dispute.pk}/act/mediate/",
        {"kind": "people", "mediator": "", "started_on": "2026-03-05"},
    )
    assert bad.status_code == 400 and "请填写调解员或调解组织" in bad.content.decode()
    assert not Mediation.objects.exists()
    clerk.post(
        f"/disputes/{dispute.pk}/act/mediate/",
        {"kind": "people", "mediator": "东风社区人民调解委员会", "started_on": "2026-03-05"},
    )
    mediation = Mediation.objects.get()
    # a result before any session is refused, on the form
    early = clerk.post(
        f"/disputes/mediations/{mediation.pk}/conclude/",
        {
            "result": "failure",
            "on": "2026-03-09",
            "failure_reason": "分歧大",
            "next_step": "escalate",
        },
    )
    assert early.status_code == 400 and "请先登记至少一次调解记录" in early.content.decode()
    clerk.post(
        f"/disputes/mediations/{mediation.pk}/session/",
        {"held_on": "2026-03-06", "parties_present": "2", "positions": "甲方要求赔偿，乙方不同意"},
    )
    no_reason = clerk.post(
        f"/disputes/mediations/{mediation.pk}/conclude/",
        {"result": "failure", "on": "2026-03-09", "next_step": "escalate"},
    )
    assert 'id="id_failure_reason_error">调解不成请填写原因' in no_reason.content.decode()
    clerk.post(
        f"/disputes/mediations/{mediation.pk}/conclude/",
        {
            "result": "failure",
            "on": "2026-03-09",
            "failure_reason": "分歧大",
            "next_step": "escalate",
        },
    )
    dispute.refresh_from_db()
    assert (dispute.level, dispute.owner_unit, dispute.level_due) == (
        DisputeLevel.STREET,
        d.street_a,
        date(2026, 3, 24),
    )
    # the village may still read it (its place) but no longer act on it
    page = clerk.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "2026-03-09</strong> 村社区 → 街道乡镇" in page and "登记化解" not in page
    assert (
        clerk.post(f"/disputes/{dispute.pk}/act/settle/", {"settle-on": "2026-03-10"}).status_code
        == 403
    )
    street = login(d, "street_a_staff")
    street.post(
        f"/disputes/{dispute.pk}/act/mediate/",
        {"kind": "administrative", "mediator": "东风街道司法所", "started_on": "2026-03-10"},
    )
    second = Mediation.objects.get(result="")
    street.post(
        f"/disputes/mediations/{second.pk}/session/",
        {"held_on": "2026-03-11", "parties_present": "2", "positions": "双方同意各担一半"},
    )
    street.post(
        f"/disputes/mediations/{second.pk}/conclude/",
        {"result": "success", "on": "2026-03-12", "agreement": "维修费用双方各承担一半"},
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.settled_on, dispute.settled_level) == (
        DisputeStatus.SETTLED,
        date(2026, 3, 12),
        DisputeLevel.STREET,
    )
    page = street.get(f"/disputes/{dispute.pk}/").content.decode()
    assert "维修费用双方各承担一半" in page and "甲方要求赔偿，乙方不同意" in page
    history = page.split('id="h-history"', 1)[1]
    for label in ("录入纠纷", "开始调解", "登记调解记录", "登记调解结果", "升级", "化解"):
        assert label in history
    # settled: 重排 is offered, and records a new dispute that repeats it
    assert "重排（再次排查到该纠纷）" in page
    response = street.post(f"/disputes/{dispute.pk}/rescreen/", form(d, found_on="2026-03-11"))
    assert response.status_code == 400
    assert "重排的排查日期不能早于原纠纷的化解日期" in response.content.decode()
    response = street.post(f"/disputes/{dispute.pk}/rescreen/", form(d))
    again = Dispute.objects.get(rescreen_of=dispute)
    assert response.status_code == 302 and again.rescreened


def test_settle_escalate_and_petition_by_hand(places: District) -> None:
    d = places
    dispute = record(d, d.village_a, date(2026, 3, 2))
    clerk = login(d, "clerk_a")
    future = clerk.post(f"/disputes/{dispute.pk}/act/settle/", {"settle-on": "2026-03-20"})
    assert future.status_code == 400 and "化解日期不能晚于今天" in future.content.decode()
    early = clerk.post(f"/disputes/{dispute.pk}/act/escalate/", {"escalate-on": "2026-03-01"})
    assert "升级日期不能早于进入本层级的日期" in early.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN and dispute.level == DisputeLevel.VILLAGE
    clerk.post(
        f"/disputes/{dispute.pk}/act/escalate/",
        {"escalate-on": "2026-03-10", "escalate-note": "涉及街道规划"},
    )
    dispute.refresh_from_db()
    assert dispute.level == DisputeLevel.STREET
    # 转为信访: a matter the street may see, by its number
    matter = register(d, locality=d.village_a, content="宅基地界址纠纷，要求街道处理")
    street = login(d, "street_a_staff")
    unknown = street.post(
        f"/disputes/{dispute.pk}/act/petition/", {"matter": "XF-NONE", "on": "2026-03-12"}
    )
    assert "没有找到您可查看的信访事项XF-NONE" in unknown.content.decode()
    street.post(
        f"/disputes/{dispute.pk}/act/petition/", {"matter": matter.number, "on": "2026-03-12"}
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.matter, dispute.petition_on) == (
        DisputeStatus.PETITION,
        matter,
        date(2026, 3, 12),
    )
    page = street.get(f"/disputes/{dispute.pk}/").content.decode()
    assert f'href="/intake/matters/{matter.pk}/">{matter.number}</a>' in page
    # once a petition, nothing more is done to the dispute
    assert (
        street.post(f"/disputes/{dispute.pk}/act/settle/", {"settle-on": "2026-03-13"}).status_code
        == 400
    )
    assert (
        "已转信访，不能再办理"
        in street.post(
            f"/disputes/{dispute.pk}/act/settle/", {"settle-on": "2026-03-13"}
        ).content.decode()
    )


def test_campaigns_list_disputes_and_figures_never_people(places: District) -> None:
    d = places
    officer = login(d, "officer")
    bad = officer.post(
        "/disputes/campaigns/",
        {"name": "春节前专项排查", "starts_on": "2026-02-10", "ends_on": "2026-02-01"},
    )
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    officer.post(
        "/disputes/campaigns/",
        {"name": "春节前专项排查", "starts_on": "2026-02-01", "ends_on": "2026-03-31"},
    )
    campaign = ScreeningCampaign.objects.get()
    clerk = login(d, "clerk_a")
    response = clerk.post(
        "/disputes/new/",
        form(d, source="special", campaign=str(campaign.pk), parties="5", risk="high"),
    )
    assert response.status_code == 302
    record(d, d.village_b, date(2026, 3, 3), source=DisputeSource.SPECIAL, campaign=campaign)  # type: ignore[attr-defined]
    html = officer.get(f"/disputes/campaigns/{campaign.pk}/").content.decode()
    figures = {
        label: int(value)
        for value, label in re.findall(
            r'<span class="figure">(\d+)</span><span class="label">([^<]+)</span>', html
        )
    }
    assert figures == {
        "排查纠纷": 2,
        "已化解": 0,
        "化解中": 2,
        "已转信访": 0,
        "高风险": 1,
        "涉及人数": 7,
    }
    # the village clerk sees the campaign with its own dispute only
    html = clerk.get(f"/disputes/campaigns/{campaign.pk}/").content.decode()
    assert '<span class="figure">1</span><span class="label">排查纠纷</span>' in html


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_of_the_month_is_one_report(places: District) -> None:
    """Two presses of 报送 at once (PostgreSQL): one report; the other told it was reported."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    record(places, places.village_a, date(2026, 3, 2))
    clients = [login(places, "clerk_a") for _ in range(4)]
    barrier = threading.Barrier(len(clients), timeout=60)
    said: list[str] = []
    lock = threading.Lock()

    def press(client: Client) -> None:
        try:
            barrier.wait()
            response = client.post("/disputes/month/submit/", {"month": "2026-03"}, follow=True)
            with lock:
                said.append(response.content.decode())
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert MonthlyReport.objects.count() == 1
    assert sum("已报送2026年3月排查1件纠纷" in html for html in said) == 1
    assert sum("东风社区2026年3月的排查已报送" in html for html in said) == 3

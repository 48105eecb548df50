"""The matter page's 「办理」 panel: who gets which button, each step posted through the web,
conflicts, refusals, the accusation unit picker, the timeline and the clocks panel."""

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xinfang.core.models import AuditEvent
from xinfang.documents.models import IssuedDocument
from xinfang.intake.choices import Purpose, SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf
from xinfang.workflow import supervision
from xinfang.workflow.models import LeaderInstruction, SupervisionNotice
from xinfang.workflow.transitions import TABLE, Step

from .conftest import District
from .views_support import client_for
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db

TODAY = date(2025, 12, 1)
_real_localdate = timezone.localdate


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day the pages and services see (time travel, no sleeping)."""

    def localdate(value: Any = None, timezone: Any = None) -> date:
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def page(client: Client, matter: Matter) -> str:
    response = client.get(reverse("intake:matter_detail", args=[matter.pk]))
    assert response.status_code == 200
    return response.content.decode()


def buttons(district: District, who: str, matter: Matter) -> list[str]:
    html = page(client_for(district, who), matter)
    panel = html.split('id="act-panel"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'data-action="([a-z_]+)"', panel)


def act(url_matter: Matter, action: str) -> str:
    return reverse("workflow:matter_action", args=[url_matter.pk, action])


def post(
    district: District, who: str, matter: Matter, action: str, htmx: bool = False, **data: Any
) -> Any:
    current = fresh(matter)
    payload = {"version": current.version, **{k: v for k, v in data.items() if v is not None}}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client_for(district, who).post(act(matter, action), payload, **headers)


def wf_events(matter: Matter) -> list[str]:
    return list(
        AuditEvent.objects.filter(matter=matter, action__startswith="workflow.")
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- who sees which button ------------------------------------------------------------------------

SUP = ["supervision_raise", "backdate_approve"]  # 批准补录: xinfang.workflow.entry
OFFICER_EXTRA = ["supervision_raise", "resolve"]
LEADER_EXTRA = ["instruction_add", "resolve"]


def states(d: District) -> dict[str, Matter]:
    """One matter in each state the panel has to get right (all in 东风街道's area)."""
    officer, staff, desk = d.users["officer"], d.users["street_a_staff"], d.users["registrar"]
    registered = new_matter(d, received=date(2025, 8, 1))
    assigned = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_assign, assigned, officer, unit=d.street_a, on=date(2025, 8, 4))
    handling = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_assign, handling, officer, unit=d.street_a, on=date(2025, 8, 4))
    step(wf.assignment_receive, handling, staff, on=date(2025, 8, 5))
    extension = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_assign, extension, officer, unit=d.street_a, on=date(2025, 8, 4))
    step(wf.assignment_receive, extension, staff, on=date(2025, 8, 5))
    step(wf.extension_request, extension, staff, days=10, reason="需勘验", on=date(2025, 8, 20))
    accepted = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_accept, accepted, officer, on=date(2025, 11, 1))
    replied = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_accept, replied, officer, on=date(2025, 8, 2))
    step(wf.reply_issue, replied, officer, outcome="explained", on=date(2025, 11, 20))
    delivered = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_accept, delivered, officer, on=date(2025, 8, 2))
    step(wf.reply_issue, delivered, officer, outcome="explained", on=date(2025, 9, 1))
    step(wf.reply_deliver, delivered, desk, on=date(2025, 9, 2))  # window ends 10-09: passed
    hearing = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_accept, hearing, officer, on=date(2025, 8, 2))
    step(wf.reply_issue, hearing, officer, outcome="explained", on=date(2025, 9, 1))
    step(wf.reply_deliver, hearing, desk, on=date(2025, 9, 2))
    step(wf.review_request, hearing, desk, on=date(2025, 9, 5))
    step(wf.review_decide, hearing, officer, outcome="not_supported", on=date(2025, 9, 20))
    step(wf.review_deliver, hearing, desk, on=date(2025, 9, 22))
    step(wf.rereview_request, hearing, desk, on=date(2025, 10, 9))
    step(wf.hearing_start, hearing, officer, on=date(2025, 10, 20))
    returned = new_matter(d, received=date(2025, 11, 20))
    step(wf.matter_assign, returned, officer, unit=d.street_a, on=date(2025, 11, 21))
    step(wf.assignment_return, returned, staff, reason="非本单位职责", on=date(2025, 11, 24))
    declined = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_decline, declined, officer, reason="不属信访事项", on=date(2025, 8, 2))
    under_review = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_accept, under_review, officer, on=date(2025, 8, 2))
    step(wf.reply_issue, under_review, officer, outcome="explained", on=date(2025, 9, 1))
    step(wf.reply_deliver, under_review, desk, on=date(2025, 9, 2))
    step(wf.review_request, under_review, desk, on=date(2025, 9, 5))
    reviewed = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_accept, reviewed, officer, on=date(2025, 8, 2))
    step(wf.reply_issue, reviewed, officer, outcome="explained", on=date(2025, 9, 1))
    step(wf.reply_deliver, reviewed, desk, on=date(2025, 9, 2))
    step(wf.review_request, reviewed, desk, on=date(2025, 9, 5))
    step(wf.review_decide, reviewed, officer, outcome="not_supported", on=date(2025, 9, 20))
    final = new_matter(d, received=date(2025, 8, 1))
    step(wf.matter_accept, final, officer, on=date(2025, 8, 2))
    step(wf.reply_issue, final, officer, outcome="supported", on=date(2025, 9, 1))
    step(wf.reply_deliver, final, desk, on=date(2025, 9, 2))
    step(wf.matter_finalise, final, officer, on=date(2025, 10, 10))
    return {
        "returned": returned,
        "declined": declined,
        "under_review": under_review,
        "reviewed": reviewed,
        "final": final,
        "registered": registered,
        "assigned": assigned,
        "handling": handling,
        "extension": extension,
        "accepted": accepted,
        "replied": replied,
        "delivered": delivered,
        "hearing": hearing,
    }


# Written out by hand from the table and the services' reach rules, not computed by the code.
BUTTONS = {
    "registered": {
        "officer": ["accept", "decline", "forward", "assign", "legal_channel", *OFFICER_EXTRA],
        "registrar": [],
        "leader": LEADER_EXTRA,
        "supervisor": SUP,
        "street_a_staff": [],
    },
    "assigned": {
        "officer": OFFICER_EXTRA,
        "registrar": [],
        "leader": LEADER_EXTRA,
        "supervisor": SUP,
        "street_a_staff": ["receive", "return"],
    },
    "handling": {
        "officer": OFFICER_EXTRA,  # the unit handles: no 记录/延期/意见书 for the bureau
        "leader": LEADER_EXTRA,
        "street_a_staff": ["return", "record_handling", "request_extension", "reply"],
    },
    "extension": {
        "officer": ["decide_extension", *OFFICER_EXTRA],
        "leader": ["decide_extension", *LEADER_EXTRA],
        "street_a_staff": ["return", "record_handling", "reply"],  # asked once already
    },
    "accepted": {
        "officer": ["record_handling", "request_extension", "reply", *OFFICER_EXTRA],
        "leader": LEADER_EXTRA,
        "registrar": [],
        "street_a_staff": [],  # not assigned to the unit
    },
    "replied": {
        "officer": ["deliver_reply", *OFFICER_EXTRA],
        "registrar": ["deliver_reply"],
        "supervisor": SUP,
    },
    "delivered": {
        "officer": ["evaluate", "request_review", "decline_review", "finalise", *OFFICER_EXTRA],
        "registrar": ["evaluate", "request_review"],
        "leader": LEADER_EXTRA,
    },
    "hearing": {
        "officer": ["end_hearing", *OFFICER_EXTRA],  # 复核意见 waits for the hearing's end
        "registrar": [],
    },
    "returned": {
        "officer": ["accept", "decline", "forward", "assign", "legal_channel", *OFFICER_EXTRA],
        "street_a_staff": [],  # sent back: no longer the unit's
        "registrar": [],
    },
    "declined": {"officer": OFFICER_EXTRA, "registrar": [], "leader": LEADER_EXTRA},
    "under_review": {
        "officer": ["decide_review", "withdraw_review", *OFFICER_EXTRA],
        "registrar": ["withdraw_review"],
    },
    "reviewed": {  # the review is not delivered yet: no 复核 request, no 终结
        "officer": ["evaluate", "deliver_review", *OFFICER_EXTRA],
        "registrar": ["evaluate", "deliver_review"],
    },
    "final": {"officer": ["evaluate", "decline_review", *OFFICER_EXTRA], "registrar": ["evaluate"]},
}


def test_each_role_sees_exactly_the_buttons_it_may_use(district: District) -> None:
    matters = states(district)
    for state, by_role in BUTTONS.items():
        for who, expected in by_role.items():
            assert buttons(district, who, matters[state]) == expected, (state, who)


def test_a_unit_of_another_area_sees_no_button_and_is_refused(district: District) -> None:
    officer = district.users["officer"]
    # 西湖街道's matter, assigned to 区住建局: 西湖街道 sees it (属地) but may not sign for it
    m = new_matter(district, received=date(2025, 8, 1), locality=district.street_b)
    step(wf.matter_assign, m, officer, unit=district.housing, on=date(2025, 8, 4))
    assert buttons(district, "street_b_staff", m) == []
    assert buttons(district, "housing_staff", m) == ["receive", "return"]
    before = fresh(m)
    client = client_for(district, "street_b_staff")
    assert client.get(act(m, "receive")).status_code == 403
    response = post(district, "street_b_staff", m, "receive", on="2025-08-05")
    assert response.status_code == 403
    assert "该事项未交办本单位" in response.content.decode()
    after = fresh(m)
    assert (after.status, after.version) == (before.status, before.version)
    # a role the step's row does not name is refused before anything is read
    assert post(district, "leader", m, "receive").status_code == 403
    assert post(district, "supervisor", m, "instruction_add", text="批示").status_code == 403
    assert not LeaderInstruction.objects.exists()
    # who may not see the matter at all: 404, as for the page
    assert client_for(district, "street_a_staff").get(act(m, "receive")).status_code == 404


# --- every step through the web -------------------------------------------------------------------


def taken(district: District, who: str, m: Matter, action: str, **data: Any) -> Matter:
    """POST one step: it redirects to the matter page, moves it per the table, writes ONE event."""
    before, events = fresh(m), wf_events(m)
    response = post(district, who, m, action, **data)
    assert response.status_code == 302, (action, response.content.decode()[:3000])
    assert response["Location"] == reverse("intake:matter_detail", args=[m.pk])
    after = fresh(m)
    assert wf_events(m) == [*events, f"workflow.{action}"], action
    assert after.version == before.version + 1
    if action in TABLE:
        target = TABLE[Step(action)].target
        assert after.status == (target or before.status), action
    return after


def test_the_whole_road_through_the_web(district: District) -> None:
    m = new_matter(district, received=date(2025, 8, 1))
    taken(district, "officer", m, "assign", unit=district.street_a.pk, on="2025-08-04")
    taken(district, "street_a_staff", m, "receive", on="2025-08-05")
    taken(
        district,
        "street_a_staff",
        m,
        "request_extension",
        days=20,
        reason="需现场勘验",
        on="2025-08-20",
    )
    taken(district, "leader", m, "decide_extension", decision="approve", on="2025-08-21")
    assert fresh(m).extended_to == date(2025, 10, 23)
    taken(district, "street_a_staff", m, "record_handling", notes="已约谈物业", on="2025-09-01")
    taken(
        district,
        "street_a_staff",
        m,
        "reply",
        outcome="explained",
        text="经核实，小区电梯已于9月8日更换主板并通过检测。",
        on="2025-09-10",
    )
    taken(district, "registrar", m, "deliver_reply", on="2025-09-12")
    taken(district, "registrar", m, "evaluate", evaluation="dissatisfied", on="2025-09-13")
    taken(district, "registrar", m, "request_review", on="2025-09-20")
    taken(district, "officer", m, "decide_review", outcome="not_supported", on="2025-10-10")
    taken(district, "registrar", m, "deliver_review", on="2025-10-12")
    taken(district, "registrar", m, "request_rereview", on="2025-10-15")
    taken(district, "officer", m, "start_hearing", on="2025-10-20")
    taken(district, "officer", m, "end_hearing", on="2025-10-25")
    final = taken(district, "officer", m, "decide_rereview", outcome="explained", on="2025-11-01")
    assert final.status == "final" and final.evaluation == "dissatisfied"
    # each step with a document issued it, once: 交办单, 延期告知书, 处理意见书, 复查/复核意见书
    kinds = list(IssuedDocument.objects.filter(matter=m).values_list("kind", flat=True))
    assert kinds == ["assign", "extension", "reply", "review", "rereview"]
    reply = IssuedDocument.objects.get(matter=m, kind="reply")
    assert "现答复如下：\n经核实，小区电梯已于9月8日更换主板并通过检测。\n" in reply.body

    # supervision, 批示 and 化解 on the same matter
    taken(
        district,
        "supervisor",
        m,
        "supervision_raise",
        level="city",
        kind="routine",
        reason="群众反映强烈",
        on="2025-11-03",
        due="2025-11-20",
    )
    notice = SupervisionNotice.objects.get(matter=m)
    assert (notice.level, notice.due, notice.raised_by) == (
        "city",
        date(2025, 11, 20),
        district.users["supervisor"],
    )
    taken(district, "leader", m, "instruction_add", text="请督查室跟进", on="2025-11-04")
    # the notice picker spans the form's row, so its label (level, start, due) is readable
    form = client_for(district, "officer").get(act(m, "supervision_close")).content.decode()
    assert re.search(r'<div class="field wide">\s*<label for="id_notice">', form)
    taken(
        district,
        "officer",
        m,
        "supervision_close",
        notice=notice.pk,
        outcome="resolved",
        note="已化解",
        on="2025-11-10",
    )
    taken(district, "leader", m, "resolve", on="2025-11-10")
    assert fresh(m).resolved_on == date(2025, 11, 10)

    # the timeline lists everything by day, with the table's labels and the facts
    html = page(client_for(district, "leader"), m)
    timeline = html.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    labels = re.findall(r'class="tl-label">([^<]+)<', timeline)
    assert labels == [
        "登记（来访）",
        "交办",
        "印发文书",
        "签收",
        "申请延期",
        "审批延期",
        "印发文书",
        "记录办理情况",
        "出具处理意见书",
        "印发文书",
        "送达处理意见",
        "满意度评价",
        "申请复查",
        "出具复查意见",
        "印发文书",
        "送达复查意见",
        "申请复核",
        "开始听证",
        "结束听证",
        "出具复核意见",
        "印发文书",
        "发起督办",
        "印发文书",
        "领导批示",
        "办结督办",
        "登记化解",
    ]  # fmt: skip; each step with a document is followed by its 印发文书
    facts = (
        ("单位", "东风街道"),
        ("理由", "需现场勘验"),
        ("审批意见", "同意延期"),
        ("延期至", "2025-10-23"),
        ("意见", "解释说明"),
        ("评价", "不满意"),
        ("理由", "群众反映强烈"),
        ("期限", "2025-11-20"),
        ("批示内容", "请督查室跟进"),
        ("结果", "已化解"),
        ("状态", "办理中 → 已答复"),
    )
    for label, value in facts:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in timeline, (label, value)


@pytest.mark.parametrize(
    ("action", "data", "status"),
    [
        ("accept", {}, "in_handling"),
        ("decline", {"reason": "不属于信访事项"}, "declined"),
        ("legal_channel", {"channel": "litigation"}, "legal_channel"),
        ("forward", {"unit": "housing"}, "assigned"),
    ],
)
def test_routing_steps(district: District, action: str, data: dict[str, Any], status: str) -> None:
    m = new_matter(district, received=date(2025, 11, 20))
    if data.get("unit") == "housing":
        data = {"unit": district.housing.pk}
    after = taken(district, "officer", m, action, **data)
    assert after.status == status and after.decided_on == TODAY  # `on` left empty: today


def test_return_and_finalise(district: District) -> None:
    officer = district.users["officer"]
    m = new_matter(district, received=date(2025, 11, 20))
    step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 11, 24))
    after = taken(district, "street_a_staff", m, "return", reason="属住建局职责")
    assert after.status == "returned" and after.responsible_unit == district.street_a
    done = new_matter(district, received=date(2025, 8, 1))
    step(wf.matter_accept, done, officer, on=date(2025, 8, 2))
    step(wf.reply_issue, done, officer, outcome="supported", on=date(2025, 9, 1))
    step(wf.reply_deliver, done, district.users["registrar"], on=date(2025, 9, 2))
    assert taken(district, "officer", done, "finalise").status == "final"


# --- refusals shown on the form -------------------------------------------------------------------


def test_stale_version_shows_the_conflict_and_changes_nothing(district: District) -> None:
    m = new_matter(district, received=date(2025, 11, 20))
    stale = fresh(m).version
    step(wf.matter_decline, m, district.users["officer"], reason="重复", on=date(2025, 11, 21))
    before = fresh(m)
    for htmx, code in ((False, 409), (True, 200)):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client_for(district, "officer").post(
            act(m, "assign"), {"version": stale, "unit": district.street_a.pk}, **headers
        )
        assert response.status_code == code
        html = response.content.decode()
        assert "已被他人更新" in html and "未保存" in html
        assert f'href="/intake/matters/{m.pk}/"' in html and "重新载入事项页面" in html
        assert ("<html" in html) is not htmx  # htmx gets the panel's form only
        # the stale form cannot be sent again (it would only conflict again); the reload can
        submit = html.split('<button type="submit"', 1)[1].split(">", 1)[0]
        assert "disabled" in submit
    after = fresh(m)
    assert (after.status, after.version, after.responsible_unit) == (
        before.status,
        before.version,
        None,
    )
    assert wf_events(m) == ["workflow.decline"]


def test_input_errors_sit_next_to_their_field_and_keep_the_typing(district: District) -> None:
    m = new_matter(district, received=date(2025, 11, 20))
    # before the first registration: the service's InputError(field="on")
    response = post(district, "officer", m, "decline", reason="不属于信访事项", on="2025-11-01")
    assert response.status_code == 400
    html = response.content.decode()
    on_field = html.split('id="id_on"', 1)[1].split("</div>", 1)[0]
    assert "日期不能早于首次登记日期（2025年11月20日）" in on_field
    assert "不属于信访事项</textarea>" in html
    # in the future, and an empty reason: the form's own checks
    html = post(district, "officer", m, "decline", reason=" ", on="2025-12-02").content.decode()
    assert "日期不能晚于今天" in html and "请填写不予受理的理由" in html
    assert "这个字段是必填项" not in html
    # an unchosen unit is named, not "this field is required"
    html = post(district, "officer", m, "assign", unit="").content.decode()
    assert "请选择承办单位" in html and "这个字段是必填项" not in html
    # more than 30 days of extension
    step(wf.matter_accept, m, district.users["officer"], on=date(2025, 11, 21))
    html = post(
        district, "officer", m, "request_extension", days=40, reason="勘验"
    ).content.decode()
    assert "延期不能超过30日" in html and 'value="40"' in html
    assert fresh(m).status == "in_handling" and wf_events(m) == ["workflow.accept"]


def test_accusation_goes_only_to_discipline_organs(district: District) -> None:
    m = new_matter(district, received=date(2025, 11, 20), purpose=Purpose.ACCUSATION)
    html = client_for(district, "officer").get(act(m, "assign")).content.decode()
    select = html.split('name="unit"', 1)[1].split("</select>", 1)[0]
    offered = re.findall(r'<option value="(\d+)"', select)
    assert offered == [str(district.discipline.pk)]
    assert "检举控告类事项只能转送、交办纪检监察机关" in html
    response = post(district, "officer", m, "assign", unit=district.street_a.pk)
    assert response.status_code == 400
    assert "所选单位不在可选范围内" in response.content.decode()
    assert fresh(m).status == "registered" and wf_events(m) == []
    taken(district, "officer", m, "assign", unit=district.discipline.pk)
    assert buttons(district, "discipline_staff", m) == ["receive", "return"]


def test_a_missing_calendar_year_is_told_plainly(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinfang.workflow import calendar

    last = max(calendar.current_calendar().years)
    day = date(last, 12, 20)
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: (
            day if value is None else _real_localdate(value, timezone)
        ),
    )
    m = new_matter(district, received=date(2025, 11, 20))
    Matter.objects.filter(pk=m.pk).update(first_received_on=date(last, 12, 18))
    message = f"{last + 1}年的节假日安排尚未录入，请系统管理员录入后再计算期限"
    # the page stands, and the routing clock says why it has no deadline
    html = page(client_for(district, "officer"), m)
    assert message in html.split('id="clocks"', 1)[1]
    # accepting would start a 60-day clock into that year: refused with the message, nothing moved
    response = post(district, "officer", m, "accept", htmx=True)
    assert response.status_code == 200 and message in response.content.decode()
    assert fresh(m).status == "registered"


# --- htmx, the clocks panel and the page's query budget ---------------------------------------


def test_htmx_opens_the_form_in_the_panel_and_redirects_after(district: District) -> None:
    m = new_matter(district, received=date(2025, 11, 20))
    client = client_for(district, "officer")
    html = page(client, m)
    assert f'hx-get="{act(m, "accept")}"' in html and 'id="act-slot"' in html
    partial = client.get(act(m, "accept"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and f'hx-post="{act(m, "accept")}"' in partial
    assert f'name="version" value="{fresh(m).version}"' in partial
    assert 'value="2025-12-01"' in partial and 'max="2025-12-01"' in partial
    response = client.post(act(m, "accept"), {"version": fresh(m).version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("intake:matter_detail", args=[m.pk])
    done = "已受理，已出具受理告知书（示范信受〔2025〕1号），可在“文书”中打印。"
    assert done in page(client, m)  # the success message, once, naming the document it issued
    assert done not in page(client, m)


def test_clocks_panel_shows_each_state(district: District) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    warn = new_matter(district, received=date(2025, 11, 18))  # routing due 12-03: warning
    late = new_matter(district, received=date(2025, 8, 1))
    step(wf.matter_assign, late, officer, unit=district.street_a, on=date(2025, 8, 4))
    step(wf.assignment_receive, late, staff, on=date(2025, 8, 5))  # due 10-09 (National Day)
    supervision.supervision_raise(
        actor=officer,
        matter=fresh(late),
        version=fresh(late).version,
        level=SupervisionLevel.DISTRICT,
        reason="超期未办结",
        on=date(2025, 11, 28),
    )
    rows = clock_rows(page(client_for(district, "officer"), warn))
    assert rows == [("route", "warning", "即将到期", "2025-12-03", "剩 2 天")]
    rows = clock_rows(page(client_for(district, "street_a_staff"), late))
    assert rows == [
        ("route", "met", "按期完成", "2025-08-18", "2025-08-04"),
        ("handle", "overdue", "已超期", "2025-10-09", "超期 53 天"),
        ("return", "ended", "已结束", "2025-08-12", ""),
        ("supervision", "running", "未到期", "2025-12-15", "剩 14 天"),
    ]
    paused = states(district)["hearing"]
    (rr,) = [
        r for r in clock_rows(page(client_for(district, "officer"), paused)) if r[0] == "rereview"
    ]
    assert rr[1:3] == ("paused", "暂停计时")


def clock_rows(html: str) -> list[tuple[str, ...]]:
    section = html.split('id="clocks"', 1)[1].split("</section>", 1)[0]
    found = []
    for kind, state, cells in re.findall(
        r'data-clock="(\w+)" data-state="(\w+)">(.*?)</tr>', section, re.S
    ):
        tds = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        ]
        badge = re.search(r'class="badge[^"]*">([^<]+)<', cells)
        assert badge
        extra = tds[4].replace(badge.group(1), "").strip()
        found.append((kind, state, badge.group(1), tds[3], extra))
    return found


def test_matter_page_query_budget(district: District, django_assert_num_queries: Any) -> None:
    m = states(district)["hearing"]
    client = client_for(district, "officer")
    page(client, m)  # warm the calendar of the process
    # session, user, the second factor's device (django-otp), the page's own reads, five for
    # every clock (assignments, flow, notices, leader work's receptions and packages),
    # and the 文书 section: the documents and, per kind that may apply, its issuer and facts;
    # two for the navigation's unread 提醒 count; two for the matter's 领导包案 line; one for
    # the 听证 section (the matter's hearings); one for its 积案 fact; one for its 会议交办 lines
    with django_assert_num_queries(38):
        page(client, m)
    levels = (SupervisionLevel.CITY, SupervisionLevel.PROVINCIAL, SupervisionLevel.CENTRAL)
    for level in levels:  # more events, clocks and notices cost no more queries
        supervision.supervision_raise(
            actor=district.users["officer"],
            matter=fresh(m),
            version=fresh(m).version,
            level=level,
            reason="督办",
            on=date(2025, 11, 1),
        )
    with django_assert_num_queries(38):
        html = page(client, m)
    assert html.count('data-clock="supervision"') == 3


def test_timeline_shows_reveals_only_to_those_who_read_the_audit(district: District) -> None:
    m = new_matter(district, received=date(2025, 11, 20))
    assert m.petitioner is not None
    reveal = reverse("intake:reveal", args=[m.pk, m.petitioner.pk])
    assert client_for(district, "street_a_staff").post(reveal).status_code == 200
    step(
        wf.matter_assign,
        m,
        district.users["officer"],
        unit=district.street_a,
        on=date(2025, 11, 21),
    )
    for who, sees in (
        ("officer", True),
        ("supervisor", True),
        ("leader", False),
        ("street_a_staff", False),
    ):
        timeline = (
            page(client_for(district, who), m)
            .split('id="timeline"', 1)[1]
            .split("</section>", 1)[0]
        )
        assert ("查看完整个人信息" in timeline) is sees, who
        assert "交办" in timeline and "东风街道" in timeline


def test_documents_and_the_audit_table_use_the_table_labels(district: District) -> None:
    officer = district.users["officer"]
    m = new_matter(district, received=date(2025, 11, 20))
    step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 11, 21))
    # the 交办 issued its 交办单: one document.issue event, shown from the event alone
    number = IssuedDocument.objects.get(matter=m).number
    html = page(client_for(district, "leader"), m)
    timeline = html.split('id="timeline"', 1)[1].split("</section>", 1)[0]
    labels = re.findall(r'class="tl-label">([^<]+)<', timeline)
    assert labels == ["登记（来访）", "交办", "印发文书"]
    assert number in timeline
    # the officer's 操作记录 (audit) names the steps too, with their facts
    audit = page(client_for(district, "officer"), m).split('id="h-events"', 1)[1]
    assert "<td>交办</td>" in audit and "单位：东风街道" in audit and "<td>印发文书</td>" in audit


def test_outcome_forms_say_where_the_document_is_issued(district: District) -> None:
    m = new_matter(district, received=date(2025, 11, 20))
    step(wf.matter_accept, m, district.users["officer"], on=date(2025, 11, 21))
    html = client_for(district, "officer").get(act(m, "reply")).content.decode()
    assert "同时出具处理意见书" in html and "答复内容" in html
    fresh_form = html.split('<button type="submit"', 1)[1].split(">", 1)[0]
    assert "disabled" not in fresh_form


def test_phone_tables_carry_their_column_names(district: District) -> None:
    """Queues and clocks stack on phones; each cell says which column it is."""
    m = new_matter(district, received=date(2025, 11, 20))
    html = page(client_for(district, "officer"), m)
    clocks = html.split('id="clocks"', 1)[1].split("</section>", 1)[0]
    assert 'class="clocks stack-sm"' in clocks and 'data-label="截止"' in clocks
    queues = client_for(district, "officer").get(reverse("workflow:queues")).content.decode()
    assert 'class="matters stack-sm"' in queues and 'data-label="剩余"' in queues
    listed = client_for(district, "officer").get(reverse("intake:matter_list")).content.decode()
    assert 'class="matters stack-sm"' in listed and 'data-label="状态"' in listed

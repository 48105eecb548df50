"""Workflow: handling, the one extension, the reply, review, re-review with a hearing, finality."""

from datetime import date

import pytest
from django.utils import timezone

from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.intake.choices import Evaluation
from xinfang.intake.models import Matter
from xinfang.workflow import calendar
from xinfang.workflow import services as wf
from xinfang.workflow.models import Assignment, MatterWorkflow
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.transitions import ReplyOutcome

from .conftest import District
from .workflow_support import events, fresh, new_matter, step

pytestmark = pytest.mark.django_db


def in_handling(district: District, on: date = date(2025, 8, 5)) -> Matter:
    m = new_matter(district)
    m = step(wf.matter_assign, m, district.users["officer"], unit=district.street_a, on=on)
    return step(wf.assignment_receive, m, district.users["street_a_staff"], on=on)


def flow(m: Matter) -> MatterWorkflow:
    return MatterWorkflow.objects.get(matter=m)


def test_one_extension_of_at_most_30_days_approved_by_the_head(district: District) -> None:
    staff, leader = district.users["street_a_staff"], district.users["leader"]
    m = in_handling(district)
    m = step(wf.handling_record, m, staff, notes="已约谈物业公司", on=date(2025, 8, 20))
    assert "已约谈物业公司" in flow(m).handling_notes
    with pytest.raises(InputError, match="不能超过30日"):
        wf.extension_request(actor=staff, matter=m, version=m.version, days=31, reason="复杂")
    m = step(wf.extension_request, m, staff, days=30, reason="需现场勘验", on=date(2025, 9, 30))
    assert fresh(m).extended_to is None  # not before the head approves
    with pytest.raises(InputError, match="只能延长一次"):
        wf.extension_request(
            actor=staff, matter=m, version=m.version, days=10, reason="再延", on=date(2025, 10, 9)
        )
    with pytest.raises(PermissionRefusedError):
        wf.extension_decide(actor=staff, matter=m, version=m.version, approve=True)
    m = step(wf.extension_decide, m, leader, approve=True, on=date(2025, 10, 9))
    # 90 days from 5 Aug 2025 is Monday 3 Nov 2025
    assert m.extended_to == calendar.deadline(date(2025, 8, 5), 90) == date(2025, 11, 3)
    assert Assignment.objects.get(matter=m, active=True).due == date(2025, 11, 3)
    assert m.handling_deadline == date(2025, 10, 9)
    with pytest.raises(ConflictError, match="没有待审批"):
        wf.extension_decide(actor=leader, matter=m, version=m.version, approve=True)
    with pytest.raises(InputError, match="只能延长一次"):
        wf.extension_request(
            actor=staff, matter=m, version=m.version, days=5, reason="再延", on=date(2025, 10, 9)
        )
    assert m.status == MatterStatus.IN_HANDLING


def test_an_extension_is_asked_before_the_limit_and_not_approved_by_its_asker(
    district: District,
) -> None:
    officer = district.users["officer"]
    m = step(wf.matter_accept, new_matter(district), officer, on=date(2025, 8, 5))
    with pytest.raises(InputError, match=r"办理期限.*已过"):
        wf.extension_request(
            actor=officer, matter=m, version=m.version, days=5, reason="迟", on=date(2025, 10, 10)
        )
    m = step(wf.extension_request, m, officer, days=5, reason="材料待补", on=date(2025, 10, 1))
    with pytest.raises(PermissionRefusedError, match="不能自行审批"):
        wf.extension_decide(actor=officer, matter=m, version=m.version, approve=True)
    m = step(wf.extension_decide, m, district.users["leader"], approve=False)
    assert m.extended_to is None
    assert flow(m).extension_approved is False


def test_the_unit_replies_not_the_bureau_once_assigned(district: District) -> None:
    m = in_handling(district)
    with pytest.raises(PermissionRefusedError, match="承办单位"):
        wf.reply_issue(
            actor=district.users["officer"], matter=m, version=m.version, outcome="supported"
        )
    with pytest.raises(InputError, match="处理意见"):
        wf.reply_issue(
            actor=district.users["street_a_staff"], matter=m, version=m.version, outcome="ok"
        )


def test_every_path_to_finality_with_its_clocks(district: District) -> None:
    users = district.users
    staff, officer, desk = users["street_a_staff"], users["officer"], users["registrar"]
    m = in_handling(district, on=date(2025, 11, 20))
    assert m.handling_deadline == date(2026, 1, 19)
    m = step(wf.reply_issue, m, staff, outcome=ReplyOutcome.NOT_SUPPORTED, on=date(2025, 12, 18))
    assert (m.status, m.replied_on) == (MatterStatus.REPLIED, date(2025, 12, 18))
    assert events(m)[-1].data["on_time"] is True
    with pytest.raises(InputError, match="尚未送达"):
        wf.evaluation_record(actor=desk, matter=m, version=m.version, evaluation="dissatisfied")
    with pytest.raises(InputError, match="尚未送达"):
        wf.review_request(actor=desk, matter=m, version=m.version, on=date(2025, 12, 20))
    m = step(wf.reply_deliver, m, desk, on=date(2025, 12, 20))
    assert flow(m).review_request_due == calendar.deadline(date(2025, 12, 20), 30)
    assert flow(m).review_request_due == date(2026, 1, 19)
    m = step(wf.evaluation_record, m, desk, evaluation=Evaluation.DISSATISFIED)
    assert (m.evaluation, m.evaluated_on) == ("dissatisfied", timezone.localdate())

    m = step(wf.review_request, m, desk, on=date(2026, 1, 19))
    assert m.status == MatterStatus.UNDER_REVIEW
    assert flow(m).review_due == date(2026, 2, 24)  # 18 Feb falls in Spring Festival 2026
    m = step(wf.review_decide, m, officer, outcome=ReplyOutcome.EXPLAINED, on=date(2026, 2, 10))
    assert (m.status, m.review_replied_on) == (MatterStatus.REVIEWED, date(2026, 2, 10))
    m = step(wf.review_deliver, m, desk, on=date(2026, 2, 12))
    assert flow(m).rereview_request_due == calendar.deadline(date(2026, 2, 12), 30)

    m = step(wf.rereview_request, m, desk, on=date(2026, 3, 2))
    assert flow(m).rereview_due == calendar.deadline(date(2026, 3, 2), 30) == date(2026, 4, 1)
    m = step(wf.hearing_start, m, officer, on=date(2026, 3, 10))
    with pytest.raises(ConflictError, match="听证尚未结束"):
        wf.rereview_decide(actor=officer, matter=m, version=m.version, outcome="explained")
    m = step(wf.hearing_end, m, officer, on=date(2026, 3, 19))
    # ten hearing days are not counted: 1 Apr + 10 = 11 Apr, a Saturday -> Monday 13 Apr
    paused = [(date(2026, 3, 10), date(2026, 3, 19))]
    assert flow(m).rereview_due == calendar.deadline(date(2026, 3, 2), 30, paused=paused)
    assert flow(m).rereview_due == date(2026, 4, 13)
    m = step(wf.rereview_decide, m, officer, outcome="explained", on=date(2026, 4, 10))
    assert (m.status, m.rereview_replied_on) == (MatterStatus.FINAL, date(2026, 4, 10))
    assert flow(m).final_on == date(2026, 4, 10)
    assert [e.action.removeprefix("workflow.") for e in events(m)] == [
        "assign",
        "receive",
        "reply",
        "deliver_reply",
        "evaluate",
        "request_review",
        "decide_review",
        "deliver_review",
        "request_rereview",
        "start_hearing",
        "end_hearing",
        "decide_rereview",
    ]


def test_a_review_asked_after_the_window_is_refused(district: District) -> None:
    desk = district.users["registrar"]
    m = in_handling(district, on=date(2025, 8, 5))
    # dated: a delivery cannot precede the reply it delivers (xinfang.workflow.entry)
    m = step(
        wf.reply_issue,
        m,
        district.users["street_a_staff"],
        outcome="supported",
        on=date(2025, 8, 25),
    )
    m = step(wf.reply_deliver, m, desk, on=date(2025, 9, 1))
    assert flow(m).review_request_due == date(2025, 10, 9)  # 1 Oct is National Day
    with pytest.raises(InputError, match=r"申请复查的期限（2025年10月9日）已过"):
        wf.review_request(actor=desk, matter=m, version=m.version, on=date(2025, 10, 10))
    assert fresh(m).status == MatterStatus.REPLIED
    assert fresh(m).review_requested_on is None


def test_final_when_the_window_passes_unused_and_not_before(district: District) -> None:
    officer, desk = district.users["officer"], district.users["registrar"]
    m = in_handling(district, on=date(2025, 8, 5))
    # dated: a delivery cannot precede the reply it delivers (xinfang.workflow.entry)
    m = step(
        wf.reply_issue,
        m,
        district.users["street_a_staff"],
        outcome="supported",
        on=date(2025, 8, 25),
    )
    m = step(wf.reply_deliver, m, desk, on=date(2025, 9, 1))
    with pytest.raises(InputError, match="期限届满后方可终结"):
        wf.matter_finalise(actor=officer, matter=m, version=m.version, on=date(2025, 10, 9))
    with pytest.raises(PermissionRefusedError):
        wf.matter_finalise(actor=desk, matter=m, version=m.version, on=date(2025, 10, 10))
    m = step(wf.matter_finalise, m, officer, on=date(2025, 10, 10))
    assert m.status == MatterStatus.FINAL
    assert flow(m).final_on == date(2025, 10, 10)

"""The demo district's prevention work: load-demo gives 新城街道 a screening month (lists, a 零报告,
a unit silent), a mediated and an escalated dispute, a hearing, a 会办会 assigning matters and the
province's 第一批 with one 回流 — made through the services as the demo users. Counts typed from
xinfang/demo/prevention.py's plan."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Period
from xinfang.casework.models import BatchItem, BatchReflow, DecisionItem, HandedDownBatch, Meeting
from xinfang.core.models import AuditEvent
from xinfang.disputes.models import (
    Dispute,
    Escalation,
    Feedback,
    Mediation,
    MediationSession,
    MonthlyReport,
)
from xinfang.hearings.models import Hearing
from xinfang.intake.models import Registration
from xinfang.organisation.models import OrgUnit

pytestmark = pytest.mark.django_db

SIZE = 400  # a small demo, as the leader work's test


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, registrations=SIZE)
    return out.getvalue()


def test_the_demo_has_a_screening_month_a_hearing_a_meeting_and_a_batch() -> None:
    out = load()
    today = timezone.localdate()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert (
        "矛盾纠纷与积案：上月排查矛盾纠纷6件（调解化解2件，调解不成升级1件），"
        "月排查报送5个单位、零报告1个、未报送1个；听证1场；会办会1场交办2件；"
        "省第一批交办积案6件，已化解4件，通过审核2件，回流1件"
    ) in out

    # the screening month in 新城街道
    street = OrgUnit.objects.get(name="新城街道")
    disputes = Dispute.objects.filter(found_on__gte=month, found_on__lt=today.replace(day=1))
    assert disputes.count() == 6 == Dispute.objects.count()
    by_status = {s: disputes.filter(status=s).count() for s in ("open", "settled", "petition")}
    assert by_status == {"open": 4, "settled": 2, "petition": 0}
    assert sorted(disputes.values_list("level", flat=True)) == ["street"] + ["village"] * 5
    risen = Escalation.objects.get()
    assert (risen.from_level, risen.to_level, risen.reason) == ("village", "street", "manual")
    assert risen.dispute.owner_unit == street and risen.note.startswith("调解不成：")
    success = Mediation.objects.get(result="success")
    assert success.kind == "people" and success.agreement.startswith(
        "经双方同意，以宅基地确权图为准"
    )
    assert success.dispute.status == "settled" and success.dispute.settled_level == "village"
    failure = Mediation.objects.get(result="failure")
    assert (failure.next_step, failure.failure_reason) == (
        "escalate",
        "企业资金链紧张，双方对支付期限分歧较大",
    )
    assert MediationSession.objects.count() == 2
    reports = {r.unit.name: r for r in MonthlyReport.objects.filter(month=month)}
    assert set(reports) == {"沙湾村", "龙井村", "新城社区", "高铁站社区", "华府社区", "五里墩村"}
    assert "张家湾村" not in reports  # the unit that did not submit
    assert [n for n, r in sorted(reports.items()) if r.zero] == ["五里墩村"]
    items = {n: r.disputes.count() for n, r in reports.items()}
    assert items == {
        "沙湾村": 2,
        "龙井村": 1,
        "新城社区": 1,
        "高铁站社区": 1,
        "华府社区": 1,
        "五里墩村": 0,
    }
    feedback = Feedback.objects.get()
    assert feedback.report.unit.name == "沙湾村" and feedback.dispute == risen.dispute

    # a hearing held on a matter in handling, with its participants and conclusion
    hearing = Hearing.objects.get()
    assert (hearing.stage, hearing.status, hearing.starts_on) == (
        "handling",
        "held",
        today - timedelta(days=7),
    )
    roles = list(hearing.participants.order_by("order").values_list("role", flat=True))
    assert roles == ["petitioner", "npc_deputy", "cppcc_member", "lawyer", "department"]
    assert hearing.conclusion.startswith("诉求部分合理")

    # a 会办会 whose decision assigns two registrations through the workflow
    meeting = Meeting.objects.get()
    assert (meeting.kind, meeting.held_on) == ("coordination", today - timedelta(days=22))
    assigned = DecisionItem.objects.select_related("matter", "unit").order_by("id")
    assert [(i.unit.name, i.matter.status) for i in assigned] == [
        ("新城街道", "assigned"),
        ("区住房和城乡建设局", "assigned"),
    ]

    # the province's 第一批: 6 matters, 4 化解, 2 通过审核, 1 回流 by a later registration
    batch = HandedDownBatch.objects.get()
    assert (batch.source, batch.name) == ("province", "第一批")
    batch_items = BatchItem.objects.filter(batch=batch)
    assert batch_items.count() == 6
    assert batch_items.exclude(resolved_on=None).count() == 4
    assert batch_items.filter(verification="passed").count() == 2
    reflow = BatchReflow.objects.get()
    assert reflow.on == today - timedelta(days=14)
    assert Registration.objects.filter(pk=reflow.registration_id, is_first=False).exists()

    # the report of the last 100 days carries the batch as typed above
    report = build_report(org=street.parent, period=Period(today - timedelta(days=100), today))
    (row,) = report["handed_down"]
    assert (row["matters"], row["resolved"], row["verified"], row["reflowed"]) == (6, 4, 2, 1)
    assert (report["meetings"]["held"], report["meetings"]["assigned"]) == (1, 2)
    assert report["hearings"]["held"] == 1

    # loading again changes nothing
    events = AuditEvent.objects.count()
    assert "演示数据已载入，未作任何更改。" in load()
    assert AuditEvent.objects.count() == events and Dispute.objects.count() == 6

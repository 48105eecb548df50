"""Prevention end to end, with time travel (the scan is run as of the day it would run):
a village records a dispute; its 15 days pass and the scan raises it to the street, telling the
street; the street mediates (调解不成); the dispute becomes a petition registered through intake;
the town's joint meeting assigns the matter through the workflow; it goes to re-review, where a
hearing pauses the limit; the report counts the matter once.

Dates from the State Council's 2026 arrangement, counted by hand:
- found Mon 03-02 at the village: + 15 calendar days = Tue 03-17, its last day; the scan of
  03-14 (3 days before) warns the village, the scan of 03-18 raises it to the street;
- at the street from 03-18: + 15 = Thu 04-02;
- 复核 requested Wed 05-06 (after 劳动节 05-01 … 05-05): + 30 = Fri 06-05;
- the hearing Wed 05-20 … Fri 05-22 is 3 days not counted: 06-05 + 3 = Mon 06-08.
"""

from datetime import date, datetime

import pytest

from tests.conftest import TZ, District, make_user
from xinfang.accounts.models import Role
from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Period
from xinfang.casework.choices import BodyKind, MeetingKind
from xinfang.casework.models import DecisionItem
from xinfang.casework.services import (
    DecisionAssignment,
    body_create,
    decision_make,
    meeting_record,
)
from xinfang.disputes import services as ds
from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeSource,
    DisputeStatus,
    EscalationReason,
    MediationKind,
    MediationResult,
    NextStep,
    Risk,
)
from xinfang.disputes.models import Escalation
from xinfang.hearings import services as hs
from xinfang.hearings.choices import HearingStatus
from xinfang.intake.models import Category, Matter, Registration
from xinfang.intake.services import PersonInput, RegistrationInput
from xinfang.notifications.models import AlertStage, ClockAlert, Notification
from xinfang.workflow import services as wf
from xinfang.workflow.clockscan import scan_clocks
from xinfang.workflow.models import MatterWorkflow
from xinfang.workflow.states import ClockKind
from xinfang.workflow.transitions import ReplyOutcome

from .hearings_support import hearing_input
from .workflow_support import fresh, step

pytestmark = pytest.mark.django_db

NUMBER = "JF202600001"


def _told(prefix: str = "dispute:") -> list[tuple[str, str]]:
    rows = Notification.objects.filter(key__startswith=prefix).order_by("id")
    return [(n.recipient.username, n.text) for n in rows]


def test_village_dispute_to_petition_to_rereview_hearing(district: District) -> None:
    d = district
    officer, desk = d.users["officer"], d.users["registrar"]
    street = d.users["street_a_staff"]
    clerk = make_user("village_clerk", Role.UNIT_STAFF, d.village_a)

    # 1. the village records it (网格上报) on Mon 03-02
    dispute = ds.record_dispute(
        actor=clerk,
        data=ds.DisputeInput(
            found_on=date(2026, 3, 2),
            source=DisputeSource.GRID,
            place=d.village_a,
            parties=2,
            description="两户因征地补偿款分配发生争执",
            risk=Risk.MEDIUM,
            category=Category.objects.get(name="物业管理"),
        ),
    )
    assert (dispute.number, dispute.level, dispute.level_due) == (
        NUMBER,
        DisputeLevel.VILLAGE,
        date(2026, 3, 17),
    )

    # 2. time passes: 03-14 warns the village, 03-17 is still its day, 03-18 raises it
    assert scan_clocks(date(2026, 3, 14), send=False).disputes_raised == 0
    assert _told() == [("village_clerk", f"{NUMBER} 矛盾纠纷（2026-03-17）本层级化解期限即将到期")]
    assert scan_clocks(date(2026, 3, 17), send=False).disputes_raised == 0
    raised = scan_clocks(date(2026, 3, 18), send=False)
    assert raised.disputes_raised == 1
    dispute.refresh_from_db()
    assert (dispute.level, dispute.owner_unit, dispute.level_since, dispute.level_due) == (
        DisputeLevel.STREET,
        d.street_a,
        date(2026, 3, 18),
        date(2026, 4, 2),
    )
    rose = Escalation.objects.get(dispute=dispute)
    assert (rose.on, rose.from_level, rose.to_level, rose.reason) == (
        date(2026, 3, 18),
        DisputeLevel.VILLAGE,
        DisputeLevel.STREET,
        EscalationReason.AUTO,
    )
    # the street's owner is told (the unit's staff); no one else
    assert _told()[1:] == [
        ("street_a_staff", f"{NUMBER} 矛盾纠纷（2026-03-17）已超期未化解，已升级至本单位")
    ]

    # 3. the street mediates: 调解不成, with the reason; it goes into the petition procedure
    mediation = ds.mediation_start(
        actor=street,
        dispute=dispute,
        kind=MediationKind.PEOPLE,
        mediator="东风街道人民调解委员会",
        started_on=date(2026, 3, 20),
    )
    ds.mediation_session_add(
        actor=street,
        mediation=mediation,
        held_on=date(2026, 3, 24),
        parties_present=2,
        positions="甲方要求平均分配；乙方要求按承包面积分配",
    )
    ds.mediation_conclude(
        actor=street,
        mediation=mediation,
        result=MediationResult.FAILURE,
        on=date(2026, 3, 26),
        failure_reason="双方对分配办法分歧较大",
        next_step=NextStep.PETITION,
    )
    mediation.refresh_from_db()
    assert (mediation.result, mediation.failure_reason, mediation.next_step) == (
        MediationResult.FAILURE,
        "双方对分配办法分歧较大",
        NextStep.PETITION,
    )

    # 4. it becomes a petition: registered now through intake's registration service
    ds.link_petition(
        actor=officer,
        dispute=dispute,
        on=date(2026, 3, 27),
        registration=RegistrationInput(
            channel="visit",
            received_at=datetime(2026, 3, 27, 9, 30, tzinfo=TZ),
            people=2,
            content="反映征地补偿款分配纠纷，村、街道调解未果",
            category=Category.objects.get(name="物业管理"),
            purpose="request",
            locality=d.village_a,
            petitioner=PersonInput(name="王小明", phone="13800138000"),
        ),
    )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.PETITION and dispute.petition_on == date(2026, 3, 27)
    matter = dispute.matter
    assert matter is not None and dispute.registration is not None
    assert dispute.registration.matter_id == matter.pk
    # from now it is the matter: the scan no longer looks at the dispute (its 04-02 passes)
    assert scan_clocks(date(2026, 4, 3), send=False).disputes_raised == 0
    assert Escalation.objects.count() == 1

    # 5. the town's joint meeting assigns the matter to 东风街道 through the workflow (a 交办)
    body = body_create(
        actor=officer,
        name="东风街道矛盾纠纷化解联席会议",
        kind=BodyKind.JOINT,
        unit=d.street_a,
        members=[d.street_a, d.housing],
    )
    meeting = meeting_record(
        actor=officer,
        body=body,
        kind=MeetingKind.JOINT,
        held_on=date(2026, 3, 30),
        place="东风街道办事处",
        minutes="研究征地补偿款分配纠纷",
    )
    decision_make(
        actor=officer,
        meeting=meeting,
        text="由东风街道牵头，依法依规办理征地补偿款分配问题",
        on=date(2026, 3, 30),
        assignments=[DecisionAssignment(fresh(matter), d.street_a, date(2026, 4, 30))],
    )
    item = DecisionItem.objects.get()
    assert (item.matter_id, item.unit, item.deadline) == (matter.pk, d.street_a, date(2026, 4, 30))
    m = fresh(matter)
    assert (m.status, m.responsible_unit, m.decided_on) == (
        "assigned",
        d.street_a,
        date(2026, 3, 30),
    )

    # 6. handled, replied, reviewed, and 复核 requested Wed 05-06
    m = step(wf.assignment_receive, m, street, on=date(2026, 3, 31))
    m = step(wf.reply_issue, m, street, outcome=ReplyOutcome.NOT_SUPPORTED, on=date(2026, 4, 10))
    m = step(wf.reply_deliver, m, desk, on=date(2026, 4, 13))
    m = step(wf.review_request, m, desk, on=date(2026, 4, 15))
    m = step(wf.review_decide, m, officer, outcome=ReplyOutcome.NOT_SUPPORTED, on=date(2026, 4, 28))
    m = step(wf.review_deliver, m, desk, on=date(2026, 4, 29))
    m = step(wf.rereview_request, m, desk, on=date(2026, 5, 6))
    assert MatterWorkflow.objects.get(matter=m).rereview_due == date(2026, 6, 5)

    # 7. a hearing in 复核 (05-20 … 05-22) through the hearings services pauses the limit
    hearing = hs.hearing_schedule(
        actor=officer, matter=m, data=hearing_input(d, date(2026, 5, 20), date(2026, 5, 22))
    )
    hs.hearing_begin(actor=officer, hearing=hearing, on=date(2026, 5, 20))
    # while it is open, the re-review clock stands still: no warning, no overdue
    scan_clocks(date(2026, 6, 4), send=False)
    scan_clocks(date(2026, 6, 6), send=False)
    assert not ClockAlert.objects.filter(matter=m, clock=ClockKind.REREVIEW).exists()
    hs.hearing_conclude(
        actor=officer,
        hearing=hearing,
        record="双方陈述意见，听证员询问",
        conclusion="维持复查意见",
        on=date(2026, 5, 22),
    )
    hearing.refresh_from_db()
    assert hearing.status == HearingStatus.HELD
    assert MatterWorkflow.objects.get(matter=m).rereview_due == date(2026, 6, 8)
    scan_clocks(date(2026, 6, 8), send=False)  # its last day: still running
    assert not ClockAlert.objects.filter(matter=m, clock=ClockKind.REREVIEW, stage="overdue")
    scan_clocks(date(2026, 6, 9), send=False)
    overdue = ClockAlert.objects.filter(
        matter=m, clock=ClockKind.REREVIEW, stage=AlertStage.OVERDUE
    )
    assert [a.deadline for a in overdue] == [date(2026, 6, 8)]

    # 8. the report of 2026-03 … 06 counts the petition once, as the matter
    report = build_report(org=d.district, period=Period(date(2026, 3, 1), date(2026, 6, 30)))
    assert Registration.objects.count() == 1 and Matter.objects.count() == 1
    totals = report["totals"]
    assert (totals["batches"], totals["people"], totals["matters"]) == (1, 2, 1)
    assert report["meetings"]["held"] == 1 and report["meetings"]["assigned"] == 1
    assert report["hearings"]["by_stage"]["rereview"]["held"] == 1
    if "disputes" in report:  # B2 `disputes` (counting.prevention), added beside this test
        found = report["disputes"]
        assert (found["found"], found["escalated"], found["petitions"], found["settled"]) == (
            1,
            1,
            1,
            0,
        )

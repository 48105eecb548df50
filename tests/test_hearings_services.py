"""Hearings (听证): a re-review hearing pauses the limit (one rule with the workflow's steps),
hearings in handling and review, the refusals (Chinese, nothing written), who may hold one."""

from datetime import date

import pytest

from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.hearings import services as hs
from xinfang.hearings.choices import HearingStage, HearingStatus
from xinfang.hearings.models import Hearing, HearingParticipant
from xinfang.hearings.services import ParticipantInput
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf
from xinfang.workflow.clocks import ClockStatus, matter_clocks
from xinfang.workflow.models import MatterWorkflow
from xinfang.workflow.states import ClockKind

from .conftest import District
from .hearings_support import hearing_input, in_handling, under_rereview, under_review
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db

RECORD, CONCLUSION = "信访人陈述了诉求，住建局说明了处理依据。", "原处理意见正确，维持。"


def flow(m: Matter) -> MatterWorkflow:
    return MatterWorkflow.objects.get(matter=m)


def written() -> tuple[int, int, int]:
    return Hearing.objects.count(), HearingParticipant.objects.count(), AuditEvent.objects.count()


def test_a_rereview_hearing_over_a_weekend_and_the_national_day_pauses_the_limit(
    district: District,
) -> None:
    officer = district.users["officer"]
    m = under_rereview(district)
    # 复核 requested Mon 2025-09-22: 30 days → Wed 2025-10-22
    assert flow(m).rereview_due == date(2025, 10, 22)
    hearing = hs.hearing_schedule(
        actor=officer, matter=m, data=hearing_input(district, date(2025, 9, 30), date(2025, 10, 9))
    )
    assert (hearing.stage, hearing.status) == (HearingStage.REREVIEW, HearingStatus.PLANNED)
    assert flow(m).hearing_started_on is None  # planned: nothing paused yet
    hearing = hs.hearing_begin(actor=officer, hearing=hearing, on=date(2025, 9, 30))
    assert hearing.status == HearingStatus.IN_PROGRESS
    assert flow(m).hearing_started_on == date(2025, 9, 30)  # the one source of the pause
    hearing = hs.hearing_conclude(
        actor=officer, hearing=hearing, record=RECORD, conclusion=CONCLUSION, on=date(2025, 10, 9)
    )
    assert (hearing.status, hearing.starts_on, hearing.ends_on) == (
        HearingStatus.HELD,
        date(2025, 9, 30),
        date(2025, 10, 9),
    )
    assert flow(m).hearing_ended_on == date(2025, 10, 9)
    # counted by hand: Tue 09-30 .. Thu 10-09 are 10 days (the weekend and 国庆 1–8 inside),
    # not counted: 10-22 + 10 = Sat 11-01, not a working day → Mon 2025-11-03
    assert flow(m).rereview_due == date(2025, 11, 3)
    clocks = matter_clocks(fresh(m), date(2025, 10, 20))
    clock = next(c for c in clocks if c.kind == ClockKind.REREVIEW)
    assert (clock.deadline, clock.state) == (date(2025, 11, 3), ClockStatus.RUNNING)
    assert "不计入" in clock.note
    actions = list(
        AuditEvent.objects.filter(matter=m, action__startswith="hearing.").values_list(
            "action", flat=True
        )
    )
    assert actions == ["hearing.schedule", "hearing.record"]
    # the workflow wrote its own two steps, once each
    assert AuditEvent.objects.filter(matter=m, action="workflow.start_hearing").count() == 1
    assert AuditEvent.objects.filter(matter=m, action="workflow.end_hearing").count() == 1


def test_the_workflow_steps_open_and_close_the_hearing_record(district: District) -> None:
    officer = district.users["officer"]
    m = under_rereview(district)
    m = step(wf.hearing_start, m, officer, on=date(2025, 9, 30))
    hearing = Hearing.objects.get(matter=m)
    assert (hearing.stage, hearing.status, hearing.starts_on) == (
        HearingStage.REREVIEW,
        HearingStatus.IN_PROGRESS,
        date(2025, 9, 30),
    )
    clock = next(c for c in matter_clocks(m, date(2025, 10, 5)) if c.kind == ClockKind.REREVIEW)
    assert clock.state == ClockStatus.PAUSED
    m = step(wf.hearing_end, m, officer, on=date(2025, 10, 9))
    hearing.refresh_from_db()
    assert (hearing.status, hearing.ends_on) == (HearingStatus.HELD, date(2025, 10, 9))
    assert flow(m).rereview_due == date(2025, 11, 3)  # the same rule, the same day
    # the one hearing of 复核 is there: a second is refused, nothing written
    before = written()
    with pytest.raises(ConflictError, match="每件一次"):
        hs.hearing_schedule(
            actor=officer, matter=m, data=hearing_input(district, date(2025, 10, 10))
        )
    assert written() == before


def test_hearings_in_handling_and_review_pause_nothing(district: District) -> None:
    staff, officer = district.users["street_a_staff"], district.users["officer"]
    m = in_handling(district)
    deadline = fresh(m).handling_deadline
    held = hs.hearing_record(
        actor=staff,
        matter=m,
        data=hearing_input(district, date(2025, 8, 15), date(2025, 8, 16)),
        record=RECORD,
        conclusion=CONCLUSION,
    )
    assert (held.stage, held.status, held.ends_on) == ("handling", "held", date(2025, 8, 16))
    assert [p.get_role_display() for p in held.participants.all()] == [
        "信访人",
        "人大代表",
        "政协委员",
        "有关部门",
    ]
    assert fresh(m).handling_deadline == deadline
    r = under_review(district)
    review = hs.hearing_record(
        actor=officer,
        matter=r,
        data=hearing_input(district, date(2025, 9, 1)),
        record=RECORD,
        conclusion=CONCLUSION,
    )
    assert (review.stage, review.ends_on) == ("review", date(2025, 9, 1))
    assert MatterWorkflow.objects.get(matter=r).hearing_started_on is None


def test_refusals_are_chinese_and_write_nothing(district: District) -> None:
    officer = district.users["officer"]
    registered = new_matter(district)
    declined = new_matter(district)
    declined = step(
        wf.matter_decline, declined, officer, reason="不属于信访事项", on=date(2025, 8, 2)
    )
    final = under_rereview(district)
    final = step(wf.rereview_decide, final, officer, outcome="explained", on=date(2025, 10, 10))
    handling = in_handling(district)
    cases = [
        (final, hearing_input(district, date(2025, 10, 1)), "已终结，不能举行听证"),
        (registered, hearing_input(district, date(2025, 8, 5)), "只有办理中、复查中、复核中"),
        (declined, hearing_input(district, date(2025, 8, 5)), "「不予受理」"),
        (
            handling,
            hearing_input(district, date(2025, 8, 20), date(2025, 8, 19)),
            "不能早于听证日期",
        ),
    ]
    bad_role = hearing_input(district, date(2025, 8, 20))
    bad_role.participants = [ParticipantInput("旁听记者", "某某")]
    cases.append((handling, bad_role, "第1名参加人的身份「旁听记者」不是可选的身份"))
    no_place = hearing_input(district, date(2025, 8, 20))
    no_place.place = "  "
    cases.append((handling, no_place, "请填写听证地点"))
    nobody = hearing_input(district, date(2025, 8, 20))
    nobody.participants = []
    cases.append((handling, nobody, "请至少填写一名听证参加人"))
    before = written()
    for matter, data, message in cases:
        with pytest.raises((InputError, ConflictError), match=message):
            hs.hearing_schedule(actor=officer, matter=matter, data=data)
        with pytest.raises((InputError, ConflictError), match=message):
            hs.hearing_record(
                actor=officer, matter=matter, data=data, record=RECORD, conclusion=CONCLUSION
            )
    with pytest.raises(InputError, match="请填写听证结论"):
        hs.hearing_record(
            actor=officer,
            matter=handling,
            data=hearing_input(district, date(2025, 8, 20)),
            record=RECORD,
            conclusion=" ",
        )
    with pytest.raises(InputError, match="不能晚于今天"):
        hs.hearing_record(
            actor=officer,
            matter=handling,
            data=hearing_input(district, date(2999, 1, 1)),
            record=RECORD,
            conclusion=CONCLUSION,
        )
    assert written() == before


def test_a_rereview_hearing_ending_before_it_began_is_refused_and_nothing_moves(
    district: District,
) -> None:
    officer = district.users["officer"]
    m = under_rereview(district)
    hearing = hs.hearing_schedule(
        actor=officer, matter=m, data=hearing_input(district, date(2025, 9, 30))
    )
    hearing = hs.hearing_begin(actor=officer, hearing=hearing, on=date(2025, 9, 30))
    version = fresh(m).version
    with pytest.raises(InputError, match="不能早于听证日期"):
        hs.hearing_conclude(
            actor=officer,
            hearing=hearing,
            record=RECORD,
            conclusion=CONCLUSION,
            on=date(2025, 9, 29),
        )
    assert fresh(m).version == version
    assert flow(m).hearing_ended_on is None
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.IN_PROGRESS


def test_who_may_hold_a_hearing(district: District) -> None:
    u = district.users
    handling = in_handling(district)
    data = hearing_input(district, date(2025, 8, 20))
    review = under_review(district)
    before = written()
    for who, message in [
        ("street_b_staff", "您无权处理该事项"),  # not its area, not assigned to it
        ("housing_staff", "您无权处理该事项"),
        ("supervisor", "您没有举行听证的权限"),  # 督查 reads
        ("leader", "您没有举行听证的权限"),
        ("registrar", "您没有举行听证的权限"),
    ]:
        with pytest.raises(PermissionRefusedError, match=message):
            hs.hearing_schedule(actor=u[who], matter=handling, data=data)
    # the handling unit holds hearings in 办理 only; review and re-review are the bureau's
    with pytest.raises(PermissionRefusedError, match="承办单位只能"):
        hs.hearing_schedule(
            actor=u["street_a_staff"], matter=review, data=hearing_input(district, date(2025, 9, 1))
        )
    assert written() == before
    assert hs.hearing_schedule(actor=u["street_a_staff"], matter=handling, data=data).pk
    assert hs.hearing_schedule(actor=u["officer"], matter=handling, data=data).pk

"""A new arrival of an existing matter: joins it while live, is told the decision when declined or
sorted by law, and is recorded but refused once the matter is final (《信访工作条例》第三十六条)."""

from datetime import date, datetime

import pytest

from xinfang.core.errors import InputError
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Channel, Level, Purpose
from xinfang.intake.models import Matter, Petitioner, Registration, RegistrationOutcome
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create
from xinfang.workflow import services as wf
from xinfang.workflow.models import Assignment, MatterWorkflow
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.transitions import LegalChannel

from .conftest import TZ, District, register
from .views_support import client_for
from .workflow_support import events, fresh, new_matter, step

pytestmark = pytest.mark.django_db


def again(district: District, matter: Matter) -> Registration:
    """The same person comes back about the same matter, by letter, on 2026-03-20."""
    register(
        district,
        locality=district.street_a,
        channel=Channel.LETTER,
        when=datetime(2026, 3, 20, 10, tzinfo=TZ),
        matter=matter,
    )
    registration = Registration.objects.filter(matter=matter).order_by("-id").first()
    assert registration is not None
    return registration


def clocks(matter: Matter) -> tuple[object, ...]:
    m = fresh(matter)
    flow = MatterWorkflow.objects.filter(matter=m).first()
    assignments = list(Assignment.objects.filter(matter=m).values_list("due", "return_due"))
    return (
        m.status,
        m.decided_on,
        m.handling_deadline,
        m.extended_to,
        m.responsible_unit_id,
        assignments,
        flow.review_request_due if flow else None,
        flow.final_on if flow else None,
    )


def creation_event(registration: Registration) -> AuditEvent:
    return AuditEvent.objects.get(action="registration.create", object_id=str(registration.pk))


def test_a_new_matter_is_marked_new(district: District) -> None:
    m = new_matter(district)
    registration = Registration.objects.get(matter=m)
    assert registration.outcome == RegistrationOutcome.NEW and registration.outcome_note == ""
    assert creation_event(registration).data["outcome"] == "new"


def test_a_live_matter_takes_the_repeat_and_keeps_its_clocks(district: District) -> None:
    officer, staff = district.users["officer"], district.users["street_a_staff"]
    m = new_matter(district, received=date(2026, 3, 2))
    m = step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2026, 3, 3))
    m = step(wf.assignment_receive, m, staff, on=date(2026, 3, 4))
    before, version = clocks(m), fresh(m).version
    workflow_events = len(events(m))

    registration = register(
        district,
        locality=district.street_b,  # what the new arrival says does not move the unit
        channel=Channel.VISIT,
        when=datetime(2026, 3, 20, 10, tzinfo=TZ),
        matter=m,
    ).registrations.order_by("-id")[0]

    assert registration.outcome == RegistrationOutcome.JOINED
    assert registration.outcome_note == "" and not registration.is_first
    assert clocks(m) == before  # no clock restarted, none duplicated
    assert Assignment.objects.filter(matter=m).count() == 1
    assert len(events(m)) == workflow_events  # a repeat is not a workflow step
    after = fresh(m)
    assert after.status == MatterStatus.IN_HANDLING
    assert after.registration_count == 2 and after.last_received_on == date(2026, 3, 20)
    assert after.version == version + 1  # the summary changed: one version, the matter's lock
    assert Matter.objects.count() == 1
    assert creation_event(registration).data["outcome"] == "joined"


def test_a_higher_level_arrival_of_an_accepted_matter_joins_it(district: District) -> None:
    """Brief §4: accepted and within its limit, it is not accepted again by a higher level."""
    m = new_matter(district, received=date(2026, 3, 2))
    m = step(wf.matter_accept, m, district.users["officer"], on=date(2026, 3, 3))
    before = clocks(m)
    assert before[2] == date(2026, 5, 6)  # 3 Mar + 60 = 2 May, in 劳动节 (1–5 May) → 6 May
    registration = registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=Channel.VISIT,
            level=Level.PROVINCIAL,  # 赴省: passed down with the province's date
            received_at=datetime(2026, 3, 25, 9, tzinfo=TZ),
            content="反映小区物业管理问题",
            petitioner=PersonInput(name="王小明", phone="13800138000"),
        ),
        matter=m,
    )
    assert registration.outcome == RegistrationOutcome.JOINED and registration.level == "provincial"
    assert clocks(m) == before
    assert Matter.objects.count() == 1


def test_a_final_matter_records_the_same_facts_but_refuses_them(district: District) -> None:
    officer, staff, desk = (
        district.users["officer"],
        district.users["street_a_staff"],
        district.users["registrar"],
    )
    m = new_matter(district, received=date(2025, 8, 1))
    m = step(wf.matter_assign, m, officer, unit=district.street_a, on=date(2025, 8, 5))
    m = step(wf.assignment_receive, m, staff, on=date(2025, 8, 6))
    m = step(wf.reply_issue, m, staff, outcome="not_supported", on=date(2025, 9, 1))
    m = step(wf.reply_deliver, m, desk, on=date(2025, 9, 2))
    m = step(wf.review_request, m, desk, on=date(2025, 9, 10))
    m = step(wf.review_decide, m, officer, outcome="explained", on=date(2025, 9, 30))
    m = step(wf.review_deliver, m, desk, on=date(2025, 10, 9))
    m = step(wf.rereview_request, m, desk, on=date(2025, 10, 20))
    m = step(wf.rereview_decide, m, officer, outcome="explained", on=date(2025, 11, 10))
    assert m.status == MatterStatus.FINAL
    before, count = clocks(m), len(events(m))

    registration = register(
        district,
        locality=district.street_a,
        when=datetime(2026, 3, 20, 10, tzinfo=TZ),
        matter=m,
    ).registrations.order_by("-id")[0]

    assert registration.outcome == RegistrationOutcome.REFUSED
    assert "第三十六条" in registration.outcome_note
    assert "2025年11月10日" in registration.outcome_note
    assert "同一事实和理由" in registration.outcome_note and "不再受理" in registration.outcome_note
    # recorded: it counts as a batch of the matter; refused: nothing of the matter moves
    after = fresh(m)
    assert after.registration_count == 2 and after.last_received_on == date(2026, 3, 20)
    assert clocks(m) == before and after.status == MatterStatus.FINAL
    assert len(events(m)) == count
    event = creation_event(registration)
    assert event.data["outcome"] == "refused"
    assert event.data["note"] == registration.outcome_note
    assert event.matter_id == m.pk
    # the matter page shows every reader the refused registration and its reason
    html = client_for(district, "officer").get(f"/intake/matters/{m.pk}/").content.decode()
    assert "已终结，登记但不予受理" in html and registration.outcome_note in html


def test_a_matter_final_by_an_unused_window_refuses_without_citing_re_review(
    district: District,
) -> None:
    officer, desk = district.users["officer"], district.users["registrar"]
    m = new_matter(district, received=date(2025, 8, 1))
    m = step(wf.matter_accept, m, officer, on=date(2025, 8, 4))
    m = step(wf.reply_issue, m, officer, outcome="supported", on=date(2025, 8, 20))
    m = step(wf.reply_deliver, m, desk, on=date(2025, 9, 1))
    m = step(wf.matter_finalise, m, officer, on=date(2025, 10, 10))
    registration = again(district, m)
    assert registration.outcome == RegistrationOutcome.REFUSED
    assert "2025年10月10日已终结" in registration.outcome_note
    assert "未在规定期限内" in registration.outcome_note
    assert "第三十六条" not in registration.outcome_note  # no re-review took place
    assert fresh(m).status == MatterStatus.FINAL


def test_a_declined_matter_takes_the_repeat_with_its_decision(district: District) -> None:
    m = new_matter(district, received=date(2026, 3, 2))
    m = step(
        wf.matter_decline,
        m,
        district.users["officer"],
        reason="反映的事项已由人民法院判决",
        on=date(2026, 3, 5),
    )
    registration = again(district, m)
    assert registration.outcome == RegistrationOutcome.TOLD
    assert "2026年3月5日已决定不予受理" in registration.outcome_note
    assert "反映的事项已由人民法院判决" in registration.outcome_note
    assert "新事项" in registration.outcome_note
    assert fresh(m).status == MatterStatus.DECLINED


def test_a_legally_channelled_matter_takes_the_repeat_and_names_the_channel(
    district: District,
) -> None:
    m = new_matter(district, received=date(2026, 3, 2))
    m = step(
        wf.matter_sort_by_law,
        m,
        district.users["officer"],
        channel=LegalChannel.ARBITRATION,
        on=date(2026, 3, 6),
    )
    registration = again(district, m)
    assert registration.outcome == RegistrationOutcome.TOLD
    assert "依法分类处理" in registration.outcome_note and "仲裁" in registration.outcome_note
    assert fresh(m).status == MatterStatus.LEGAL_CHANNEL


def test_an_unused_review_window_refuses_before_anyone_presses_final(district: District) -> None:
    officer, desk = district.users["officer"], district.users["registrar"]
    m = new_matter(district, received=date(2025, 8, 1))
    m = step(wf.matter_accept, m, officer, on=date(2025, 8, 4))
    m = step(wf.reply_issue, m, officer, outcome="supported", on=date(2025, 8, 20))
    m = step(wf.reply_deliver, m, desk, on=date(2025, 9, 1))
    due = MatterWorkflow.objects.get(matter=m).review_request_due
    assert due == date(2025, 10, 9)  # 1 Oct + 30 falls in National Day: the next working day
    registration = again(district, m)  # 2026-03-20, long after the window
    assert registration.outcome == RegistrationOutcome.REFUSED
    assert "申请复查期限已于2025年10月9日届满" in registration.outcome_note
    assert fresh(m).status == MatterStatus.REPLIED  # recorded and refused; nothing moved


def test_within_the_review_window_a_repeat_still_joins(district: District) -> None:
    officer, desk = district.users["officer"], district.users["registrar"]
    m = new_matter(district, received=date(2026, 1, 5))
    m = step(wf.matter_accept, m, officer, on=date(2026, 1, 6))
    m = step(wf.reply_issue, m, officer, outcome="supported", on=date(2026, 2, 10))
    m = step(wf.reply_deliver, m, desk, on=date(2026, 3, 2))
    assert again(district, m).outcome == RegistrationOutcome.JOINED  # 20 Mar, window to 1 Apr


def test_an_accusation_never_joins_an_ordinary_matter(district: District) -> None:
    m = new_matter(district)
    m = step(
        wf.matter_assign, m, district.users["officer"], unit=district.street_a, on=date(2025, 8, 4)
    )
    count = Registration.objects.count()
    with pytest.raises(InputError, match="检举控告须另行登记为新事项"):
        register(district, locality=district.street_a, purpose=Purpose.ACCUSATION, matter=m)
    assert Registration.objects.count() == count
    assert fresh(m).purpose != Purpose.ACCUSATION
    # an accusation about an accusation matter joins as any repeat does
    a = new_matter(district, purpose=Purpose.ACCUSATION)
    again_a = register(district, locality=district.street_a, purpose=Purpose.ACCUSATION, matter=a)
    assert again_a.registration_count == 2


def test_a_repeat_by_name_alone_is_the_person_already_on_the_chosen_matter(
    district: District,
) -> None:
    m = register(district, locality=district.street_a, name="万慧", phone="13800001111")
    again_m = register(district, locality=district.street_a, name="万慧", phone="", matter=m)
    people = {r.petitioner_id for r in again_m.registrations.all()}
    assert len(people) == 1  # the registrar picked her matter: she is not a second 万慧
    # a different phone says it is someone else of the same name
    other = register(
        district, locality=district.street_a, name="万慧", phone="13900002222", matter=m
    )
    assert len({r.petitioner_id for r in other.registrations.all()}) == 2
    # and with no matter chosen, a name alone still merges nobody
    register(district, locality=district.street_a, name="万慧", phone="")
    assert Petitioner.objects.filter(name="万慧").count() == 3

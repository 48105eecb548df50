"""Trust, item 4: steps entered late (补录, by a 督查's approval) are counted where the work is
judged — the report of the period they were entered in, and the unit's 季考评 — besides the
work queue's mark. Figures counted by hand from the three matters below."""

from datetime import date

import pytest

from xinfang.analytics.assessment import Quarter, build_assessment, render_assessment_text
from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Period
from xinfang.analytics.text import render_text
from xinfang.workflow import entry
from xinfang.workflow import services as wf

from .conftest import District
from .test_trust_dates import _recording_history, _today, fresh, received  # noqa: F401

pytestmark = pytest.mark.django_db

Q4 = Period(date(2026, 10, 1), date(2026, 12, 31))


def _late(district: District) -> None:
    """东风街道 enters two steps late on one matter (each approved), one step in the window on
    another; a third matter's steps are history recorded by the set-up, not late entries."""
    u = district.users
    staff, sup = u["street_a_staff"], u["supervisor"]
    m = received(district, on=date(2026, 10, 10), assigned=date(2026, 10, 9))
    for step, day in (("record_handling", date(2026, 11, 20)), ("reply", date(2026, 11, 25))):
        entry.backdate_approve(
            actor=sup, matter=m, version=fresh(m).version, step=step, reason="补登", on=day
        )
    m = wf.handling_record(
        actor=staff, matter=m, version=fresh(m).version, notes="走访", on=date(2026, 11, 20)
    )
    wf.reply_issue(
        actor=staff, matter=m, version=m.version, outcome="supported", on=date(2026, 11, 25)
    )
    other = received(district, on=date(2026, 10, 12), assigned=date(2026, 10, 12))
    wf.handling_record(
        actor=staff, matter=other, version=other.version, notes="约谈", on=date(2026, 12, 3)
    )
    received(district, on=date(2026, 10, 14), assigned=date(2026, 10, 13))


def test_the_report_counts_the_late_entries_of_the_period_they_were_entered_in(
    district: District,
) -> None:
    _late(district)
    report = build_report(org=district.district, period=Q4)
    assert report["late_entries"] == 2
    assert "补录的办理步骤2个（早于补录期限、经督查批准的，" in render_text(report)
    # typed in November, entered in December: not November's
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert build_report(org=district.district, period=november)["late_entries"] == 0
    # another street's report has none of them
    assert build_report(org=district.street_b, period=Q4)["late_entries"] == 0
    assert "补录" not in render_text(build_report(org=district.street_b, period=Q4))


def test_the_quarterly_assessment_shows_each_units_late_entries(district: District) -> None:
    _late(district)
    result = build_assessment(org=district.district, quarter=Quarter(2026, 4))
    late = {row["unit"]: row["late_entries"] for row in result["units"]}
    assert late[district.street_a.code] == 2
    assert set(late.values()) - {0} == {2}  # nobody else entered late
    assert "补录办理步骤2个" in render_assessment_text(result)


def test_a_day_in_the_window_that_meets_a_deadline_passed_at_entry_is_a_late_entry(
    district: District,
) -> None:
    """Hole E: the 办理期限 passed on Friday 4 December; a reply entered on Monday 7 December
    and typed 4 December (in the 3-working-day window) turned the overdue clock into 按期完成
    with no mark. It is a late entry (补录) now, flagged in the queue, the report and 季考评."""
    from xinfang.workflow.clocks import ClockStatus, matter_clocks
    from xinfang.workflow.models import Assignment
    from xinfang.workflow.selectors import queues_for

    from .test_trust_dates import TODAY, last_event

    staff = district.users["street_a_staff"]
    late = received(district, on=date(2026, 10, 6), assigned=date(2026, 10, 5))
    in_time = received(district, on=date(2026, 10, 12), assigned=date(2026, 10, 9))
    assert Assignment.objects.get(matter=late).due == date(2026, 12, 4)
    assert Assignment.objects.get(matter=in_time).due == date(2026, 12, 8)
    handle = next(c for c in matter_clocks(late, TODAY) if c.kind == "handle")
    assert handle.state == ClockStatus.OVERDUE

    # a step that does not meet the clock, typed before its deadline: no mark
    late = wf.handling_record(
        actor=staff, matter=late, version=late.version, notes="走访", on=date(2026, 12, 3)
    )
    assert "late_entry" not in last_event(late).data
    # the reply typed on the last day of the 办理期限, entered three days after it
    late = wf.reply_issue(
        actor=staff, matter=late, version=late.version, outcome="supported", on=date(2026, 12, 4)
    )
    data = last_event(late).data
    assert data["on"] == "2026-12-04" and data["entered_on"] == "2026-12-07"
    assert data["late_entry"] is True
    assert data["met_after_deadline"] == [
        {"clock": "handle", "label": "办理期限", "unit": "东风街道", "deadline": "2026-12-04"}
    ]
    assert "_deadlines_at_stake" not in data
    # a reply typed the same day on a matter whose deadline has not passed: no mark
    in_time = wf.reply_issue(
        actor=staff, matter=in_time, version=in_time.version, outcome="supported",
        on=date(2026, 12, 4),
    )  # fmt: skip
    assert "late_entry" not in last_event(in_time).data

    waiting = next(q for q in queues_for(district.users["registrar"], TODAY) if q.title == "待送达")
    rows = [r for r in waiting.rows if hasattr(r, "matter")]
    flags = {r.matter.pk: r.late_entry for r in rows}  # type: ignore[union-attr]
    assert flags.get(late.pk) is True and flags.get(in_time.pk) is not True
    assert build_report(org=district.district, period=Q4)["late_entries"] == 1
    result = build_assessment(org=district.district, quarter=Quarter(2026, 4))
    late_by_unit = {row["unit"]: row["late_entries"] for row in result["units"]}
    assert late_by_unit[district.street_a.code] == 1


def test_a_return_typed_in_its_window_but_entered_after_it_is_a_late_entry(
    district: District,
) -> None:
    """The 退回期限 ended Friday 4 December unused; a 退回 entered Monday 7 December and typed
    4 December goes through (the day is in the backdating window) as a late entry, and the
    matter's history says which deadline had passed."""
    from xinfang.workflow.models import Assignment
    from xinfang.workflow.timeline import event_details

    from .test_trust_dates import last_event

    m = received(district, on=date(2026, 11, 27), assigned=date(2026, 11, 26))
    assert Assignment.objects.get(matter=m).return_due == date(2026, 12, 4)
    m = wf.assignment_return(
        actor=district.users["street_a_staff"],
        matter=m,
        version=m.version,
        reason="非本单位职责",
        on=date(2026, 12, 4),
    )
    event = last_event(m)
    assert event.data["late_entry"] is True
    assert [c["clock"] for c in event.data["met_after_deadline"]] == ["return"]
    assert ("补录", "2026-12-07录入，退回期限（2026-12-04）录入时已过") in event_details(event)


def test_a_packaged_matter_resolved_in_the_window_after_its_deadline_is_a_late_entry(
    district: District,
) -> None:
    """The 包案办结时限 passed on Friday 4 December; a 化解 entered on Monday 7 December and typed
    4 December closed the package "on time". The package closes with the 化解, so the entry is a
    late entry (补录) naming the package's clock; one typed the same day on a package whose time
    has not passed is not."""
    from xinfang.leaders import services as leaders
    from xinfang.leaders.choices import LeaderTier
    from xinfang.leaders.models import Leader, Package
    from xinfang.workflow import supervision as sv

    from .test_trust_dates import last_event

    u = district.users
    chief = Leader.objects.create(
        name="张书记", post="区委书记", tier=LeaderTier.PRINCIPAL, unit=district.district
    )
    late = received(district, on=date(2026, 10, 6), assigned=date(2026, 10, 5))
    in_time = received(district, on=date(2026, 10, 12), assigned=date(2026, 10, 9))
    packages = {}
    for m, deadline in ((late, date(2026, 12, 4)), (in_time, date(2026, 12, 8))):
        packages[m.pk] = leaders.package_open(
            actor=u["officer"],
            data=leaders.PackageInput(
                matters=[m],
                leader=chief,
                deadline=deadline,
                responsible_unit=district.street_a,
                responsible_person="东风街道 周科长",
                supervising_unit=district.district,
                requirements="一个月内拿出方案并答复信访人",
                started_on=date(2026, 11, 2),
            ),
        )
    for m in (late, in_time):
        m = fresh(m)
        sv.matter_resolve(actor=u["leader"], matter=m, version=m.version, on=date(2026, 12, 4))
        assert Package.objects.get(pk=packages[m.pk].pk).resolved_on == date(2026, 12, 4)
    data = last_event(late).data
    assert data["on"] == "2026-12-04" and data["entered_on"] == "2026-12-07"
    assert data["late_entry"] is True
    assert data["met_after_deadline"] == [
        {"clock": "package", "label": "包案办结时限", "unit": "东风街道", "deadline": "2026-12-04"}
    ]
    assert "late_entry" not in last_event(in_time).data

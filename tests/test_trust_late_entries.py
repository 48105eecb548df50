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
    assert "经督查批准补录（早于补录期限登记）的办理步骤2个。" in render_text(report)
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
    assert "经督查批准补录办理步骤2个" in render_assessment_text(result)

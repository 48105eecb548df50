"""Contract B, rule by rule: every figure comes from rows imported through the ledger importer."""

import random
from datetime import date, datetime
from pathlib import Path

import pytest
from django.conf import LazySettings

from tests.analytics_support import Ledger, report, row_of
from tests.conftest import TZ, District, register
from xinfang.analytics.counting import (
    ReportBuilder,
    monthly_totals,
    unit_at_end,
)
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.selectors import unlocated_root_id
from xinfang.organisation.services import unit_create
from xinfang.workflow import services as wf
from xinfang.workflow.calendar import CalendarMissingError, current_calendar, next_working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> Ledger:
    return Ledger(tmp_path)


def test_a_registration_counts_in_the_period_it_was_received(ledger: Ledger) -> None:
    ledger.add("2023-12-31", 人数=7, 形式="集体访")
    ledger.add("2024-01-01", 人数=2)
    ledger.add("2024-03-31 23:59", 人数=3)
    ledger.add("2024-04-01")
    ledger.add("2023-01-01", 人数=4)  # first day of the same days a year earlier
    ledger.add("2023-04-01")
    ledger.load()
    rep = report("320101", "2024-01-01", "2024-03-31")
    assert (rep["totals"]["batches"], rep["totals"]["people"]) == (2, 5)
    assert rep["previous_period"] == {"start": "2023-01-01", "end": "2023-03-31"}
    assert rep["totals"]["previous"]["batches"] == 1
    assert rep["totals"]["previous"]["people"] == 4
    assert rep["totals"]["change"] == {
        "batches": "上升100.0%",
        "people": "上升25.0%",
        "matters": "上升100.0%",
        "first_matters": "上升100.0%",
    }


def test_belonging_follows_the_locality_down_the_tree(ledger: Ledger) -> None:
    ledger.add("2024-02-01", locality="3201010101")  # a community in 东风街道
    ledger.add("2024-02-02", locality="32010101", 人数=2)
    ledger.add("2024-02-03", locality="32010102", 人数=3)
    ledger.add("2024-02-04", locality="320101", 人数=4)  # the district itself
    ledger.add("2024-02-05", locality="", 人数=5)  # no 问题属地: the root's
    ledger.load()

    def people(code: str) -> int:
        return int(report(code, "2024-02-01", "2024-02-29")["totals"]["people"])

    assert people("32010101") == 3
    assert people("32010102") == 3
    assert people("3201010101") == 1
    assert people("320101") == 10
    assert people("3201") == 15  # the root counts what has no locality
    localities = report("320101", "2024-02-01", "2024-02-29")["breakdowns"]["locality"]
    assert [(r["locality"], r["people"]) for r in localities] == [
        ("320101", 4),
        ("32010101", 3),
        ("32010102", 3),
    ]


def test_a_matter_belongs_to_its_first_registration_and_is_first_time_once(
    ledger: Ledger,
) -> None:
    ledger.add("2023-12-20", locality="32010101", 事项编号="M1")
    ledger.add("2024-01-10", locality="32010102", 事项编号="M1")  # a repeat, elsewhere
    ledger.add("2024-01-11", locality="32010102", 事项编号="M2")
    ledger.add("2024-01-20", locality="32010102", 事项编号="M2")
    ledger.load()
    east = report("32010101", "2024-01-01", "2024-01-31")["totals"]
    west = report("32010102", "2024-01-01", "2024-01-31")["totals"]
    assert (east["batches"], east["matters"], east["first_matters"]) == (0, 1, 0)
    assert (west["batches"], west["matters"], west["first_matters"]) == (3, 1, 1)


def test_acceptance_counts_where_its_deadline_falls_moved_by_the_holiday(ledger: Ledger) -> None:
    # 2024-01-27 + 15 = 2024-02-11, in the Spring Festival holiday: the limit moves to the
    # swapped working day 2024-02-18 (a Sunday), the day this one was decided.
    assert next_working_day(date(2024, 2, 11)) == date(2024, 2, 18)
    ledger.add("2024-01-27", 处理方式="受理", 处理日期="2024-02-18")
    # 2024-01-20 + 15 = 2024-02-04, a Sunday that is a working day in 2024: not moved.
    ledger.add("2024-01-20", 处理方式="受理", 处理日期="2024-02-05")
    # due 2024-02-16 -> 2024-02-18 as well, never decided
    ledger.add("2024-02-01")
    ledger.load()
    january = report("320101", "2024-01-01", "2024-01-31")
    assert january["rates"]["timely_acceptance"] == {"num": 0, "den": 0, "pct": "0.0"}
    february = report("320101", "2024-02-01", "2024-02-29")
    assert february["rates"]["timely_acceptance"] == {"num": 1, "den": 3, "pct": "33.3"}
    # the deadline is the 18th: a report ending on the 17th does not see these items yet
    assert report("320101", "2024-02-01", "2024-02-17")["rates"]["timely_acceptance"]["den"] == 1
    # a period that begins inside the holiday still holds the items whose base day falls before
    # it (02-11 moves to 02-18); 02-04 is in an earlier period
    assert report("320101", "2024-02-15", "2024-02-29")["rates"]["timely_acceptance"] == {
        "num": 1,
        "den": 2,
        "pct": "50.0",
    }
    assert report("320101", "2024-02-01", "2024-02-10")["rates"]["timely_acceptance"]["den"] == 1


def test_handling_deadline_is_extension_then_limit_then_decision_plus_60(ledger: Ledger) -> None:
    # decided 2024-03-01: + 60 = 2024-04-30, a working day
    ledger.add("2024-02-20", 处理方式="交办", 处理日期="2024-03-01", 答复日期="2024-04-30")
    ledger.add("2024-02-21", 处理方式="转送", 处理日期="2024-03-01", 答复日期="2024-05-06")
    ledger.add(
        "2024-02-22",
        处理方式="受理",
        处理日期="2024-03-01",
        办理期限="2024-04-30",
        延期至="2024-05-30",
        答复日期="2024-05-20",
    )
    ledger.add("2024-02-23", 处理方式="受理", 处理日期="2024-03-01", 办理期限="2024-04-10")
    ledger.add("2024-02-24", 处理方式="不予受理", 处理日期="2024-03-01")  # not a handling item
    ledger.load()
    april = report("320101", "2024-04-01", "2024-04-30")["rates"]["on_time_reply"]
    assert april == {"num": 1, "den": 3, "pct": "33.3"}
    may = report("320101", "2024-05-01", "2024-05-31")["rates"]["on_time_reply"]
    assert may == {"num": 1, "den": 1, "pct": "100.0"}


def test_a_handling_deadline_given_without_a_decision_date_still_counts(ledger: Ledger) -> None:
    # contract B: the deadline is 办理期限 when given, whatever 处理日期 says (here nothing)
    ledger.add("2024-02-20", 处理方式="受理", 办理期限="2024-04-10", 答复日期="2024-04-08")
    ledger.add("2024-02-21", 处理方式="交办", 办理期限="2024-04-12")
    ledger.load()
    april = report("320101", "2024-04-01", "2024-04-30")["rates"]["on_time_reply"]
    assert april == {"num": 1, "den": 2, "pct": "50.0"}


def test_supervision_deadline_on_a_holiday_moves_to_the_next_working_day(ledger: Ledger) -> None:
    facts = {"督办级别": "中央", "督办日期": "2024-04-01", "督办期限": "2024-05-01"}
    ledger.add("2024-03-01", 化解日期="2024-05-06", **facts)  # 05-01..05 holiday: due 05-06
    ledger.add("2024-03-02", 化解日期="2024-05-07", **facts)
    ledger.load()
    law = report("320101", "2024-05-01", "2024-05-31")["rule_of_law"]
    assert (law["supervision"]["num"], law["supervision"]["den"]) == (1, 2)
    assert law["supervision"]["score"] == "0.400"


def test_nothing_dated_after_the_end_of_the_period_counts(ledger: Ledger) -> None:
    ledger.add(
        "2024-03-01",
        处理方式="受理",
        处理日期="2024-03-05",
        答复日期="2024-03-20",
        评价="满意",
        评价日期="2024-04-02",  # evaluated after March
        包案领导="王区长",
        包案日期="2024-03-10",
        化解日期="2024-04-01",  # resolved after March
    )
    ledger.add("2024-03-02", 包案领导="王区长", 包案日期="2024-04-01")  # begun after March
    ledger.add("2024-04-01")
    ledger.load()
    before = report("320101", "2024-03-01", "2024-03-31")
    rates = before["rates"]
    assert rates["evaluation_participation"] == {"num": 0, "den": 1, "pct": "0.0"}
    assert rates["package_resolution"] == {"num": 0, "den": 1, "pct": "0.0"}
    assert before["totals"]["batches"] == 2
    ledger.add("2024-06-01", 处理方式="受理", 处理日期="2024-06-02")  # later facts change nothing
    ledger.load()
    assert report("320101", "2024-03-01", "2024-03-31") == before
    april = report("320101", "2024-03-01", "2024-04-30")["rates"]
    assert april["evaluation_participation"] == {"num": 1, "den": 1, "pct": "100.0"}
    assert april["satisfaction"] == {"num": 1, "den": 1, "pct": "100.0"}
    assert april["package_resolution"] == {"num": 1, "den": 2, "pct": "50.0"}


def test_change_strings_new_flat_down_and_rounding_half_up(ledger: Ledger) -> None:
    for day in ("2023-05-02", "2023-05-03", "2023-05-04"):
        ledger.add(day, 渠道="来信")
    ledger.add("2024-05-02", 渠道="来信")
    ledger.add("2024-05-02", 渠道="网上")
    ledger.add("2024-05-03", 渠道="来电")
    ledger.add("2023-05-03", 渠道="来电")
    ledger.load()
    rep = report("320101", "2024-05-01", "2024-05-31")
    assert row_of(rep, "channel", channel="letter")["change"]["batches"] == "下降66.7%"
    assert row_of(rep, "channel", channel="online")["change"]["batches"] == "新增"
    assert row_of(rep, "channel", channel="phone")["change"]["batches"] == "持平"
    assert row_of(rep, "channel", channel="visit")["change"]["batches"] == "持平"  # 0 and 0


def test_percentages_and_scores_round_half_up() -> None:
    from decimal import Decimal

    from xinfang.analytics.figures import change, pct, weighted_score

    assert pct(1, 2000) == "0.1"  # 0.05 -> 0.1 (half up, not to even)
    assert pct(1, 16) == "6.3"  # 6.25
    assert pct(3, 8) == "37.5"
    assert pct(0, 0) == "0.0"
    assert change(2001, 2000) == "上升0.1%"  # 0.05%
    assert change(1999, 2000) == "下降0.1%"
    assert change(17, 16) == "上升6.3%"  # 6.25%
    assert weighted_score(1, 16, Decimal("1")) == Decimal("0.063")  # 0.0625
    assert weighted_score(1, 8, Decimal("0.5")) == Decimal("0.063")
    assert weighted_score(0, 0, Decimal("1.2")) == Decimal("0.000")


def test_rule_of_law_zero_denominators_and_weights_from_settings(
    ledger: Ledger, settings: LazySettings
) -> None:
    ledger.add("2024-03-01", 处理方式="受理", 处理日期="2024-03-04")  # due 03-16 -> 03-18
    ledger.load()
    law = report("320101", "2024-03-01", "2024-03-31")["rule_of_law"]
    assert law["acceptance"] == {"num": 1, "den": 1, "weight": 1.2, "score": "1.200"}
    for part in ("handling", "supervision"):
        assert law[part]["den"] == 0 and law[part]["score"] == "0.000"
        assert law[part]["zero_denominator"] is True
    assert law["total"] == "1.200"
    settings.XINFANG = settings.XINFANG | {"RULE_OF_LAW_WEIGHTS": (1.5, 0.25, 0.25)}
    law = report("320101", "2024-03-01", "2024-03-31")["rule_of_law"]
    assert law["acceptance"]["weight"] == 1.5 and law["total"] == "1.500"


def test_siblings_are_ranked_with_ties_sharing_the_better_place(
    district: District, ledger: Ledger
) -> None:
    for code, name in (("320102", "乙区"), ("320103", "丙区"), ("320104", "丁区")):
        unit_create(code=code, name=name, kind=UnitKind.DISTRICT, parent=district.city)
    people = {"320101": 3, "320102": 5, "320103": 3, "320104": 1}
    for code, n in people.items():
        ledger.add("2024-06-03", locality=code, 人数=n, 层级="进京", 形式="个访")
    ledger.add("2024-06-04", locality="320104", 渠道="来信")
    ledger.load()
    ours = report("320101", "2024-06-01", "2024-06-30")
    assert ours["totals"]["rank"] == {"batches": [2, 4], "people": [2, 4]}
    national = row_of(ours, "channel,level", channel="visit", level="national")
    assert national["rank"] == {"batches": [1, 4], "people": [2, 4]}
    assert report("320103", "2024-06-01", "2024-06-30")["totals"]["rank"]["people"] == [2, 4]
    last = report("320104", "2024-06-01", "2024-06-30")
    assert last["totals"]["rank"] == {"batches": [1, 4], "people": [4, 4]}
    assert "rank" not in report("3201", "2024-06-01", "2024-06-30")["totals"]  # the root


def test_unit_breakdown_is_the_handling_unit_of_the_matter(ledger: Ledger) -> None:
    ledger.add("2024-07-01", 责任单位="32010190", 事项编号="U1")
    ledger.add("2024-07-02", 事项编号="U1")
    ledger.add("2024-07-03")
    ledger.load()
    units = report("320101", "2024-07-01", "2024-07-31")["breakdowns"]["unit"]
    assert [(r["unit"], r["batches"]) for r in units] == [("32010190", 2), (None, 1)]


def test_a_year_missing_from_the_calendar_is_said_not_guessed(district: District) -> None:
    missing = max(current_calendar().years) + 1
    with pytest.raises(CalendarMissingError) as caught:
        report("320101", f"{missing}-01-01", f"{missing}-03-31")
    assert f"{missing}年的节假日安排尚未录入" in caught.value.message


# --- the handling unit as of the period's end, ranks, several roots, spanning matters ----------


def test_unit_breakdown_is_the_unit_at_the_end_of_the_period(
    district: District, ledger: Ledger
) -> None:
    d, officer = district, district.users["officer"]
    m = register(d, locality=d.street_a, when=datetime(2026, 3, 2, 9, 0, tzinfo=TZ))
    m = wf.matter_assign(
        actor=officer, matter=m, version=m.version, unit=d.housing, on=date(2026, 3, 27)
    )
    staff = d.users["housing_staff"]
    # 签收 and 退回 inside the return window (a late 签收 no longer reopens a closed one)
    m = wf.assignment_receive(actor=staff, matter=m, version=m.version, on=date(2026, 3, 30))
    m = wf.assignment_return(
        actor=staff, matter=m, version=m.version, reason="非本单位职责", on=date(2026, 4, 2)
    )
    m = wf.matter_assign(
        actor=officer, matter=m, version=m.version, unit=d.street_b, on=date(2026, 4, 3)
    )
    assert m.responsible_unit_id == d.street_b.pk  # routed again after March
    ledger.add("2026-03-10", 责任单位="32010102", 人数=2)  # an imported matter: its 责任单位
    ledger.add("2026-03-11")  # imported without one
    ledger.load()

    def units(start: str, end: str) -> list[tuple[str | None, int, int]]:
        rows = report("320101", start, end)["breakdowns"]["unit"]
        return sorted(((r["unit"], r["batches"], r["people"]) for r in rows), key=str)

    # March: the matter was with 住建局 at the end of March, whatever happened in April
    assert units("2026-03-01", "2026-03-31") == sorted(
        [("32010190", 1, 1), ("32010102", 1, 2), (None, 1, 1)], key=str
    )
    # 3 March, before it was routed at all: no unit yet (not today's 西湖街道)
    assert ("32010102", 1, 1) not in units("2026-03-01", "2026-03-03")
    assert units("2026-03-02", "2026-03-03") == [(None, 1, 1)]
    # the same rule in the ORM expression the assessment uses
    then = Matter.objects.annotate(u=unit_at_end(date(2026, 3, 31))).get(pk=m.pk).u
    returned = Matter.objects.annotate(u=unit_at_end(date(2026, 4, 2))).get(pk=m.pk).u
    now = Matter.objects.annotate(u=unit_at_end(date(2026, 4, 3))).get(pk=m.pk).u
    assert (then, returned, now) == (d.housing.pk, None, d.street_b.pk)
    imported = Matter.objects.exclude(pk=m.pk).annotate(u=unit_at_end(date(2020, 1, 1)))
    assert sorted(x.u or 0 for x in imported) == [0, d.street_b.pk]  # no assignment: 责任单位


def test_rank_where_it_means_something_and_place_elsewhere(
    district: District, ledger: Ledger
) -> None:
    """Contract C's rank (the node among its siblings) is on the node's own locality row and on
    unit rows; a child's row cannot be compared with a sibling's and carries `place` instead."""
    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    ledger.add("2024-06-03", locality="320101", 人数=2, 责任单位="32010190")
    ledger.add("2024-06-03", locality="32010101", 人数=5, 责任单位="32010190")
    ledger.add("2024-06-04", locality="32010101", 人数=1, 责任单位="32010191")
    ledger.add("2024-06-04", locality="32010102", 人数=1)
    ledger.add("2024-06-05", locality="320102", 人数=3)
    ledger.add("2024-06-05", locality="320102", 人数=1, 责任单位="32010190")
    ledger.load()
    rep = report("320101", "2024-06-01", "2024-06-30")
    own = row_of(rep, "locality", locality="320101")
    assert own["rank"] == {"batches": [2, 2], "people": [2, 2]}  # 1 of 2 against 乙区's 2 of 4
    east = row_of(rep, "locality", locality="32010101")
    assert "rank" not in east and east["place"] == {"batches": [1, 2], "people": [1, 2]}
    housing = row_of(rep, "unit", unit="32010190")
    assert housing["batches"] == 2
    assert housing["rank"] == {"batches": [1, 2], "people": [1, 2]}  # 乙区: 1 batch, 1 person
    assert housing["place"] == {"batches": [1, 2], "people": [1, 2]}
    assert row_of(rep, "unit", unit=None)["rank"] == {"batches": [1, 2], "people": [2, 2]}
    assert "place" not in row_of(rep, "unit", unit=None)
    city = report("3201", "2024-06-01", "2024-06-30")
    assert all("rank" not in r for r in city["breakdowns"]["locality"])  # the root: no siblings
    assert all("rank" not in r for r in city["breakdowns"]["unit"])


def test_an_empty_locality_counts_once_with_several_roots(
    district: District, ledger: Ledger
) -> None:
    other = unit_create(code="9901", name="乙市", kind=UnitKind.CITY)
    ledger.add("2024-02-05", locality="", 人数=5)
    ledger.add("2024-02-06", locality="9901", 人数=2)
    ledger.load()
    first = report("3201", "2024-02-01", "2024-02-29")["totals"]
    second = report("9901", "2024-02-01", "2024-02-29")["totals"]
    assert (first["people"], first["matters"]) == (5, 1)  # the first root's, as the portal's
    assert (second["people"], second["matters"]) == (2, 1)
    assert unlocated_root_id() == district.city.pk != other.pk


def test_a_matter_spanning_the_period_without_a_registration_in_it(ledger: Ledger) -> None:
    ledger.add("2023-12-20", 事项编号="S1")
    ledger.add("2024-02-10", 事项编号="S1")  # before and after January, none within
    ledger.add("2023-12-21", 事项编号="S2")
    ledger.add("2024-01-15", 事项编号="S2")
    ledger.add("2024-02-11", 事项编号="S2")  # S2 also has one within
    ledger.load()
    totals = report("320101", "2024-01-01", "2024-01-31")["totals"]
    assert (totals["batches"], totals["matters"], totals["first_matters"]) == (1, 1, 0)
    february = report("320101", "2024-02-01", "2024-02-29")["totals"]
    assert (february["matters"], february["first_matters"]) == (2, 0)


@pytest.mark.parametrize("hide", [False, True])
def test_monthly_totals_equal_a_report_per_month(
    district: District, ledger: Ledger, hide: bool
) -> None:
    """The dashboard's totals-only trend gives what ReportBuilder.totals gives month by month:
    month boundaries, 29 February, matters spanning months, accusations, siblings' ranks."""
    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    rng = random.Random(20260301)
    days = ["2023-01-31", "2023-02-01", "2023-02-28", "2023-03-01", "2024-01-01", "2024-01-31"]
    days += ["2024-02-01", "2024-02-29", "2024-03-01", "2024-03-31", "2024-04-01", "2024-04-30"]
    places = ["320101", "32010101", "3201010101", "32010102", "320102", "3201", ""]
    for i in range(160):
        day = rng.choice(days) if i % 2 else f"202{rng.choice('34')}-{rng.randint(1, 5):02d}-15"
        ledger.add(
            day,
            locality=rng.choice(places),
            事项编号=f"M{rng.randint(1, 60)}" if rng.random() < 0.6 else "",
            人数=rng.randint(1, 9),
            信访目的=rng.choice(["", "申诉求决", "检举控告"]),
            责任单位="32010191" if rng.random() < 0.5 else "",
        )
    ledger.load()
    for code in ("320101", "32010101", "3201"):
        node = OrgUnit.objects.get(code=code)
        found = monthly_totals(node, 2024, 4, hide_accusations=hide)
        assert [p.start.month for p, _ in found] == [1, 2, 3, 4]
        for period, totals in found:
            builder = ReportBuilder(node, period, "yoy", hide_accusations=hide)
            assert totals == builder.totals(), (code, period)
    assert monthly_totals(OrgUnit.objects.get(code="3201"), 2024, 0) == []

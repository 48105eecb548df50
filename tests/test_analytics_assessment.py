"""季考评: handling units (on time, satisfaction, supervision, returns, spot checks) and packages.

The data is made through the ledger import (matters' recorded facts) and the workflow services
(assignments and their returns, 督办单 and their outcomes, spot-check deductions).
"""

import json
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from openpyxl import load_workbook

from tests.analytics_support import Ledger
from tests.conftest import TZ, District, register
from tests.test_admin import client_for
from xinfang.analytics.assessment import (
    Quarter,
    assessment_tables,
    build_assessment,
    parse_quarter,
    spot_check_record,
)
from xinfang.analytics.models import SpotCheckDeduction
from xinfang.cli import main
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.models import Matter
from xinfang.leaders.choices import LeaderTier, PackageSource
from xinfang.leaders.models import Leader, PackageProgress
from xinfang.leaders.services import PackageInput, package_open, package_resolve_matters
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.services import unit_create
from xinfang.workflow import services as wf
from xinfang.workflow import supervision as sv

pytestmark = pytest.mark.django_db

Q3 = Quarter(2026, 3)
ASSIGN = {"处理方式": "交办"}


def fresh(m: Matter) -> Matter:
    return Matter.objects.get(pk=m.pk)


def by_number(number: str) -> Matter:
    return Matter.objects.get(registrations__number=number)


class World:
    def __init__(self, district: District, other_dept: OrgUnit) -> None:
        self.d, self.other_dept = district, other_dept


def _returned(d: District, unit: OrgUnit, received: date, on: date) -> Matter:
    """A matter assigned to `unit`, received and returned by it on `on`."""
    officer = d.users["officer"]
    staff = {d.street_a.pk: "street_a_staff", d.street_b.pk: "street_b_staff"}[unit.pk]
    when = datetime(received.year, received.month, received.day, 9, 0, tzinfo=TZ)
    m = register(d, locality=d.street_a, when=when)
    m = wf.matter_assign(actor=officer, matter=m, version=m.version, unit=unit, on=received)
    m = wf.assignment_receive(actor=d.users[staff], matter=m, version=m.version, on=received)
    return wf.assignment_return(
        actor=d.users[staff], matter=m, version=m.version, reason="非本单位职责", on=on
    )


def _reassign(d: District, m: Matter, unit: OrgUnit, on: date) -> None:
    m = fresh(m)
    wf.matter_assign(actor=d.users["officer"], matter=m, version=m.version, unit=unit, on=on)


def _notice(
    d: District, m: Matter, raised: date, due: date, outcome: str | None, closed: date | None
) -> None:
    m = fresh(m)
    notice = sv.supervision_raise(
        actor=d.users["officer"],
        matter=m,
        version=m.version,
        level="district",
        reason="督促按期办结",
        unit=d.housing,
        due=due,
        on=raised,
    )
    if outcome is not None and closed is not None:
        m = fresh(m)
        sv.supervision_close(
            actor=d.users["supervisor"],
            notice=notice,
            version=m.version,
            outcome=outcome,
            on=closed,
        )


@pytest.fixture
def world(district: District, tmp_path: Path) -> World:
    d = district
    other = unit_create(code="320102", name="邻区", kind=UnitKind.DISTRICT, parent=d.city)
    other_dept = unit_create(
        code="32010290", name="邻区住建局", kind=UnitKind.DEPARTMENT, parent=other
    )
    ledger = Ledger(tmp_path)
    h = "32010190"  # 区住房和城乡建设局
    # on time: deadlines in Q3 are #1, #2, #3 (Sun 30 Aug moves to Mon 31 Aug), #4; not #5
    ledger.add(
        "2026-05-08",
        登记编号="H1",
        责任单位=h,
        处理日期="2026-05-10",
        办理期限="2026-07-09",
        答复日期="2026-07-08",
        评价="满意",
        评价日期="2026-07-10",
        **ASSIGN,
    )
    ledger.add(
        "2026-05-30",
        登记编号="H2",
        责任单位=h,
        处理日期="2026-06-01",
        办理期限="2026-07-31",
        答复日期="2026-08-05",
        评价="不满意",
        评价日期="2026-08-06",
        **ASSIGN,
    )
    ledger.add(
        "2026-06-30",
        登记编号="H3",
        责任单位=h,
        处理日期="2026-07-01",
        办理期限="2026-08-30",
        答复日期="2026-08-31",
        评价="基本满意",
        评价日期="2026-09-02",
        **ASSIGN,
    )
    ledger.add(
        "2026-07-30",
        登记编号="H4",
        责任单位=h,
        处理日期="2026-08-01",
        办理期限="2026-09-30",
        **ASSIGN,
    )
    ledger.add(
        "2026-08-30",
        登记编号="H5",
        责任单位=h,
        处理日期="2026-09-01",
        办理期限="2026-10-31",
        答复日期="2026-09-20",
        **ASSIGN,
    )
    # an evaluation dated after the quarter does not count in it
    ledger.add(
        "2026-08-28",
        登记编号="H6",
        责任单位=h,
        处理日期="2026-09-01",
        办理期限="2026-10-31",
        答复日期="2026-09-10",
        评价="满意",
        评价日期="2026-10-02",
        **ASSIGN,
    )
    ledger.add(
        "2026-06-10",
        locality="32010102",
        责任单位="32010102",
        处理日期="2026-06-15",
        办理期限="2026-08-14",
        答复日期="2026-08-10",
        评价="满意",
        **ASSIGN,
    )
    # outside 320101's subtree: never in its assessment
    ledger.add(
        "2026-06-10",
        locality="320102",
        责任单位="32010290",
        处理日期="2026-06-15",
        办理期限="2026-08-14",
        **ASSIGN,
    )
    # leader packages (问题属地 in the district unless said otherwise)
    ledger.add("2026-01-20", 包案领导="王区长", 包案日期="2026-02-01", 化解日期="2026-05-01")
    ledger.add("2026-07-01", 包案领导="王区长", 包案日期="2026-07-10", 化解日期="2026-09-01")
    ledger.add(
        "2026-07-20",
        包案领导="王区长",
        包案日期="2026-08-01",
        办理期限="2026-09-10",
        处理方式="受理",
        处理日期="2026-07-21",
    )
    ledger.add("2026-07-20", 包案领导="李副区长", 包案日期="2026-08-01", 化解日期="2026-10-05")
    ledger.add("2026-03-01", 包案领导="张副区长", 包案日期="2026-03-02", 化解日期="2026-04-01")
    ledger.add("2026-03-01", 包案领导="张副区长", 包案日期="2026-08-02", 化解日期="2026-09-30")
    ledger.add("2026-03-01", 包案领导="张副区长", 包案日期="2026-09-02")
    ledger.add("2025-03-01", 包案领导="张副区长", 包案日期="2025-09-02")  # last year's
    ledger.add("2026-03-01", locality="320102", 包案领导="赵区长", 包案日期="2026-08-02")
    ledger.load()

    # 督办单 against the housing bureau: due in Q3 are the first four
    _notice(d, by_number("H1"), date(2026, 7, 1), date(2026, 7, 20), "resolved", date(2026, 7, 15))
    # due Sat 15 Aug: closed on Mon 17 Aug is on time
    _notice(d, by_number("H2"), date(2026, 7, 1), date(2026, 8, 15), "concluded", date(2026, 8, 17))
    _notice(
        d, by_number("H3"), date(2026, 8, 1), date(2026, 8, 20), "unresolved", date(2026, 8, 19)
    )
    _notice(d, by_number("H4"), date(2026, 9, 1), date(2026, 9, 20), "resolved", date(2026, 10, 10))
    _notice(d, by_number("H5"), date(2026, 9, 10), date(2026, 10, 20), None, None)

    # returns by 东风街道 in Q3 (reassigned after mid-September: deadlines fall in Q4)
    r1 = _returned(d, d.street_a, date(2026, 9, 14), date(2026, 9, 15))
    _reassign(d, r1, d.street_a, date(2026, 9, 16))  # the bureau sent it back: a fault
    r2 = _returned(d, d.street_a, date(2026, 9, 14), date(2026, 9, 15))
    _reassign(d, r2, d.street_b, date(2026, 9, 16))  # rightly returned
    _returned(d, d.street_a, date(2026, 9, 14), date(2026, 9, 15))  # pending
    r4 = _returned(d, d.street_a, date(2026, 9, 14), date(2026, 9, 15))
    _reassign(d, r4, d.street_a, date(2026, 10, 12))  # after the quarter: pending in Q3

    sup = d.users["supervisor"]
    spot_check_record(
        actor=sup,
        unit=d.housing,
        checked_on=date(2026, 7, 3),
        points="1.5",
        reason="答复意见书未载明复查途径",
    )
    spot_check_record(
        actor=sup,
        unit=d.housing,
        checked_on=date(2026, 9, 30),
        points=Decimal("0.5"),
        reason="未按时录入办理情况",
    )
    spot_check_record(
        actor=sup, unit=d.housing, checked_on=date(2026, 6, 30), points=5, reason="上季度"
    )
    spot_check_record(
        actor=sup, unit=d.street_b, checked_on=date(2026, 8, 3), points=3, reason="告知书未送达"
    )
    spot_check_record(
        actor=sup, unit=d.village_a, checked_on=date(2026, 8, 4), points=3, reason="台账不全"
    )
    spot_check_record(actor=d.users["admin"], unit=other_dept, checked_on=date(2026, 8, 4),
                      points=1, reason="邻区")  # fmt: skip
    _packages(d, other, other_dept)
    return World(d, other_dept)


def _package(
    d: District,
    leader: Leader,
    unit: OrgUnit,
    started: date,
    deadline: date,
    *,
    resolved: date | None = None,
    notes: tuple[int, ...] = (),
) -> Matter:
    """A package of one new matter; resolved on `resolved`; progress notes for the months given."""
    m = register(d, locality=d.street_a, when=datetime(2026, 1, 5, 9, 0, tzinfo=TZ))
    package = package_open(
        actor=SYSTEM,
        data=PackageInput(
            matters=[m], leader=leader, deadline=deadline, responsible_unit=unit,
            started_on=started, source=PackageSource.LEDGER,
        ),
    )  # fmt: skip
    for month in notes:
        PackageProgress.objects.create(
            package=package, month=date(2026, month, 1), written_on=date(2026, month, 25),
            note="本月已走访并协调相关部门",
        )  # fmt: skip
    if resolved is not None:
        Matter.objects.filter(pk=m.pk).update(resolved_on=resolved)
        package_resolve_matters(package=package, on=resolved)
    return m


def _packages(d: District, other: OrgUnit, other_dept: OrgUnit) -> None:
    """Leader packages of Q3 2026, counted by hand in test_leader_packages_ranked."""
    wang = Leader.objects.create(name="王区长", post="区长", tier=LeaderTier.PRINCIPAL,
                                 unit=d.district)  # fmt: skip
    zhang = Leader.objects.create(name="张副区长", post="副区长", tier=LeaderTier.MEMBER,
                                  unit=d.district)  # fmt: skip
    zhao = Leader.objects.create(name="赵区长", post="区长", tier=LeaderTier.PRINCIPAL, unit=other)
    # P1: due 31 Aug, resolved 20 Aug: on time
    _package(d, wang, d.housing, date(2026, 6, 1), date(2026, 8, 31), resolved=date(2026, 8, 20),
             notes=(6, 7, 8))  # fmt: skip
    # P2: due 10 Sep, open: late; no note for August and September
    _package(d, wang, d.housing, date(2026, 7, 10), date(2026, 9, 10), notes=(7,))
    # P3: resolved in April, back on 5 Aug (回流): in hand in Q3, nothing due in Q3
    p3 = _package(d, wang, d.street_a, date(2026, 2, 1), date(2026, 4, 30),
                  resolved=date(2026, 4, 20), notes=(2, 3, 7, 8, 9))  # fmt: skip
    register(d, locality=d.street_a, matter=p3, when=datetime(2026, 8, 5, 9, 0, tzinfo=TZ))
    # P4: due Wed 30 Sep, resolved that day: on time
    _package(d, zhang, d.street_a, date(2026, 8, 2), date(2026, 9, 30),
             resolved=date(2026, 9, 30), notes=(8,))  # fmt: skip
    # P5: due in Q4; no note for September
    _package(d, zhang, d.housing, date(2026, 9, 2), date(2026, 11, 30))
    # another district's
    _package(d, zhao, other_dept, date(2026, 8, 2), date(2026, 9, 1))


def _units(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["unit"]: row for row in result["units"]}


def _assess(code: str = "320101") -> dict[str, Any]:
    return build_assessment(org=OrgUnit.objects.get(code=code), quarter=Q3)


def test_each_component_with_numerator_and_denominator(world: World) -> None:
    units = _units(_assess())
    housing = units["32010190"]
    assert (housing["on_time"]["num"], housing["on_time"]["den"]) == (2, 4)
    assert housing["on_time"]["pct"] == "50.0" and housing["on_time"]["score"] == "20.000"
    assert (housing["satisfaction"]["num"], housing["satisfaction"]["den"]) == (2, 3)
    assert housing["satisfaction"]["score"] == "20.000"
    assert (housing["supervision"]["num"], housing["supervision"]["den"]) == (2, 4)
    assert housing["supervision"]["outcomes"] == {
        "resolved": 1,
        "concluded": 1,
        "unresolved": 1,
        "open": 1,  # closed after the quarter: open at its end
    }
    assert housing["spot_checks"] == {"count": 2, "deduction": "2.000"}
    assert housing["total"] == "53.000"  # 20 + 20 + 15 − 2

    street_b = units["32010102"]
    assert (street_b["on_time"]["num"], street_b["on_time"]["den"]) == (1, 1)
    assert (street_b["satisfaction"]["num"], street_b["satisfaction"]["den"]) == (1, 1)
    # no 督办单 due: the component scores its full weight
    assert street_b["supervision"]["den"] == 0 and street_b["supervision"]["score"] == "30.000"
    assert street_b["total"] == "97.000"


def test_returns_a_fault_only_when_the_bureau_sent_it_back(world: World) -> None:
    street_a = _units(_assess())["32010101"]
    assert street_a["returns"] == {
        "total": 4,
        "faults": 1,
        "justified": 1,
        "pending": 2,
        "deduction": "2.000",
    }
    assert street_a["on_time"]["den"] == 0  # the reassigned matter's deadline falls in Q4
    assert street_a["total"] == "98.000"


def test_ranking_shares_places_and_leaves_the_next_out(world: World) -> None:
    result = _assess()
    ranked = [(r["unit"], r["total"], r["rank"]) for r in result["units"]]
    assert ranked == [
        ("32010101", "98.000", [1, 4]),
        ("3201010101", "97.000", [2, 4]),  # ties in order of code
        ("32010102", "97.000", [2, 4]),
        ("32010190", "53.000", [4, 4]),
    ]


def test_a_unit_outside_the_subtree_is_left_out(world: World) -> None:
    assert "32010290" not in _units(_assess())
    assert "32010191" not in _units(_assess())  # 区纪委监委 had nothing to assess
    city = _units(_assess("3201"))
    assert city["32010290"]["on_time"]["den"] == 1
    assert city["32010290"]["spot_checks"]["deduction"] == "1.000"
    street = _units(_assess("32010101"))
    assert set(street) == {"32010101", "3201010101"}


def test_weights_are_a_setting(world: World, settings: LazySettings) -> None:
    settings.XINFANG = {**settings.XINFANG, "ASSESSMENT_WEIGHTS": {"return_fault": 5}}
    result = _assess()
    assert result["weights"]["return_fault"] == "5" and result["weights"]["on_time"] == "40"
    assert _units(result)["32010101"]["total"] == "95.000"
    settings.XINFANG = {
        **settings.XINFANG,
        "ASSESSMENT_WEIGHTS": {"on_time": 50, "satisfaction": 25, "supervision": 25},
    }
    assert _units(_assess())["32010190"]["total"] == "52.167"  # 25 + 16.667 + 12.5 − 2
    settings.XINFANG = {**settings.XINFANG, "ASSESSMENT_WEIGHTS": {"ontime": 50}}
    with pytest.raises(ImproperlyConfigured, match="ontime"):
        _assess()


def test_leader_packages_ranked(world: World) -> None:
    result = _assess()
    leaders = {r["leader"]: r for r in result["leaders"]}
    assert "赵区长" not in leaders  # another district's package
    figures = ("packages", "due", "on_time", "pct", "reflows", "missing_notes", "score")
    # 王: P1 P2 P3 in hand; P1 and P2 due, P1 on time; P3's 回流; P2 without Aug and Sep notes
    assert [leaders["王区长"][k] for k in figures] == [3, 2, 1, "50.0", 1, 2, "41.000"]
    # 张: P4 due and on time; P5 without its September note
    assert [leaders["张副区长"][k] for k in figures] == [2, 1, 1, "100.0", 0, 1, "98.000"]
    assert [(r["leader"], r["rank"]) for r in result["leaders"]] == [
        ("张副区长", [1, 2]),
        ("王区长", [2, 2]),
    ]
    units = [(r["name"], *(r[k] for k in figures), r["rank"]) for r in result["package_units"]]
    assert units == [
        ("东风街道", 2, 1, 1, "100.0", 1, 0, "95.000", [1, 2]),  # P3, P4
        ("区住房和城乡建设局", 3, 2, 1, "50.0", 0, 3, "44.000", [2, 2]),  # P1, P2, P5
    ]


def test_command_json_text_and_xlsx(world: World, tmp_path: Path) -> None:
    out = StringIO()
    call_command("assess", "--quarter", "2026Q3", "--org", "320101", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == _assess()
    assert printed["quarter_label"] == "2026年第三季度"
    assert printed["period"] == {"start": "2026-07-01", "end": "2026-09-30"}

    out = StringIO()
    call_command("assess", "--quarter", "2026q3", "--org", "320101", "--format", "text", stdout=out)
    text = out.getvalue()
    assert text.startswith("2026年第三季度信访工作考评情况")
    assert "第4名 区住房和城乡建设局，总分53.000分。到期应办结4件，按期办结2件" in text
    assert "第2名 东风社区，总分97.000分。无到期应办结事项，得40.000分；" in text
    assert "抽查扣分1次，扣3.000分。" in text
    assert "退回4件，其中不当退回1件、退回有理1件、待重新交办2件，扣2.000分" in text
    assert "第1名 张副区长，得98.000分。在办包案2件，到期应化解1件，按期化解1件" in text
    assert "第2名 区住房和城乡建设局，得44.000分。" in text and "未按月报送进展3件次" in text

    target = tmp_path / "assess.xlsx"
    call_command(
        "assess", "--quarter", "2026Q3", "--org", "320101", "--format", "xlsx",
        "--output", str(target),
    )  # fmt: skip
    book = load_workbook(target)
    for sheet_name, table in zip(book.sheetnames, assessment_tables(printed), strict=True):
        assert sheet_name == table.title
        assert [c.value for c in book[sheet_name][2]] == table.header
        assert [[c.value for c in r] for r in book[sheet_name].iter_rows(min_row=3)] == table.rows


@pytest.mark.parametrize("bad", ["2026Q5", "2026-3", "Q3", "二〇二六年第三季度", ""])
def test_a_bad_quarter_is_refused_in_chinese(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["xinfang", "assess", "--quarter", bad])
    assert caught.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "季度" in captured.err and "例如" in captured.err


def test_quarters() -> None:
    assert parse_quarter(" 2026Q4 ").period.as_dict() == {
        "start": "2026-10-01",
        "end": "2026-12-31",
    }
    assert parse_quarter("2024Q1").period.as_dict() == {"start": "2024-01-01", "end": "2024-03-31"}
    with pytest.raises(InputError, match="2026Q0"):
        parse_quarter("2026Q0")


def test_spot_check_refusals(district: District) -> None:
    d = district
    with pytest.raises(PermissionRefusedError):
        spot_check_record(actor=d.users["officer"], unit=d.housing, checked_on=date(2026, 7, 1),
                          points=1, reason="x")  # fmt: skip
    outsider = unit_create(code="320109", name="他区", kind=UnitKind.DISTRICT, parent=d.city)
    with pytest.raises(PermissionRefusedError, match="管辖范围"):
        spot_check_record(actor=d.users["supervisor"], unit=outsider, checked_on=date(2026, 7, 1),
                          points=1, reason="x")  # fmt: skip
    for points, reason in (("0", "x"), ("-1", "x"), ("100.5", "x"), ("0.125", "x"), (1, "  ")):
        with pytest.raises(InputError):
            spot_check_record(
                actor=d.users["supervisor"],
                unit=d.housing,
                checked_on=date(2026, 7, 1),
                points=points,
                reason=reason,
            )
    assert not SpotCheckDeduction.objects.exists()
    row = spot_check_record(
        actor=d.users["supervisor"],
        unit=d.housing,
        checked_on=date(2026, 7, 1),
        points="2.25",
        reason=" 未按时签收 ",
    )
    event = AuditEvent.objects.get(action="analytics.spot_check_record")
    assert event.actor == d.users["supervisor"] and event.object_id == str(row.pk)
    assert event.data == {"unit": "32010190", "checked_on": "2026-07-01", "points": "2.25",
                          "reason": "未按时签收"}  # fmt: skip


def test_admin_adds_a_deduction_audited_and_cannot_rewrite_it(district: District) -> None:
    client = client_for(district, "admin")
    response = client.post(
        "/manage/analytics/spotcheckdeduction/add/",
        {"unit": district.housing.pk, "checked_on": "2026-07-02", "points": "1.5",
         "reason": "抽查发现未告知复查途径"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    row = SpotCheckDeduction.objects.get()
    assert (row.points, row.recorded_by) == (Decimal("1.50"), district.users["admin"])
    assert AuditEvent.objects.filter(action="analytics.spot_check_record").count() == 1
    response = client.post(
        f"/manage/analytics/spotcheckdeduction/{row.pk}/change/",
        {"unit": district.housing.pk, "checked_on": "2026-07-02", "points": "0.5", "reason": "改"},
    )
    assert response.status_code == 403
    assert SpotCheckDeduction.objects.get().points == Decimal("1.50")
    refused = client.post(
        "/manage/analytics/spotcheckdeduction/add/",
        {"unit": district.housing.pk, "checked_on": "2026-07-02", "points": "0", "reason": "x"},
    )
    assert refused.status_code == 200 and "扣分应大于0" in refused.content.decode()
    response = client.post(
        f"/manage/analytics/spotcheckdeduction/{row.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="spotcheckdeduction.delete").count() == 1
    assert client_for(district, "supervisor").get(
        "/manage/analytics/spotcheckdeduction/"
    ).status_code == 302  # fmt: skip

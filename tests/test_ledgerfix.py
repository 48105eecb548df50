"""Ledger import review fixes: sticky accusations, per-object permission, people, CSV guard."""

import csv
import stat
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import District, register
from tests.ledger_rows import row, write_csv
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.exporter import ledger_export
from xinfang.intake.ledger.importer import LedgerRejectedError, ledger_import
from xinfang.intake.models import Matter, Petitioner, Registration
from xinfang.organisation.models import UnitKind
from xinfang.organisation.services import unit_create


def test_a_later_accusation_row_makes_the_new_matter_an_accusation(
    district: District, tmp_path: Path
) -> None:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1", 登记日期="2024-03-01", 信访目的="申诉求决"),
        row(登记编号="DJ2", 事项编号="SX1", 登记日期="2024-04-01", 信访目的="检举控告"),
        row(登记编号="DJ3", 事项编号="SX2", 登记日期="2024-04-01", 信访目的="申诉求决"),
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", rows))
    assert Matter.objects.get(number="SX1").purpose == "accusation"
    assert Matter.objects.get(number="SX2").purpose == "request"


def test_an_accusation_in_a_second_file_makes_the_stored_matter_an_accusation(
    district: District, tmp_path: Path
) -> None:
    first = [row(登记编号="DJ1", 事项编号="SX1", 登记日期="2024-03-01", 信访目的="申诉求决")]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", first))
    assert Matter.objects.get(number="SX1").purpose == "request"
    later = [row(登记编号="DJ2", 事项编号="SX1", 登记日期="2024-05-01", 信访目的="检举控告")]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "b.csv", later))
    assert Matter.objects.get(number="SX1").purpose == "accusation"
    # A third file of a plain request does not undo it.
    third = [row(登记编号="DJ3", 事项编号="SX1", 登记日期="2024-06-01", 信访目的="申诉求决")]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "c.csv", third))
    assert Matter.objects.get(number="SX1").purpose == "accusation"


def test_a_ledger_accusation_joins_a_desk_matter(district: District, tmp_path: Path) -> None:
    matter = register(district, locality=district.street_a)
    rows = [row(登记编号="DJ9", 事项编号=matter.number, 登记日期="2026-04-01", 信访目的="检举控告")]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "d.csv", rows))
    matter.refresh_from_db()
    assert (matter.purpose, matter.registration_count) == ("accusation", 2)


def test_rows_the_actor_may_not_see_are_refused_without_revealing_them(
    district: District, tmp_path: Path
) -> None:
    officer = district.users["officer"]  # at 示范区, under 示范市 (the root)
    elsewhere = unit_create(code="3202", name="邻市", kind=UnitKind.CITY)
    hidden = register(district, locality=elsewhere, content="秘密内容")
    hidden_reg = hidden.registrations.get()
    ledger_import(
        actor=SYSTEM,
        path=write_csv(tmp_path / "s.csv", [row(登记编号="DJ-S", 事项编号="SX-S", 渠道="来信")]),
    )
    rows = [
        row(
            登记编号=hidden_reg.number, 渠道="来信", 问题属地="东风街道"
        ),  # a stored one, out of scope
        row(
            登记编号="DJ-NEW", 事项编号=hidden.number, 问题属地="东风街道"
        ),  # joins a hidden matter
        row(登记编号="DJ-OUT", 问题属地="邻市"),  # a new row placed outside the subtree
        row(登记编号="DJ-BLANK"),  # no 问题属地: a new matter of the root
        row(登记编号="DJ-S", 事项编号="SX-S", 渠道="来访"),  # stored by the console: unplaced
        row(登记编号="DJ-OK", 问题属地="西湖街道"),
    ]
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=officer, path=write_csv(tmp_path / "o.csv", rows), update=True)
    problems = {(p.row, p.column): p.reason for p in caught.value.problems}
    assert problems == {
        (2, "登记编号"): "该登记不在您的权限范围内",
        (4, "问题属地"): "问题属地不在您的权限范围内",
        (5, "问题属地"): "新事项未填问题属地（属于最上级单位），不在您的权限范围内",
        (6, "登记编号"): "该登记不在您的权限范围内",
    }
    # A file that only adds to the hidden matter is told so, and nothing more.
    only = [row(登记编号="DJ-NEW", 事项编号=hidden.number, 问题属地="东风街道")]
    with pytest.raises(LedgerRejectedError) as caught_again:
        ledger_import(actor=officer, path=write_csv(tmp_path / "n.csv", only))
    assert [(p.row, p.column, p.reason) for p in caught_again.value.problems] == [
        (2, "事项编号", "该事项不在您的权限范围内")
    ]
    assert not any("秘密" in r or hidden.number in r for r in problems.values())
    # The operator at the console may see everything: the same conflict names the stored value.
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "c.csv", rows[4:5]))
    assert [p.reason for p in caught.value.problems] == [
        "登记编号“DJ-S”已导入，此列原为“来信”；要修改请加 --update"
    ]
    # In partial mode the rows in scope are written, the others not.
    summary = ledger_import(actor=officer, path=write_csv(tmp_path / "p.csv", rows), partial=True)
    assert summary.created == 1 and Registration.objects.filter(number="DJ-OK").exists()
    assert not Registration.objects.filter(number__in=["DJ-NEW", "DJ-OUT", "DJ-BLANK"]).exists()
    assert hidden.registrations.count() == 1


def test_a_name_alone_identifies_nobody(district: District, tmp_path: Path) -> None:
    register(district, locality=district.street_a, name="李四", phone="")  # stored, name only
    rows = [
        row(登记编号="DJ1", 信访人="李四", 联系电话="", 住址="甲路1号"),
        row(登记编号="DJ2", 信访人="李四", 联系电话="", 住址="乙路2号"),
        row(登记编号="DJ3", 信访人="李四", 联系电话="139"),
        row(登记编号="DJ4", 信访人="李四", 联系电话="139"),
    ]
    before = Petitioner.objects.count()
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "p.csv", rows))
    assert Petitioner.objects.count() == before + 3  # DJ1, DJ2 each; DJ3 and DJ4 one
    people = dict(Registration.objects.values_list("number", "petitioner__address"))
    assert (people["DJ1"], people["DJ2"]) == ("甲路1号", "乙路2号")
    by_number = dict(Registration.objects.values_list("number", "petitioner_id"))
    assert by_number["DJ3"] == by_number["DJ4"]
    assert len({by_number["DJ1"], by_number["DJ2"], by_number["DJ3"]}) == 3


@pytest.mark.parametrize(
    "content",
    [
        "=SUM(A1:A2) 开头的内容",
        "+86 电话",
        "-1 的问题",
        "@某人",
        "'=已有撇号",
        "''+两个撇号",
        "'普通撇号",
    ],
)
def test_csv_export_guards_formulas_and_round_trips(
    district: District, tmp_path: Path, content: str
) -> None:
    matter = register(district, locality=district.street_a, content=content)
    Matter.objects.filter(pk=matter.pk).update(remark="=1+1")
    number = matter.registrations.get().number
    out = tmp_path / "out.csv"
    assert ledger_export(actor=SYSTEM, path=out) == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(encoding="utf-8-sig", newline="") as fh:
        exported = next(csv.DictReader(fh))
    assert exported["反映内容"] == ("'" + content if content != "'普通撇号" else content)
    assert exported["备注"] == "'=1+1"
    # Read back, every cell equals the stored value: nothing new, nothing changed.
    again = ledger_import(actor=SYSTEM, path=out)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Registration.objects.get(number=number).content == content


def test_xlsx_export_is_private_too(district: District, tmp_path: Path) -> None:
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "in.csv", [row()]))
    out = tmp_path / "out.xlsx"
    ledger_export(actor=SYSTEM, path=out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_stored_matters_are_locked_while_the_import_resummarises(
    district: District, tmp_path: Path
) -> None:
    matter = register(district, locality=district.street_a)
    rows = [row(登记编号="DJ9", 事项编号=matter.number, 登记日期="2026-04-01")]
    with CaptureQueriesContext(connection) as queries:
        ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "l.csv", rows))
    locked = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    if connection.features.has_select_for_update:
        assert len(locked) == 1 and '"intake_matter"' in locked[0]
    else:  # SQLite locks the whole database for a write transaction instead
        assert locked == []
    matter.refresh_from_db()
    assert matter.registration_count == 2

"""Ledger import review fixes: sticky accusations, per-object permission, people, CSV guard."""

from pathlib import Path

from tests.conftest import District, register
from tests.ledger_rows import row, write_csv
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Matter


def test_a_later_accusation_row_makes_the_new_matter_an_accusation(
    district: District, tmp_path: Path
) -> None:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1", 登记日期="2024-03-01", 信访目的="申诉求决"),
        row(登记编号="DJ2", 事项编号="SX1", 登记日期="2024-04-01", 信访目的="检举控告"),
        row(登记编号="DJ3", 事项编号="SX2", 登记日期="2024-04-01", 信访目的="申诉求决"),
    ]
    ledger_import(actor=None, path=write_csv(tmp_path / "a.csv", rows))
    assert Matter.objects.get(number="SX1").purpose == "accusation"
    assert Matter.objects.get(number="SX2").purpose == "request"


def test_an_accusation_in_a_second_file_makes_the_stored_matter_an_accusation(
    district: District, tmp_path: Path
) -> None:
    first = [row(登记编号="DJ1", 事项编号="SX1", 登记日期="2024-03-01", 信访目的="申诉求决")]
    ledger_import(actor=None, path=write_csv(tmp_path / "a.csv", first))
    assert Matter.objects.get(number="SX1").purpose == "request"
    later = [row(登记编号="DJ2", 事项编号="SX1", 登记日期="2024-05-01", 信访目的="检举控告")]
    ledger_import(actor=None, path=write_csv(tmp_path / "b.csv", later))
    assert Matter.objects.get(number="SX1").purpose == "accusation"
    # A third file of a plain request does not undo it.
    third = [row(登记编号="DJ3", 事项编号="SX1", 登记日期="2024-06-01", 信访目的="申诉求决")]
    ledger_import(actor=None, path=write_csv(tmp_path / "c.csv", third))
    assert Matter.objects.get(number="SX1").purpose == "accusation"


def test_a_ledger_accusation_joins_a_desk_matter(district: District, tmp_path: Path) -> None:
    matter = register(district, locality=district.street_a)
    rows = [row(登记编号="DJ9", 事项编号=matter.number, 登记日期="2026-04-01", 信访目的="检举控告")]
    ledger_import(actor=None, path=write_csv(tmp_path / "d.csv", rows))
    matter.refresh_from_db()
    assert (matter.purpose, matter.registration_count) == ("accusation", 2)

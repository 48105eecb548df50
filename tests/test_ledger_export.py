"""Exporting the ledger: the same format, and export → import into an empty database round trips."""

import csv
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import TZ, District, make_user, register
from tests.ledger_rows import (
    HEADER,
    REGISTRATION_SNAPSHOT,
    ledger_rows,
    row,
    snapshot,
    wipe_intake,
    write_csv,
)
from xinfang.accounts.models import Role
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.exporter import ledger_export
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Registration


def export(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("export_ledger", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_through_an_empty_database(
    district: District, tmp_path: Path, suffix: str
) -> None:
    source = write_csv(tmp_path / "source.csv", ledger_rows(4000, seed=7))
    assert ledger_import(actor=SYSTEM, path=source).created == 4000
    before_regs, before_matters = snapshot()
    assert len(before_matters) > 2500  # many matters, a quarter of the rows are repeats
    assert sum(1 for r in before_regs.values() if not r[2]) > 500
    kind_at = REGISTRATION_SNAPSHOT.index("letter_kind")
    kinds = {r[kind_at] for r in before_regs.values()}
    assert kinds == {"", "joint", "leader_instructed", "assigned", "forwarded"}
    exported = tmp_path / f"ledger{suffix}"
    assert "已导出4000条登记" in export(exported)
    wipe_intake()
    assert not Registration.objects.exists()
    summary = ledger_import(actor=SYSTEM, path=exported)
    assert (summary.created, summary.rejected) == (4000, 0)
    after_regs, after_matters = snapshot()
    assert after_regs.keys() == before_regs.keys()
    for number, fields in before_regs.items():
        assert after_regs[number] == fields, number
    assert after_matters == before_matters
    # And once more: the second export is the same file content as the first.
    again = tmp_path / f"again{suffix}"
    export(again)
    if suffix == ".csv":
        assert again.read_bytes() == exported.read_bytes()


def test_registered_matters_round_trip_too(district: District, tmp_path: Path) -> None:
    first = register(district, locality=district.street_a, name="王小明")
    register(
        district,
        locality=district.street_b,
        name="王小明",
        matter=first,
        when=datetime(2026, 3, 5, 14, 15, 16, tzinfo=TZ),
        content="再次反映，\n仍未解决",
    )
    register(district, locality=None, name="李雷", phone="", category="教育")
    before = snapshot()
    path = tmp_path / "desk.csv"
    export(path)
    wipe_intake()
    ledger_import(actor=SYSTEM, path=path)
    assert snapshot() == before


def test_the_file_has_the_contract_columns_and_labels(district: District, tmp_path: Path) -> None:
    rows = [
        row(
            登记编号="DJ1", 渠道="走访", 层级="本级", 问题属地="32010101", 内容分类="城乡建设/规划"
        ),
        row(
            登记编号="DJ2", 渠道="网上信访", 登记日期="2024-03-02 08:09:10", 处理方式="依法分类处理"
        ),
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "in.csv", rows))
    out = tmp_path / "out.csv"
    export(out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0].keys()) == HEADER
    assert [(r["登记编号"], r["渠道"], r["层级"], r["形式"], r["人数"]) for r in table] == [
        ("DJ1", "来访", "来区", "个访", "1"),
        ("DJ2", "网上", "来区", "个访", "1"),
    ]
    assert table[0]["问题属地"] == "东风街道" and table[0]["内容分类"] == "规划"
    assert table[0]["事项编号"] == "DJ1" and table[1]["处理方式"] == "依法分类"
    assert table[1]["登记日期"] == "2024-03-02 08:09:10"


def test_export_is_audited_and_refused_to_others(district: District, tmp_path: Path) -> None:
    # A row with no 问题属地 belongs to the root (contract B): the district's officer exports
    # only the placed one.
    rows = [row(), row(登记编号="DJ2", 问题属地="东风街道")]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "in.csv", rows))
    export(tmp_path / "o.xlsx", "--user", "officer")
    event = AuditEvent.objects.get(action="ledger.export")
    assert event.actor == district.users["officer"]
    assert event.data["file"] == "o.xlsx" and event.data["rows"] == 1
    with pytest.raises(CommandError, match="没有此项操作的权限"):
        export(tmp_path / "x.csv", "--user", "registrar")
    with pytest.raises(CommandError, match=r"\.csv 或 \.xlsx"):
        export(tmp_path / "x.txt")
    assert not (tmp_path / "x.csv").exists()


def test_a_user_exports_only_what_they_may_see(district: District, tmp_path: Path) -> None:
    register(district, locality=district.street_a, name="甲")
    register(district, locality=district.street_b, name="乙")
    street_officer = make_user("street_officer", Role.OFFICER, district.street_a)
    path = tmp_path / "a.csv"
    assert ledger_export(actor=district.users["officer"], path=path) == 2
    assert ledger_export(actor=street_officer, path=path) == 1
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert [r["信访人"] for r in csv.DictReader(fh)] == ["甲"]


def test_the_demo_district_round_trips(db: None, tmp_path: Path) -> None:
    from xinfang.demo.generator import write_ledger_csv, write_org_csv

    write_org_csv(tmp_path / "org.csv")
    call_command("import_org", str(tmp_path / "org.csv"), stdout=StringIO())
    source = tmp_path / "demo.csv"
    write_ledger_csv(source, end=date(2026, 6, 30), registrations=3000)
    assert ledger_import(actor=SYSTEM, path=source).created == 3000
    before = snapshot()
    assert Registration.objects.filter(letter_kind="joint").count() > 20
    exported = tmp_path / "demo-out.csv"
    export(exported)
    wipe_intake()
    ledger_import(actor=SYSTEM, path=exported)
    assert snapshot() == before

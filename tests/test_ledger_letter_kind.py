"""The ledger column 来信类型 (beyond contract A): import in every mode, export, idempotency."""

import csv
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import TZ, District
from tests.ledger_rows import HEADER, row, wipe_intake, write_csv, write_xlsx
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.choices import Channel, LetterKind
from xinfang.intake.ledger.exporter import ledger_export
from xinfang.intake.ledger.importer import LedgerRejectedError, ledger_import
from xinfang.intake.models import Category, Registration
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create

WITHOUT = [name for name in HEADER if name != "来信类型"]  # a contract-A file of before


def letter(number: str, kind: str, **cells: str) -> dict[str, str]:
    return row(登记编号=number, 渠道="来信", 来信类型=kind, **cells)


LETTERS = [
    letter("DJ1", "领导批示件"),
    letter("DJ2", "联名信", 人数="12"),
    letter("DJ3", "交办件"),
    letter("DJ4", "转送件"),
    letter("DJ5", ""),
    letter("DJ6", "普通来信"),
    row(登记编号="DJ7", 渠道="来访"),
]
KINDS = {
    "DJ1": LetterKind.LEADER_INSTRUCTED,
    "DJ2": LetterKind.JOINT,
    "DJ3": LetterKind.ASSIGNED,
    "DJ4": LetterKind.FORWARDED,
    "DJ5": "",
    "DJ6": "",
    "DJ7": "",
}


def kinds() -> dict[str, str]:
    return dict(Registration.objects.values_list("number", "letter_kind"))


def write_without_column(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=WITHOUT, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_letter_kind_is_read(district: District, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"k{suffix}"
    if suffix == ".csv":
        write_csv(path, LETTERS)
    else:
        write_xlsx(path, LETTERS)
    assert ledger_import(actor=SYSTEM, path=path).created == 7
    assert kinds() == KINDS


def test_a_kind_on_another_channel_or_an_unknown_kind_is_refused(
    district: District, tmp_path: Path
) -> None:
    rows = [
        letter("DJ1", "联名信"),
        row(登记编号="DJ2", 渠道="走访", 来信类型="联名信"),
        row(登记编号="DJ3", 渠道="电话", 来信类型="交办件"),
        letter("DJ4", "批示件"),
        row(登记编号="DJ5", 渠道="传真", 来信类型="联名信"),  # the channel's own error suffices
    ]
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "bad.csv", rows))
    assert [str(p) for p in caught.value.problems] == [
        "第3行 来信类型：只有渠道为来信的登记才有来信类型，此行渠道为“来访”，应留空",
        "第4行 来信类型：只有渠道为来信的登记才有来信类型，此行渠道为“来电”，应留空",
        "第5行 来信类型：应为领导批示件、联名信、交办件、国家投诉受理办公室交办件、转送件、"
        "异常信之一（普通来信留空），实为“批示件”",
        "第6行 渠道：应为来信、来访、网上、来电之一，实为“传真”",
    ]
    assert not Registration.objects.exists()


def test_partial_import_rejects_the_bad_kinds_and_keeps_the_good_ones(
    district: District, tmp_path: Path
) -> None:
    rows = [*LETTERS, row(登记编号="DJ8", 渠道="网上", 来信类型="转送件")]
    path = write_csv(tmp_path / "p.csv", rows)
    summary = ledger_import(actor=SYSTEM, path=path, partial=True)
    assert (summary.created, summary.rejected) == (7, 1)
    assert kinds() == KINDS
    rejects = (tmp_path / "p.csv.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rejects) == 2 and rejects[1].startswith("DJ8,")
    assert rejects[1].endswith(
        "来信类型：只有渠道为来信的登记才有来信类型，此行渠道为“网上”，应留空"
    )


def test_dry_run_checks_the_kinds_and_writes_nothing(district: District, tmp_path: Path) -> None:
    summary = ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "d.csv", LETTERS), dry_run=True)
    assert summary.created == 7 and not Registration.objects.exists()
    bad = write_csv(tmp_path / "e.csv", [row(渠道="来访", 来信类型="联名信")])
    with pytest.raises(LedgerRejectedError):
        ledger_import(actor=SYSTEM, path=bad, dry_run=True)


def test_the_same_file_twice_and_an_old_file_without_the_column_change_nothing(
    district: District, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", LETTERS)
    ledger_import(actor=SYSTEM, path=path)
    again = ledger_import(actor=SYSTEM, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    # A file of before the column says nothing of the kinds: nothing to change, nothing lost.
    old = write_without_column(tmp_path / "old.csv", LETTERS)
    for update in (False, True):
        summary = ledger_import(actor=SYSTEM, path=old, update=update)
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 7)
    assert kinds() == KINDS
    assert not AuditEvent.objects.filter(action="registration.update").exists()


def test_a_file_without_the_column_imports_new_rows_as_ordinary(
    district: District, tmp_path: Path
) -> None:
    old = write_without_column(tmp_path / "old.csv", LETTERS)
    assert ledger_import(actor=SYSTEM, path=old).created == 7
    assert set(kinds().values()) == {""}


def test_a_stated_kind_that_differs_needs_update_mode(district: District, tmp_path: Path) -> None:
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", LETTERS))
    changed = [letter("DJ1", ""), letter("DJ5", "联名信")]
    path = write_csv(tmp_path / "b.csv", changed)
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=path)
    assert [str(p) for p in caught.value.problems] == [
        "第2行 来信类型：登记编号“DJ1”已导入，此列原为“领导批示件”；要修改请加 --update",
        "第3行 来信类型：登记编号“DJ5”已导入，此列原为“”；要修改请加 --update",
    ]
    assert ledger_import(actor=SYSTEM, path=path, update=True).updated == 2
    assert kinds() == KINDS | {"DJ1": "", "DJ5": LetterKind.JOINT}
    event = AuditEvent.objects.get(
        action="registration.update", object_id=str(Registration.objects.get(number="DJ1").pk)
    )
    assert event.data["changes"] == {"来信类型": ["领导批示件", ""]}


def test_without_the_column_a_kind_stays_while_the_row_stays_a_letter(
    district: District, tmp_path: Path
) -> None:
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", LETTERS))
    rows = [letter("DJ1", "", 人数="3"), row(登记编号="DJ2", 渠道="来访", 人数="12")]
    path = write_without_column(tmp_path / "b.csv", rows)
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=path)
    # 12 people: a 联名信 as a letter, a 集体访 as a visit — the form changes with the channel
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (2, "人数"),
        (3, "渠道"),
        (3, "形式"),
    ]
    assert ledger_import(actor=SYSTEM, path=path, update=True).updated == 2
    got = kinds()
    assert got["DJ1"] == LetterKind.LEADER_INSTRUCTED  # another column changed; the kind stayed
    assert got["DJ2"] == ""  # no longer a letter: no letter kind
    dj2 = Registration.objects.get(number="DJ2")
    event = AuditEvent.objects.get(action="registration.update", object_id=str(dj2.pk))
    assert event.data["changes"]["来信类型"] == ["联名信", ""]


def test_export_writes_the_kinds_and_they_come_back(district: District, tmp_path: Path) -> None:
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", LETTERS))
    registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=Channel.LETTER,
            received_at=datetime(2026, 3, 2, 9, tzinfo=TZ),
            content="联名来信反映物业问题",
            category=Category.objects.get(name="物业管理"),
            letter_kind=LetterKind.JOINT,
            petitioner=PersonInput(name="王小明"),
        ),
    )
    desk = Registration.objects.get(source="desk").number
    out = tmp_path / "out.csv"
    assert ledger_export(actor=SYSTEM, path=out) == 8
    with out.open(encoding="utf-8-sig", newline="") as fh:
        table = {r["登记编号"]: r for r in csv.DictReader(fh)}
    header = list(next(iter(table.values())))
    assert header.index("来信类型") == header.index("责任单位") + 1
    assert header.index("来信类型") < header.index("处理方式")
    assert {n: r["来信类型"] for n, r in table.items()} == {
        "DJ1": "领导批示件",
        "DJ2": "联名信",
        "DJ3": "交办件",
        "DJ4": "转送件",
        "DJ5": "",
        "DJ6": "",
        "DJ7": "",
        desk: "联名信",
    }
    before = kinds()
    wipe_intake()  # an empty database (the tree stays), then back in: the same kinds
    assert ledger_import(actor=SYSTEM, path=out).created == 8
    assert kinds() == before
    # And the exported file imported over itself changes nothing.
    assert ledger_import(actor=SYSTEM, path=out).unchanged == 8

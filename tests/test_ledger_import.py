"""Importing a ledger (contract A): checks, modes, aliases, summaries, history."""

from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import TZ, District, register
from tests.ledger_rows import HEADER, ledger_rows, row, snapshot, write_csv, write_xlsx
from xinfang.core.errors import InputError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.idcard import make_id_number
from xinfang.intake.ledger.check import CheckResult, LedgerCheck
from xinfang.intake.ledger.importer import LedgerRejectedError, ledger_import
from xinfang.intake.models import ImportBatch, Matter, Petitioner, Registration
from xinfang.organisation.models import UnitKind
from xinfang.organisation.services import unit_create

GOOD_ID = make_id_number("320101", date(1970, 5, 6), 123)
BAD_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_ledger", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def nothing_written() -> bool:
    return not (
        Registration.objects.exists()
        or Matter.objects.exists()
        or Petitioner.objects.exists()
        or ImportBatch.objects.exists()
        or AuditEvent.objects.exists()
    )


def test_bad_ledger_is_refused_whole_naming_every_bad_cell(
    district: District, tmp_path: Path
) -> None:
    rows = [
        row(登记编号="DJ1", 信访人="张三", 身份证号=GOOD_ID),
        row(登记编号="DJ2", 信访人="李四", 身份证号=BAD_ID),
        row(登记编号="DJ3", 渠道="传真", 人数="0"),
        row(登记编号="DJ4", 登记日期="2024-02-30", 问题属地="不存在街道"),
        row(登记编号="", 内容分类="城乡建设/教育"),
        row(登记编号="DJ1", 形式="集体访"),
        row(登记编号="DJ7", 登记日期="2099-01-01", 评价="很满意", 督办期限="明天"),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(CommandError, match="台账未导入：12处错误"):
        run(str(path))
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=path)
    named = [(p.row, p.column) for p in caught.value.problems]
    assert named == [
        (3, "身份证号"),
        (4, "渠道"),
        (4, "人数"),
        (5, "登记日期"),
        (5, "问题属地"),
        (6, "登记编号"),
        (6, "内容分类"),
        (7, "登记编号"),
        (7, "形式"),
        (8, "登记日期"),
        (8, "评价"),
        (8, "督办期限"),
    ]
    assert str(caught.value.problems[0]) == "第3行 身份证号：身份证号校验位不符"
    assert "与第2行重复" in caught.value.problems[7].reason
    assert nothing_written()


def test_the_command_lists_every_bad_cell_on_stderr(district: District, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [row(信访人="李四", 身份证号=BAD_ID), row(登记编号="")])
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_ledger", str(path), stdout=StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert err.getvalue().splitlines() == [
        "第2行 身份证号：身份证号校验位不符",
        "第3行 登记编号：不能为空",
    ]


def test_unknown_and_missing_columns_are_errors(district: District, tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("登记编号,渠道,来源单位\nDJ1,来访,x\n", encoding="utf-8")
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=path)
    assert [(p.row, p.column, p.reason) for p in caught.value.problems] == [
        (1, "来源单位", "未知的列名（台账的列名见格式说明）"),
        (1, "登记日期", "缺少必填列"),
    ]
    assert nothing_written()


def test_partial_import_writes_rejects_that_can_be_fixed_and_imported(
    district: District, tmp_path: Path
) -> None:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1"),
        row(登记编号="DJ2", 事项编号="SX1", 登记日期="2024-03-05", 身份证号=BAD_ID, 信访人="李四"),
        row(登记编号="DJ3", 事项编号="SX2"),
        row(登记编号="DJ4", 渠道="传真"),
    ]
    path = write_csv(tmp_path / "part.csv", rows)
    out, err = run(str(path), "--partial")
    assert "新增登记1条" in out and "退回3行" in out
    assert "第3行 身份证号：身份证号校验位不符" in err
    assert list(Registration.objects.values_list("number", flat=True)) == ["DJ3"]
    rejects = tmp_path / "part.csv.rejects.csv"
    text = rejects.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0].endswith(",原因")
    assert len(lines) == 4  # header + DJ1 (same matter as the bad row), DJ2, DJ4
    assert "同一事项（SX1）的第3行有错误，整件退回" in lines[1]
    # Fix the two bad cells and import the rejects file itself, reason column and all.
    fixed = text.replace(BAD_ID, GOOD_ID).replace("传真", "来信")
    rejects.write_text(fixed, encoding="utf-8-sig")
    out, _ = run(str(rejects))
    assert "新增登记3条" in out
    matter = Matter.objects.get(number="SX1")
    assert matter.registration_count == 2
    assert [r.number for r in matter.registrations.filter(is_first=True)] == ["DJ1"]
    assert Registration.objects.get(number="DJ4").channel == "letter"


def test_the_rejects_file_may_be_named(district: District, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(渠道="传真")])
    run(str(path), "--partial", "--rejects", str(tmp_path / "back.csv"))
    assert "渠道：应为来信、来访、网上、来电之一" in (tmp_path / "back.csv").read_text("utf-8-sig")


def test_importing_the_same_file_twice_changes_nothing(district: District, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "l.csv", ledger_rows(600))
    first = ledger_import(actor=SYSTEM, path=path)
    assert first.created == 600
    before = snapshot()
    versions = dict(Matter.objects.values_list("number", "version"))
    people = Petitioner.objects.count()
    again = ledger_import(actor=SYSTEM, path=path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 600, 0)
    assert snapshot() == before
    assert dict(Matter.objects.values_list("number", "version")) == versions
    assert Petitioner.objects.count() == people
    assert ImportBatch.objects.count() == 2


def test_changed_rows_need_update_mode(district: District, tmp_path: Path) -> None:
    original = [
        row(登记编号="DJ1", 事项编号="SX1", 联系电话="13800000000", 信访人="张三"),
        row(登记编号="DJ2", 事项编号="SX1", 登记日期="2024-03-09", 处理方式="受理"),
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", original))
    changed = [
        original[0] | {"联系电话": "13900000000", "登记日期": "2024-03-20"},
        original[1] | {"答复日期": "2024-04-01"},
    ]
    path = write_csv(tmp_path / "b.csv", changed)
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=path)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (2, "登记日期"),
        (2, "联系电话"),
        (3, "答复日期"),
    ]
    assert "已导入，此列原为“13800000000”；要修改请加 --update" in caught.value.problems[1].reason
    out, _ = run(str(path), "--update")
    assert "更新1条" in out
    dj1 = Registration.objects.get(number="DJ1")
    assert dj1.petitioner_phone == "13900000000"
    matter = Matter.objects.get(number="SX1")
    assert matter.replied_on == date(2024, 4, 1) and matter.status == "replied"
    # DJ1 moved after DJ2, so DJ2 is now the first registration of the matter.
    assert matter.first_received_on == date(2024, 3, 9)
    assert list(matter.registrations.filter(is_first=True).values_list("number", flat=True)) == [
        "DJ2"
    ]
    event = AuditEvent.objects.get(action="registration.update")
    assert event.data["changes"]["联系电话"] == ["13800000000", "13900000000"]
    assert event.matter == matter
    matter_event = AuditEvent.objects.get(action="matter.update")
    assert matter_event.data["changes"] == {"replied_on": [None, "2024-04-01"]}


def test_a_registration_cannot_move_to_another_matter(district: District, tmp_path: Path) -> None:
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", [row(事项编号="SX1")]))
    path = write_csv(tmp_path / "b.csv", [row(事项编号="SX2")])
    with pytest.raises(LedgerRejectedError, match="错误") as caught:
        ledger_import(actor=SYSTEM, path=path, update=True)
    assert caught.value.problems[0].column == "事项编号"


def test_dry_run_writes_nothing(district: District, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "l.csv", ledger_rows(200))
    out, _ = run(str(path), "--dry-run")
    assert "试运行，未写入" in out and "新增登记200条" in out
    assert nothing_written()


def test_rows_of_one_matter_must_agree_on_matter_columns(
    district: District, tmp_path: Path
) -> None:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1", 处理方式="受理", 处理日期="2024-03-02"),
        row(登记编号="DJ2", 事项编号="SX1", 处理方式="", 处理日期="2024-03-02"),
        row(登记编号="DJ3", 事项编号="SX1", 处理方式="转送", 备注="另案"),
    ]
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "m.csv", rows))
    assert [str(p) for p in caught.value.problems] == [
        "第4行 处理方式：同一事项（SX1）的第2行为“受理”，此行为“转送”"
    ]


def test_unit_by_code_or_unambiguous_name(district: District, tmp_path: Path) -> None:
    # A second 东风社区 under 西湖街道 makes the name ambiguous; the codes still work.
    unit_create(code="3201010201", name="东风社区", kind=UnitKind.VILLAGE, parent=district.street_b)
    rows = [
        row(登记编号="DJ1", 问题属地="东风社区"),
        row(登记编号="DJ2", 问题属地="3201010101", 责任单位="区住房和城乡建设局"),
    ]
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "u.csv", rows))
    assert [str(p) for p in caught.value.problems] == [
        "第2行 问题属地：名称“东风社区”在组织树中不唯一，请填写单位编码"
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "u2.csv", rows[1:]))
    registration = Registration.objects.get()
    assert registration.locality == district.village_a
    assert registration.responsible_unit == district.housing


def test_category_by_name_or_by_path(district: District, tmp_path: Path) -> None:
    rows = [
        row(登记编号="DJ1", 内容分类="征地拆迁"),
        row(登记编号="DJ2", 内容分类="城乡建设/征地拆迁"),
        row(登记编号="DJ3", 内容分类="城乡建设"),
        row(登记编号="DJ4", 内容分类=" 劳动保障 / 拖欠工资 "),
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "c.csv", rows))
    paths = dict(Registration.objects.values_list("number", "category__path"))
    assert paths == {
        "DJ1": "城乡建设/征地拆迁",
        "DJ2": "城乡建设/征地拆迁",
        "DJ3": "城乡建设",
        "DJ4": "劳动保障/拖欠工资",
    }


def test_alias_values_and_defaults(
    district: District, tmp_path: Path, settings: LazySettings
) -> None:
    settings.XINFANG = settings.XINFANG | {"COLLECTIVE_THRESHOLD": 3}
    rows = [
        row(登记编号="DJ1", 渠道="走访", 层级="去市", 人数="3"),
        row(登记编号="DJ2", 渠道="网上信访", 层级="来县", 人数="2"),
        row(登记编号="DJ3", 渠道="电话", 层级="本级", 信访目的="检举控告类"),
        row(登记编号="DJ4", 渠道="网上", 督办级别="省级", 处理方式="依法分类处理"),
        row(登记编号="DJ5", 渠道="来信", 人数="4", 形式="个访"),
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "a.csv", rows))
    got = {
        r.number: (r.channel, r.level, r.people, r.form, r.purpose)
        for r in Registration.objects.all()
    }
    assert got == {
        "DJ1": ("visit", "city", 3, "collective", ""),
        "DJ2": ("online", "local", 2, "individual", ""),
        "DJ3": ("phone", "local", 1, "individual", "accusation"),
        "DJ4": ("online", "local", 1, "individual", ""),
        "DJ5": ("letter", "local", 4, "individual", ""),
    }
    dj4 = Matter.objects.get(number="DJ4")  # no 事项编号: the matter takes the 登记编号
    assert (dj4.supervision_level, dj4.handling_method, dj4.status) == (
        "provincial",
        "legal_channel",
        "legal_channel",
    )


@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_or_without_bom(district: District, tmp_path: Path, bom: bool) -> None:
    path = write_csv(tmp_path / "b.csv", [row(信访人="王五")], bom=bom)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") == bom
    ledger_import(actor=SYSTEM, path=path)
    assert Registration.objects.get().petitioner_name == "王五"


def test_a_csv_in_another_encoding_is_refused_clearly(district: District, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(",".join(HEADER[:4]).encode("gbk") + b"\n")
    with pytest.raises(Exception, match="不是UTF-8编码"):
        ledger_import(actor=SYSTEM, path=path)


def test_excel_date_cells_keep_their_time(district: District, tmp_path: Path) -> None:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1") | {"登记日期": datetime(2024, 3, 1, 9, 30), "人数": 2},
        row(登记编号="DJ2", 事项编号="SX1")
        | {"登记日期": date(2024, 3, 1), "答复日期": datetime(2024, 4, 2), "人数": 1.0},
        row(登记编号="DJ3", 登记日期="2024-03-04 08:05"),
    ]
    ledger_import(actor=SYSTEM, path=write_xlsx(tmp_path / "x.xlsx", rows))
    got = dict(Registration.objects.values_list("number", "received_at"))
    assert got["DJ1"] == datetime(2024, 3, 1, 9, 30, tzinfo=TZ)
    assert got["DJ2"] == datetime(2024, 3, 1, tzinfo=TZ)
    assert got["DJ3"] == datetime(2024, 3, 4, 8, 5, tzinfo=TZ)
    matter = Matter.objects.get(number="SX1")
    assert matter.replied_on == date(2024, 4, 2)
    # The same day: midnight (no time) comes before 09:30, so DJ2 is the first registration.
    assert Registration.objects.get(is_first=True, matter=matter).number == "DJ2"
    assert Registration.objects.get(number="DJ1").people == 2


def test_first_registration_is_earliest_then_by_number(district: District, tmp_path: Path) -> None:
    rows = [
        row(
            登记编号="DJ9", 事项编号="SX1", 登记日期="2024-05-01", 渠道="来信", 责任单位="32010190"
        ),
        row(登记编号="DJ5", 事项编号="SX1", 登记日期="2024-03-01", 渠道="电话"),
        row(
            登记编号="DJ3", 事项编号="SX1", 登记日期="2024-03-01", 渠道="来访", 问题属地="东风街道"
        ),
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "f.csv", rows))
    matter = Matter.objects.get(number="SX1")
    firsts = dict(matter.registrations.values_list("number", "is_first"))
    assert firsts == {"DJ3": True, "DJ5": False, "DJ9": False}
    assert (matter.channel, matter.locality, matter.registration_count) == (
        "visit",
        district.street_a,
        3,
    )
    assert (matter.first_received_on, matter.last_received_on) == (
        date(2024, 3, 1),
        date(2024, 5, 1),
    )
    # The first has no responsible unit: the latest registration's one is the matter's.
    assert matter.responsible_unit == district.housing


def test_people_are_found_once(district: District, tmp_path: Path) -> None:
    rows = [
        row(登记编号="DJ1", 信访人="张三", 身份证号=GOOD_ID, 联系电话="1", 登记日期="2024-01-01"),
        row(登记编号="DJ2", 信访人="张三丰", 身份证号=GOOD_ID.lower(), 登记日期="2024-02-01"),
        row(登记编号="DJ3", 信访人="李四", 联系电话="2"),
        row(登记编号="DJ4", 信访人="李四", 联系电话="2"),
        row(登记编号="DJ5", 信访人="李四", 联系电话="3"),
    ]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "p.csv", rows))
    assert Petitioner.objects.count() == 3
    person = Petitioner.objects.with_id_number(GOOD_ID).get()
    assert (person.name, person.phone, person.birth_date, person.sex) == (
        "张三丰",
        "1",
        date(1970, 5, 6),
        "M",
    )
    assert Registration.objects.get(number="DJ1").petitioner_name == "张三"


def test_rows_join_a_registered_matter(district: District, tmp_path: Path) -> None:
    matter = register(district, locality=district.street_a, id_number=GOOD_ID, name="张三")
    earlier = row(登记编号="DJ-OLD", 事项编号=matter.number, 登记日期="2026-01-05", 信访人="张三")
    ledger_import(
        actor=SYSTEM, path=write_csv(tmp_path / "j.csv", [earlier | {"身份证号": GOOD_ID}])
    )
    matter.refresh_from_db()
    assert matter.registration_count == 2
    assert matter.first_received_on == date(2026, 1, 5)
    firsts = dict(matter.registrations.values_list("number", "is_first"))
    assert firsts["DJ-OLD"] is True and sum(firsts.values()) == 1
    assert Petitioner.objects.count() == 1


def test_history_of_an_import(district: District, tmp_path: Path) -> None:
    rows = [row(登记编号="DJ1", 问题属地="东风街道"), row(登记编号="DJ2", 问题属地="示范区")]
    path = write_csv(tmp_path / "h.csv", rows)
    run(str(path), "--user", "officer")
    batch = ImportBatch.objects.get()
    assert (batch.rows, batch.created, batch.mode, batch.actor) == (
        2,
        2,
        "atomic",
        district.users["officer"],
    )
    assert set(Registration.objects.values_list("import_batch", flat=True)) == {batch.pk}
    event = AuditEvent.objects.get(action="ledger.import")
    assert event.data["file"] == "h.csv" and event.data["created"] == 2
    assert len(event.data["sha256"]) == 64 and event.data["mode"] == "atomic"


def test_only_roles_that_may_import(district: District, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", [row()])
    with pytest.raises(CommandError, match="没有此项操作的权限"):
        run(str(path), "--user", "registrar")
    with pytest.raises(CommandError, match="没有用户名"):
        run(str(path), "--user", "nobody")
    assert nothing_written()


def test_a_unit_removed_after_the_check_stops_the_write(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spare = unit_create(code="32010199", name="临时单位", kind=UnitKind.DEPARTMENT)
    check = LedgerCheck.run

    def check_then_remove(self: LedgerCheck, path: Path) -> CheckResult:
        result = check(self, path)
        spare.delete()  # someone removes a unit between the check and the write
        return result

    monkeypatch.setattr(LedgerCheck, "run", check_then_remove)
    path = write_csv(tmp_path / "r.csv", [row(问题属地="临时单位")])
    with pytest.raises(InputError, match="检查之后组织单位有了变化"):
        ledger_import(actor=SYSTEM, path=path)
    assert nothing_written()


def test_rejects_of_a_workbook_are_a_csv_that_imports(district: District, tmp_path: Path) -> None:
    rows = [
        row(登记编号="DJ1") | {"登记日期": datetime(2024, 3, 1, 9, 30), "人数": 3},
        row(登记编号="DJ2") | {"登记日期": date(2024, 3, 2), "渠道": "传真"},
    ]
    book = write_xlsx(tmp_path / "book.xlsx", rows)
    summary = ledger_import(actor=SYSTEM, path=book, partial=True)
    assert (summary.created, summary.rejected) == (1, 1)
    rejects = tmp_path / "book.xlsx.rejects.csv"
    assert summary.rejects_path == rejects
    text = rejects.read_text(encoding="utf-8-sig")
    assert "DJ2,,2024-03-02,传真" in text
    rejects.write_text(text.replace("传真", "来信"), encoding="utf-8-sig")
    assert ledger_import(actor=SYSTEM, path=rejects).created == 1
    assert Registration.objects.get(number="DJ1").received_at == datetime(
        2024, 3, 1, 9, 30, tzinfo=TZ
    )

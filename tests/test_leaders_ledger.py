"""The reception ledger (A3: import-receptions / export-receptions) and packages from the ledger.

A small ledger and reception ledger, imported through the real commands; every figure below is
counted by hand from the rows written here.

Ledger: five registrations of four matters. SX1 (DJ1, and DJ5 after its 化解日期: a 回流) is
packaged by 张书记; SX2 by 钱主任, open; SX3 by 钱主任, resolved, nothing after; SX4 none.

Reception ledger: JF1 (定期接访, 张书记 党政主要领导 + 李副区长 班子成员) received DJ1 and DJ2;
JF2 (下访, 王主任) DJ3; JF3 (约访, 李副区长) nobody; JF4 (联合接访, 张书记 + 王主任 + 赵局长) DJ4.
Sessions 4; leader participations 2 + 1 + 1 + 3 = 7; receptions 4.
"""

# ruff: noqa: E501 (rows of the reception ledger are kept one to a line, as a spreadsheet shows them)

import csv
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import District
from tests.ledger_rows import row, write_csv
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.importer import LedgerRejectedError
from xinfang.intake.models import ImportBatch, Matter
from xinfang.leaders.choices import LeaderTier, PackageSource, PackageStatus, SessionStatus
from xinfang.leaders.ledger import import_receptions, packages_from_ledger
from xinfang.leaders.models import (
    Leader,
    Package,
    PackageMatter,
    PackageReflow,
    Reception,
    ReceptionSession,
    SessionLeader,
)

HEADER = [
    "接访编号",
    "接访日期",
    "接访形式",
    "地点",
    "接访领导",
    "领导层级",
    "登记编号",
    "接访结果",
    "交办日期",
]

LEDGER = [
    row(登记编号="DJ1", 事项编号="SX1", 登记日期="2024-03-07", 人数="2", 问题属地="东风街道",
        包案领导="张书记", 包案日期="2024-03-08", 化解日期="2024-05-10"),
    row(登记编号="DJ2", 事项编号="SX2", 登记日期="2024-03-07",
        包案领导="钱主任", 包案日期="2024-03-10"),
    row(登记编号="DJ3", 事项编号="SX3", 登记日期="2024-03-14", 人数="5",
        包案领导="钱主任", 包案日期="2024-03-15", 化解日期="2024-04-01"),
    row(登记编号="DJ4", 事项编号="SX4", 登记日期="2024-04-11"),
    row(登记编号="DJ5", 事项编号="SX1", 登记日期="2024-06-03"),
]  # fmt: skip

RECEPTIONS = [
    ["JF1", "2024-03-07", "定期接访", "区信访局接待大厅", "张书记、李副区长", "党政主要领导、班子成员", "DJ1", "当场解决", ""],
    ["JF1", "2024-03-07", "定期接访", "区信访局接待大厅", "张书记、李副区长", "党政主要领导、班子成员", "DJ2", "限期解决", "2024-03-08"],
    ["JF2", "2024-03-14", "下访", "东风社区", "王主任", "镇街领导", "DJ3", "教育疏导", "2024-03-15"],
    ["JF3", "2024-03-21", "约访", "区信访局", "李副区长", "班子成员", "", "", ""],
    ["JF4", "2024-04-11", "联合接访", "区政务中心", "张书记、王主任、赵局长", "党政主要领导、镇街领导、部门领导", "DJ4", "有待研判", "2024-04-12"],
]  # fmt: skip


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def command(name: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> str:
    out, _ = command("import_ledger", str(write_csv(tmp_path / "ledger.csv", LEDGER)))
    return out


def leader_work() -> tuple[int, int, int, int]:
    return (
        ReceptionSession.objects.count(),
        SessionLeader.objects.count(),
        Reception.objects.count(),
        Leader.objects.count(),
    )


def test_sessions_participations_and_receptions_come_in_held(
    district: District, ledger: str, tmp_path: Path
) -> None:
    out, _ = command("import_receptions", str(write(tmp_path / "r.csv", RECEPTIONS)))
    assert "新增接访活动4场（领导参与7人次），新增接访记录4条" in out
    assert "新建领导（示范市）：李副区长、王主任、赵局长" in out
    assert ReceptionSession.objects.count() == 4
    assert SessionLeader.objects.count() == 7
    assert Reception.objects.count() == 4
    assert set(ReceptionSession.objects.values_list("status", flat=True)) == {SessionStatus.HELD}
    assert set(ReceptionSession.objects.values_list("unit", flat=True)) == {district.city.pk}
    jf1 = ReceptionSession.objects.get(number="JF1")
    assert (jf1.held_on, jf1.kind, jf1.place) == (date(2024, 3, 7), "regular", "区信访局接待大厅")
    seats = SessionLeader.objects.filter(session=jf1).order_by("position")
    assert [(s.leader.name, s.tier) for s in seats] == [
        ("张书记", LeaderTier.PRINCIPAL),
        ("李副区长", LeaderTier.MEMBER),
    ]
    # 张书记 came in with the ledger as a 包案领导 (班子成员); the session keeps the day's tier
    assert Leader.objects.get(name="张书记").tier == LeaderTier.MEMBER
    made = Leader.objects.get(name="赵局长")
    assert (made.unit, made.tier) == (district.city, LeaderTier.DEPARTMENT)
    dj2 = Reception.objects.get(registration__number="DJ2")
    assert dj2.outcome == "with_deadline" and dj2.routed_on == date(2024, 3, 8)
    assert dj2.route_due == date(2024, 3, 11)  # Thursday + 2 working days: Fri 8, Mon 11
    assert sorted(dj2.leaders.values_list("name", flat=True)) == ["张书记", "李副区长"]
    dj1 = Reception.objects.get(registration__number="DJ1")
    assert dj1.route_due is None and dj1.routed_on is None
    assert Reception.objects.get(registration__number="DJ4").leaders.count() == 3
    assert not Reception.objects.filter(session__number="JF3").exists()
    batch = ImportBatch.objects.get(mode="receptions")
    assert (batch.rows, batch.created) == (5, 4)
    assert ReceptionSession.objects.filter(import_batch=batch).count() == 4


def test_a_registration_not_in_the_ledger_refuses_the_file(
    district: District, ledger: str, tmp_path: Path
) -> None:
    rows = [*RECEPTIONS[:2], ["JF2", "2024-03-14", "下访", "东风社区", "王主任", "镇街领导", "DJ99", "教育疏导", ""]]  # fmt: skip
    before = (leader_work(), ImportBatch.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError, match="接访台账未导入：1处错误，没有写入任何数据") as caught:
        command("import_receptions", str(write(tmp_path / "r.csv", rows)))
    assert caught.value.returncode == 1
    with pytest.raises(LedgerRejectedError) as refused:
        import_receptions(tmp_path / "r.csv", actor=SYSTEM)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (4, "登记编号")
    assert str(problem).startswith("第4行 登记编号：登记编号“DJ99”不存在")
    assert (leader_work(), ImportBatch.objects.count(), AuditEvent.objects.count()) == before


def test_every_bad_cell_is_named(district: District, ledger: str, tmp_path: Path) -> None:
    rows = [
        ["JF1", "2024-03-07", "定期接访", "大厅", "张书记、李副区长", "党政主要领导、班子成员", "DJ1", "当场解决", ""],
        ["JF1", "2024-03-08", "定期接访", "大厅", "张书记", "党政主要领导", "DJ2", "当场解决", ""],
        ["JF2", "2024-03-14", "座谈", "东风社区", "王主任", "区长", "DJ3", "教育疏导", ""],
        ["JF3", "2024-03-21", "约访", "区信访局", "李副区长、王主任", "班子成员", "", "", ""],
        ["JF4", "2024-04-11", "下访", "", "赵局长", "部门领导", "DJ4", "", "2024-04-10"],
        ["JF5", "2024-04-12", "下访", "", "赵局长", "部门领导", "DJ1", "解决了", ""],
    ]  # fmt: skip
    with pytest.raises(LedgerRejectedError) as refused:
        import_receptions(write(tmp_path / "bad.csv", rows), actor=SYSTEM)
    assert [(p.row, p.column) for p in refused.value.problems] == [
        (3, "接访日期"),  # JF1's 2nd row: 03-08, not 03-07
        (3, "接访领导"),
        (3, "领导层级"),
        (4, "接访形式"),  # 座谈
        (4, "领导层级"),  # 区长
        (5, "领导层级"),  # 2 leaders, 1 tier
        (6, "接访结果"),  # a registration with no outcome
        (6, "交办日期"),  # before the session
        (7, "登记编号"),  # DJ1 twice
        (7, "接访结果"),
    ]
    problems = {(p.row, p.column): p.reason for p in refused.value.problems}
    assert problems[3, "接访日期"] == "同一接访活动（JF1）的第2行为“2024-03-07”，此行为“2024-03-08”"
    assert "“区长”不是领导层级" in problems[4, "领导层级"]
    assert problems[5, "领导层级"] == "接访领导有2位，领导层级应按同样顺序填2个，实为1个"
    assert leader_work() == (0, 0, 0, 2)  # only the ledger's two 包案领导


def test_partial_keeps_good_sessions_and_writes_the_rest_to_fix(
    district: District, ledger: str, tmp_path: Path
) -> None:
    rows = [*RECEPTIONS[:2], ["JF1", "", "", "", "", "", "DJ99", "当场解决", ""], *RECEPTIONS[2:]]
    path = write(tmp_path / "p.csv", rows)
    out, err = command("import_receptions", str(path), "--partial")
    assert "第4行 登记编号：登记编号“DJ99”不存在" in err
    assert "新增接访活动3场（领导参与5人次），新增接访记录2条" in out and "退回3行" in out
    assert set(ReceptionSession.objects.values_list("number", flat=True)) == {"JF2", "JF3", "JF4"}
    with (tmp_path / "p.csv.rejects.csv").open(encoding="utf-8-sig") as fh:
        rejected = list(csv.reader(fh))
    assert rejected[0] == [*HEADER, "原因"]
    assert [r[6] for r in rejected[1:]] == ["DJ1", "DJ2", "DJ99"]
    assert rejected[1][-1] == "同一接访活动（JF1）的第4行有错误，整场退回"


def test_dry_run_writes_nothing(district: District, ledger: str, tmp_path: Path) -> None:
    before = (leader_work(), ImportBatch.objects.count(), AuditEvent.objects.count())
    out, _ = command("import_receptions", str(write(tmp_path / "r.csv", RECEPTIONS)), "--dry-run")
    assert "检查完毕（试运行，未写入）" in out and "新增接访活动4场（领导参与7人次）" in out
    assert (leader_work(), ImportBatch.objects.count(), AuditEvent.objects.count()) == before


def test_importing_the_same_file_again_changes_nothing(
    district: District, ledger: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "r.csv", RECEPTIONS)
    command("import_receptions", str(path))
    before = (leader_work(), ImportBatch.objects.count(), AuditEvent.objects.count())
    out, _ = command("import_receptions", str(path))
    assert "新增接访活动0场（领导参与0人次），新增接访记录0条" in out
    assert "已有接访活动4场、接访记录4条未变" in out and "没有改动任何数据" in out
    assert (leader_work(), ImportBatch.objects.count(), AuditEvent.objects.count()) == before
    # one more reception for a stored session is added; a changed outcome is refused
    extra = [*RECEPTIONS, ["JF3", "2024-03-21", "约访", "区信访局", "李副区长", "班子成员", "DJ5", "当场解决", ""]]  # fmt: skip
    changed = [[*r[:7], "教育疏导", *r[8:]] if r[6] == "DJ1" else r for r in extra]
    with pytest.raises(LedgerRejectedError) as refused:
        import_receptions(write(tmp_path / "c.csv", changed), actor=SYSTEM)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "接访结果")
    assert "此列原为“当场解决”" in problem.reason
    result = import_receptions(write(tmp_path / "e.csv", extra), actor=SYSTEM)
    assert (result.sessions_created, result.receptions_created) == (0, 1)
    assert Reception.objects.get(registration__number="DJ5").session.number == "JF3"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_into_an_empty_leader_work_gives_the_same_file(
    district: District, ledger: str, tmp_path: Path, suffix: str
) -> None:
    command("import_receptions", str(write(tmp_path / "r.csv", RECEPTIONS)))
    first = tmp_path / f"first{suffix}"
    out, _ = command("export_receptions", str(first))
    assert f"已导出5行接访台账到 {first}" in out
    if suffix == ".csv":
        with first.open(encoding="utf-8-sig") as fh:
            assert list(csv.reader(fh)) == [HEADER, *RECEPTIONS]
    PackageReflow.objects.all().delete()
    PackageMatter.objects.all().delete()
    Package.objects.all().delete()
    Reception.objects.all().delete()
    ReceptionSession.objects.all().delete()
    Leader.objects.all().delete()
    command("import_receptions", str(first))
    second = tmp_path / f"second{suffix}"
    command("export_receptions", str(second))
    if suffix == ".csv":
        assert second.read_bytes() == first.read_bytes()
    else:
        from openpyxl import load_workbook

        def cells(path: Path) -> list[tuple[object, ...]]:
            return list(load_workbook(path).worksheets[0].iter_rows(values_only=True))

        assert cells(second) == cells(first) and len(cells(first)) == 6


def test_packages_from_the_ledger_with_a_reflow(district: District, ledger: str) -> None:
    assert "领导包案：新建3件，更新0件，回流1次" in ledger
    assert Package.objects.filter(source=PackageSource.LEDGER).count() == 3
    sx1 = Package.objects.get(items__matter__number="SX1")
    assert (sx1.leader.name, sx1.started_on, sx1.deadline) == ("张书记", date(2024, 3, 8), None)
    assert (sx1.status, sx1.resolved_on) == (PackageStatus.OPEN, None)  # reopened by DJ5
    reflow = PackageReflow.objects.get()
    assert (reflow.package, reflow.registration.number) == (sx1, "DJ5")
    assert (reflow.on, reflow.resolved_before) == (date(2024, 6, 3), date(2024, 5, 10))
    # the matter keeps the 化解日期 the ledger states
    assert Matter.objects.get(number="SX1").resolved_on == date(2024, 5, 10)
    sx3 = Package.objects.get(items__matter__number="SX3")
    assert (sx3.status, sx3.resolved_on) == (PackageStatus.RESOLVED, date(2024, 4, 1))
    assert not PackageMatter.objects.get(package=sx3).open
    sx2 = Package.objects.get(items__matter__number="SX2")
    assert (sx2.status, sx2.leader, sx2.leader.name) == (PackageStatus.OPEN, sx3.leader, "钱主任")
    qian = Leader.objects.get(name="钱主任")
    assert (qian.unit, qian.tier) == (district.city, LeaderTier.MEMBER)
    assert PackageMatter.objects.filter(open=True).count() == 2
    # again: nothing changes
    before = (Package.objects.count(), PackageReflow.objects.count(), AuditEvent.objects.count())
    again = packages_from_ledger()
    assert (again.created, again.updated, again.unchanged, again.reflows) == (0, 0, 3, 0)
    assert not again.changed
    after = (Package.objects.count(), PackageReflow.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_reimporting_the_ledger_makes_no_second_package(
    district: District, ledger: str, tmp_path: Path
) -> None:
    out, _ = command("import_ledger", str(write_csv(tmp_path / "again.csv", LEDGER)))
    assert "领导包案" not in out
    assert Package.objects.count() == 3 and PackageReflow.objects.count() == 1

"""The dispute ledger (A4: import-disputes / export-disputes), through the real commands.

The ledger below, counted by hand:
- JF1 东风社区, found 03-02, settled at 村社区 on 03-10 by 人民调解 (调解成功).
- JF2 东风社区, found 03-05, rose to 东风街道 on 03-20, 行政调解 调解不成, became the petition
  registered as DJ1 (2026-04-01): status 已转信访, linked to DJ1's matter.
- JF3 东风社区, found 04-01, rose 04-16 to the street and 05-05 to the district, open there.
- JF4 西湖街道 (a street: found at 街道乡镇), settled 05-20 without a mediation, 重排.
Disputes 4; escalations 1 + 2 = 3; mediations 2; petitions 1; settled 2; open 1.
"""

# ruff: noqa: E501 (rows of the ledger are kept one to a line, as a spreadsheet shows them)

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
from xinfang.disputes.choices import DisputeLevel, DisputeStatus
from xinfang.disputes.ledger import import_disputes
from xinfang.disputes.models import Dispute, Escalation, Mediation
from xinfang.intake.ledger.importer import LedgerRejectedError
from xinfang.intake.models import ImportBatch, Registration

pytestmark = pytest.mark.django_db

HEADER = ["纠纷编号", "排查日期", "来源", "问题属地", "内容分类", "涉及人数", "风险等级", "责任单位", "情况",
          "当前层级", "调解类型", "调解结果", "化解日期", "转信访登记编号", "升级记录", "重排"]  # fmt: skip

LEDGER = [
    ["JF1", "2026-03-02", "日常排查", "东风社区", "物业管理", "2", "中", "", "相邻两户因宅基地界址发生争执", "村社区", "人民调解", "调解成功", "2026-03-10", "", "", "否"],
    ["JF2", "2026-03-05", "网格上报", "3201010101", "", "12", "高", "东风街道", "小区停车位分配纠纷", "街道乡镇", "行政调解", "调解不成", "", "DJ1", "2026-03-20 街道乡镇", "否"],
    ["JF3", "2026-04-01", "群众反映", "东风社区", "拖欠工资", "30", "高", "示范区", "工程款拖欠引发务工人员不满", "区县", "", "", "", "", "2026-04-16 街道乡镇；2026-05-05 区县", ""],
    ["JF4", "2026-05-06", "日常排查", "西湖街道", "", "3", "低", "", "夜间施工噪音", "街道乡镇", "", "", "2026-05-20", "", "", "是"],
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
def ledger(district: District, tmp_path: Path) -> None:
    """DJ1: the registration JF2 became (2026-04-01, 东风社区)."""
    rows = [row(登记编号="DJ1", 事项编号="SX1", 登记日期="2026-04-01", 问题属地="东风社区")]
    command("import_ledger", str(write_csv(tmp_path / "ledger.csv", rows)))


def snapshot() -> list[tuple[object, ...]]:
    disputes = [
        (d.number, d.found_on, d.source, d.place.name, d.category.name if d.category else "",
         d.parties, d.risk, d.owner_unit.name, d.level, d.level_since, d.level_due, d.status,
         d.settled_on, d.settled_level, d.rescreened,
         d.registration.number if d.registration else "", d.matter_id, d.petition_on)
        for d in Dispute.objects.order_by("number")
    ]  # fmt: skip
    escalations = [
        (e.dispute.number, e.on, e.from_level, e.to_level)
        for e in Escalation.objects.order_by("dispute__number", "on")
    ]
    mediations = [
        (m.dispute.number, m.kind, m.level, m.mediator, m.result, m.started_on, m.concluded_on)
        for m in Mediation.objects.order_by("dispute__number")
    ]
    return [*disputes, *escalations, *mediations]


def test_a_ledger_becomes_disputes_escalations_mediations_and_a_petition(
    district: District, ledger: None, tmp_path: Path
) -> None:
    out, _ = command("import_disputes", str(write(tmp_path / "d.csv", LEDGER)))
    assert (
        "共4行，新增矛盾纠纷4件（升级记录3条，调解2次，转信访1件），已有纠纷0件未变，退回0行" in out
    )
    assert Dispute.objects.count() == 4
    jf1 = Dispute.objects.get(number="JF1")
    assert (jf1.status, jf1.level, jf1.settled_on, jf1.settled_level, jf1.owner_unit) == (
        DisputeStatus.SETTLED, DisputeLevel.VILLAGE, date(2026, 3, 10), DisputeLevel.VILLAGE, district.village_a
    )  # fmt: skip
    assert jf1.level_due == date(2026, 3, 17)  # 03-02 + 15 days (a working day), as the services
    m1 = jf1.mediations.get()
    assert (m1.kind, m1.result, m1.concluded_on, m1.organisation) == (
        "people", "success", date(2026, 3, 10), district.village_a
    )  # fmt: skip
    jf2 = Dispute.objects.get(number="JF2")
    dj1 = Registration.objects.get(number="DJ1")
    assert (jf2.status, jf2.registration, jf2.matter, jf2.petition_on) == (
        DisputeStatus.PETITION, dj1, dj1.matter, date(2026, 4, 1)
    )  # fmt: skip
    assert (jf2.level, jf2.level_since, jf2.owner_unit) == (
        "street",
        date(2026, 3, 20),
        district.street_a,
    )
    assert list(jf2.escalations.values_list("on", "from_level", "to_level")) == [
        (date(2026, 3, 20), "village", "street")
    ]
    jf3 = Dispute.objects.get(number="JF3")
    assert (jf3.status, jf3.level, jf3.owner_unit, jf3.level_due) == (
        DisputeStatus.OPEN,
        DisputeLevel.DISTRICT,
        district.district,
        date(2026, 6, 4),
    )  # fmt: skip  (05-05 + 30 days at 区县, a working day)
    assert list(jf3.escalations.values_list("from_level", "to_level")) == [
        ("village", "street"), ("street", "district")
    ]  # fmt: skip
    jf4 = Dispute.objects.get(number="JF4")
    assert (jf4.status, jf4.level, jf4.owner_unit, jf4.rescreened, jf4.mediations.count()) == (
        DisputeStatus.SETTLED, DisputeLevel.STREET, district.street_b, True, 0
    )  # fmt: skip
    assert Escalation.objects.count() == 3
    assert Mediation.objects.count() == 2
    # audited: one event per dispute (the petition's on its matter too), one for the run
    assert AuditEvent.objects.filter(action="dispute.import").count() == 4
    assert (
        AuditEvent.objects.get(action="dispute.import", object_id=str(jf2.pk)).matter == dj1.matter
    )
    batch = ImportBatch.objects.get(mode="disputes")
    assert (batch.rows, batch.created, batch.rejected) == (4, 4, 0)


def test_a_bad_ledger_is_refused_whole_with_every_cell_named(
    district: District, ledger: None, tmp_path: Path
) -> None:
    bad = [
        LEDGER[0],
        ["JF9", "2026-13-01", "上级交办", "火星街道", "", "0", "中", "", "某事", "村社区", "", "", "", "", "", ""],
        ["JF10", "2026-03-02", "日常排查", "东风社区", "", "2", "中", "", "某事", "村社区", "人民调解", "调解成功", "", "DJ404", "", ""],
        ["JF11", "2026-03-02", "日常排查", "东风社区", "", "2", "中", "", "某事\u202e", "区县", "", "", "", "", "2026-03-20 区县；2026-03-10 街道乡镇", "可能"],
        ["JF10", "2026-03-02", "日常排查", "东风社区", "", "2", "中", "", "某事", "村社区", "", "", "", "", "", ""],
        ["JF12", "2026-03-05", "日常排查", "东风社区", "", "2", "中", "", "某事", "街道乡镇", "", "", "2026-03-03", "DJ404", "2026-03-01 街道乡镇", ""],
        ["JF13", "2026-03-05", "日常排查", "区住房和城乡建设局", "", "2", "中", "", "某事", "村社区", "", "", "", "", "", ""],
        ["JF14", "2026-03-05", "专项排查", "东风社区", "", "2", "中", "西湖街道", "某事", "村社区", "", "调解不成", "", "", "", ""],
    ]  # fmt: skip
    path = write(tmp_path / "bad.csv", bad)
    with pytest.raises(CommandError) as refused:
        command("import_disputes", str(path))
    assert str(refused.value) == "纠纷台账未导入：18处错误，没有写入任何数据"
    with pytest.raises(LedgerRejectedError) as caught:
        import_disputes(path, actor=SYSTEM)
    assert [str(p) for p in caught.value.problems] == [
        "第3行 排查日期：日期“2026-13-01”不存在",
        "第3行 来源：应为日常排查、专项排查、网格上报、群众反映之一，实为“上级交办”",
        "第3行 问题属地：组织树中没有编码或名称为“火星街道”的单位",
        "第3行 涉及人数：涉及人数应为1至100000之间的整数，实为“0”",
        "第4行 调解结果：调解成功的纠纷已化解，不能再转信访",
        "第4行 化解日期：调解成功的纠纷应填写化解日期",
        "第4行 转信访登记编号：登记编号“DJ404”不存在：应为已导入台账的登记，请先用 xinfang import-ledger 导入台账",
        "第5行 情况：含有不可见的文字方向控制字符（U+202E），请删除后重新导入",
        "第5行 升级记录：层级只能上升（村社区→街道乡镇→区县，属地没有的层级跳过），不能由区县到街道乡镇，实为“2026-03-20 区县；2026-03-10 街道乡镇”",
        "第5行 重排：应为是或否，实为“可能”",
        "第6行 纠纷编号：与第4行重复：一件纠纷只写一行",
        "第7行 化解日期：已转信访的纠纷不填化解日期（转信访后按信访事项统计）",
        "第7行 化解日期：化解日期2026-03-03早于排查日期2026-03-05",
        "第7行 转信访登记编号：登记编号“DJ404”不存在：应为已导入台账的登记，请先用 xinfang import-ledger 导入台账",
        "第7行 升级记录：升级日期2026-03-01早于排查日期2026-03-05",
        "第8行 当前层级：问题属地“区住房和城乡建设局”之上没有村社区一级的单位",
        "第9行 责任单位：责任单位“西湖街道”不在当前层级（村社区）的单位“东风社区”之内",
        "第9行 调解类型：填写了调解结果，应填写调解类型",
    ]
    assert Dispute.objects.count() == 0
    assert not ImportBatch.objects.filter(mode__startswith="disputes").exists()


def test_partial_imports_the_good_rows_and_writes_the_rest_to_be_fixed(
    district: District, ledger: None, tmp_path: Path
) -> None:
    bad = ["JF9", "2026-03-02", "日常排查", "东风社区", "", "2", "特高", "", "某事", "村社区", "", "", "", "", "", ""]  # fmt: skip
    path = write(tmp_path / "p.csv", [LEDGER[0], bad, LEDGER[3]])
    out, err = command("import_disputes", str(path), "--partial")
    assert "共3行，新增矛盾纠纷2件" in out
    assert "退回1行" in out
    assert err.strip() == "第3行 风险等级：应为低、中、高之一，实为“特高”"
    assert sorted(Dispute.objects.values_list("number", flat=True)) == ["JF1", "JF4"]
    with (tmp_path / "p.csv.rejects.csv").open(encoding="utf-8-sig") as fh:
        rejects = list(csv.reader(fh))
    assert rejects[0] == [*HEADER, "原因"]
    assert rejects[1] == [*bad, "风险等级：应为低、中、高之一，实为“特高”"]
    # fixed and imported again: the row comes in, the others are unchanged
    fixed = write(tmp_path / "fixed.csv", [[*bad[:6], "高", *bad[7:]]])
    out, _ = command("import_disputes", str(fixed))
    assert "新增矛盾纠纷1件" in out
    assert Dispute.objects.get(number="JF9").risk == "high"


def test_dry_run_checks_and_counts_but_writes_nothing(
    district: District, ledger: None, tmp_path: Path
) -> None:
    out, _ = command("import_disputes", str(write(tmp_path / "d.csv", LEDGER)), "--dry-run")
    assert (
        "检查完毕（试运行，未写入）：共4行，新增矛盾纠纷4件（升级记录3条，调解2次，转信访1件）"
        in out
    )
    assert Dispute.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="dispute").exists()


def test_importing_twice_changes_nothing_and_a_changed_row_is_named(
    district: District, ledger: None, tmp_path: Path
) -> None:
    path = write(tmp_path / "d.csv", LEDGER)
    command("import_disputes", str(path))
    before, events = snapshot(), AuditEvent.objects.count()
    out, _ = command("import_disputes", str(path))
    assert "新增矛盾纠纷0件" in out and "已有纠纷4件未变" in out
    assert "没有改动任何数据" in out
    assert snapshot() == before
    assert AuditEvent.objects.count() == events
    changed = [list(r) for r in LEDGER]
    changed[2][7], changed[2][9] = "东风街道", "街道乡镇"  # JF3 said to be lower now
    changed[2][14] = "2026-04-16 街道乡镇"
    with pytest.raises(LedgerRejectedError) as caught:
        import_disputes(write(tmp_path / "c.csv", changed), actor=SYSTEM)
    assert [str(p) for p in caught.value.problems] == [
        "第4行 责任单位：纠纷编号“JF3”已导入，此列原为“示范区”；已导入的纠纷不能改动",
        "第4行 当前层级：纠纷编号“JF3”已导入，此列原为“区县”；已导入的纠纷不能改动",
        "第4行 升级记录：纠纷编号“JF3”已导入，此列原为“2026-04-16 街道乡镇；2026-05-05 区县”；已导入的纠纷不能改动",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_disputes(
    district: District, ledger: None, tmp_path: Path, suffix: str
) -> None:
    command("import_disputes", str(write(tmp_path / "d.csv", LEDGER)))
    exported = tmp_path / f"out{suffix}"
    out, _ = command("export_disputes", str(exported))
    assert out.strip() == f"已导出4行矛盾纠纷台账到 {exported}"
    if suffix == ".csv":
        with exported.open(encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == HEADER
        # the file as typed, in its export spelling: units by name, 重排 written 是/否
        expected = [list(r) for r in LEDGER]
        expected[0][7] = "东风社区"
        expected[1][3] = "东风社区"
        expected[2][15] = "否"
        expected[3][7] = "西湖街道"
        assert rows[1:] == expected
    before = snapshot()
    # the same database: nothing changes
    again, _ = command("import_disputes", str(exported))
    assert "新增矛盾纠纷0件" in again and "已有纠纷4件未变" in again
    # an empty database (the ledger of registrations kept): the same disputes come back
    Escalation.objects.all().delete()
    Mediation.objects.all().delete()
    Dispute.objects.all().delete()
    command("import_disputes", str(exported))
    after = snapshot()
    matter = Registration.objects.get(number="DJ1").matter_id
    assert after == before
    assert ("JF2", date(2026, 3, 5)) == after[1][:2] and after[1][16] == matter


def test_a_petition_link_names_a_registration_that_exists_and_one_that_does_not(
    district: District, ledger: None, tmp_path: Path
) -> None:
    linked = ["JF20", "2026-03-05", "群众反映", "东风社区", "", "4", "中", "", "邻里漏水纠纷", "村社区", "", "", "", "DJ1", "", ""]  # fmt: skip
    missing = ["JF21", "2026-03-05", "群众反映", "东风社区", "", "4", "中", "", "邻里漏水纠纷", "村社区", "", "", "", "DJ2", "", ""]  # fmt: skip
    too_early = ["JF22", "2026-04-02", "群众反映", "东风社区", "", "4", "中", "", "邻里漏水纠纷", "村社区", "", "", "", "DJ1", "", ""]  # fmt: skip
    with pytest.raises(LedgerRejectedError) as caught:
        import_disputes(write(tmp_path / "m.csv", [linked, missing, too_early]), actor=SYSTEM)
    assert [str(p) for p in caught.value.problems] == [
        "第3行 转信访登记编号：登记编号“DJ2”不存在：应为已导入台账的登记，请先用 xinfang import-ledger 导入台账",
        "第4行 转信访登记编号：登记“DJ1”的登记日期2026-04-01早于排查日期2026-04-02：转信访应在排查之后",
    ]
    result = import_disputes(write(tmp_path / "ok.csv", [linked]), actor=SYSTEM)
    assert (result.created, result.petitions) == (1, 1)
    dispute = Dispute.objects.get(number="JF20")
    dj1 = Registration.objects.get(number="DJ1")
    assert (dispute.status, dispute.registration, dispute.matter_id) == (
        DisputeStatus.PETITION, dj1, dj1.matter_id
    )  # fmt: skip
    # the matter's own history shows it
    assert AuditEvent.objects.filter(action="dispute.import", matter=dj1.matter).count() == 1


def test_a_unit_imports_only_within_its_area(
    district: District, ledger: None, tmp_path: Path
) -> None:
    from tests.conftest import make_user
    from xinfang.accounts.models import Role

    clerk = make_user("village_importer", Role.OFFICER, district.street_a)
    west = LEDGER[3]  # 西湖街道: another street
    with pytest.raises(LedgerRejectedError) as caught:
        import_disputes(write(tmp_path / "w.csv", [LEDGER[0], west]), actor=clerk)
    assert [str(p) for p in caught.value.problems] == [
        "第3行 问题属地：“西湖街道”不在您的单位范围内"
    ]
    assert Dispute.objects.count() == 0


def test_escalations_skip_a_level_the_place_lacks_as_the_clock_does(
    district: District, tmp_path: Path
) -> None:
    """One rule with the scan and escalate (disputes.clocks.rises_to): a village directly under
    the district rises straight to 区县; a step down, a level the place lacks, refused."""
    from xinfang.organisation.models import UnitKind
    from xinfang.organisation.services import unit_create

    unit_create(code="32010199", name="直属村", kind=UnitKind.VILLAGE, parent=district.district)
    unit_create(code="320199", name="开发区街道", kind=UnitKind.STREET, parent=district.city)
    bad = [
        ["JF21", "2026-03-02", "日常排查", "东风社区", "", "2", "中", "", "某事", "村社区", "", "", "", "", "2026-03-10 街道乡镇；2026-03-20 村社区", ""],
        ["JF22", "2026-03-02", "日常排查", "直属村", "", "2", "中", "", "某事", "街道乡镇", "", "", "", "", "2026-03-18 街道乡镇", ""],
        ["JF23", "2026-03-02", "日常排查", "开发区街道", "", "2", "中", "", "某事", "区县", "", "", "", "", "2026-03-18 区县", ""],
        ["JF24", "2026-03-02", "日常排查", "西湖街道", "", "2", "中", "", "某事", "街道乡镇", "", "", "", "", "2026-03-18 街道乡镇", ""],
    ]  # fmt: skip
    with pytest.raises(LedgerRejectedError) as caught:
        import_disputes(write(tmp_path / "bad.csv", bad), actor=SYSTEM)
    assert [str(p) for p in caught.value.problems] == [
        "第2行 升级记录：层级只能上升（村社区→街道乡镇→区县，属地没有的层级跳过），不能由街道乡镇到村社区，实为“2026-03-10 街道乡镇；2026-03-20 村社区”",
        "第3行 升级记录：问题属地“直属村”之上没有街道乡镇一级的单位",
        "第4行 升级记录：问题属地“开发区街道”之上没有区县一级的单位",
        "第5行 升级记录：问题属地“西湖街道”没有街道乡镇以下的层级，纠纷不能升至街道乡镇",
    ]
    assert Dispute.objects.count() == 0
    good = [
        ["JF25", "2026-03-02", "网格上报", "直属村", "", "3", "低", "", "村道占用引发邻里纠纷", "区县", "", "", "", "", "2026-03-18 区县", ""],
    ]  # fmt: skip
    import_disputes(write(tmp_path / "good.csv", good), actor=SYSTEM)
    jf25 = Dispute.objects.get(number="JF25")
    assert (jf25.level, jf25.owner_unit, jf25.street_unit, jf25.level_since) == (
        DisputeLevel.DISTRICT, district.district, None, date(2026, 3, 18)
    )  # fmt: skip
    assert jf25.level_due == date(2026, 4, 17)  # 03-18 + 30 at 区县, as the scan counts it
    assert list(jf25.escalations.values_list("on", "from_level", "to_level")) == [
        (date(2026, 3, 18), "village", "district")
    ]

"""Merging the history's repeats (issue 15 item 3): propose-merges writes groups with evidence for a
person to review, apply-merges merges only the marked ones (audited), unmerge undoes one."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.analytics_support import Ledger, report
from tests.conftest import District, register
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.models import Matter, Registration, SimilarGram
from xinfang.intake.similar.index import kept_pairs
from xinfang.intake.similar.lookup import Probe, Scope, similar_matters
from xinfang.workflow.merges import merge_problems
from xinfang.workflow.models import MatterMerge

pytestmark = pytest.mark.django_db

WAGES = "东风社区华美建筑公司拖欠农民工工资八万元，我们多次讨要未果，要求尽快支付。"
# the same claim written again by the same man: another order, synonyms, a clause added
WAGES_AGAIN = "我们多次讨要末果，过年了还不给。华美建筑公司欠农民工工钱８万元，请求尽快支付。"
ELEVATOR = "西湖街道锦绣花园小区3幢电梯自今年五月起多次停运困人，物业公司一直不修，要求督促维修。"
# her son, at the same address, about the same lift
ELEVATOR_AGAIN = (
    "锦绣花园小区3幢电梯自今年五月起多次停运困人，老人下不了楼，物业公司一直不修，要求维修。"
)
SMOKE = "东风街道一家烧烤店油烟直排，影响周边住户休息，要求整治。"
ACCUSE = "检举华美建筑公司负责人行贿东风社区干部，拖欠农民工工资八万元不付。"
ID = "110101199003074514"


@pytest.fixture
def history(district: District, tmp_path: Path) -> dict[str, str]:
    """Six matters imported from a ledger, seven registrations; two pairs are one matter each.

    T-1  two registrations, 张建国 (ID), 东风社区, 拖欠工资 — replied
    T-2  张建国 again, the same claim re-worded                       → one matter with T-1
    T-3  李桂英, 西湖街道, 物业管理, the lift
    T-4  李建华, her son at her address, the same lift re-worded       → one matter with T-3
    T-5  赵敏, 东风街道, another problem
    T-6  张建国, an accusation about the same company: never with T-1
    """
    ledger = Ledger(tmp_path)
    wages = {"信访人": "张建国", "身份证号": ID, "内容分类": "拖欠工资", "信访目的": "申诉求决"}
    ledger.add(
        "2025-01-06",
        "3201010101",
        事项编号="T-1",
        反映内容=WAGES,
        **wages,
        处理方式="受理",
        处理日期="2025-01-08",
        答复日期="2025-02-20",
    )
    ledger.add("2025-02-10", "3201010101", 事项编号="T-1", 渠道="来信", 反映内容=WAGES, **wages)
    ledger.add(
        "2025-03-03", "3201010101", 事项编号="T-2", 渠道="网上", 反映内容=WAGES_AGAIN, **wages
    )
    lift = {"内容分类": "物业管理", "信访目的": "申诉求决"}
    home = "示范区西湖街道锦绣花园3幢2单元501室"
    ledger.add(
        "2025-01-15",
        "32010102",
        事项编号="T-3",
        信访人="李桂英",
        联系电话="13900000001",
        住址=home,
        反映内容=ELEVATOR,
        **lift,
    )
    ledger.add(
        "2025-02-18",
        "32010102",
        事项编号="T-4",
        渠道="来电",
        信访人="李建华",
        联系电话="13900000002",
        住址=home,
        反映内容=ELEVATOR_AGAIN,
        **lift,
    )
    ledger.add(
        "2025-03-10",
        "32010101",
        事项编号="T-5",
        渠道="来信",
        信访人="赵敏",
        联系电话="13900000003",
        内容分类="环境保护",
        反映内容=SMOKE,
    )
    ledger.add(
        "2025-03-12",
        "3201010101",
        事项编号="T-6",
        渠道="来信",
        信访人="张建国",
        身份证号=ID,
        内容分类="拖欠工资",
        信访目的="检举控告",
        反映内容=ACCUSE,
    )
    ledger.load()
    return {"file": str(tmp_path / "待审核.csv")}


def propose(path: str, **options: object) -> str:
    out = StringIO()
    call_command("propose_merges", path, stdout=out, **options)
    return out.getvalue()


def read_groups(path: str) -> tuple[list[str], list[list[str]]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], [row for row in rows[1:] if any(row)]


def groups_of(path: str) -> list[list[str]]:
    header, rows = read_groups(path)
    at, number = header.index("组号"), header.index("事项编号")
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row[at], []).append(row[number])
    return list(found.values())


def mark(path: str, groups: set[str], out: str | None = None, **changes: str) -> str:
    """The file with 合并 = 是 on every row of `groups`; `changes` sets cells by "行号:列名"."""
    header, rows = read_groups(path)
    at = header.index("组号")
    for row in rows:
        if row[at] in groups:
            row[header.index("合并")] = "是"
    for where, value in changes.items():
        line, column = where.split(":")
        rows[int(line)][header.index(column)] = value
    target = Path(out or path)
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(target)


def apply(path: str, **options: object) -> str:
    out = StringIO()
    call_command("apply_merges", path, stdout=out, **options)
    return out.getvalue()


def numbers() -> list[str]:
    return sorted(Matter.objects.values_list("number", flat=True))


def test_the_file_lists_the_two_repeats_with_their_evidence(history: dict[str, str]) -> None:
    text = propose(history["file"])
    assert "找到2组" in text and "纯件数减少2件" in text
    assert groups_of(history["file"]) == [["T-1", "T-2"], ["T-3", "T-4"]]
    header, rows = read_groups(history["file"])
    cell = {
        (row[header.index("事项编号")], name): row[header.index(name)]
        for row in rows
        for name in header
    }
    assert cell[("T-1", "保留")] == "保留" and cell[("T-2", "保留")] == ""
    assert all(cell[(n, "合并")] == "" for n in ("T-1", "T-2", "T-3", "T-4"))  # nothing marked
    assert "身份证号相同" in cell[("T-2", "依据")]
    assert "同一属地同一分类" in cell[("T-2", "依据")]
    assert "华美建筑公司" in cell[("T-2", "共同词语")]
    assert cell[("T-4", "依据")].startswith("住址相同；同一属地同一分类；内容相近0.")  # the son
    assert "锦绣花园小区3幢电梯自今年五月起多次停运困人" in cell[("T-4", "共同词语")]
    assert cell[("T-1", "状态")] == "已答复" and cell[("T-1", "登记次数")] == "2"
    assert ID not in Path(history["file"]).read_text("utf-8-sig")  # names, never numbers
    assert Matter.objects.count() == 6 and not MatterMerge.objects.exists()  # nothing merged


def test_only_the_marked_group_is_merged_and_the_count_drops(history: dict[str, str]) -> None:
    before = report("320101", "2025-01-01", "2025-03-31")["totals"]
    assert (before["batches"], before["matters"], before["first_matters"]) == (7, 6, 6)
    propose(history["file"])
    text = apply(mark(history["file"], {"1"}))
    assert "T-2 并入 T-1" in text and "纯件数减少1件" in text
    assert numbers() == ["T-1", "T-3", "T-4", "T-5", "T-6"]  # T-3 and T-4 were not marked
    kept = Matter.objects.get(number="T-1")
    assert kept.registration_count == 3 and kept.status == "replied"
    assert kept.last_received_on.isoformat() == "2025-03-03"
    moved = Registration.objects.get(matter=kept, received_on="2025-03-03")
    assert moved.is_first is False  # now a repeat of T-1 (重复信访)
    after = report("320101", "2025-01-01", "2025-03-31")["totals"]
    assert (after["batches"], after["matters"], after["first_matters"]) == (7, 5, 5)
    # the monthly summaries the report reads agree with the rows themselves
    assert after == report_rows("320101", "2025-01-01", "2025-03-31")
    merge = MatterMerge.objects.get()
    assert (merge.kept, merge.absorbed_number, merge.undone_at) == (kept, "T-2", None)
    event = AuditEvent.objects.get(action="matter.merge")
    assert event.matter == kept and event.data["absorbed"] == "T-2"
    assert SimilarGram.objects.filter(matter=kept).exists()
    assert not Matter.objects.filter(number="T-2").exists()


def report_rows(code: str, start: str, end: str) -> dict[str, object]:
    from datetime import date

    from xinfang.analytics.counting import build_report
    from xinfang.analytics.periods import Period
    from xinfang.organisation.models import OrgUnit

    return build_report(
        org=OrgUnit.objects.get(code=code),
        period=Period(date.fromisoformat(start), date.fromisoformat(end)),
        use_summary=False,
    )["totals"]


def test_unmerge_puts_the_matter_back_as_it_was(history: dict[str, str]) -> None:
    propose(history["file"])
    absorbed = Matter.objects.get(number="T-2")
    was = {f.attname: getattr(absorbed, f.attname) for f in Matter._meta.concrete_fields}
    apply(mark(history["file"], {"1", "2"}))
    assert numbers() == ["T-1", "T-3", "T-5", "T-6"]
    out = StringIO()
    call_command("unmerge", "T-2", stdout=out)
    assert "T-2恢复为单独事项" in out.getvalue()
    back = Matter.objects.get(number="T-2")
    now = {f.attname: getattr(back, f.attname) for f in Matter._meta.concrete_fields}
    assert {k: v for k, v in now.items() if k != "version"} == {
        k: v for k, v in was.items() if k != "version"
    }
    assert back.registrations.get().is_first is True
    assert Matter.objects.get(number="T-1").registration_count == 2
    totals = report("320101", "2025-01-01", "2025-03-31")["totals"]
    assert (totals["matters"], totals["first_matters"]) == (5, 5)  # T-4 is still merged
    assert AuditEvent.objects.filter(action="matter.unmerge").count() == 1
    with pytest.raises(CommandError, match="没有可撤销的合并"):
        call_command("unmerge", "T-2", stdout=StringIO())
    call_command("unmerge", "T-3", stdout=StringIO())  # the kept one: every merge into it
    assert numbers() == ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"0:合并": "可以"}, "第2行：“合并”一栏请填“是”或留空"),
        ({"1:合并": ""}, "只标了一件事项"),
        ({"1:保留": "保留"}, "应有且只有一件标“保留”"),
        ({"0:保留": ""}, "应有且只有一件标“保留”"),
        ({"1:事项编号": "T-9"}, "没有编号为T-9的事项"),
        ({"1:事项编号": "T-6"}, "一件是检举控告、一件不是"),
        ({"1:事项编号": "T-1"}, "T-1已在第1组中"),
        ({"0:保留": "", "1:保留": "保留"}, "的办理进度超过保留事项T-2"),
    ],
)
def test_a_bad_file_is_refused_whole_and_changes_nothing(
    history: dict[str, str], changes: dict[str, str], message: str
) -> None:
    propose(history["file"])
    bad = mark(history["file"], {"1", "2"}, **changes)
    err = StringIO()
    with pytest.raises(CommandError, match="未合并任何事项"):
        call_command("apply_merges", bad, stdout=StringIO(), stderr=err)
    assert message in err.getvalue()
    assert len(numbers()) == 6 and not MatterMerge.objects.exists()


def test_a_file_without_marks_or_columns_is_refused(
    history: dict[str, str], tmp_path: Path
) -> None:
    propose(history["file"])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("apply_merges", history["file"], stdout=StringIO(), stderr=err)
    assert "没有标为合并的事项" in err.getvalue()
    other = tmp_path / "other.csv"
    other.write_text("事项编号,合并\nT-1,是\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("apply_merges", str(other), stdout=StringIO(), stderr=err)
    assert "缺少列：组号、保留" in err.getvalue()
    assert len(numbers()) == 6


def test_a_merged_matter_cannot_be_merged_again(history: dict[str, str], tmp_path: Path) -> None:
    propose(history["file"])
    marked = mark(history["file"], {"1"})
    again = mark(history["file"], {"1"}, out=str(tmp_path / "again.csv"))
    apply(marked)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("apply_merges", again, stdout=StringIO(), stderr=err)
    assert "T-2已并入T-1" in err.getvalue()


def test_only_those_who_may_merge(history: dict[str, str], district: District) -> None:
    with pytest.raises(CommandError, match="没有此项操作的权限"):
        propose(history["file"], user="registrar")
    with pytest.raises(CommandError, match="没有此项操作的权限"):
        propose(history["file"], user="admin")
    propose(history["file"], user="officer")  # the bureau's officer, who imports the ledger
    assert "T-2 并入 T-1" in apply(mark(history["file"], {"1"}), user="officer")
    assert AuditEvent.objects.get(action="matter.merge").actor == district.users["officer"]


def test_a_matter_with_a_history_of_its_own_only_keeps(district: District) -> None:
    """Registered at the desk, a matter has audit rows (append-only): it can keep, not go."""
    desk = register(district, locality=district.village_a, content=WAGES)
    again = register(district, locality=district.village_a, content=WAGES_AGAIN)
    problems = merge_problems(desk, [again])
    assert len(problems) == 1 and f"{again.number}已有" in problems[0]
    assert "可改为保留该事项" in problems[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_index_of_an_upgraded_database(district: District) -> None:
    """Back to before the fill (intake 0017) the index is empty, as an installation of then left
    it with its matters; migrated forward, the look-up finds the matter at once."""
    matter = register(district, locality=district.village_a, content=WAGES)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("intake", "0017_registration_grams")])
        assert not SimilarGram.objects.exists()
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        assert {m for m, _ in kept_pairs()} == {matter.pk}
        found = similar_matters(actor=SYSTEM, probe=Probe(content=WAGES_AGAIN), scope=Scope.ALL)
        assert [m.matter.pk for m in found] == [matter.pk]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)


def test_an_imported_matter_is_held_by_nothing_but_what_refers_to_it(
    history: dict[str, str], district: District
) -> None:
    """The similar index's rows go with a matter; a record of another kind keeps it."""
    from datetime import date

    from xinfang.analytics.models import SpotCheckDeduction
    from xinfang.intake.similar.index import reindex
    from xinfang.workflow.merges import holders

    reindex()
    kept, again = Matter.objects.get(number="T-1"), Matter.objects.get(number="T-2")
    assert again.pk in {m for m, _ in kept_pairs()}  # in the posting lists: no row to hold it
    assert holders(again) == [] and merge_problems(kept, [again]) == []
    SpotCheckDeduction.objects.create(
        unit=district.street_a, checked_on=date(2025, 4, 1), points=1, reason="抽查", matter=again
    )
    assert holders(again) == ["抽查扣分"]
    assert "T-2已有抽查扣分，不能并入其他事项" in merge_problems(kept, [again])[0]

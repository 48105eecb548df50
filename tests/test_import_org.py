"""Importing the organisation tree (contract A2): any row order, updates, and refusals."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import District
from tests.ledger_rows import write_xlsx
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.organisation.importer import OrgFileRejectedError, org_import
from xinfang.organisation.models import OrgUnit

TREE = [
    ("3202010101", "桥头社区", "32020101", "村社区"),
    ("32020101", "桥头街道", "320201", "街道乡镇"),
    ("320201", "新河区", "3202", "区县"),
    ("3202", "江城市", "", "市"),
    ("32020190", "新河区纪委监委", "320201", "部门"),
    ("32020191", "新河区信访局", "320201", "部门"),
]


HEADER = "编码,名称,上级编码,类型"


def org_csv(path: Path, rows: list[tuple[str, ...]], header: str = HEADER) -> Path:
    lines = [header, *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_org", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_children_may_come_before_parents(db: None, tmp_path: Path) -> None:
    out = run(org_csv(tmp_path / "org.csv", TREE))
    assert "新增单位6个（其中按名称认定为纪检监察机关1个）" in out
    village = OrgUnit.objects.get(code="3202010101")
    chain = [OrgUnit.objects.get(pk=pk).code for pk in village.ancestor_ids()]
    assert chain == ["3202", "320201", "32020101", "3202010101"]
    assert village.depth == 3 and village.kind == "village"
    flags = dict(OrgUnit.objects.values_list("code", "is_discipline_organ"))
    assert flags["32020190"] is True and flags["32020191"] is False
    assert AuditEvent.objects.filter(action="orgunit.create").count() == 6
    event = AuditEvent.objects.get(action="organisation.import")
    assert event.data["created"] == 6 and len(event.data["sha256"]) == 64


def test_loading_again_updates_and_keeps_the_rest(db: None, tmp_path: Path) -> None:
    org_import(actor=SYSTEM, path=org_csv(tmp_path / "a.csv", TREE))
    # 桥头街道 is renamed and its community moves directly under the district; the bureau
    # and the discipline organ swap names, which the sibling constraint allows only in steps.
    changed = [
        ("3202010101", "桥头社区", "320201", "村社区"),
        ("32020101", "桥东街道", "320201", "街道乡镇"),
        ("32020190", "新河区信访局", "320201", "部门"),
        ("32020191", "新河区纪委监委", "320201", "部门"),
    ]
    summary = org_import(actor=SYSTEM, path=org_csv(tmp_path / "b.csv", changed))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 4, 0)
    village = OrgUnit.objects.get(code="3202010101")
    assert village.parent is not None and village.parent.code == "320201"
    assert village.path == f"{village.parent.path}{village.pk}/"
    assert OrgUnit.objects.get(code="32020101").name == "桥东街道"
    # The discipline-organ flag is set only on creation: a new name neither grants nor takes it.
    flags = dict(OrgUnit.objects.values_list("code", "is_discipline_organ"))
    assert (flags["32020191"], flags["32020190"]) == (False, True)
    assert "已有单位的标记不变" in summary.text() and "纪检监察机关0个" in summary.text()
    assert OrgUnit.objects.count() == 6
    rename = AuditEvent.objects.get(action="orgunit.update", data__code="32020101")
    assert rename.data["changes"] == {"name": ["桥头街道", "桥东街道"]}
    moved = AuditEvent.objects.get(action="orgunit.update", data__code="3202010101")
    assert moved.data["changes"] == {"parent": ["32020101", "320201"]}
    again = org_import(actor=SYSTEM, path=org_csv(tmp_path / "b2.csv", changed))
    assert (again.updated, again.unchanged) == (0, 4)


def test_a_bad_tree_is_refused_with_row_numbers(db: None, tmp_path: Path) -> None:
    rows = [
        ("A", "甲市", "", "市"),
        ("B", "乙区", "C", "区县"),
        ("C", "丙街道", "B", "街道乡镇"),
        ("D", "丁街道", "X", "街道乡镇"),
        ("E", "甲区", "A", "区县"),
        ("F", "甲区", "A", "区县"),
        ("A", "重复", "", "市"),
        ("G", "", "A", "镇"),
    ]
    with pytest.raises(OrgFileRejectedError) as caught:
        org_import(actor=SYSTEM, path=org_csv(tmp_path / "bad.csv", rows))
    assert [str(p) for p in caught.value.problems] == [
        "第8行 编码：与第2行重复",
        "第9行 名称：不能为空",
        "第9行 类型：应为市、区县、街道乡镇、村社区、部门之一，实为“镇”",
    ]
    # Row problems first; the tree is checked once every row reads well.
    fixed = rows[:6]
    with pytest.raises(OrgFileRejectedError) as caught:
        org_import(actor=SYSTEM, path=org_csv(tmp_path / "bad2.csv", fixed))
    assert [str(p) for p in caught.value.problems] == [
        "第3行 上级编码：上级关系成环：B → C → B",
        "第4行 上级编码：上级关系成环：C → B → C",
        "第5行 上级编码：没有编码为“X”的单位",
        "第6行 名称：与第7行同属一个上级，名称“甲区”重复",
        "第7行 名称：与第6行同属一个上级，名称“甲区”重复",
    ]
    assert not OrgUnit.objects.exists() and not AuditEvent.objects.exists()


def test_a_name_clash_with_a_unit_already_there(district: District, tmp_path: Path) -> None:
    rows = [("32010103", "东风街道", "320101", "街道乡镇")]
    with pytest.raises(OrgFileRejectedError) as caught:
        org_import(actor=SYSTEM, path=org_csv(tmp_path / "c.csv", rows))
    assert [str(p) for p in caught.value.problems] == [
        "第2行 名称：与已有单位（编码32010101）同属一个上级，名称“东风街道”重复"
    ]


def test_columns_are_checked(db: None, tmp_path: Path) -> None:
    path = org_csv(tmp_path / "h.csv", [("A", "甲市", "市")], header="编码,名称,级别")
    with pytest.raises(OrgFileRejectedError) as caught:
        org_import(actor=SYSTEM, path=path)
    assert [str(p) for p in caught.value.problems] == [
        "第1行 级别：未知的列名（应为编码、名称、上级编码、类型）",
        "第1行 类型：缺少必填列",
    ]


def test_xlsx_and_the_command(district: District, tmp_path: Path) -> None:
    header = ["编码", "名称", "上级编码", "类型"]
    rows = [dict(zip(header, r, strict=True)) for r in TREE]
    path = write_xlsx(tmp_path / "org.xlsx", rows, header=header)
    assert "新增单位6个" in run(path, "--user", "admin")
    assert OrgUnit.objects.get(code="3202").parent is None
    with pytest.raises(CommandError, match="没有此项操作的权限"):
        run(path, "--user", "officer")
    err = StringIO()
    bad = org_csv(tmp_path / "bad.csv", [("Z", "某单位", "NOPE", "部门")])
    with pytest.raises(CommandError):
        call_command("import_org", str(bad), stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ["第2行 上级编码：没有编码为“NOPE”的单位"]

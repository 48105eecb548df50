"""Small files of their own for batches handed down (import-handed-down) and hearings
(import-hearings).

The ledger, by hand: SX1 (DJ1 2026-01-05, 化解日期 2026-03-10; DJ5 2026-04-02 after it: a 回流),
SX2 (DJ2 2026-01-06, 化解日期 2026-03-15), SX3 (DJ3 2026-01-07, not resolved).
The batch file: 省 第一批, handed 2026-02-01, due 2026-06-30: DJ1 (化解 03-10, 通过审核 03-20),
SX2 (化解 03-15, 待审核), SX3. So 1 batch, 3 items, 2 resolved, 1 verified, 1 回流.
"""

# ruff: noqa: E501 (rows are kept one to a line, as a spreadsheet shows them)

import csv
from datetime import date
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from tests.conftest import District
from tests.ledger_rows import row, write_csv
from tests.test_disputes_ledger import command
from xinfang.casework.choices import LongStandingReason, Verification
from xinfang.casework.ledger import import_handed_down
from xinfang.casework.models import BatchItem, BatchReflow, HandedDownBatch, LongStanding
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.importer import LedgerRejectedError

pytestmark = pytest.mark.django_db

HEADER = [
    "来源",
    "批次名称",
    "交办日期",
    "办结期限",
    "登记编号",
    "事项编号",
    "化解日期",
    "审核结果",
    "审核日期",
]
BATCH = [
    ["省", "第一批", "2026-02-01", "2026-06-30", "DJ1", "", "2026-03-10", "通过审核", "2026-03-20"],
    ["省", "第一批", "2026-02-01", "2026-06-30", "", "SX2", "2026-03-15", "", ""],
    ["省", "第一批", "2026-02-01", "2026-06-30", "DJ3", "SX3", "", "", ""],
]  # fmt: skip


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> None:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1", 登记日期="2026-01-05", 化解日期="2026-03-10"),
        row(登记编号="DJ2", 事项编号="SX2", 登记日期="2026-01-06", 化解日期="2026-03-15"),
        row(登记编号="DJ3", 事项编号="SX3", 登记日期="2026-01-07"),
        row(登记编号="DJ5", 事项编号="SX1", 登记日期="2026-04-02"),
    ]
    command("import_ledger", str(write_csv(tmp_path / "ledger.csv", rows)))


def test_a_batch_with_its_history_comes_in(
    district: District, ledger: None, tmp_path: Path
) -> None:
    out, _ = command("import_handed_down", str(write(tmp_path / "b.csv", BATCH)))
    assert "新增交办积案批次1个、事项3件（已化解2件，通过审核1件），已有事项0件未变，退回0行" in out
    assert "回流1件次" in out
    batch = HandedDownBatch.objects.get()
    assert (batch.source, batch.name, batch.handed_on, batch.deadline, batch.unit) == (
        "province", "第一批", date(2026, 2, 1), date(2026, 6, 30), district.city
    )  # fmt: skip
    items = {i.matter.number: i for i in BatchItem.objects.select_related("matter")}
    assert (items["SX1"].resolved_on, items["SX1"].verification, items["SX1"].verified_on) == (
        date(2026, 3, 10), Verification.PASSED, date(2026, 3, 20)
    )  # fmt: skip
    assert (items["SX2"].resolved_on, items["SX2"].verification) == (
        date(2026, 3, 15),
        Verification.PENDING,
    )
    assert items["SX3"].resolved_on is None
    reflow = BatchReflow.objects.get()
    assert (reflow.item, reflow.registration.number, reflow.on) == (
        items["SX1"],
        "DJ5",
        date(2026, 4, 2),
    )
    assert (
        LongStanding.objects.filter(reason=LongStandingReason.HANDED_DOWN, batch=batch).count() == 3
    )
    assert AuditEvent.objects.filter(action="casework.batch_item_add").count() == 3
    # twice: nothing changes
    again, _ = command("import_handed_down", str(write(tmp_path / "b.csv", BATCH)))
    assert "新增交办积案批次0个、事项0件" in again and "已有事项3件未变" in again
    assert BatchItem.objects.count() == 3 and BatchReflow.objects.count() == 1


def test_a_bad_batch_file_is_refused_whole_with_every_cell_named(
    district: District, ledger: None, tmp_path: Path
) -> None:
    bad = [
        BATCH[0],
        ["县", "第二批", "2026-02-01", "2026-06-30", "DJ1", "", "", "", ""],
        ["市", "第二批", "2026-02-01", "2026-01-01", "DJ404", "", "", "", ""],
        ["市", "第二批", "2026-02-01", "2026-06-30", "", "SX3", "2026-03-01", "", ""],
        ["市", "第二批", "2026-02-01", "2026-06-30", "", "SX2", "", "通过审核", ""],
        ["市", "第二批", "2026-02-01", "2026-06-30", "DJ1", "SX2", "", "", ""],
        ["市", "第二批", "2026-02-01", "2026-06-30", "", "", "", "", ""],
    ]  # fmt: skip
    path = write(tmp_path / "bad.csv", bad)
    with pytest.raises(CommandError) as refused:
        command("import_handed_down", str(path))
    assert str(refused.value) == "交办积案清单未导入：11处错误，没有写入任何数据"
    with pytest.raises(LedgerRejectedError) as caught:
        import_handed_down(path, actor=SYSTEM)
    assert [str(p) for p in caught.value.problems] == [
        "第3行 来源：应为中央、省、市之一，实为“县”",
        "第4行 办结期限：办结期限不能早于交办日期",
        "第4行 登记编号：找不到登记“DJ404”：应为已导入台账的登记",
        "第5行 办结期限：同一批次（市第二批）的第4行为“2026-01-01”，此行为“2026-06-30”",
        "第5行 化解日期：事项SX3在台账中的化解日期未填写，与此行不符：事项的化解日期以台账为准（xinfang import-ledger）",
        "第6行 办结期限：同一批次（市第二批）的第4行为“2026-01-01”，此行为“2026-06-30”",
        "第6行 审核结果：通过审核的事项应填写化解日期",
        "第7行 办结期限：同一批次（市第二批）的第4行为“2026-01-01”，此行为“2026-06-30”",
        "第7行 事项编号：登记“DJ1”属于事项SX1，不是SX2",
        "第8行 办结期限：同一批次（市第二批）的第4行为“2026-01-01”，此行为“2026-06-30”",
        "第8行 事项编号：应填写登记编号或事项编号",
    ]
    assert not HandedDownBatch.objects.exists()


def test_partial_and_dry_run(district: District, ledger: None, tmp_path: Path) -> None:
    bad = ["市", "第二批", "2026-02-01", "2026-06-30", "DJ404", "", "", "", ""]
    path = write(tmp_path / "p.csv", [*BATCH, bad])
    out, _ = command("import_handed_down", str(path), "--partial", "--dry-run")
    assert "检查完毕（试运行，未写入）" in out and "事项3件" in out and "退回1行" in out
    assert not HandedDownBatch.objects.exists()
    out, err = command("import_handed_down", str(path), "--partial")
    assert err.strip() == "第5行 登记编号：找不到登记“DJ404”：应为已导入台账的登记"
    assert list(HandedDownBatch.objects.values_list("name", flat=True)) == ["第一批"]
    with (tmp_path / "p.csv.rejects.csv").open(encoding="utf-8-sig") as fh:
        assert list(csv.reader(fh))[1] == [
            *bad,
            "登记编号：找不到登记“DJ404”：应为已导入台账的登记",
        ]


# --- hearings (import-hearings) ------------------------------------------------------------------
#
# The ledger: SX1 受理 01-06, replied 03-01 (its 办理 finished); SX2 受理 01-07, in handling now;
# SX3 registered only (never in handling). Hearings: SX1 办理 02-20 (history, written as held);
# SX2 办理 03-05 (in handling now: through hearings.services.hearing_record).

H_HEADER = [
    "事项编号",
    "阶段",
    "听证日期",
    "结束日期",
    "地点",
    "主持单位",
    "是否公开",
    "参加人",
    "听证笔录",
    "结论",
]
HEARINGS = [
    ["SX1", "办理", "2026-02-20", "", "区信访局听证室", "示范区", "是", "信访人：张三；人大代表：李四、王五", "各方陈述意见", "维持原处理意见"],
    ["SX2", "办理", "2026-03-05", "2026-03-06", "东风街道会议室", "东风街道", "否", "信访人：赵六；有关部门：区住建局", "", "建议补偿到位"],
]  # fmt: skip


@pytest.fixture
def handled(district: District, tmp_path: Path) -> None:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1", 登记日期="2026-01-05", 处理方式="受理", 处理日期="2026-01-06", 答复日期="2026-03-01"),
        row(登记编号="DJ2", 事项编号="SX2", 登记日期="2026-01-06", 处理方式="受理", 处理日期="2026-01-07"),
        row(登记编号="DJ3", 事项编号="SX3", 登记日期="2026-01-07"),
    ]  # fmt: skip
    command("import_ledger", str(write_csv(tmp_path / "ledger.csv", rows)))


def test_hearings_come_in_as_history_or_through_the_service(
    district: District, handled: None, tmp_path: Path
) -> None:
    from xinfang.hearings.models import Hearing

    path = write(tmp_path / "h.csv", HEARINGS, H_HEADER)
    out, _ = command("import_hearings", str(path))
    assert "共2行，新增听证2场，已有听证0场未变，退回0行" in out
    one = Hearing.objects.get(matter__number="SX1")
    assert (one.stage, one.status, one.starts_on, one.ends_on, one.public) == (
        "handling", "held", date(2026, 2, 20), date(2026, 2, 20), True
    )  # fmt: skip
    assert [(p.role, p.name) for p in one.participants.all()] == [
        ("petitioner", "张三"), ("npc_deputy", "李四"), ("npc_deputy", "王五")
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action="hearing.import", object_id=str(one.pk)).count() == 1
    two = Hearing.objects.get(matter__number="SX2")
    assert (two.status, two.starts_on, two.ends_on, two.public, two.host_unit) == (
        "held", date(2026, 3, 5), date(2026, 3, 6), False, district.street_a
    )  # fmt: skip
    # the service's own events: scheduled, begun, recorded
    assert set(
        AuditEvent.objects.filter(object_id=str(two.pk), action__startswith="hearing.").values_list("action", flat=True)
    ) == {"hearing.schedule", "hearing.begin", "hearing.record"}  # fmt: skip
    again, _ = command("import_hearings", str(path))
    assert "新增听证0场，已有听证2场未变" in again
    assert Hearing.objects.count() == 2


def test_a_bad_hearings_file_is_refused_whole(
    district: District, handled: None, tmp_path: Path
) -> None:
    from xinfang.hearings.ledger import import_hearings
    from xinfang.hearings.models import Hearing

    bad = [
        HEARINGS[0],
        ["SX3", "办理", "2026-02-20", "", "区信访局", "示范区", "", "信访人：张三", "", "结论"],
        ["SX1", "办理", "2026-03-05", "", "区信访局", "示范区", "", "信访人：张三", "", "结论"],
        ["SX404", "复议", "2026-02-20", "", "区信访局", "示范区", "也许", "嘉宾：某人", "", ""],
        ["SX2", "复查", "2026-02-20", "", "区信访局", "示范区", "", "信访人：张三", "", "结论"],
    ]  # fmt: skip
    with pytest.raises(LedgerRejectedError) as caught:
        import_hearings(write(tmp_path / "bad.csv", bad, H_HEADER), actor=SYSTEM)
    assert [str(p) for p in caught.value.problems] == [
        "第3行 阶段：事项SX3当前为「待处理」，不在办理阶段，也没有办理的答复日期",
        "第4行 听证日期：事项SX1已于2026-03-01答复，办理听证应在此之前",
        "第5行 阶段：应为办理、复查、复核之一，实为“复议”",
        "第5行 是否公开：应为是或否，实为“也许”",
        "第5行 参加人：应写作“身份：姓名、姓名；身份：姓名”，身份为信访人、代表、人大代表、政协委员、律师、群众代表、有关部门之一，实为“嘉宾：某人”",
        "第5行 结论：不能为空",
        "第6行 听证日期：事项SX2的复查申请日期未填写，复查听证应在其后",
    ]
    assert not Hearing.objects.exists()


# --- meetings (import-meetings) ------------------------------------------------------------------
#
# Three 会办会 of 区信访局会办会 (03-02, 03-09, 03-16) and one 联席会议 of 区信访联席会议 (03-20):
# meetings 4, of them 会办会 3; two bodies created under the root (示范市).

M_HEADER = ["会议名称", "会议类型", "会议日期", "地点", "会议纪要"]
MEETINGS = [
    ["区信访局会办会", "会办会", "2026-03-02", "区信访局", "研究三件重复信访"],
    ["区信访局会办会", "会办会", "2026-03-09", "区信访局", ""],
    ["区信访局会办会", "会办会", "2026-03-16", "区信访局", ""],
    ["区信访联席会议", "联席会议", "2026-03-20", "区政府", "征地问题组汇报"],
]  # fmt: skip


def test_meetings_come_in_once(district: District, tmp_path: Path) -> None:
    from xinfang.casework.models import JointBody, Meeting

    path = write(tmp_path / "m.csv", MEETINGS, M_HEADER)
    out, _ = command("import_meetings", str(path))
    assert "共4行，新增会议4次，已有会议0次未变，退回0行" in out
    assert "新设联席会议/会办会（示范市）：区信访局会办会、区信访联席会议" in out
    assert Meeting.objects.filter(kind="coordination").count() == 3
    assert dict(JointBody.objects.values_list("name", "kind")) == {
        "区信访局会办会": "coordination", "区信访联席会议": "joint"
    }  # fmt: skip
    again, _ = command("import_meetings", str(path))
    assert "新增会议0次，已有会议4次未变" in again
    assert Meeting.objects.count() == 4


def test_a_bad_meetings_file_is_refused_whole(district: District, tmp_path: Path) -> None:
    from xinfang.casework.meeting_file import import_meetings
    from xinfang.casework.models import Meeting

    bad = [
        MEETINGS[0],
        ["", "例会", "2026-02-30", "", ""],
        ["区信访局会办会", "会办会", "2027-01-01", "", ""],
        ["区信访局会办会", "会办会", "2026-03-02", "区信访局", "研究三件重复信访"],
    ]  # fmt: skip
    with pytest.raises(LedgerRejectedError) as caught:
        import_meetings(write(tmp_path / "bad.csv", bad, M_HEADER), actor=SYSTEM)
    assert [str(p) for p in caught.value.problems] == [
        "第3行 会议名称：不能为空",
        "第3行 会议类型：应为联席会议、会办会、专题会之一，实为“例会”",
        "第3行 会议日期：日期“2026-02-30”不存在",
        "第4行 会议日期：会议日期2027-01-01晚于今天",
        "第5行 会议日期：与第2行是同一次会议（同一会议名称、类型、日期）",
    ]
    assert not Meeting.objects.exists()


# --- exports: the same format, so export → import changes nothing and fills an empty database -----


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_small_files_round_trip(
    district: District, handled: None, tmp_path: Path, suffix: str
) -> None:
    from xinfang.casework.models import Meeting
    from xinfang.hearings.models import Hearing, HearingParticipant

    batch = [["市", "第一批", "2026-02-01", "2026-06-30", "", "SX1", "", "", ""]]
    command("import_handed_down", str(write(tmp_path / "b.csv", batch)))
    command("import_hearings", str(write(tmp_path / "h.csv", HEARINGS[:1], H_HEADER)))
    command("import_meetings", str(write(tmp_path / "m.csv", MEETINGS, M_HEADER)))
    files = {name: tmp_path / f"{name}{suffix}" for name in ("handed-down", "hearings", "meetings")}
    for name, path in files.items():
        out, _ = command(f"export_{name.replace('-', '_')}", str(path))
        assert out.startswith("已导出")
    if suffix == ".csv":
        with files["hearings"].open(encoding="utf-8-sig") as fh:
            assert list(csv.reader(fh)) == [
                H_HEADER,
                ["SX1", "办理", "2026-02-20", "2026-02-20", "区信访局听证室", "示范区", "是",
                 "信访人：张三；人大代表：李四、王五", "各方陈述意见", "维持原处理意见"],
            ]  # fmt: skip
        with files["handed-down"].open(encoding="utf-8-sig") as fh:
            assert list(csv.reader(fh))[1] == batch[0]
    for name, path in files.items():  # the same database: nothing changes
        out, _ = command(f"import_{name.replace('-', '_')}", str(path))
        assert "没有改动任何数据" in out, name
    before = (
        list(HandedDownBatch.objects.values_list("source", "name", "handed_on", "deadline")),
        list(BatchItem.objects.values_list("matter__number", "resolved_on", "verification")),
        list(Hearing.objects.values_list("matter__number", "stage", "starts_on", "ends_on", "place", "conclusion")),
        list(HearingParticipant.objects.values_list("role", "name")),
        list(Meeting.objects.order_by("held_on").values_list("body__name", "kind", "held_on", "place", "minutes")),
    )  # fmt: skip
    BatchItem.objects.all().delete()
    LongStanding.objects.all().delete()
    HandedDownBatch.objects.all().delete()
    Hearing.objects.all().delete()
    Meeting.objects.all().delete()
    for name, path in files.items():  # an empty database (the matter ledger kept)
        command(f"import_{name.replace('-', '_')}", str(path))
    after = (
        list(HandedDownBatch.objects.values_list("source", "name", "handed_on", "deadline")),
        list(BatchItem.objects.values_list("matter__number", "resolved_on", "verification")),
        list(Hearing.objects.values_list("matter__number", "stage", "starts_on", "ends_on", "place", "conclusion")),
        list(HearingParticipant.objects.values_list("role", "name")),
        list(Meeting.objects.order_by("held_on").values_list("body__name", "kind", "held_on", "place", "minutes")),
    )  # fmt: skip
    assert after == before

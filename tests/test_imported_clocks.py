"""Imported matters run the clocks their facts imply (workflow.implied): a 受理/交办/转送 with a
处理日期 and no 办理期限 gets the regulation's 60 days (第三十四条), computed by the calendar.

Expected dates typed by hand from the 2026 holiday arrangement: 2026-02-12 + 60 days is Monday
2026-04-13 (a working day); 2026-04-20 + 60 days is Friday 2026-06-19, 端午节 (19–21 June), so
the period ends on the next working day, Monday 2026-06-22.
"""

from datetime import date
from pathlib import Path

from tests.conftest import District
from tests.ledger_rows import row, write_csv
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Matter
from xinfang.notifications.models import ClockAlert
from xinfang.workflow.clocks import ClockStatus, matter_clocks
from xinfang.workflow.clockscan import scan_clocks
from xinfang.workflow.selectors import queues_for
from xinfang.workflow.states import ClockKind
from xinfang.workflow.states import MatterStatus as S

DAY = date(2026, 5, 1)


def _import(district: District, tmp_path: Path) -> dict[str, Matter]:
    rows = [
        row(登记编号="DJ1", 事项编号="SX1", 登记日期="2026-02-10", 问题属地="东风街道",
            处理方式="受理", 处理日期="2026-02-12"),
        row(登记编号="DJ2", 事项编号="SX2", 登记日期="2026-04-18", 问题属地="东风街道",
            责任单位="区住房和城乡建设局", 处理方式="交办", 处理日期="2026-04-20"),
        # a stated 办理期限 is kept as the ledger gives it
        row(登记编号="DJ3", 事项编号="SX3", 登记日期="2026-02-10", 问题属地="东风街道",
            处理方式="转送", 处理日期="2026-02-12", 办理期限="2026-03-14"),
        # answered: the clock is finished, on time
        row(登记编号="DJ4", 事项编号="SX4", 登记日期="2026-02-10", 问题属地="东风街道",
            处理方式="受理", 处理日期="2026-02-12", 答复日期="2026-03-20"),
        # not handled: no handling clock
        row(登记编号="DJ5", 事项编号="SX5", 登记日期="2026-02-10", 问题属地="东风街道",
            处理方式="不予受理", 处理日期="2026-02-12"),
    ]  # fmt: skip
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "ledger.csv", rows))
    return {m.number: m for m in Matter.objects.all()}


def _handle(matter: Matter, today: date = DAY) -> list[tuple[date | None, str, int | None]]:
    clocks = matter_clocks(matter, today)
    return [(c.deadline, c.state, c.days_left) for c in clocks if c.kind == ClockKind.HANDLE]


def test_imported_open_matters_get_their_handling_deadline(
    district: District, tmp_path: Path
) -> None:
    m = _import(district, tmp_path)
    assert m["SX1"].status == S.IN_HANDLING
    assert m["SX1"].handling_deadline == date(2026, 4, 13)
    assert m["SX2"].handling_deadline == date(2026, 6, 22)
    assert m["SX3"].handling_deadline == date(2026, 3, 14)
    assert m["SX4"].handling_deadline == date(2026, 4, 13)
    assert m["SX5"].handling_deadline is None
    # on 1 May: 18 days over; 52 days to go; stated deadline 48 days over; answered in time
    assert _handle(m["SX1"]) == [(date(2026, 4, 13), ClockStatus.OVERDUE, -18)]
    assert _handle(m["SX2"]) == [(date(2026, 6, 22), ClockStatus.RUNNING, 52)]
    assert _handle(m["SX3"]) == [(date(2026, 3, 14), ClockStatus.OVERDUE, -48)]
    assert _handle(m["SX4"]) == [(date(2026, 4, 13), ClockStatus.MET, None)]
    assert _handle(m["SX5"]) == []


def test_imported_matters_are_scanned_and_queued(district: District, tmp_path: Path) -> None:
    m = _import(district, tmp_path)
    scan_clocks(DAY)
    overdue = set(
        ClockAlert.objects.filter(clock=ClockKind.HANDLE, stage="overdue").values_list(
            "matter__number", flat=True
        )
    )
    assert overdue == {"SX1", "SX3"}
    queues = {q.key: q for q in queues_for(district.users["officer"], DAY)}
    rows = {r.matter.number: r for r in queues["overdue"].rows}  # type: ignore[union-attr]
    assert set(rows) == {"SX1", "SX3"}
    assert (rows["SX1"].day, rows["SX1"].days_left) == (date(2026, 4, 13), -18)
    # due soon within the 3 warning days: on 19 June (3 days left), not on 18 June (4)
    soon = {q.key: q for q in queues_for(district.users["officer"], date(2026, 6, 19))}
    assert soon["due_soon"].rows[0].days_left == 3  # type: ignore[union-attr]
    assert [r.matter.number for r in soon["due_soon"].rows] == ["SX2"]  # type: ignore[union-attr]
    before = {q.key: q for q in queues_for(district.users["officer"], date(2026, 6, 18))}
    assert before["due_soon"].rows == []
    assert m["SX2"].pk


def test_the_scan_fills_matters_imported_before(district: District, tmp_path: Path) -> None:
    """A matter imported before this rule (its 办理期限 blank) is filled by the next scan."""
    m = _import(district, tmp_path)
    Matter.objects.filter(number__in=["SX1", "SX2"]).update(handling_deadline=None)
    assert _handle(Matter.objects.get(number="SX1")) == []
    result = scan_clocks(DAY)
    assert result.deadlines_filled == 2
    assert "按处理日期补算办理期限 2 件" in result.summary()
    again = Matter.objects.get(number="SX1")
    assert again.handling_deadline == date(2026, 4, 13)
    assert again.version > m["SX1"].version
    event = AuditEvent.objects.get(action="matter.update", matter=again)
    assert event.data["changes"] == {"handling_deadline": [None, "2026-04-13"]}
    assert ClockAlert.objects.filter(matter=again, clock=ClockKind.HANDLE).exists()
    assert scan_clocks(date(2026, 5, 2)).deadlines_filled == 0


def test_an_imported_assignment_without_sign_for_runs_its_return_window(
    district: District, tmp_path: Path
) -> None:
    """交办 on Monday 2026-03-02, no 签收 recorded: 5 working days are 3, 4, 5, 6 and 9 March."""
    rows = [
        row(登记编号="DJ9", 事项编号="SX9", 登记日期="2026-02-27", 问题属地="东风街道",
            责任单位="区住房和城乡建设局", 处理方式="交办", 处理日期="2026-03-02"),
    ]  # fmt: skip
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "ledger.csv", rows))
    m = Matter.objects.get(number="SX9")

    def window(today: date) -> list[tuple[date | None, str, int | None]]:
        found = matter_clocks(m, today)
        return [(c.deadline, c.state, c.days_left) for c in found if c.kind == ClockKind.RETURN]

    assert window(date(2026, 3, 5)) == [(date(2026, 3, 9), ClockStatus.RUNNING, 4)]
    assert window(date(2026, 3, 6)) == [(date(2026, 3, 9), ClockStatus.WARNING, 3)]
    assert window(date(2026, 3, 10)) == [(date(2026, 3, 9), ClockStatus.ENDED, None)]
    scan_clocks(date(2026, 3, 6))
    alert = ClockAlert.objects.get(matter=m, clock=ClockKind.RETURN)
    assert (alert.stage, alert.deadline) == ("warning", date(2026, 3, 9))
    assert alert.unit == district.housing
    scan_clocks(date(2026, 3, 10))  # a window never goes overdue
    assert ClockAlert.objects.filter(matter=m, clock=ClockKind.RETURN).count() == 1

"""One truth about every clock: the queues (我的待办), the scan (提醒) and 简报 say of every matter
of the demo and of a generated ledger what its page (workflow.clocks) says, state and days."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.clock_agreement import all_clocks, check_briefing, check_queues, check_scan, summary
from tests.conftest import District
from tests.ledger_rows import ledger_rows, write_csv
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Matter

pytestmark = pytest.mark.django_db

DEMO_END = date(2026, 6, 30)


def _walk(monkeypatch: pytest.MonkeyPatch, today: date) -> tuple[int, int, int, dict]:
    clocks = all_clocks(today)
    rows = check_queues(monkeypatch, today, clocks)
    alerts = check_scan(today, clocks)
    items = check_briefing(today, clocks)
    return rows, alerts, items, summary(clocks)


def test_every_reader_agrees_on_every_demo_matter(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("load_demo", registrations=600, end=DEMO_END.isoformat(), stdout=StringIO())
    rows, alerts, items, states = _walk(monkeypatch, DEMO_END)
    # the demo has work in every queue: rows with a clock, alerts, overdue items, and clocks of
    # every kind the live workflow starts
    assert rows > 20 and alerts > 20 and items > 5, (rows, alerts, items)
    for kind in ("route", "accept", "return", "handle", "supervision"):
        assert any(k.startswith(f"{kind}:") for k in states), (kind, states)


def test_every_reader_agrees_on_a_generated_ledger(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ledger_rows(3000, seed=14, start=date(2025, 1, 1), span_days=180)
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "ledger.csv", rows))
    for today in (date(2025, 6, 15), date(2025, 9, 1)):
        rows, alerts, _, states = _walk(monkeypatch, today)
        assert alerts > 0 and rows > 0, (today, rows, alerts, states)


@pytest.mark.slow
def test_every_reader_agrees_on_twenty_thousand_matters(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's generated set: 27,000 ledger rows, about 20,000 matters (a quarter repeat)."""
    rows = ledger_rows(27000, seed=20, start=date(2025, 1, 1), span_days=240)
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "ledger.csv", rows))
    assert Matter.objects.count() >= 20000
    queued, alerts, items, _ = _walk(monkeypatch, date(2025, 9, 1))
    assert queued > 1000 and alerts > 1000 and items > 1000, (queued, alerts, items)

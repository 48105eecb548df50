"""Helpers for the analytics tests: small ledgers imported through the real importer, reports."""

import csv
from datetime import date
from pathlib import Path
from typing import Any

from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Comparison, Period
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.columns import COLUMNS
from xinfang.intake.ledger.importer import ledger_import
from xinfang.organisation.models import OrgUnit

HEADER = [c.name for c in COLUMNS]


class Ledger:
    """Rows of contract A built one by one, then imported: `add(...)` returns the 登记编号."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rows: list[dict[str, str]] = []
        self.files = 0

    def add(self, received: str, locality: str = "320101", **cells: Any) -> str:
        number = cells.pop("登记编号", f"R{len(self.rows) + 1:05d}-{self.files}")
        row = {
            "登记编号": number,
            "登记日期": received,
            "渠道": cells.pop("渠道", "来访"),
            "问题属地": locality,
        }
        row.update({k: str(v) for k, v in cells.items()})
        self.rows.append(row)
        return number

    def load(self) -> None:
        self.files += 1
        path = self.directory / f"ledger{self.files}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=HEADER)
            writer.writeheader()
            for row in self.rows:
                writer.writerow(dict.fromkeys(HEADER, "") | row)
        ledger_import(actor=SYSTEM, path=path)
        self.rows = []


def report(code: str, start: str, end: str, comparison: Comparison = "yoy") -> dict[str, Any]:
    org = OrgUnit.objects.get(code=code)
    return build_report(
        org=org,
        period=Period(date.fromisoformat(start), date.fromisoformat(end)),
        comparison=comparison,
    )


def row_of(rep: dict[str, Any], breakdown: str, **keys: Any) -> dict[str, Any]:
    """The breakdown row whose key fields equal `keys`."""
    for row in rep["breakdowns"][breakdown]:
        if all(row.get(k) == v for k, v in keys.items()):
            return row
    raise AssertionError(f"no row {keys} in {breakdown}")

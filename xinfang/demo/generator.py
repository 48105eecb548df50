"""The demo district generator: organisation rows (A2), ledger rows (contract A), CSV files.

Deterministic: the same seed and parameters give byte-identical rows. The ledger covers the two
whole years that end on `end`; event dates never fall after it (deadlines such as 延期至 and
督办期限 may, as in a live ledger). Rows are made lazily, so a million cost little memory.
"""

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path

from xinfang.demo.ledger import LEDGER_COLUMNS, LedgerMaker, OpenWindow, two_years_before
from xinfang.demo.org import org_rows

__all__ = [
    "DEFAULT_REGISTRATIONS",
    "DEFAULT_SEED",
    "LEDGER_COLUMNS",
    "ORG_COLUMNS",
    "OpenWindow",
    "ledger_rows",
    "ledger_tuples",
    "org_rows",
    "two_years_before",
    "write_csv",
    "write_ledger_csv",
    "write_org_csv",
]

DEFAULT_SEED = 20240601
# About 940 a year in 青山区 (the seed district had ~900) plus its sibling districts' share.
DEFAULT_REGISTRATIONS = 2500
ORG_COLUMNS = ("编码", "名称", "上级编码", "类型")


def ledger_tuples(
    *,
    end: date,
    seed: int = DEFAULT_SEED,
    registrations: int = DEFAULT_REGISTRATIONS,
    sibling_share: float = 0.25,
    open_window: OpenWindow | None = None,
) -> Iterator[tuple[str, ...]]:
    """The ledger rows as tuples in LEDGER_COLUMNS order (the fast form, for big files)."""
    if registrations < 0:
        raise ValueError("登记数不能为负数")
    if not 0 <= sibling_share < 1:
        raise ValueError("其他区县的占比应在0与1之间")
    maker = LedgerMaker(
        seed=seed,
        end=end,
        registrations=registrations,
        sibling_share=sibling_share,
        open_window=open_window,
    )
    return maker.rows()


def ledger_rows(
    *,
    end: date,
    seed: int = DEFAULT_SEED,
    registrations: int = DEFAULT_REGISTRATIONS,
    sibling_share: float = 0.25,
    open_window: OpenWindow | None = None,
) -> Iterator[dict[str, str]]:
    """The ledger rows as dicts keyed by contract A's column names, sorted by 登记日期."""
    columns = LEDGER_COLUMNS
    for row in ledger_tuples(
        end=end,
        seed=seed,
        registrations=registrations,
        sibling_share=sibling_share,
        open_window=open_window,
    ):
        yield dict(zip(columns, row, strict=True))


def write_csv(
    path: Path | str,
    rows: Iterable[Mapping[str, str]],
    columns: Sequence[str] | None = None,
    *,
    bom: bool = False,
) -> int:
    """Write dict rows as UTF-8 CSV with a header; columns default to the first row's keys.

    Returns the number of rows written.
    """
    iterator = iter(rows)
    first = next(iterator, None)
    if columns is None:
        if first is None:
            raise ValueError("没有数据行，无法确定表头")
        columns = list(first)
    get = itemgetter(*columns)
    count = 0
    with Path(path).open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        if first is not None:
            writer.writerow(_as_list(get(first)))
            count = 1
        for row in iterator:
            writer.writerow(_as_list(get(row)))
            count += 1
    return count


def write_ledger_csv(
    path: Path | str,
    *,
    end: date,
    seed: int = DEFAULT_SEED,
    registrations: int = DEFAULT_REGISTRATIONS,
    sibling_share: float = 0.25,
    bom: bool = False,
    open_window: OpenWindow | None = None,
) -> int:
    """Write the demo ledger straight from tuples (no dicts): the quickest way to a big file."""
    count = 0
    with Path(path).open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LEDGER_COLUMNS)
        for row in ledger_tuples(
            end=end,
            seed=seed,
            registrations=registrations,
            sibling_share=sibling_share,
            open_window=open_window,
        ):
            writer.writerow(row)
            count += 1
    return count


def write_org_csv(path: Path | str) -> int:
    return write_csv(path, org_rows(), ORG_COLUMNS)


def _as_list(value: object) -> list[object]:
    # itemgetter of one column returns the bare value, of several a tuple.
    return list(value) if isinstance(value, tuple) else [value]

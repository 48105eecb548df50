"""How many deadline() calls per second the cached working calendar answers (median of runs).

Run: .venv/bin/python benchmarks/calendar_deadlines.py [--calls N] [--runs N]
Uses a scratch SQLite database of its own; prints a Markdown table for results/.
"""

import argparse
import atexit
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
scratch = tempfile.mkdtemp(prefix="xf-bench-calendar.")
atexit.register(shutil.rmtree, scratch, ignore_errors=True)
os.environ["XINFANG_DATA_DIR"] = scratch
os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from xinfang.workflow import calendar  # noqa: E402


def starts(n: int) -> list[date]:
    """n start days spread over 2004-01-01 .. 2026-09-30, so every deadline stays computable."""
    first, span = date(2004, 1, 1), (date(2026, 9, 30) - date(2004, 1, 1)).days
    return [first + timedelta(days=(i * 7919) % span) for i in range(n)]


def rate(work: Callable[[list[date]], None], days: list[date], runs: int) -> tuple[float, float]:
    """Median and best calls per second over `runs` timed runs."""
    rates = []
    for _ in range(runs):
        began = time.perf_counter()
        work(days)
        rates.append(len(days) / (time.perf_counter() - began))
    return statistics.median(rates), max(rates)


def calendar_60(days: list[date]) -> None:
    for d in days:
        calendar.deadline(d, 60)


def working_5(days: list[date]) -> None:
    for d in days:
        calendar.deadline(d, 5, unit="working")


def paused_30(days: list[date]) -> None:
    for d in days:
        calendar.deadline(d, 30, paused=[(d + timedelta(days=3), d + timedelta(days=9))])


def package_day_by_day(days: list[date]) -> None:
    """The baseline: what a hand-written loop over chinese_calendar.is_workday would cost."""
    import chinese_calendar

    for d in days:
        end = d + timedelta(days=60)
        while not chinese_calendar.is_workday(end):
            end += timedelta(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0, interactive=False)

    began = time.perf_counter()
    calendar.invalidate_calendar()
    calendar.current_calendar()
    cold_ms = (time.perf_counter() - began) * 1000

    days = starts(args.calls)
    from _support import commit

    print(f"commit {commit()}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    print(f"calls per run: {args.calls:,}, runs: {args.runs}")
    print(f"building the calendar (package 2004–2026 + database): {cold_ms:.0f} ms\n")
    print("| clock | median calls/s | best calls/s |")
    print("| --- | ---: | ---: |")
    for label, work, share in [
        ("deadline(start, 60) — calendar days", calendar_60, 1),
        ("deadline(start, 5, unit='working')", working_5, 1),
        ("deadline(start, 30, paused=[7 days])", paused_30, 1),
        # the slow baseline runs a tenth of the calls, to keep the benchmark short
        ("baseline: start + 60, then is_workday() day by day", package_day_by_day, 10),
    ]:
        median, best = rate(work, days[: len(days) // share], args.runs)
        print(f"| {label} | {median:,.0f} | {best:,.0f} |")


if __name__ == "__main__":
    main()

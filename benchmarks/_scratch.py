"""Scratch profiling of the report over the kept benchmark databases (not a benchmark).

    DATABASE_URL=... .venv/bin/python benchmarks/_scratch.py [code] [runs]

Times build_report and each of its queries (execute_wrapper), for the year of report_count.py.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from xinfang.analytics.counting import build_report
    from xinfang.analytics.periods import Period
    from xinfang.organisation.models import OrgUnit

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from report_count import PERIOD

    code = sys.argv[1] if len(sys.argv) > 1 else "3391"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    org = OrgUnit.objects.get(code=code)
    log: list[tuple[float, str]] = []

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            log.append((time.perf_counter() - started, sql[:160]))

    build_report(org=org, period=Period(*PERIOD))
    times = []
    for _ in range(runs):
        log.clear()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            build_report(org=org, period=Period(*PERIOD))
        times.append(time.perf_counter() - started)
    print(f"{connection.vendor} {code}: median {statistics.median(times):.2f} s {times}")
    for seconds, sql in sorted(log, reverse=True)[:8]:
        print(f"  {seconds:.3f} {sql}")
    print("load", os.getloadavg())


if __name__ == "__main__":
    main()

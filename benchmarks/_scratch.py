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
    print(f"  queries of the last run: {sum(t for t, _ in log):.3f} s in {len(log)}")
    for seconds, sql in sorted(log, reverse=True)[:8]:
        print(f"  {seconds:.3f} {sql}")
    print("load", os.getloadavg())


def import_cost(rows: int = 100_000, runs: int = 2) -> None:
    """Seconds of a ledger import with and without the summaries' triggers, alternately, into a
    fresh database each time (PostgreSQL xf_counting_imp and an SQLite file)."""
    import subprocess

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from import_ledger import ensure_ledger, ensure_org

    org, ledger = ensure_org(), ensure_ledger(rows)
    script = (
        f"import os, sys, time; sys.path.insert(0, {str(ROOT)!r}); "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'xinfang.settings'); import django; "
        "django.setup(); from pathlib import Path; from django.core.management import "
        "call_command; from django.db import connection; call_command('migrate', verbosity=0); "
        "from xinfang.analytics import summary; "
        "on = sys.argv[1] == 'on'; on or summary.uninstall(connection); "
        "from xinfang.organisation.importer import org_import; "
        "from xinfang.intake.ledger.importer import ledger_import; "
        "org_import(actor=None, path=Path(sys.argv[2])); t = time.perf_counter(); "
        "ledger_import(actor=None, path=Path(sys.argv[3])); "
        "print(time.perf_counter() - t)"
    )
    import psycopg

    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    for _ in range(runs):
        for mode in ("on", "off"):
            for vendor in ("postgresql", "sqlite"):
                if vendor == "postgresql":
                    with psycopg.connect(admin, autocommit=True) as db:
                        db.execute("DROP DATABASE IF EXISTS xf_counting_imp")
                        db.execute("CREATE DATABASE xf_counting_imp")
                    url = "postgres://postgres@127.0.0.1:5432/xf_counting_imp"
                else:
                    for old in Path("/tmp/xf-counting").glob("imp.sqlite3*"):
                        old.unlink()
                    url = "sqlite:////tmp/xf-counting/imp.sqlite3"
                env = os.environ | {"DATABASE_URL": url, "XINFANG_DATA_DIR": "/tmp/xf-counting"}
                done = subprocess.run(
                    [sys.executable, "-c", script, mode, str(org), str(ledger)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                seconds = float(done.stdout.strip().splitlines()[-1])
                print(f"{vendor} triggers {mode}: {seconds:.1f} s load {os.getloadavg()[0]:.2f}")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute("DROP DATABASE IF EXISTS xf_counting_imp")


if __name__ == "__main__":
    if sys.argv[1:2] == ["import-cost"]:
        import_cost()
    else:
        main()

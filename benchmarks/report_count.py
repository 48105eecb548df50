"""Benchmark: the JSON report (contract C) for a year with 同比 over 1,000,000 registrations.

    .venv/bin/python benchmarks/report_count.py [--rows 1000000] [--runs 3]

The ledger is the demo generator's (two whole years ending 2026-06-30, kept under
benchmarks/data/), imported through the ledger importer into a fresh SQLite file and a fresh
PostgreSQL database (untimed, then ANALYZE). Timed: `build_report` for the year 2025-07-01 ..
2026-06-30 with its 同比 — every registration of the ledger is read — for the city (the root)
and for the district 青山区 (ranked among its siblings), after one warm-up run. Prints Markdown.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = "xinfang_bench_report"
NODES = {"3391": "临江市（全市）", "339102": "青山区"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ledger", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.ledger), args.runs)))
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from import_ledger import ensure_ledger, ensure_org, machine

    org, ledger = ensure_org(), ensure_ledger(args.rows)
    results = {}
    for database in args.databases.split(","):
        url = fresh_database(database, args.pg_admin_url)
        try:
            env = os.environ | {
                "DATABASE_URL": url,
                "XINFANG_DATA_DIR": str(DATA / "xinfang"),
                "BENCH_ORG": str(org),
            }
            command = [sys.executable, __file__, "--child", "1", "--ledger", str(ledger)]
            command += ["--runs", str(args.runs)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"child run failed:\n{done.stderr}")
            results[database] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"# {database}: {results[database]}", file=sys.stderr, flush=True)
        finally:
            drop_database(database, args.pg_admin_url)
    lines = [
        "| database | registrations | node | report s (median) | each run s | queries |",
        "| --- | ---: | --- | ---: | --- | ---: |",
    ]
    for database, found in results.items():
        for code, label in NODES.items():
            runs = found["runs"][code]
            lines.append(
                f"| {database} | {found['registrations']:,} | {label} "
                f"| {statistics.median(runs):.2f} | {', '.join(f'{r:.2f}' for r in runs)} "
                f"| {found['queries'][code]} |"
            )
    print("\n".join([machine(args.pg_admin_url), "", *lines]))


def fresh_database(database: str, admin_url: str) -> str:
    if database == "sqlite":
        drop_database(database, admin_url)
        return f"sqlite:///{DATA / 'bench-report.sqlite3'}"
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        db.execute(f"CREATE DATABASE {PG_NAME}")
    return admin_url.rsplit("/", 1)[0] + f"/{PG_NAME}"


def drop_database(database: str, admin_url: str) -> None:
    if database == "sqlite":
        for leftover in DATA.glob("bench-report.sqlite3*"):
            leftover.unlink()
        return
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


def child(ledger: Path, runs: int) -> dict[str, object]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.analytics.counting import build_report
    from xinfang.analytics.periods import Period
    from xinfang.intake.ledger.importer import ledger_import
    from xinfang.intake.models import Registration
    from xinfang.organisation.importer import org_import
    from xinfang.organisation.models import OrgUnit

    call_command("migrate", verbosity=0)
    org_import(actor=None, path=Path(os.environ["BENCH_ORG"]))
    ledger_import(actor=None, path=ledger)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    period = Period(date(2025, 7, 1), date(2026, 6, 30))
    timings: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    for code in NODES:
        org = OrgUnit.objects.get(code=code)
        with CaptureQueriesContext(connection) as captured:
            build_report(org=org, period=period)  # warm-up
        queries[code] = len(captured.captured_queries)
        timings[code] = []
        for _ in range(runs):
            started = time.perf_counter()
            build_report(org=org, period=period)
            timings[code].append(time.perf_counter() - started)
    return {"registrations": Registration.objects.count(), "runs": timings, "queries": queries}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    os.environ.setdefault("XINFANG_DATA_DIR", str(DATA / "xinfang"))
    main()

"""Benchmark: the JSON report (contract C) for a year with 同比 over 1,000,000 registrations.

    .venv/bin/python benchmarks/report_count.py [--rows 1000000] [--runs 3] [--keep]

The ledger is the demo generator's (two whole years ending 2026-06-30, kept under
benchmarks/data/), imported through the ledger importer into an SQLite file and a PostgreSQL
database (untimed; then VACUUM ANALYZE on PostgreSQL, ANALYZE on SQLite). `--keep` keeps both
databases and reuses them when they already hold the ledger. Timed: `build_report` for the year
2025-07-01 .. 2026-06-30 with its 同比 — every registration of the ledger is read — for the city
(the root) and for the district 青山区 (ranked among its siblings), after one warm-up run.

The reference: DuckDB (in process) computes every counted figure of the same two reports from
the same rows, exported from the PostgreSQL database (benchmarks/report_duckdb.py); the script
asserts that DuckDB's figures, PostgreSQL's report and SQLite's report all agree. Each child
process also times a fixed pure-Python loop, to show how busy the shared machine was.
Prints Markdown.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BENCH_DATA_DIR") or ROOT / "benchmarks" / "data")  # tests: their own
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
# BENCH_PG_NAME: keep a database of one's own while others benchmark on the same server
PG_NAME = os.environ.get("BENCH_PG_NAME", "xinfang_bench_report")
NODES = {"3391": "临江市（全市）", "339102": "青山区"}
PERIOD = (date(2025, 7, 1), date(2026, 6, 30))
PREVIOUS = (date(2024, 7, 1), date(2025, 6, 30))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--keep", action="store_true", help="keep and reuse the databases")
    parser.add_argument(
        "--paired",
        action="store_true",
        help="time PostgreSQL and DuckDB alternately in one process (same minutes, same load)",
    )
    parser.add_argument("--pg-admin-url", default=PG_ADMIN)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ledger", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "paired":
            found = paired_child(args.runs)
        else:
            found = duckdb_child(args.runs) if args.child == "duckdb" else child(args)
        print(json.dumps(found))
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from import_ledger import ensure_ledger, ensure_org, machine

    org, ledger = ensure_org(), ensure_ledger(args.rows)
    load_before = os.getloadavg()
    results: dict[str, dict[str, Any]] = {}
    pg_url = ""
    try:
        for database in args.databases.split(","):
            url = database_url(database, args.pg_admin_url, fresh=not args.keep)
            pg_url = url if database == "postgresql" else pg_url
            results[database] = run_child(database, url, ledger, org, args)
        if pg_url and args.paired:
            paired = run_child("paired", pg_url, ledger, org, args)
            results["postgresql"], results["duckdb"] = paired["postgresql"], paired["duckdb"]
        elif pg_url:
            results["duckdb"] = run_child("duckdb", pg_url, ledger, org, args)
    finally:
        if not args.keep:
            for database in args.databases.split(","):
                drop_database(database, args.pg_admin_url)
    print(table(results, args, machine(args.pg_admin_url), load_before))


def run_child(
    database: str, url: str, ledger: Path, org: Path, args: argparse.Namespace
) -> dict[str, Any]:
    env = os.environ | {
        "DATABASE_URL": url,
        "XINFANG_DATA_DIR": str(DATA / "xinfang"),
        "BENCH_ORG": str(org),
        "BENCH_DATABASE": database,
    }
    kind = database if database in ("duckdb", "paired") else "1"
    command = [sys.executable, __file__, "--child", kind]
    command += ["--ledger", str(ledger), "--runs", str(args.runs), "--rows", str(args.rows)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{database} child run failed:\n{done.stderr}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"# {database}: {found}", file=sys.stderr, flush=True)
    return found


def table(
    results: dict[str, dict[str, Any]], args: argparse.Namespace, machine: str, load: Any
) -> str:
    lines = [
        "| engine | registrations | node | report s (median) | each run s | queries "
        "| × DuckDB | CPU reference s |",
        "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    duck = results.get("duckdb")
    for database, found in results.items():
        for code, label in NODES.items():
            runs = found["runs"][code]
            median = statistics.median(runs)
            ratio = ""
            if duck:
                ratio = f"{median / statistics.median(duck['runs'][code]):.1f}"
            lines.append(
                f"| {database} | {found['registrations']:,} | {label} | {median:.2f} "
                f"| {', '.join(f'{r:.2f}' for r in runs)} | {found['queries'][code]} "
                f"| {ratio} | {found['reference']:.2f} |"
            )
    notes = [
        f"- load average at the start: {', '.join(f'{x:.2f}' for x in load)}",
        "- CPU reference: a fixed pure-Python loop (sum of i*i for i below 3,000,000), median "
        "of 3, timed in each child process just before its reports",
    ]
    if duck:
        notes.append(f"- DuckDB figures equal to the report's: {duck['checked']} compared")
    if duck and duck.get("sqlite_equal"):
        notes.append(f"- SQLite's report equal to PostgreSQL's: {duck['sqlite_equal']} nodes")
    if duck and "loads" in duck:
        loads = duck["loads"]
        notes.append(
            "- PostgreSQL and DuckDB timed alternately in one process (--paired); 1-minute load "
            f"during those runs {min(loads):.2f}–{max(loads):.2f}"
        )
    return "\n".join([machine, *notes, "", *lines])


def database_url(database: str, admin_url: str, *, fresh: bool) -> str:
    if database == "sqlite":
        if fresh:
            drop_database(database, admin_url)
        return f"sqlite:///{DATA / 'bench-report.sqlite3'}"
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if fresh or not exists:
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


def cpu_reference() -> float:
    """Seconds of a fixed pure-Python loop (median of 3): how fast this process runs now."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(3_000_000))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()


def report_file(database: str, code: str) -> Path:
    return DATA / f"report-{database}-{code}.json"


def child(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.analytics.counting import build_report
    from xinfang.analytics.periods import Period
    from xinfang.core.permissions import SYSTEM
    from xinfang.intake.ledger.importer import ledger_import
    from xinfang.intake.models import Registration
    from xinfang.organisation.importer import org_import
    from xinfang.organisation.models import OrgUnit

    call_command("migrate", verbosity=0)
    if Registration.objects.count() != args.rows:
        assert not Registration.objects.exists(), "a kept database holds another ledger"
        org_import(actor=SYSTEM, path=Path(os.environ["BENCH_ORG"]))
        ledger_import(actor=SYSTEM, path=Path(args.ledger))
    with connection.cursor() as cursor:
        # VACUUM sets PostgreSQL's visibility map (as autovacuum would) for index-only scans.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    database = os.environ["BENCH_DATABASE"]
    period = Period(*PERIOD)
    reference = cpu_reference()
    timings: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    for code in NODES:
        org = OrgUnit.objects.get(code=code)
        with CaptureQueriesContext(connection) as captured:
            report = build_report(org=org, period=period)  # warm-up
        queries[code] = len(captured.captured_queries)
        report_file(database, code).write_text(json.dumps(report, ensure_ascii=False, indent=1))
        timings[code] = []
        for _ in range(args.runs):
            started = time.perf_counter()
            build_report(org=org, period=period)
            timings[code].append(time.perf_counter() - started)
    return {
        "registrations": Registration.objects.count(),
        "runs": timings,
        "queries": queries,
        "reference": reference,
    }


def duckdb_child(runs: int) -> dict[str, Any]:
    """DuckDB's figures from the PostgreSQL rows, timed, and compared with both reports."""
    setup_django()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from report_duckdb import calendar_days, compare, export, figures, load

    files = export(os.environ["DATABASE_URL"], DATA / "report-export")
    db = load(files, calendar_days(*PERIOD))
    reference = cpu_reference()
    timings: dict[str, list[float]] = {}
    checked = 0
    for code in NODES:
        pg = json.loads(report_file("postgresql", code).read_text())
        lite = report_file("sqlite", code)
        if lite.exists():
            assert json.loads(lite.read_text()) == pg, f"SQLite and PostgreSQL differ for {code}"
        found = figures(db, code, PERIOD, PREVIOUS)  # warm-up
        checked += compare(found, pg)
        timings[code] = [figures(db, code, PERIOD, PREVIOUS)["seconds"] for _ in range(runs)]
    count = db.execute("SELECT COUNT(*) FROM registration").fetchone()[0]
    return {
        "registrations": count,
        "runs": timings,
        "queries": dict.fromkeys(NODES, "—"),
        "reference": reference,
        "checked": checked,
    }


def paired_child(runs: int) -> dict[str, Any]:
    """PostgreSQL's report and DuckDB's figures timed alternately, run by run, in one process:
    the two engines see the same minutes of the shared machine. Figures compared as usual."""
    setup_django()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from report_duckdb import calendar_days, compare, export, figures, load

    from xinfang.analytics.counting import build_report
    from xinfang.analytics.periods import Period
    from xinfang.organisation.models import OrgUnit

    files = export(os.environ["DATABASE_URL"], DATA / "report-export")
    db = load(files, calendar_days(*PERIOD))
    count = db.execute("SELECT COUNT(*) FROM registration").fetchone()[0]
    reference = cpu_reference()
    period = Period(*PERIOD)
    pg: dict[str, list[float]] = {}
    duck: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    loads: list[float] = []
    checked = sqlite_checked = 0
    for code in NODES:
        org = OrgUnit.objects.get(code=code)
        with CaptureQueriesContext(connection) as captured:
            report = build_report(org=org, period=period)  # warm-up
        queries[code] = len(captured.captured_queries)
        checked += compare(figures(db, code, PERIOD, PREVIOUS), report)  # warm-up too
        lite = report_file("sqlite", code)  # SQLite's report of the same ledger, when run
        if lite.exists():
            same = json.loads(lite.read_text()) == json.loads(json.dumps(report))
            assert same, f"SQLite and PostgreSQL differ for {code}"
            sqlite_checked += 1
        pg[code], duck[code] = [], []
        for _ in range(runs):
            started = time.perf_counter()
            build_report(org=org, period=period)
            pg[code].append(time.perf_counter() - started)
            duck[code].append(figures(db, code, PERIOD, PREVIOUS)["seconds"])
            loads.append(os.getloadavg()[0])
    common = {"registrations": count, "reference": reference, "loads": loads}
    common["sqlite_equal"] = sqlite_checked
    return {
        "postgresql": common | {"runs": pg, "queries": queries},
        "duckdb": common | {"runs": duck, "queries": dict.fromkeys(NODES, "—"), "checked": checked},
    }


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    os.environ.setdefault("XINFANG_DATA_DIR", str(DATA / "xinfang"))
    main()

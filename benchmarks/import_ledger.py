"""Benchmark: importing a ledger (台账) into a fresh SQLite file and a fresh PostgreSQL database.

    .venv/bin/python benchmarks/import_ledger.py [--rows 1000000] [--small 100000] [--runs 3]

The ledgers come from the demo generator (deterministic; kept under benchmarks/data/, which git
ignores). Each run is a child process with a fresh database: migrate and load the demo tree
(untimed), then two references in that same process — reading the CSV with csv.reader, and a
dry run (every check, nothing written) — and then the timed import. An import of more than
20,000 matters leaves the similar index to the worker once it commits: that rebuild is timed
after it, on its own. The machine is shared and noisy: compare the import with the references of
the same run. Prints a Markdown report.
"""

import argparse
import csv
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import _support  # noqa: E402  (benchmarks/, beside this file)

DATA = Path(os.environ.get("BENCH_DATA_DIR") or ROOT / "benchmarks" / "data")  # tests: their own
END = date(2026, 6, 30)  # a fixed end keeps the generated ledger the same from day to day
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = os.environ.get("BENCH_PG_NAME", "xinfang_bench_import")  # one per person running it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big ledger")
    parser.add_argument("--small", type=int, default=100_000, help="rows of the repeated runs")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs at the small size")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # database URL of a child run
    parser.add_argument("--ledger", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.ledger))))
        return
    org = ensure_org()
    sizes = [(args.small, args.runs), (args.rows, 1)]
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    for database in args.databases.split(","):
        for rows, runs in sizes:
            ledger = ensure_ledger(rows)
            for run in range(runs):
                url = fresh_database(database, args.pg_admin_url)
                try:
                    found = run_child(url, ledger, org)
                finally:
                    drop_database(database, args.pg_admin_url)
                print(f"# {database} {rows} run {run + 1}: {found}", file=sys.stderr, flush=True)
                results.setdefault((database, rows), []).append(found)
    print(report(results, args))


def _django() -> None:
    """The demo generator numbers through core.sequences (a model): Django must be set up."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    django.setup()


def ensure_org() -> Path:
    _django()
    from xinfang.demo.generator import write_org_csv

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "demo-org.csv"
    write_org_csv(path)
    return path


def ensure_ledger(rows: int) -> Path:
    _django()
    from xinfang.demo.generator import write_ledger_csv

    path = DATA / f"ledger-{rows}.csv"
    if not path.exists():
        started = time.monotonic()
        partial = path.with_suffix(".part")
        write_ledger_csv(partial, end=END, registrations=rows)
        partial.replace(path)
        took = time.monotonic() - started
        print(f"# generated {path.name} in {took:.0f} s", file=sys.stderr, flush=True)
    return path


def fresh_database(database: str, admin_url: str) -> str:
    if database == "sqlite":
        path = DATA / "bench.sqlite3"
        for leftover in DATA.glob("bench.sqlite3*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        db.execute(f"CREATE DATABASE {PG_NAME}")
    return admin_url.rsplit("/", 1)[0] + f"/{PG_NAME}"


def drop_database(database: str, admin_url: str) -> None:
    if database == "sqlite":
        for leftover in DATA.glob("bench.sqlite3*"):
            leftover.unlink()
        return
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


def run_child(url: str, ledger: Path, org: Path) -> dict[str, float]:
    env = os.environ | {
        "DATABASE_URL": url,
        "XINFANG_DATA_DIR": str(DATA / "xinfang"),
        "BENCH_ORG": str(org),
    }
    command = [sys.executable, __file__, "--child", url, "--ledger", str(ledger)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"child run failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child(url: str, ledger: Path) -> dict[str, float]:
    """One run in a fresh database: references, then the timed import."""
    import resource

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    from xinfang.core.permissions import SYSTEM
    from xinfang.intake.ledger.importer import ledger_import
    from xinfang.intake.models import Matter, Petitioner, Registration
    from xinfang.organisation.importer import org_import

    call_command("migrate", verbosity=0)
    org_import(actor=SYSTEM, path=Path(os.environ["BENCH_ORG"]))
    started = time.monotonic()
    with ledger.open(encoding="utf-8-sig", newline="") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    csv_seconds = time.monotonic() - started
    dry = ledger_import(actor=SYSTEM, path=ledger, dry_run=True)
    cpu = _cpu_seconds()
    summary = ledger_import(actor=SYSTEM, path=ledger)
    cpu = _cpu_seconds() - cpu
    assert summary.created == rows == Registration.objects.count(), summary.text()
    later = 0.0  # the similar index a big import leaves to the worker: its rebuild, timed here
    if summary.similar_later:
        from xinfang.intake.similar.index import reindex

        started = time.monotonic()
        reindex()
        later = time.monotonic() - started
    return {
        "similar_background_seconds": later,
        "rows": rows,
        "csv_reader_rows_per_s": rows / csv_seconds,
        "dry_run_rows_per_s": rows / dry.seconds,
        "import_seconds": summary.seconds,
        "import_rows_per_s": rows / summary.seconds,
        # this process's CPU time: on a loaded machine the fairer figure for SQLite (all of
        # its work is in this process); PostgreSQL's server work is not in it
        "import_cpu_seconds": cpu,
        "matters": Matter.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _cpu_seconds() -> float:
    import resource

    # and of the processes it has waited for: the import's own (core.beside) compute beside it
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def report(results: dict[tuple[str, int], list[dict[str, float]]], args: argparse.Namespace) -> str:
    lines = [
        "| database | rows | runs | import rows/s (median) | import s | import CPU s "
        "| then the similar index in the background s "
        "| dry run rows/s | csv.reader rows/s | matters | petitioners | max RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (database, rows), runs in results.items():

        def median(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(run[key] for run in runs)

        every = ", ".join(f"{run['import_rows_per_s']:,.0f}" for run in runs)
        lines.append(
            f"| {database} | {rows:,} | {len(runs)} | {median('import_rows_per_s'):,.0f}"
            f"{f' ({every})' if len(runs) > 1 else ''} | {median('import_seconds'):.1f} "
            f"| {median('import_cpu_seconds'):.1f} "
            f"| {median('similar_background_seconds'):.1f} "
            f"| {median('dry_run_rows_per_s'):,.0f} "
            f"| {median('csv_reader_rows_per_s'):,.0f} "
            f"| {median('matters'):,.0f} | {median('petitioners'):,.0f} "
            f"| {median('max_rss_mb'):,.0f} |"
        )
    return "\n".join([machine(args.pg_admin_url), "", *lines])


def machine(pg_url: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    try:
        import psycopg

        with psycopg.connect(pg_url.replace("postgres://", "postgresql://")) as db:
            row = db.execute("SHOW server_version").fetchone()
            postgres = row[0] if row else "?"
    except Exception as exc:  # report the machine even when PostgreSQL is away
        postgres = f"not reachable ({exc.__class__.__name__})"
    return "\n".join(
        [
            f"- commit: {_support.commit()}",
            f"- nproc: {os.cpu_count()}; CPU: {cpu}; RAM: {int(memory) // 1024 // 1024} GiB",
            f"- Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
            f"PostgreSQL {postgres}",
            f"- load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        ]
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    os.environ.setdefault("XINFANG_DATA_DIR", str(DATA / "xinfang"))
    main()

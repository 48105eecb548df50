"""Benchmark: a ledger import by this code and by a reference checkout, side by side (issue 13:
"ledger import at 1,000,000 rows within 1.3×" of the code before the audit chain and sealing).

    .venv/bin/python benchmarks/import_paired.py --reference-tree /work/wt/ref \
        [--rows 1000000] [--databases sqlite,postgresql]

The reference tree is a checkout of the reference commit (e4fb5ae) with its own .venv (its
bin/setup). Its generator writes the ledger (the reference refuses newer ledgers; this code reads
older ones), kept in the reference's benchmarks/data/. For each database both imports start at
the same moment, each in a fresh database of its own (migrated and the demo tree loaded, untimed),
so that they share whatever else the machine is doing: compare the two of one run, not runs of
different times. Figures per import: wall seconds, this process's CPU seconds (all of SQLite's
work) and, on PostgreSQL, the CPU seconds of the server backend that did the import (from /proc).
Without --reference-tree the current tree is paired with itself (the small mode CI runs).
An import of more than 20,000 matters leaves the similar index to the worker: that rebuild is not
run here (it would run beside the other import); benchmarks/import_ledger.py times it.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import _support  # noqa: E402  (benchmarks/, beside this file)

PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-tree", default="", help="a checkout with its own .venv")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=PG_URL, help="any database of the server to use")
    parser.add_argument("--data-dir", default="", help="where the scratch databases go")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)  # tree, ledger, org
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    reference = Path(args.reference_tree or ROOT).resolve()
    data = Path(args.data_dir or _data(ROOT) / "paired")
    ledger, org = ensure_ledger(reference, args.rows)
    trees = {"reference": reference, "this code": ROOT}
    results: dict[str, dict[str, dict[str, float]]] = {}
    for database in args.databases.split(","):
        runs = {}
        for name, tree in trees.items():
            place = data / f"{database}-{'ref' if name == 'reference' else 'this'}"
            runs[name] = start(tree, database, place, args.pg_url, ledger, org)
        results[database] = {name: finish(run) for name, run in runs.items()}
        print(f"# {database}: {json.dumps(results[database])}", file=sys.stderr, flush=True)
    print(report(results, reference, args))


def ensure_ledger(tree: Path, rows: int) -> tuple[Path, Path]:
    """The reference's own ledger and organisation files, written by its generator once."""
    data = _data(tree)
    ledger, org = data / f"ledger-{rows}.csv", data / "demo-org.csv"
    if not ledger.exists() or not org.exists():
        data.mkdir(parents=True, exist_ok=True)
        script = (
            "import os, sys; sys.path.insert(0, os.getcwd()); import django; "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'xinfang.settings'); django.setup(); "
            "from datetime import date; from pathlib import Path; "
            "from xinfang.demo.generator import write_ledger_csv, write_org_csv; "
            f"write_org_csv(Path({str(org)!r})); "
            f"write_ledger_csv(Path({str(ledger) + '.part'!r}), end=date(2026, 6, 30), "
            f"registrations={rows})"
        )
        env = os.environ | {"XINFANG_DATA_DIR": str(data / "xinfang")}
        subprocess.run([_python(tree), "-c", script], cwd=tree, env=env, check=True)
        Path(str(ledger) + ".part").replace(ledger)
    return ledger, org


def _data(tree: Path) -> Path:
    """A tree's benchmarks/data/; this tree's may be elsewhere (BENCH_DATA_DIR: the tests')."""
    if tree == ROOT and os.environ.get("BENCH_DATA_DIR"):
        return Path(os.environ["BENCH_DATA_DIR"])
    return tree / "benchmarks" / "data"


def _python(tree: Path) -> str:
    python = tree / ".venv" / "bin" / "python"
    return str(python) if python.exists() else sys.executable


def start(
    tree: Path, database: str, place: Path, pg_url: str, ledger: Path, org: Path
) -> tuple[subprocess.Popen[str], str, Path]:
    place.mkdir(parents=True, exist_ok=True)
    for leftover in place.glob("db.sqlite3*"):
        leftover.unlink()
    if database == "sqlite":
        url = f"sqlite:///{place}/db.sqlite3"
    else:
        name = f"xinfang_paired_{place.name.replace('-', '_')}_{os.getpid()}"
        _support.admin_sql(pg_url, f"DROP DATABASE IF EXISTS {name}")
        _support.admin_sql(pg_url, f"CREATE DATABASE {name}")
        url = f"{pg_url.rsplit('/', 1)[0]}/{name}"
    env = os.environ | {"DATABASE_URL": url, "XINFANG_DATA_DIR": str(place / "data")}
    command = [_python(tree), __file__, "--child", str(tree), str(ledger), str(org)]
    process = subprocess.Popen(command, env=env, cwd=tree, stdout=subprocess.PIPE, text=True)
    return process, url, place


def finish(run: tuple[subprocess.Popen[str], str, Path]) -> dict[str, float]:
    process, url, _ = run
    out, _ = process.communicate()
    try:
        if process.returncode != 0:
            sys.exit(f"an import failed (exit {process.returncode})")
        found: dict[str, float] = json.loads(out.strip().splitlines()[-1])
        return found
    finally:
        if url.startswith("postgres"):
            _support.admin_sql(url, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]}")


def child(tree: str, ledger: str, org: str) -> dict[str, float]:
    """One import in a fresh database by the code of `tree` (this file runs with its Python).
    Only what the reference has too: ledger_import, org_import, the console actor."""
    import resource

    sys.path.insert(0, tree)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xinfang.core import permissions
    from xinfang.intake.ledger.importer import ledger_import
    from xinfang.intake.models import Registration
    from xinfang.organisation.importer import org_import

    actor: Any = getattr(permissions, "SYSTEM", None)  # the reference's console: None
    call_command("migrate", verbosity=0)
    org_import(actor=actor, path=Path(org))

    def server_cpu() -> float:
        if connection.vendor != "postgresql":
            return 0.0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        # and of the processes it has waited for: the import's own (core.beside) compute beside it
        usage = [
            resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        ]
        return sum(u.ru_utime + u.ru_stime for u in usage)

    load = os.getloadavg()[0]
    server, own, started = server_cpu(), cpu(), time.monotonic()
    ledger_import(actor=actor, path=Path(ledger))
    wall = time.monotonic() - started
    own, server = cpu() - own, server_cpu() - server
    rows = Registration.objects.count()
    return {
        "rows": rows,
        "wall_s": wall,
        "cpu_s": own,
        "server_cpu_s": server,
        "rows_per_s": rows / wall,
        "load_start": load,
        "load_end": os.getloadavg()[0],
    }


def report(
    results: dict[str, dict[str, dict[str, float]]], reference: Path, args: argparse.Namespace
) -> str:
    ref_commit = subprocess.run(
        ["git", "-C", str(reference), "log", "-1", "--format=%h"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    lines = [
        f"- commit: {_support.commit()}; reference: {ref_commit} ({reference})",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "",
        "| database | code | rows | wall s | CPU s (importer) | CPU s (server) "
        "| CPU s (both) | rows/s | load start → end |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for database, runs in results.items():
        for name, run in runs.items():
            both = run["cpu_s"] + run["server_cpu_s"]
            lines.append(
                f"| {database} | {name} | {run['rows']:,.0f} | {run['wall_s']:.1f} "
                f"| {run['cpu_s']:.1f} | {run['server_cpu_s']:.1f} | {both:.1f} "
                f"| {run['rows_per_s']:,.0f} | {run['load_start']:.1f} → {run['load_end']:.1f} |"
            )
        ref, this = runs["reference"], runs["this code"]
        wall = this["wall_s"] / ref["wall_s"]
        cpu = (this["cpu_s"] + this["server_cpu_s"]) / (ref["cpu_s"] + ref["server_cpu_s"])
        lines.append(
            f"| {database} | **this ÷ reference** | | **{wall:.2f}×** | | | **{cpu:.2f}×** | | |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""The public portal under load: online submission and progress look-up, 50 users, gunicorn + PG.

Run (the load tool, locust, is among the dev dependencies):
    .venv/bin/python benchmarks/portal_load.py \
        [--database-url postgres://postgres@127.0.0.1:5432/xinfang_bench_portal] \
        [--users 50] [--seconds 60] [--runs 3] [--workers 4] [--think 1,3]

It creates the scratch database (dropped afterwards unless --keep), loads the demo district, makes
--seed earlier online petitions whose query codes the simulated petitioners look up, serves the
product with gunicorn on loopback and drives it with locust (benchmarks/portal_locustfile.py):
each simulated petitioner opens the form and submits a petition, then looks matters up with a code
and secret, pausing --think seconds between pages as a person reading a page does. Each run
reports locust's own percentiles per page; the table gives the median over runs of each figure,
beside /healthz (no database, no template) measured in the same runs as the reference for what
the machine and the load tool cost. --think 0 is the stress case with no pause at all.
The test suite's small mode (tests/test_benchmarks_small.py) runs it on SQLite for seconds:
--database-url sqlite:///FILE --registrations 200 --seed 20 --users 4 --seconds 5 --runs 1.
"""

import argparse
import csv
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "benchmarks"))
import _support  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument(
    "--database-url", default="postgres://postgres@127.0.0.1:5432/xinfang_bench_portal"
)
parser.add_argument("--users", type=int, default=50)
parser.add_argument("--seconds", type=int, default=60)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
parser.add_argument("--think", default="1,3", help="pause between pages, seconds: MIN,MAX or 0")
parser.add_argument("--seed", type=int, default=500, help="earlier petitions to look up")
parser.add_argument(
    "--registrations", type=int, default=0, help="the demo ledger's size (default: load-demo's)"
)
parser.add_argument("--port", type=int, default=8197)
parser.add_argument("--keep", action="store_true")
args = parser.parse_args()

scratch = Path(tempfile.mkdtemp(prefix="xf-bench-portal."))
env = dict(
    os.environ,
    XINFANG_DATA_DIR=str(scratch),
    DATABASE_URL=args.database_url,
    DJANGO_SETTINGS_MODULE="xinfang.settings",
    XINFANG_DEBUG="0",
    # every simulated petitioner comes from 127.0.0.1, as from behind a proxy
    XINFANG_PORTAL_SUBMITS_PER_HOUR="0",
)
POSTGRES = args.database_url.startswith("postgres")


def admin_sql(sql: str) -> None:
    _support.admin_sql(args.database_url, sql)


def xinfang(*argv: str) -> str:
    done = subprocess.run(
        [str(VENV / "xinfang"), *argv], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def seed_petitions(path: Path) -> None:
    """Earlier online petitions through the portal's own service; their codes to look up."""
    code = f"""
import json, random, django
django.setup()
from xinfang.intake.models import Category
from xinfang.organisation.models import OrgUnit
from xinfang.portal.services import PetitionInput, new_idempotency_key, online_petition_submit
rng = random.Random(7)
categories = list(Category.objects.filter(parent__isnull=False))
places = list(OrgUnit.objects.filter(kind="street"))
codes = []
for i in range({args.seed}):
    s = online_petition_submit(
        data=PetitionInput(
            purpose="suggestion", content=f"关于社区公共设施维护的建议（第{{i}}条）",
            category=rng.choice(categories), locality=rng.choice(places),
        ),
        idempotency_key=new_idempotency_key(),
    )
    codes.append([s.query_code, s.secret])
json.dump(codes, open({str(path)!r}, "w"))
"""
    subprocess.run([str(VENV / "python"), "-c", code], env=env, check=True)


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url}")


def run_locust(host: str, prefix: Path, codes: Path) -> dict[str, dict[str, float]]:
    subprocess.run(
        [
            str(VENV / "locust"),
            "-f",
            str(ROOT / "benchmarks" / "portal_locustfile.py"),
            "--headless",
            "--only-summary",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(max(1, args.users // 5)),
            "--run-time",
            f"{args.seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--loglevel",
            "WARNING",
        ],
        env=dict(env, XF_BENCH_CODES=str(codes), XF_BENCH_THINK=args.think),
        check=False,  # locust exits 1 when any request failed; the failures are in the table
    )
    figures: dict[str, dict[str, float]] = {}
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            figures[row["Name"]] = {
                "requests": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "rps": float(row["Requests/s"]),
            }
    return figures


def main() -> None:
    if POSTGRES:
        db_name = args.database_url.rsplit("/", 1)[1]
        admin_sql(f'DROP DATABASE IF EXISTS "{db_name}"')
        admin_sql(f'CREATE DATABASE "{db_name}"')
    print("migrate + load-demo …", file=sys.stderr)
    xinfang("migrate", "--no-input", "-v0")
    xinfang(
        "load-demo", *(["--registrations", str(args.registrations)] if args.registrations else [])
    )
    codes = scratch / "codes.json"
    seed_petitions(codes)
    host = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            str(VENV / "gunicorn"),
            "xinfang.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            # longer than a petitioner's pause: gunicorn's default 2 s closed connections the
            # client was about to reuse (RemoteDisconnected, counted as failures)
            "--keep-alive",
            "10",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    results: list[dict[str, dict[str, float]]] = []
    try:
        wait_until_up(f"{host}/healthz")
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs} …", file=sys.stderr)
            results.append(run_locust(host, scratch / f"run{run}", codes))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if POSTGRES and not args.keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{args.database_url.rsplit("/", 1)[1]}"')
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    report(results)


def report(results: list[dict[str, dict[str, float]]]) -> None:
    names = [n for n in results[0] if n != "Aggregated"] + ["Aggregated"]
    load = os.getloadavg()
    print(
        f"\n{args.users} users, {args.seconds} s × {args.runs} runs, think {args.think} s, "
        f"gunicorn {args.workers} workers × {args.threads} threads, "
        f"{'PostgreSQL' if POSTGRES else 'SQLite'}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"commit {_support.commit()}\n"
    )
    print(
        "| page | requests/run | failures | p50 ms | p95 ms (median of runs) | p95 worst "
        "| p99 ms | req/s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in names:
        rows = [r[name] for r in results if name in r]
        med = {k: statistics.median(row[k] for row in rows) for k in rows[0]}
        worst = max(row["p95"] for row in rows)
        print(
            f"| {name} | {med['requests']:.0f} | {sum(r['failures'] for r in rows):.0f} | "
            f"{med['p50']:.0f} | {med['p95']:.0f} | {worst:.0f} | {med['p99']:.0f} | "
            f"{med['rps']:.1f} |"
        )
    print("\nper run:", json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""How long the daily clock scan takes with 200,000 open disputes beside a million open matters.

    .venv/bin/python benchmarks/scan_disputes.py [--matters 1000000] [--disputes 200000]
        [--runs 3] [--keep] [--database-url postgres://postgres@127.0.0.1:5432/xinfang_bench_disputes]

Data: the matters, units and users of benchmarks/clock_scan.py (its `build()`, realistic spread:
on the scan day 95 % of the clocks run, 3 % warn, 2 % are overdue), then `--disputes` open
disputes written in bulk (COPY) as the dispute services would have left them: 60 % at 村社区,
30 % at 街道乡镇, 10 % at 区县 (the top: its clock warns and goes overdue, nothing rises), each
level's clock start drawn the same way (95 % run, 3 % warn, 2 % overdue by up to 30 days), the
place a village (or, for a third of those above the village, the street), and two staff users
in each village. With `--keep` the database is kept, and a later run with `--keep` reuses it
(nothing is built again; the disputes' levels are put back first).

Timed, each `runs` times (median and worst), the whole `scan_clocks()` call as in clock_scan.py:
  first    — the first scan over the backlog (every overdue dispute rises at once);
             the database is put back between runs (untimed);
  rerun    — the same day again: must raise nothing (asserted);
  next day — the day after a first scan: the steady-state daily run.
The dispute step's own seconds (`timings["disputes"]`, part of the notifications phase) are
shown beside the total. Before each timed scan, in the same process: a pure-Python loop, a
full-table COUNT over the matters and one over the disputes, and the 1-minute load average.
"""

import argparse
import atexit
import os
import random
import shutil
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/xinfang_bench_disputes"
TODAY = date(2026, 6, 15)  # clock_scan.py's scan day: the matters' clocks are drawn around it
TZ = ZoneInfo("Asia/Shanghai")

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--matters", type=int, default=1_000_000)
parser.add_argument("--disputes", type=int, default=200_000)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--keep", action="store_true", help="keep the database; reuse a kept one")
parser.add_argument("--database-url", default=PG_URL)
args = parser.parse_args()
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))


from _support import admin_sql  # noqa: E402  (benchmarks/, on the path above)


def _admin(sql: str, *params: Any) -> Any:
    return admin_sql(args.database_url, sql, *params)


DB_NAME = args.database_url.rsplit("/", 1)[1]


def _kept() -> bool:
    """A kept database of an earlier run with --keep, holding its disputes."""
    if not args.keep or not _admin("SELECT 1 FROM pg_database WHERE datname = %s", DB_NAME):
        return False
    import psycopg

    url = args.database_url.replace("postgres://", "postgresql://")
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT to_regclass('bench_dispute_start') IS NOT NULL").fetchone()
    return bool(found and found[0])


REUSE = _kept()
if REUSE:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["XINFANG_DATA_DIR"] = str(ROOT / "benchmarks" / "data" / "scan_disputes")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    import django

    django.setup()
else:
    # clock_scan.py builds the matters: importing it (re)creates the database named by the URL
    # and sets Django up; --keep there only stops it from dropping the database at exit
    sys.argv = [sys.argv[0], "--database-url", args.database_url, "--matters", str(args.matters)]
    sys.argv.append("--keep")
    import clock_scan

    atexit.register(shutil.rmtree, clock_scan.scratch, ignore_errors=True)
    if not args.keep:
        from django.db import connection as _conn

        atexit.register(_admin, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        atexit.register(_conn.close)

from _support import clock_scan_reset  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from xinfang.accounts.models import Role, User  # noqa: E402
from xinfang.disputes.clocks import level_due  # noqa: E402
from xinfang.disputes.models import Dispute, DisputeAlert, Escalation  # noqa: E402
from xinfang.organisation.models import OrgUnit, UnitKind  # noqa: E402
from xinfang.workflow.clockscan import ScanResult, scan_clocks  # noqa: E402


def build_disputes(n: int) -> dict[str, int]:
    """n open disputes over the benchmark district's villages and streets, and village staff."""
    district = OrgUnit.objects.get(kind=UnitKind.DISTRICT)
    streets = list(OrgUnit.objects.filter(kind=UnitKind.STREET).order_by("code"))
    villages = list(OrgUnit.objects.filter(kind=UnitKind.VILLAGE).order_by("code"))
    for v in villages:
        for suffix in "ab":
            User.objects.create_user(f"village{v.pk}{suffix}", role=Role.UNIT_STAFF, org_unit=v)
    rng = random.Random(20261207)
    due_of: dict[tuple[str, date], date | None] = {}

    def due(level: str, since: date) -> date | None:
        if (level, since) not in due_of:
            due_of[(level, since)] = level_due(level, since)
        return due_of[(level, since)]

    def ago(lo: int, hi: int) -> date:
        return TODAY - timedelta(days=rng.randint(lo, hi))

    def started(limit: int) -> date:
        x = rng.random()
        if x < 0.95:
            return ago(0, limit - 4)
        if x < 0.98:
            return ago(limit - 3, limit)
        return ago(limit + 1, limit + 30)

    days = settings.XINFANG["DISPUTE_DAYS"]
    now = datetime.now(TZ)
    rows, counts = [], {"village": 0, "street": 0, "district": 0}
    for pk in range(1, n + 1):
        r = rng.random()
        level = "village" if r < 0.6 else "street" if r < 0.9 else "district"
        village = rng.choice(villages)
        street = next(s for s in streets if s.pk == village.parent_id)
        place = street if level != "village" and rng.random() < 1 / 3 else village
        owner = {"village": village, "street": street, "district": district}[level]
        since = started(int(days[level]))
        found = since - timedelta(days=rng.randint(0, 10) + (0 if level == "village" else 16))
        risk = ("low", "medium", "high")[rng.randint(0, 2)]
        number, parties = f"JF{pk:09d}", rng.randint(1, 30)
        first = (pk, number, found, "routine", place.pk, parties, "相邻土地边界纠纷", risk, "")
        clock = (owner.pk, street.pk, district.pk, level, since, due(level, since))
        rows.append((*first, "open", *clock, "", False, now))
        counts[level] += 1
    cols = "id number found_on source place_id parties description risk plan status"
    cols += " owner_unit_id street_unit_id district_unit_id level level_since level_due"
    cols += " settled_level rescreened created_at"
    raw = connection.connection
    with transaction.atomic():
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY disputes_dispute ({', '.join(cols.split())}) FROM STDIN") as cp,
        ):
            for row in rows:
                cp.write_row(row)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('disputes_dispute', 'id'), "
                "(SELECT MAX(id) FROM disputes_dispute))"
            )
            # where each dispute stood when built, to put the levels back between runs
            cur.execute(
                "CREATE TABLE bench_dispute_start AS SELECT id, level, level_since, level_due, "
                "owner_unit_id FROM disputes_dispute"
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return counts


def reset() -> None:
    """Back to as built: clock_scan's reset, and the disputes' alerts, escalations and levels."""
    with clock_scan_reset():
        DisputeAlert.objects.all().delete()
        Escalation.objects.all().delete()
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE disputes_dispute d SET level = s.level, level_since = s.level_since, "
                "level_due = s.level_due, owner_unit_id = s.owner_unit_id "
                "FROM bench_dispute_start s WHERE s.id = d.id AND (d.level, d.level_due) "
                "IS DISTINCT FROM (s.level, s.level_due)"
            )


def references() -> dict[str, float]:
    started = time.perf_counter()
    sum(i * i for i in range(3_000_000))
    python = time.perf_counter() - started
    found = {"python": python}
    for name, sql in (
        ("count", "SELECT COUNT(*) FROM intake_matter WHERE remark = ''"),
        ("disputes", "SELECT COUNT(*) FROM disputes_dispute WHERE plan = ''"),
    ):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(sql)
            cur.fetchone()
        found[name] = time.perf_counter() - started
    found["load"] = os.getloadavg()[0]
    return found


Row = tuple[ScanResult, float, dict[str, float], dict[str, int]]


def timed_scan(day: date) -> Row:
    refs = references()
    started = time.perf_counter()
    result = scan_clocks(day)
    took = time.perf_counter() - started
    alerts = dict(
        DisputeAlert.objects.filter(scan_id=result.scan_id)
        .values_list("stage")
        .annotate(n=Count("id"))
    )
    print(
        f"# {day} {took:.2f}s {result.summary()} {result.timings} {refs} {alerts}", file=sys.stderr
    )
    return result, took, refs, alerts


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (worst {max(values):.2f})"


def main() -> None:
    from import_ledger import machine

    started = time.perf_counter()
    if REUSE:
        built = "reused (kept by an earlier run)"
        reset()
    else:
        counts: dict[str, Any] = clock_scan.build(args.matters)
        counts.update(build_disputes(args.disputes))
        built = f"built in {time.perf_counter() - started:.0f} s: {counts}"
    print(f"# {built}", file=sys.stderr)
    rows: dict[str, list[Row]] = {}
    for run in range(args.runs):
        if run:
            reset()
        rows.setdefault("first", []).append(timed_scan(TODAY))
        again = timed_scan(TODAY)
        r = again[0]
        assert (r.warnings, r.overdue, r.notices, r.notifications, r.disputes_raised) == (
            0,
            0,
            0,
            0,
            0,
        ), r
        rows.setdefault("rerun", []).append(again)
        rows.setdefault("next day", []).append(timed_scan(TODAY + timedelta(days=1)))
    open_by_level = dict(Dispute.objects.values_list("level").annotate(n=Count("id")))
    out = [
        f"## PostgreSQL, {Dispute.objects.count():,} open disputes beside "
        f"{args.matters:,} open matters",
        "",
        "Machine:",
        machine(args.database_url),  # with the commit measured
        "",
        f"Data {built}. Open disputes by level after the last run: {open_by_level}.",
        "",
        "| scan | seconds: median (worst) | of which disputes | disputes raised | dispute alerts "
        "(warning / overdue) | in-app (all) | phases (median s) "
        "| reference: Python / COUNT matters / COUNT disputes s | load (1 min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for name, found in rows.items():
        r, alerts = found[0][0], found[0][3]
        phases = ", ".join(
            f"{k} {statistics.median(x[0].timings.get(k, 0) for x in found):.2f}" for k in r.timings
        )
        refs = " / ".join(
            f"{statistics.median(x[2][k] for x in found):.2f}"
            for k in ("python", "count", "disputes")
        )
        loads = " / ".join(f"{x[2]['load']:.1f}" for x in found)
        mine = median([x[0].timings.get("disputes", 0) for x in found])
        out.append(
            f"| {name} | {median([x[1] for x in found])} | {mine} | {r.disputes_raised:,} "
            f"| {alerts.get('warning', 0):,} / {alerts.get('overdue', 0):,} | {r.notifications:,} "
            f"| {phases} | {refs} | {loads} |"
        )
    out += ["", f"{args.runs} run(s) of each. A rerun of the same day raised nothing (asserted)."]
    print("\n".join(out))


if __name__ == "__main__":
    main()

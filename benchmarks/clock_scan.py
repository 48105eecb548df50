"""How long the clock scan (期限扫描) takes over a million open matters; a rerun adds nothing.

Run: .venv/bin/python benchmarks/clock_scan.py [--matters N] [--database-url URL] [--runs N]
Without --database-url it uses a scratch SQLite file; a PostgreSQL URL names a scratch database
that is created, filled and dropped again. Prints a Markdown report for results/.

Data: N open matters with their clocks as the workflow services would have left them (bulk
inserted: COPY on PostgreSQL, executemany on SQLite). Each clock's start is drawn so that on the
scan day 95 % run, 3 % are within the warning days and 2 % are overdue (by up to 30 days); with
--stress the starts are spread evenly instead (every clock runs to its end unanswered: about
14 % warn at the first scan and 5 % of all matters go overdue the next day). 20 % of the
re-reviews are in a hearing; 1 % of the matters carry an open 市级 督办单.
Timed, each `runs` times (median and worst):
  first   — the first scan ever over the backlog (every warning and overdue clock at once);
            the database is put back between runs (untimed);
  rerun   — the same day again: must raise nothing (asserted);
  next day — the day after a first scan: the steady-state daily run.
Before each timed scan, two references in the same process tell how busy the machine is: a
pure-Python loop and a full-table COUNT over the matters; and the 1-minute load average.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--matters", type=int, default=1_000_000)
parser.add_argument("--database-url", default="")
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--keep", action="store_true", help="keep the data to study query plans")
parser.add_argument(
    "--stress",
    action="store_true",
    help="clock starts spread evenly (about 14 %% warning, a day's 5 %% going overdue at once)",
)
args = parser.parse_args()

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/: _support
from _support import scratch_setup  # noqa: E402

place = scratch_setup("xf-bench-clock.", args.database_url, keep=args.keep)
scratch = place.dir  # scan_disputes.py removes it when it imports this script
POSTGRES = place.postgres

import django  # noqa: E402

django.setup()

from _support import clock_scan_reset, commit  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from xinfang.accounts.models import Role, User  # noqa: E402
from xinfang.organisation.models import OrgUnit, UnitKind  # noqa: E402
from xinfang.organisation.services import unit_create  # noqa: E402
from xinfang.workflow import calendar  # noqa: E402
from xinfang.workflow.clockscan import ScanResult, scan_clocks  # noqa: E402
from xinfang.workflow.models import SupervisionNotice  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 6, 15)  # a Monday; fixed so the data and the figures repeat
XF = settings.XINFANG


def build(n: int) -> dict[str, int]:
    """Units, users and n open matters with assignments, workflow rows and some notices."""
    call_command("migrate", verbosity=0)
    city = unit_create(code="B1", name="基准市", kind=UnitKind.CITY)
    district = unit_create(code="B101", name="基准区", kind=UnitKind.DISTRICT, parent=city)
    places: list[OrgUnit] = []
    handlers: list[OrgUnit] = []
    for s in range(12):
        street = unit_create(
            code=f"B101{s:02d}", name=f"第{s + 1}街道", kind=UnitKind.STREET, parent=district
        )
        places.append(street)
        handlers.append(street)
        for v in range(8):
            places.append(
                unit_create(
                    code=f"B101{s:02d}{v:02d}",
                    name=f"第{s + 1}街道第{v + 1}社区",
                    kind=UnitKind.VILLAGE,
                    parent=street,
                )
            )
    for d in range(20):
        handlers.append(
            unit_create(
                code=f"B1019{d:02d}", name=f"第{d + 1}局", kind=UnitKind.DEPARTMENT, parent=district
            )
        )
    discipline = unit_create(
        code="B101999",
        name="区纪委监委",
        kind=UnitKind.DEPARTMENT,
        parent=district,
        is_discipline_organ=True,
    )
    people = [("officer1", Role.OFFICER, district), ("officer2", Role.OFFICER, district)]
    people += [("supervisor", Role.SUPERVISOR, district), ("admin", Role.ADMIN, district)]
    for i, unit in enumerate([*handlers, discipline]):
        people += [(f"staff{i}a", Role.UNIT_STAFF, unit), (f"staff{i}b", Role.UNIT_STAFF, unit)]
    for i, (name, role, unit) in enumerate(people):
        email = f"{name}@example.org" if i % 2 == 0 else ""  # half have an e-mail address
        User.objects.create_user(name, role=role, org_unit=unit, email=email)

    rng = random.Random(20261122)
    due_of: dict[tuple[date, int], date] = {}

    def due(start: date, days: int) -> date:
        key = (start, days)
        if key not in due_of:
            due_of[key] = calendar.deadline(start, days)
        return due_of[key]

    def ago(lo: int, hi: int) -> date:
        return TODAY - timedelta(days=rng.randint(lo, hi))

    def started(limit: int, lo: int, hi: int) -> date:
        """A clock's start: realistic: 95 % running, 3 % warning, 2 % overdue (up to 30 days)."""
        if args.stress:
            return ago(lo, hi)
        x = rng.random()
        if x < 0.95:
            return ago(0, limit - 4)
        if x < 0.98:
            return ago(limit - 3, limit)
        return ago(limit + 1, limit + 30)

    handle = int(XF["HANDLE_DAYS"])
    now = datetime.now(TZ)
    matters, assignments, flows, notices = [], [], [], []
    counts: dict[str, int] = {}
    for pk in range(1, n + 1):
        r = rng.random()
        accusation = rng.random() < 0.03
        unit = discipline if accusation else rng.choice(handlers)
        place = rng.choice(places)
        received = started(15, 0, 20)
        decided = deadline = extended = None
        responsible: OrgUnit | None = None
        if r < 0.02:  # to route: received within 20 days (a few per mille long forgotten)
            status = "registered"
            if args.stress and rng.random() < 0.05:
                received = ago(21, 400)
            method = ""
        else:
            # routed or accepted: the handling clock from the day of the decision
            decided = started(handle, 0, 62) if r < 0.85 else ago(63, 200)
            received = decided - timedelta(days=rng.randint(0, 10))
            deadline = due(decided, handle)
            bureau = rng.random() < 0.1 and not accusation
            responsible = None if bureau else unit
            method = "accept" if bureau else "assign"
            status = "assigned" if r < 0.05 and not bureau else "in_handling"
            if r >= 0.85:
                status = ("replied", "under_review", "under_rereview")[int((r - 0.85) / 0.05)]
            if status == "in_handling" and rng.random() < 0.05:
                extended = due(decided, handle + 30)
            if not bureau:
                received_on = None if status == "assigned" else decided + timedelta(days=1)
                back = calendar.add_working_days(received_on, 5) if received_on else None
                assignments.append(
                    (pk, unit.pk, "assign", decided, deadline, received_on, back, "", True)
                )
            if status in ("replied", "under_review", "under_rereview"):
                delivered = started(30, 0, 40)
                review_request_due = due(delivered, 30) if status == "replied" else None
                review_due = due(started(30, 0, 35), 30) if status == "under_review" else None
                rereview_due = due(started(30, 0, 35), 30) if status == "under_rereview" else None
                hearing = status == "under_rereview" and rng.random() < 0.2
                hearing_on = ago(1, 10) if hearing else None
                texts = ("",) * 7
                dates = (delivered, review_request_due, review_due, None, rereview_due)
                flows.append((pk, *texts, *dates, hearing_on, None))
            if status == "in_handling" and rng.random() < 0.01:
                unit_id = responsible.pk if responsible else None
                reason = "群众反映强烈，请加快办理"
                raised, until = ago(0, 20), ago(-20, 5)
                notices.append(
                    (pk, "city", "routine", "manual", unit_id, reason, raised, until, "", "")
                )
        counts[status] = counts.get(status, 0) + 1
        purpose = "accusation" if accusation else "request"
        first = (pk, f"XF{pk:09d}", status, received, received, 1, "visit", "local")
        facts = (responsible.pk if responsible else None, method, decided, deadline, extended)
        matters.append(
            (*first, "individual", purpose, place.pk, *facts, "", "", "", "", 1, now, now)
        )
    m_cols = "id number status first_received_on last_received_on registration_count channel"
    m_cols += " level form purpose locality_id responsible_unit_id handling_method decided_on"
    m_cols += " handling_deadline extended_to evaluation package_leader supervision_level"
    m_cols += " remark version created_at updated_at"
    a_cols = "matter_id unit_id kind assigned_on due received_on return_due return_reason active"
    f_cols = "matter_id decline_reason legal_channel handling_notes extension_reason"
    f_cols += " reply_outcome review_outcome rereview_outcome reply_delivered_on"
    f_cols += " review_request_due review_due rereview_request_due rereview_due"
    f_cols += " hearing_started_on hearing_ended_on"
    n_cols = "matter_id level kind source unit_id reason raised_on due outcome outcome_note"
    with transaction.atomic():
        _insert("intake_matter", m_cols.split(), matters)
        _insert("workflow_assignment", a_cols.split(), assignments)
        _insert("workflow_matterworkflow", f_cols.split(), flows)
        _insert("workflow_supervisionnotice", n_cols.split(), notices)
        if POSTGRES:
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT setval(pg_get_serial_sequence('intake_matter', 'id'), "
                    "(SELECT MAX(id) FROM intake_matter))"
                )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    counts["assignments"], counts["hearings open"] = (
        len(assignments),
        sum(1 for f in flows if f[13] is not None),
    )
    counts["notices"] = len(notices)
    return counts


def _insert(table: str, columns: list[str], rows: list[Any]) -> None:
    if POSTGRES:
        # COPY is PostgreSQL's bulk load; several times faster than INSERT for a million rows
        raw = connection.connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cur:
        for start in range(0, len(rows), 20_000):
            cur.executemany(sql, rows[start : start + 20_000])


def reset() -> None:
    """Put the database back as built: no scans, alerts, notifications or automatic notices."""
    with clock_scan_reset():
        pass


def references() -> dict[str, float]:
    started = time.perf_counter()
    sum(i * i for i in range(3_000_000))
    python = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM intake_matter WHERE remark = ''")
        cur.fetchone()
    count = time.perf_counter() - started
    return {"python": python, "count": count, "load": os.getloadavg()[0]}


def timed_scan(day: date) -> tuple[ScanResult, float, dict[str, float]]:
    refs = references()
    started = time.perf_counter()
    result = scan_clocks(day)
    took = time.perf_counter() - started
    print(f"# {day} {took:.2f}s {result.summary()} {result.timings} {refs}", file=sys.stderr)
    return result, took, refs


def median(values: Iterable[float]) -> str:
    v = list(values)
    return f"{statistics.median(v):.2f} (worst {max(v):.2f})"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    except OSError:
        mem = 0
    db = f"PostgreSQL {connection.pg_version // 10000}" if POSTGRES else "SQLite "  # type: ignore[attr-defined]
    if not POSTGRES:
        import sqlite3

        db += sqlite3.sqlite_version
    return (
        f"{os.cpu_count()} cores, {cpu}, {mem} GiB RAM, {platform.platform()}, "
        f"CPython {platform.python_version()}, Django {django.get_version()}, {db}; "
        f"commit {commit()}"
    )


def main() -> None:
    started = time.perf_counter()
    counts = build(args.matters)
    built = time.perf_counter() - started
    print(f"# built in {built:.0f}s: {counts}", file=sys.stderr)
    rows: dict[str, list[tuple[ScanResult, float, dict[str, float]]]] = {}
    for run in range(args.runs):
        if run:
            reset()
        rows.setdefault("first", []).append(timed_scan(TODAY))
        again = timed_scan(TODAY)
        r = again[0]
        assert (r.warnings, r.overdue, r.notices, r.notifications, r.messages) == (0, 0, 0, 0, 0)
        rows.setdefault("rerun", []).append(again)
        rows.setdefault("next day", []).append(timed_scan(TODAY + timedelta(days=1)))
        dupes = (
            SupervisionNotice.objects.filter(closed_on__isnull=True)
            .values("matter", "level")
            .annotate(n=django.db.models.Count("id"))
            .filter(n__gt=1)
            .count()
        )
        assert dupes == 0
    out = [
        f"## {'PostgreSQL' if POSTGRES else 'SQLite'}, {args.matters:,} open matters"
        + (", stress spread" if args.stress else ", realistic spread"),
        "",
        f"Machine: {machine()}. Built in {built:.0f} s: {counts}.",
        "",
        "| scan | seconds: median (worst) | alerts (warning / overdue) | 督办 opened "
        "| in-app | SMS+e-mail | phases (median s) | reference: Python / COUNT(*) s "
        "| load (1 min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for name, found in rows.items():
        r = found[0][0]
        phases = ", ".join(
            f"{k} {statistics.median(x[0].timings.get(k, 0) for x in found):.2f}" for k in r.timings
        )
        refs = (
            f"{statistics.median(x[2]['python'] for x in found):.2f} / "
            f"{statistics.median(x[2]['count'] for x in found):.2f}"
        )
        loads = " / ".join(f"{x[2]['load']:.1f}" for x in found)
        out.append(
            f"| {name} | {median(x[1] for x in found)} | {r.warnings:,} / {r.overdue:,} "
            f"| {r.notices:,} | {r.notifications:,} | {r.messages:,} | {phases} | {refs} "
            f"| {loads} |"
        )
    out.append("")
    out.append(f"{args.runs} run(s) of each. A rerun of the same day raised nothing (asserted).")
    print("\n".join(out))


if __name__ == "__main__":
    main()

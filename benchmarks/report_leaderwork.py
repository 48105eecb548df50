"""Benchmark: what the leader work figures (B2 `receptions`, `packages`) add to the JSON report.

    .venv/bin/python benchmarks/report_leaderwork.py [--rows 100000] [--runs 7] [--keep]

A PostgreSQL database holds the demo generator's ledger of `--rows` registrations (two years
ending 2026-06-30, imported through the ledger importer), and every one of those registrations
is made a reception (untimed, written in bulk: this measures counting, not the services): one
session per day and organising unit (the city and its districts) on the registration's date,
three leaders a session (tiers in turn), the session's first leader as the receiving one, an
outcome in turn (three in four need routing, with the calendar's 2-working-day deadline and a
交办日期 0–3 days after the session), and 2,000 packages (one in five resolved, one in twenty
of those come back: 回流). Then VACUUM ANALYZE.

Timed in one process, alternately: `build_report` for 2025-07-01 .. 2026-06-30 with 同比, with
the leader work keys and without (`leader_work=False`), for the city (the root: no locality
filter) and for 青山区, after one warm-up of each; the median of `--runs`. Prints Markdown.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BENCH_DATA_DIR") or ROOT / "benchmarks" / "data")  # tests: their own
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = os.environ.get("BENCH_PG_NAME", "xinfang_bench_leaderwork")
NODES = {"3391": "临江市（全市）", "339102": "青山区"}
PERIOD = (date(2025, 7, 1), date(2026, 6, 30))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--receptions",
        type=int,
        default=0,
        help="receptions to make (every k-th registration); 0: one for every registration",
    )
    parser.add_argument("--keep", action="store_true", help="keep and reuse the database")
    parser.add_argument(
        "--prevention",
        action="store_true",
        help="measure the prevention keys (hearings, meetings, handed_down, disputes) instead: "
        "the report without leader work, with them and without them",
    )
    parser.add_argument("--pg-admin-url", default=PG_ADMIN)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    from import_ledger import ensure_ledger, ensure_org, machine

    # the database first: ensure_org sets Django up, which reads DATABASE_URL once
    url = database(args.pg_admin_url, fresh=not args.keep)
    os.environ["DATABASE_URL"] = url
    org, ledger = ensure_org(), ensure_ledger(args.rows)
    os.environ.setdefault("XINFANG_DATA_DIR", str(DATA / "xinfang"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    import django

    django.setup()
    load = os.getloadavg()
    try:
        counts = prepare(org, ledger, args.receptions)
        found = measure(args.runs, prevention=args.prevention)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop(args.pg_admin_url)
    print(render(found, counts, args, machine(url), load))
    if args.prevention:
        print("\n(the columns “with / without leader work” are with / without the prevention keys)")


def database(admin_url: str, *, fresh: bool) -> str:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if fresh or not exists:
            db.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            db.execute(f"CREATE DATABASE {PG_NAME}")
    return admin_url.rsplit("/", 1)[0] + f"/{PG_NAME}"


def drop(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")


def prepare(org: Path, ledger: Path, wanted: int = 0) -> dict[str, int]:
    """The ledger, and a reception for each of its registrations (skipped when already there)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from xinfang.intake.ledger.importer import ledger_import
    from xinfang.intake.models import Registration
    from xinfang.leaders.models import Package, Reception
    from xinfang.organisation.importer import org_import

    call_command("migrate", verbosity=0)
    if not Registration.objects.exists():
        started = time.monotonic()
        from xinfang.core.permissions import SYSTEM

        org_import(actor=SYSTEM, path=org)
        ledger_import(actor=SYSTEM, path=ledger)
        print(f"# ledger imported in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if not Reception.objects.exists():
        started = time.monotonic()
        with transaction.atomic():
            make_leader_work(wanted)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"# leader work made in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return {
        "registrations": Registration.objects.count(),
        "receptions": Reception.objects.count(),
        "packages": Package.objects.count(),
    }


def make_leader_work(wanted: int = 0) -> None:
    from xinfang.intake.models import Registration
    from xinfang.leaders.choices import (
        NEEDS_ROUTING,
        LeaderTier,
        PackageStatus,
        ReceptionOutcome,
        SessionKind,
        SessionStatus,
    )
    from xinfang.leaders.models import (
        Leader,
        Package,
        PackageMatter,
        PackageReflow,
        Reception,
        ReceptionSession,
        SessionLeader,
    )
    from xinfang.organisation.models import OrgUnit, UnitKind
    from xinfang.workflow import calendar

    units = list(
        OrgUnit.objects.filter(kind__in=[UnitKind.CITY, UnitKind.DISTRICT]).order_by("path")
    )
    tiers = list(LeaderTier.values)
    leaders = {
        u.pk: [
            Leader.objects.create(name=f"领导{u.code}-{i}", tier=tiers[i % 4], unit=u)
            for i in range(6)
        ]
        for u in units
    }
    regs = list(
        Registration.objects.order_by("id").values_list("id", "received_on", "matter_id", "people")
    )
    if wanted:  # every k-th registration was received at a leader's session
        regs = regs[:: max(1, len(regs) // wanted)][:wanted]
    sessions: dict[tuple[date, int], ReceptionSession] = {}
    for _, day, _, _ in regs:
        for u in units:
            key = (day, u.pk)
            if key not in sessions:
                sessions[key] = ReceptionSession(
                    number=f"B{day:%Y%m%d}-{u.code}", kind=SessionKind.REGULAR,
                    status=SessionStatus.HELD, unit=u, held_on=day,
                )  # fmt: skip
    ReceptionSession.objects.bulk_create(sessions.values(), batch_size=5000)
    seats = []
    for (_day, unit_id), s in sessions.items():
        for i, leader in enumerate(leaders[unit_id][s.held_on.toordinal() % 3 :][:3]):
            seats.append(SessionLeader(session=s, leader=leader, tier=leader.tier, position=i))
    SessionLeader.objects.bulk_create(seats, batch_size=10000)
    outcomes = list(ReceptionOutcome.values)
    due: dict[date, date] = {}
    receptions, first_leader = [], []
    for n, (reg_id, day, _, people) in enumerate(regs):
        unit = units[n % len(units)]
        outcome = outcomes[n % 4]
        route_due = None
        if outcome in NEEDS_ROUTING:
            if day not in due:
                due[day] = calendar.add_working_days(day, 2)
            route_due = due[day]
        receptions.append(
            Reception(
                registration_id=reg_id, session=sessions[(day, unit.pk)], outcome=outcome,
                route_due=route_due, people=people,
                with_principal=leaders[unit.pk][day.toordinal() % 3].tier == LeaderTier.PRINCIPAL,
                routed_on=day + timedelta(days=n % 4) if route_due else None,
            )
        )  # fmt: skip
        first_leader.append(leaders[unit.pk][day.toordinal() % 3])
    Reception.objects.bulk_create(receptions, batch_size=10000)
    through = Reception.leaders.through
    through.objects.bulk_create(
        [
            through(reception_id=r.pk, leader_id=leader.pk)
            for r, leader in zip(receptions, first_leader, strict=True)
        ],
        batch_size=10000,
    )
    packages, items, reflows = [], [], []
    held = set(PackageMatter.objects.filter(open=True).values_list("matter_id", flat=True))
    matters = sorted({m for _, _, m, _ in regs} - held)[:2000]  # the ledger's own packages stay
    for n in range(len(matters)):
        unit = units[n % len(units)]
        started = date(2024, 7, 1) + timedelta(days=n % 700)
        resolved = started + timedelta(days=30) if n % 5 == 0 else None
        packages.append(
            Package(
                number=f"BB{n:05d}", leader=leaders[unit.pk][n % 6], responsible_unit=unit,
                started_on=started, deadline=started + timedelta(days=90),
                status=PackageStatus.RESOLVED if resolved else PackageStatus.OPEN,
                resolved_on=resolved,
            )
        )  # fmt: skip
    Package.objects.bulk_create(packages, batch_size=5000)
    reg_of = {}
    for reg_id, _, matter_id, _ in regs:
        reg_of.setdefault(matter_id, reg_id)
    for n, (package, matter_id) in enumerate(zip(packages, matters, strict=True)):
        items.append(
            PackageMatter(package=package, matter_id=matter_id, open=not package.resolved_on)
        )
        if package.resolved_on and n % 20 == 0:
            reflows.append(
                PackageReflow(
                    package=package, matter_id=matter_id, registration_id=reg_of[matter_id],
                    on=package.resolved_on + timedelta(days=40),
                    resolved_before=package.resolved_on,
                )
            )  # fmt: skip
    PackageMatter.objects.bulk_create(items, batch_size=5000)
    PackageReflow.objects.bulk_create(reflows, batch_size=5000)
    # as package_open does: the matter carries its package's 包案领导 and 包案日期
    from xinfang.intake.models import Matter

    facts = [
        Matter(pk=m, package_leader=p.leader.name, package_started_on=p.started_on)
        for p, m in zip(packages, matters, strict=True)
    ]
    Matter.objects.bulk_update(facts, ["package_leader", "package_started_on"], batch_size=5000)


def measure(runs: int, *, prevention: bool = False) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.analytics.counting import build_report
    from xinfang.analytics.periods import Period
    from xinfang.organisation.models import OrgUnit

    period = Period(*PERIOD)
    found: dict[str, Any] = {}
    for code in NODES:
        node = OrgUnit.objects.get(code=code)
        times: dict[bool, list[float]] = {True: [], False: []}
        queries: dict[bool, int] = {}
        for with_leaders in (True, False):  # warm-up, and the number of queries
            with CaptureQueriesContext(connection) as seen:
                report = build_report(org=node, period=period, **_keys(with_leaders, prevention))
            queries[with_leaders] = len(seen.captured_queries)
            if with_leaders and not prevention:
                found[f"{code}:figures"] = (
                    report["receptions"]["received"],
                    report["packages"]["begun"],
                )
        for _ in range(runs):
            for with_leaders in (True, False):
                started = time.perf_counter()
                build_report(org=node, period=period, **_keys(with_leaders, prevention))
                times[with_leaders].append(time.perf_counter() - started)
        found[code] = {"times": times, "queries": queries}
    return found


def _keys(on: bool, prevention: bool) -> dict[str, bool]:
    """leader work on/off (prevention apart), or — measuring prevention — prevention on/off."""
    if prevention:
        return {"leader_work": False, "prevention": on}
    return {"leader_work": on, "prevention": False}


def render(
    found: dict[str, Any], counts: dict[str, int], args: argparse.Namespace, machine: str, load: Any
) -> str:
    lines = [
        machine,
        f"- load average at the start: {', '.join(f'{x:.2f}' for x in load)}",
        f"- {counts['registrations']:,} registrations, {counts['receptions']:,} receptions, "
        f"{counts['packages']:,} packages; period {PERIOD[0]} .. {PERIOD[1]} with 同比; "
        f"median of {args.runs} runs each, alternating, in one process",
        "",
        "| node | with leader work s | without s | added s | ratio | queries with / without "
        "| received (batches, people) in P |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for code, label in NODES.items():
        t, q = found[code]["times"], found[code]["queries"]
        with_, without = statistics.median(t[True]), statistics.median(t[False])
        received, _begun = found.get(f"{code}:figures", ({"batches": 0, "people": 0}, 0))
        lines.append(
            f"| {label} | {with_:.3f} | {without:.3f} | {with_ - without:+.3f} "
            f"| {with_ / without:.2f}× "
            f"| {q[True]} / {q[False]} | {received['batches']:,}, {received['people']:,} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

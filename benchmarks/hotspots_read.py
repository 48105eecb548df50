"""热点 on the dashboard: counted on the request (before) against read from the daily scan's table.

The demo generator's ledger, cut to the 90 days before AS_OF, is imported into a scratch SQLite
file (a 领导 of the root unit reads it). Timed, median of several runs each, in one process:
`find_hotspots` over the leader's matters of the district — what the dashboard and the 简报 did
on every request before (uncached) — then `scan_hotspots` once (the daily clock scan), then
`node_hotspots` — what they do now (the kept hotspots, recounted without 检举控告).

    .venv/bin/python benchmarks/hotspots_read.py [--registrations 20000] [--runs 3]
"""

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._support import commit, scratch_setup  # noqa: E402

SCRATCH = Path(scratch_setup("xf-bench-hot.").dir)  # removed at exit

import django  # noqa: E402

django.setup()

AS_OF = date(2026, 11, 30)
DAYS = 90


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, list[float], Any]:
    times, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=20_000, help="in the 90 days")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from django.core.management import call_command

    from xinfang.accounts.models import Role, User
    from xinfang.analytics.counting.hotspots import find_hotspots, node_hotspots, scan_hotspots
    from xinfang.core.permissions import SYSTEM, hotspot_matters
    from xinfang.demo.generator import write_ledger_csv, write_org_csv
    from xinfang.intake.ledger.importer import ledger_import
    from xinfang.intake.models import Registration
    from xinfang.organisation.importer import org_import
    from xinfang.organisation.models import OrgUnit

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    org_import(actor=SYSTEM, path=_written(write_org_csv, SCRATCH / "org.csv"))
    full, cut = SCRATCH / "ledger.csv", SCRATCH / "window.csv"
    write_ledger_csv(full, end=AS_OF, registrations=args.registrations * 730 // DAYS)
    start = (AS_OF - timedelta(days=DAYS - 1)).isoformat()
    with full.open(encoding="utf-8-sig", newline="") as src, cut.open("w", newline="") as out:
        rows = csv.reader(src)
        writer = csv.writer(out)
        head = next(rows)
        writer.writerow(head)
        at = head.index("登记日期")
        writer.writerows(r for r in rows if r[at] >= start)
    ledger_import(actor=SYSTEM, path=cut)
    node = OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
    assert node is not None
    leader = User.objects.create_user("bench_leader", role=Role.LEADER, org_unit=node)
    regs = Registration.objects.filter(received_on__gte=start).count()
    print(f"{regs} registrations in {DAYS} days loaded in {time.perf_counter() - started:.0f} s "
          f"(the root unit {node.name}, read as its 领导)")  # fmt: skip

    def before() -> Any:
        from django.db.models import Q

        from xinfang.organisation.selectors import holds_unlocated, subtree_ids

        scope = Q(locality_id__in=subtree_ids(node))
        if holds_unlocated(node):
            scope |= Q(locality__isnull=True)
        return find_hotspots(matters=hotspot_matters(leader).filter(scope), as_of=AS_OF)

    old, old_times, old_spots = timed(before, args.runs)
    scan, _, kept = timed(lambda: scan_hotspots(AS_OF), 1)
    new, new_times, new_spots = timed(lambda: node_hotspots(reader=leader, node=node), args.runs)
    each = ", ".join

    print(f"before (on the request): median {old:.2f} s ({each(f'{t:.2f}' for t in old_times)}); "
          f"{len(old_spots)} hotspots")  # fmt: skip
    print(f"scan_hotspots (daily scan, every matter): {scan:.2f} s; {kept} kept")
    print(f"after (read the table): median {new:.3f} s ({each(f'{t:.3f}' for t in new_times)}); "
          f"{len(new_spots)} hotspots")  # fmt: skip
    same = sum(1 for a, b in zip(old_spots, new_spots, strict=False) if a.as_dict() == b.as_dict())
    both = len({h.core for h in old_spots} & {h.core for h in new_spots})
    print(f"the same figures as before: {same} of {len(old_spots)} in the same order; "
          f"subjects in both: {both}")  # fmt: skip
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}")
    print(f"commit {commit()}")


def _written(write: Callable[[Path], Any], path: Path) -> Path:
    write(path)
    return path


if __name__ == "__main__":
    main()

"""热点 at the scale of a million matters: the counting of one 90-day window, without the database.

A million matters over two years is about 125,000 matters and 150,000 registrations in 90 days.
The demo generator's ledger gives that many rows (our district only); the 20 hand-written
petitions of tests/test_hotspots.py (one company's wages, 20 people, six weeks) are planted among
them. `counting.hotspots.cluster` — what the dashboard and the 简报 call after the query — is
timed (median of several runs), and the planted hotspot must come out whole: 20 petitioners, its
20 matters and nothing else.

    .venv/bin/python benchmarks/hotspots.py [--registrations 150000] [--runs 3]
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")

import django

django.setup()

from benchmarks._support import commit  # noqa: E402
from tests.test_hotspots import HENGSHENG  # noqa: E402
from xinfang.analytics.counting.hotspots import cluster, place_words  # noqa: E402
from xinfang.demo.ledger import REGISTRATION_COLUMNS, LedgerMaker  # noqa: E402
from xinfang.demo.org import build_tree  # noqa: E402
from xinfang.intake.default_categories import DEFAULT_CATEGORIES  # noqa: E402

COL = {name: i for i, name in enumerate(REGISTRATION_COLUMNS)}
AS_OF = date(2026, 11, 30)
DAYS = 90


def rows(registrations: int) -> list[tuple]:
    """(registration, matter, content, day, person, name, category root) of the window."""
    roots = {}
    for i, (root, children) in enumerate(DEFAULT_CATEGORIES, start=1):
        roots[root] = i
        roots.update(dict.fromkeys(children, i))
    # two years of ledger holding `registrations` in the last 90 days
    maker = LedgerMaker(
        seed=15, end=AS_OF, registrations=registrations * 730 // DAYS, sibling_share=0.0
    )
    start = AS_OF - timedelta(days=DAYS - 1)
    out, matters, people = [], {}, {}
    for n, row in enumerate(maker.rows()):
        day = date.fromisoformat(row[COL["登记日期"]])
        if day < start:
            continue
        mid = matters.setdefault(row[COL["事项编号"]], len(matters) + 1)
        person = row[COL["身份证号"]] or row[COL["联系电话"]] or row[COL["信访人"]]
        pid = people.setdefault(person, len(people) + 1) if person else None
        category = row[COL["内容分类"]].split("/")[-1]
        out.append((n, mid, row[COL["反映内容"]], day, pid, "", roots.get(category)))
    planted = []
    for i, text in enumerate(HENGSHENG):
        mid = len(matters) + 1 + i
        planted.append(mid)
        day = AS_OF - timedelta(days=45 - 2 * i)
        out.append((10**9 + i, mid, text, day, 10**9 + i, "", roots["拖欠工资"]))
    return out, planted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrations", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    data, planted = rows(args.registrations)
    print(f"{len(data)} registrations of {len({r[1] for r in data})} matters in {DAYS} days "
          f"(generated in {time.perf_counter() - started:.0f} s)")  # fmt: skip
    places = place_words(
        r["名称"] for r in build_tree().rows if r["类型"] not in ("村社区", "部门")
    )
    names = {i: root for i, (root, _) in enumerate(DEFAULT_CATEGORIES, start=1)}
    times, shown = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        shown = cluster(data, as_of=AS_OF, days=DAYS, least=3, places=places, root_names=names)
        times.append(time.perf_counter() - t)
    ours = [(h, mids) for h, mids in shown if set(mids) & set(planted)]
    each = ", ".join(f"{x:.2f}" for x in times)
    print(f"cluster: median {statistics.median(times):.2f} s of {args.runs} runs ({each}); "
          f"{len(shown)} hotspots of 3+ petitioners")  # fmt: skip
    for h, mids in ours:
        print(f"planted: {h.subject} ({h.category}) {h.petitioners} petitioners, "
              f"{len(mids)} matters, {len(set(mids) - set(planted))} not planted")  # fmt: skip
    print("largest:", [(h.subject, h.category, h.petitioners) for h, _ in sorted(
        shown, key=lambda x: -x[0].petitioners)[:8]])  # fmt: skip
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}")
    print(f"commit {commit()}")


if __name__ == "__main__":
    main()

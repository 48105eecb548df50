"""相似事项 at scale: the desk's look-up against an exhaustive scan, on planted near-duplicates.

Run: .venv/bin/python benchmarks/similar.py [--matters N] [--planted N] [--database-url URL]
Without --database-url it uses a scratch SQLite file; a PostgreSQL URL names a scratch database
that is created, filled and dropped again. Prints a Markdown table for results/similar.md.

The matters' texts are the demo district's (xinfang.demo.content: its sentence templates with
places, companies, amounts and years filled in), one registration each. The planted set: matters
drawn at random, each re-worded by hand-written rules that the product does not share (synonyms,
clauses in another order, a clause added and one dropped, 形近字 typed for one another — some the
product folds, some not — and full-width digits). The exhaustive scan scores every matter with
the look-up's own function (weighted Dice of the character pairs, numpy over an inverted list of
every pair of every matter, in memory); recall@5 is the share of the scan's top five (above the
look-up's least score) that the desk's look-up also returns in its top five. The scan ranks
equal scores as the look-up does (the later matter, then the higher number): before, its top five
took any of the matters tied at the fifth place, and a desk that returned another of them counted
as a miss.
"""

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from array import array
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--matters", type=int, default=1_000_000)
parser.add_argument("--planted", type=int, default=2000)
parser.add_argument("--timed", type=int, default=500, help="planted probes timed per run")
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--database-url", default="")
parser.add_argument("--keep", action="store_true", help="keep the data to study query plans")
parser.add_argument("--build-only", action="store_true", help="build (with --keep), no look-ups")
parser.add_argument("--data-dir", default="", help="the scratch directory (kept with --keep)")
parser.add_argument("--reuse", action="store_true", help="the kept --data-dir's matters, not built")
args = parser.parse_args()

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/: _support
from _support import scratch_setup  # noqa: E402

place = scratch_setup(
    "xf-bench-similar.",
    args.database_url,
    keep=args.keep or args.reuse,
    create=not args.reuse,
    data_dir=args.data_dir,
)
scratch, POSTGRES = place.dir, place.postgres

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from _support import raw_insert  # noqa: E402  (benchmarks/, the script's own directory)
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from xinfang.accounts.models import Role, User  # noqa: E402
from xinfang.analytics import summary as report_summary  # noqa: E402
from xinfang.demo import templates  # noqa: E402
from xinfang.demo.content import ContentMaker  # noqa: E402
from xinfang.demo.org import build_tree  # noqa: E402
from xinfang.intake import word_index  # noqa: E402
from xinfang.intake.similar import index as similar_index  # noqa: E402
from xinfang.intake.similar.lookup import (  # noqa: E402
    LEAST_TEXT,
    TIE_PLACES,
    Probe,
    _text_candidates,
    similar_matters,
)
from xinfang.intake.similar.text import grams  # noqa: E402
from xinfang.organisation.models import UnitKind  # noqa: E402
from xinfang.organisation.services import unit_create  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
SEED = 20261207

# The re-wording rules: written for this benchmark, not taken from the product.
SYNONYMS = [
    ("要求", "请求"),
    ("拖欠", "欠着"),
    ("工资", "工钱"),
    ("至今", "到现在"),
    ("未", "没有"),
    ("多次", "好几次"),
    ("反映", "说"),
    ("尽快", "早日"),
    ("补偿", "赔偿"),
    ("问题", "情况"),
    ("有关部门", "相关单位"),
    ("依法", "按照法律"),
    ("居民", "住户"),
    ("严重", "很厉害"),
    ("其", "他家"),
    ("发放", "发给"),
    ("处理", "解决"),
    ("影响", "干扰"),
    ("公司", "企业"),
    ("房屋", "房子"),
]
# 形近字 typed for one another: the first four the product folds, the rest it does not
TYPOS = [("已", "己"), ("未", "末"), ("账", "帐"), ("做", "作"), ("拆", "折"), ("资", "姿")]
ADDED = [
    "此事已经拖了很久，家里生活十分困难。",
    "之前也找过社区，但一直没有结果。",
    "希望领导重视，给老百姓一个说法。",
    "我们全家对此非常着急。",
    "听说周边还有不少人也是同样的情况。",
]
PURPOSES = {"申诉求决": "request", "建议意见": "suggestion", "检举控告": "accusation"}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def reword(text: str, rng: random.Random) -> str:
    """The same problem written again by someone else."""
    clauses = [c for c in re.split(r"(?<=[，。；：！？])", text) if c]
    if len(clauses) >= 4:  # a clause dropped: never the opener, never the longest (the problem)
        longest = max(range(len(clauses)), key=lambda i: len(clauses[i]))
        clauses.pop(rng.choice([i for i in range(1, len(clauses)) if i != longest]))
    rng.shuffle(clauses)  # another order
    clauses.insert(rng.randrange(len(clauses) + 1), rng.choice(ADDED))  # a clause added
    out = "".join(clauses)
    for old, new in rng.sample(SYNONYMS, 8):
        if old in out and rng.random() < 0.7:
            out = out.replace(old, new, 1)
    for old, new in rng.sample(TYPOS, 3):
        out = out.replace(old, new, 1)
    return out.translate(FULL_WIDTH)


def build(n: int) -> dict[str, Any]:
    """A district with 12 streets of 8 villages, and n matters of one registration each (with
    --reuse: the texts made again, the same, and nothing written)."""
    call_command("migrate", verbosity=0)  # with --reuse: a migration added since it was kept
    if args.reuse:
        # as many places as built: rng.choice draws from the same length, so the same texts
        return _texts(n, [0] * (12 * 9), User.objects.get(username="officer"), write=False)
    city = unit_create(code="B1", name="基准市", kind=UnitKind.CITY)
    district = unit_create(code="B101", name="基准区", kind=UnitKind.DISTRICT, parent=city)
    places = []
    for s in range(12):
        street = unit_create(
            code=f"B101{s:02d}", name=f"第{s + 1}街道", kind=UnitKind.STREET, parent=district
        )
        places.append(street.pk)
        for v in range(8):
            village = unit_create(
                code=f"B101{s:02d}{v:02d}",
                name=f"第{s + 1}街道第{v + 1}社区",
                kind=UnitKind.VILLAGE,
                parent=street,
            )
            places.append(village.pk)
    officer = User.objects.create_user("officer", role=Role.OFFICER, org_unit=district)
    return _texts(n, places, officer, write=True)


def _texts(n: int, places: list[int], officer: User, *, write: bool) -> dict[str, Any]:
    """The n matters' texts, and (`write`) the matters and registrations written
    with them: raw INSERTs within the bulk mode of the word index and the report's summaries
    (as the ledger importer writes), which bring those up to date once at the end."""
    rng = random.Random(SEED)
    categories = list(templates.REQUESTS)
    maker = ContentMaker(rng, 2026, categories)
    demo_places = build_tree().places
    today = date.today()
    now = datetime.now(TZ)
    texts: list[str] = []
    days: list[int] = []
    matters, registrations = [], []
    for pk in range(1, n + 1):
        place = rng.choice(demo_places)
        purpose = "申诉求决" if rng.random() < 0.85 else rng.choice(("建议意见", "检举控告"))
        core = maker.core(category=rng.choice(categories), purpose=purpose, place=place)
        opener = maker.opener(channel="来访", kind="个访", name="某某", people=1)
        text = opener + core
        texts.append(text)
        day = today - timedelta(days=rng.randrange(700))
        days.append(day.toordinal())
        stored_purpose = {"申诉求决": "request", "建议意见": "suggestion"}.get(
            purpose, "accusation"
        )
        locality = rng.choice(places)
        matters.append(
            (
                *(pk, f"XF{pk:09d}", "in_handling", day, day, 1, "visit", "local", "individual"),
                *(stored_purpose, None, locality, None, None, now, now),
            )
        )
        registrations.append(
            (
                *(pk, f"DJ{pk:09d}", pk, True, "visit", "local", "individual", 1),
                *(datetime(day.year, day.month, day.day, 9, tzinfo=TZ), day, "", None, "某某"),
                *("", "", text, None, stored_purpose, locality, None, "ledger", now),
            )
        )
    if not write:
        return {"officer": officer, "texts": texts, "days": days, "rng": rng}
    with (
        connection.cursor() as cur,
        transaction.atomic(),
        report_summary.bulk_insert(connection, n) as written_days,
        word_index.bulk_insert(connection, n),
    ):
        raw_insert(cur, "intake_matter", MATTER_COLUMNS, matters, copy=True)
        raw_insert(cur, "intake_registration", REGISTRATION_COLUMNS, registrations, copy=True)
        written_days.update(date.fromordinal(day) for day in set(days))
        if POSTGRES:
            for table in ("intake_matter", "intake_registration"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    return {"officer": officer, "texts": texts, "days": days, "rng": rng}


MATTER_COLUMNS = [
    "id",
    "number",
    "status",
    "first_received_on",
    "last_received_on",
    "registration_count",
    "channel",
    "level",
    "form",
    "purpose",
    "category_id",
    "locality_id",
    "responsible_unit_id",
    "petitioner_id",
    "created_at",
    "updated_at",
]
REGISTRATION_COLUMNS = [
    "id",
    "number",
    "matter_id",
    "is_first",
    "channel",
    "level",
    "form",
    "people",
    "received_at",
    "received_on",
    "letter_kind",
    "petitioner_id",
    "petitioner_name",
    "petitioner_phone",
    "petitioner_address",
    "content",
    "category_id",
    "purpose",
    "locality_id",
    "responsible_unit_id",
    "source",
    "created_at",
]


class Exhaustive:
    """Every matter scored by the look-up's text score, in memory (numpy)."""

    def __init__(self, texts: list[str], days: list[int], table: similar_index.Weights) -> None:
        self.days = [0, *days]  # each matter's last day received (ordinal), by pk
        vocab: dict[int, int] = {}
        slots, docs = array("i"), array("i")  # one (pair, matter) each: compact, then sorted
        doc_weight = np.zeros(len(texts) + 1)
        for doc, text in enumerate(texts, start=1):  # matter pk = position + 1
            total = 0.0
            for gram in grams(text):
                slot = vocab.get(gram)
                if slot is None:
                    slot = vocab[gram] = len(vocab)
                slots.append(slot)
                docs.append(doc)
                total += table.weight(gram)
            doc_weight[doc] = total
        by_slot = np.frombuffer(slots, dtype=np.int32)
        order = np.argsort(by_slot, kind="stable")
        self.docs = np.frombuffer(docs, dtype=np.int32)[order]
        self.starts = np.searchsorted(by_slot[order], np.arange(len(vocab) + 1))
        self.vocab = vocab
        self.doc_weight = doc_weight
        self.table = table

    def top(self, text: str, k: int = 5) -> list[tuple[int, float]]:
        query = grams(text)
        overlap = np.zeros_like(self.doc_weight)
        for gram in query:
            slot = self.vocab.get(gram)
            if slot is not None:
                docs = self.docs[self.starts[slot] : self.starts[slot + 1]]
                overlap[docs] += self.table.weight(gram)
        query_weight = sum(self.table.weight(g) for g in query)
        score = 2 * overlap / (query_weight + self.doc_weight)
        # the look-up's order: equal scores (to TIE_PLACES) by the later matter, then the higher
        # number (matter pk = position + 1)
        kth = np.partition(score, len(score) - k)[len(score) - k]
        near = np.flatnonzero(score >= kth - 1e-6)
        ranked = sorted(
            ((int(d), float(score[d])) for d in near),
            key=lambda x: (-round(x[1], TIE_PLACES), -self.days[x[0]], -x[0]),
        )[:k]
        return [(d, s) for d, s in ranked if s >= LEAST_TEXT]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    started = time.perf_counter()
    data = build(args.matters)
    built = time.perf_counter() - started
    if args.build_only:
        print(f"built {args.matters:,} matters in {built:.0f} s")
        return
    t0 = time.perf_counter()
    result = similar_index.reindex()
    indexed = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    table = similar_index.weights()
    texts: list[str] = data["texts"]
    rng: random.Random = data["rng"]
    originals = rng.sample(range(1, len(texts) + 1), args.planted)
    probes = [reword(texts[pk - 1], rng) for pk in originals]
    t0 = time.perf_counter()
    scan = Exhaustive(texts, data["days"], table)
    scan_built = time.perf_counter() - t0
    officer = data["officer"]

    def desk(text: str) -> list[int]:
        found = similar_matters(actor=officer, probe=Probe(content=text), top=5)
        return [m.matter.pk for m in found]

    desk(probes[0])  # warm
    if os.environ.get("PROFILE"):
        import cProfile

        cProfile.runctx("for p in probes[:50]: desk(p)", globals(), locals(), sort="cumtime")
        return
    agree, scanned, desk_found, scan_found, top1 = 0, 0, 0, 0, 0
    desk_times: list[float] = []
    scan_times: list[float] = []
    for original, probe in zip(originals, probes, strict=True):
        t0 = time.perf_counter()
        mine = desk(probe)
        desk_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        truth = [d for d, _ in scan.top(probe)]
        scan_times.append(time.perf_counter() - t0)
        agree += len(set(mine) & set(truth))
        scanned += len(truth)
        desk_found += original in mine
        scan_found += original in truth
        top1 += bool(mine) and bool(truth) and mine[0] == truth[0]
    runs = []
    timed = probes[: args.timed]
    for _ in range(args.runs):
        times = []
        for probe in timed:
            t0 = time.perf_counter()
            desk(probe)
            times.append(time.perf_counter() - t0)
        runs.append((percentile(times, 0.5), percentile(times, 0.95)))
    query_times = []
    for probe in timed:
        t0 = time.perf_counter()
        _text_candidates(table, grams(probe))
        query_times.append(time.perf_counter() - t0)
    p50 = statistics.median(r[0] for r in runs) * 1000
    p95 = statistics.median(r[1] for r in runs) * 1000
    n = len(probes)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    vendor = "PostgreSQL" if POSTGRES else "SQLite"
    print(f"## {vendor}: {args.matters:,} matters, {n:,} planted near-duplicates\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"(shared and noisy); {platform.python_version()}; commit {commit}; {date.today()}\n")
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| build {args.matters:,} matters (s) | {built:.0f} |")
    print(f"| `xinfang similar --reindex` (s) | {indexed:.0f} |")
    print(f"| index rows (sketch {similar_index.SKETCH_SIZE} pairs/matter) | {result.rows:,} |")
    print(f"| common pairs counted (df ≥ {table.floor}) | {result.pairs_counted:,} |")
    print(f"| recall@5 against the exhaustive scan | {agree / max(scanned, 1):.4f} |")
    print(f"| top-1 equal to the scan's | {top1 / n:.4f} |")
    print(f"| planted original in the desk's top 5 | {desk_found / n:.4f} |")
    print(f"| planted original in the scan's top 5 | {scan_found / n:.4f} |")
    print(f"| desk look-up p50 (ms, median of {args.runs} runs × {len(timed)}) | {p50:.1f} |")
    print(f"| desk look-up p95 (ms, median of {args.runs} runs × {len(timed)}) | {p95:.1f} |")
    print(
        f"| of it, the index's candidate query p50 / p95 (ms) | "
        f"{percentile(query_times, 0.5) * 1000:.1f} / {percentile(query_times, 0.95) * 1000:.1f} |"
    )
    print(
        f"| desk look-up p95 over all {n:,} probes, first pass (ms) | "
        f"{percentile(desk_times, 0.95) * 1000:.1f} |"
    )
    print(
        f"| exhaustive scan p50 / p95 (ms, numpy in memory) | "
        f"{percentile(scan_times, 0.5) * 1000:.1f} / {percentile(scan_times, 0.95) * 1000:.1f} |"
    )
    print(f"| exhaustive scan's in-memory build (s) | {scan_built:.0f} |")
    print()
    print("Three planted probes and their originals:\n")
    for original, probe in list(zip(originals, probes, strict=True))[:3]:
        print(f"- {texts[original - 1]}\n  → {probe}")


main()

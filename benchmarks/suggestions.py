"""Suggested 内容分类 and 责任单位: accuracy measured on texts NOT made from the demo's templates.

The model (xinfang.intake.suggestions.fit: char 1–2-gram TF-IDF and a linear model per field) is
trained on the demo generator's ledger (our district only, one row per matter). It is tested on
  - hand:     benchmarks/suggestions_handwritten.jsonl, 80 short petitions written by hand in
              plain Chinese, four per category, labelled with the unit a district bureau would
              name (the demo's usual one, or the street of the place written) — no template;
  - held-out: a fifth of the generated matters, never trained on (the same templates: for
              contrast, this is what a template split would claim).
Beside it, the keyword rules a new installation starts with (intake.default_rules), each given
the unit the demo sends that category to most often (none for the street's categories: a rule
cannot know the street) — the cold start's baseline, in the same process.

    .venv/bin/python benchmarks/suggestions.py [--matters 20000] [--runs 3]

Prints the figures; the results go to benchmarks/results/suggestions.md by hand.
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")

import django

django.setup()

from benchmarks._support import commit  # noqa: E402
from xinfang.demo import weights as w  # noqa: E402
from xinfang.demo.ledger import REGISTRATION_COLUMNS, LedgerMaker  # noqa: E402
from xinfang.demo.org import build_tree  # noqa: E402
from xinfang.intake.default_rules import DEFAULT_RULES  # noqa: E402
from xinfang.intake.suggestions import fit, predict, rule_scores  # noqa: E402

HAND = Path(__file__).parent / "suggestions_handwritten.jsonl"  # benchmarks/data/ is ignored
COL = {name: i for i, name in enumerate(REGISTRATION_COLUMNS)}


def generated(matters: int, seed: int) -> list[tuple[str, str, str]]:
    """(content, category, unit) of the first registration of each generated matter."""
    maker = LedgerMaker(
        seed=seed, end=date(2026, 11, 30), registrations=int(matters * 1.3), sibling_share=0.0
    )
    seen, rows = set(), []
    for row in maker.rows():
        number = row[COL["事项编号"]]
        if number in seen:
            continue
        seen.add(number)
        content, cat, unit = row[COL["反映内容"]], row[COL["内容分类"]], row[COL["责任单位"]]
        if content and cat and unit:
            rows.append((content, cat.split("/")[-1], unit))
        if len(rows) >= matters:
            break
    return rows


def hand_written() -> list[tuple[str, str, str]]:
    rows = []
    for line in HAND.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        text = " ".join(x for x in (p["content"], p.get("place", "")) if x)
        rows.append((text, p["category"], p["unit"]))
    return rows


def baseline_rules() -> list[Any]:
    """The default keyword rules with the unit the demo sends each category to most often."""
    tree = build_tree()
    rules = []
    for category, words in DEFAULT_RULES:
        key = max(w.RESPONSIBLE[category], key=lambda kv: kv[1])[0]
        unit = None if key == "street" else tree.departments[key]
        rules.append(
            SimpleNamespace(
                words=lambda words=words: words.split(),
                category_id=category,
                responsible_unit_id=unit,
            )
        )
    return rules


def ranked(scores: dict[Any, float]) -> list[Any]:
    return [k for k, _ in sorted(scores.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def score(guesses: list[tuple[list[Any], list[Any]]], rows: list[tuple[str, str, str]]) -> dict:
    n = len(rows)
    out = {}
    for field, col in (("category", 1), ("unit", 2)):
        k = 0 if field == "category" else 1
        top1 = sum(1 for g, r in zip(guesses, rows, strict=True) if g[k][:1] == [r[col]])
        top3 = sum(1 for g, r in zip(guesses, rows, strict=True) if r[col] in g[k][:3])
        out[field] = (top1 / n, top3 / n)
    return out


def by_model(model: dict[str, Any], rows: list[tuple[str, str, str]]) -> list[tuple[list, list]]:
    out = []
    for text, _, _ in rows:
        p = predict(model, text)
        out.append(([c for c, _ in p["category"]], [u for u, _ in p["unit"]]))
    return out


def by_rules(rules: list[Any], rows: list[tuple[str, str, str]]) -> list[tuple[list, list]]:
    out = []
    for text, _, _ in rows:
        cats, units = rule_scores(text, rules)
        out.append((ranked(cats), ranked(units)))
    return out


def line(name: str, s: dict) -> str:
    c, u = s["category"], s["unit"]
    return f"| {name} | {c[0]:.1%} | {c[1]:.1%} | {u[0]:.1%} | {u[1]:.1%} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matters", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = generated(args.matters, seed=2026)
    random.Random(7).shuffle(data)
    cut = len(data) * 4 // 5
    train, held = data[:cut], data[cut:]
    hand = hand_written()
    print(f"trained on {len(train)} generated matters; held-out {len(held)}; hand {len(hand)}")
    cats, units = {c for _, c, _ in train}, {u for *_, u in train}
    print("categories in training:", len(cats), "units:", len(units))
    unknown = Counter(u for *_, u in hand if u not in {u for *_, u in train})
    if unknown:
        print("hand-written units never seen in training:", dict(unknown))
    fits, predicts, model = [], [], None
    for _ in range(args.runs):
        started = time.perf_counter()
        model = fit([t for t, _, _ in train], [c for _, c, _ in train], [u for *_, u in train])
        fits.append(time.perf_counter() - started)
        started = time.perf_counter()
        hand_model = by_model(model, hand)
        predicts.append((time.perf_counter() - started) / len(hand) * 1000)
    assert model is not None
    rules = baseline_rules()
    print("| test set / method | category top-1 | category top-3 | unit top-1 | unit top-3 |")
    print("|---|---|---|---|---|")
    print(line("hand-written, model", score(hand_model, hand)))
    print(line("hand-written, keyword rules", score(by_rules(rules, hand), hand)))
    print(line("held-out generated, model", score(by_model(model, held), held)))
    print(line("held-out generated, keyword rules", score(by_rules(rules, held), held)))
    print(
        f"fit: median {statistics.median(fits):.1f} s of {args.runs} runs "
        f"({', '.join(f'{f:.1f}' for f in fits)}); one suggestion: median "
        f"{statistics.median(predicts):.1f} ms"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()}")
    print(f"commit {commit()}")


if __name__ == "__main__":
    main()

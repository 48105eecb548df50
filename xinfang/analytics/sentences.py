"""Sentences the figures say by themselves, in the seeds' manner, from the JSON report only.

Seed 000's street sentence ("其中，马群街道进京上访11批37人次，…"), its letters paragraph
("共受理人民来信118件，其中领导批示件3件，…；受理网上信访8件") and its categories sentence
("涉及征地拆迁矛盾仍居榜首，房产纠纷、劳动保障、三农有所上升"). Used by analytics.text (and so
by the Word draft, which writes the text's lines).
"""

from typing import Any

from xinfang.analytics.tables import FIRST_LETTER_LABELS
from xinfang.intake.choices import LetterKind, Level

LEVEL_WORDS = dict(Level.choices)
FIRST_REQUEST = "first_request"  # 求决类初信: not a 来信类型 but the first letters of 申诉求决
# The order seed 000 names them in; kinds it does not name follow.
LETTER_ORDER = [
    LetterKind.LEADER_INSTRUCTED.value,
    FIRST_REQUEST,
    LetterKind.JOINT.value,
    LetterKind.ABNORMAL.value,
    LetterKind.ASSIGNED.value,
    LetterKind.NATIONAL_ASSIGNED.value,
    LetterKind.FORWARDED.value,
]
MOST = 3  # categories named as rising or falling


def _bp(fig: dict[str, Any]) -> str:
    return f"{fig['batches']}批{fig['people']}人次"


def street_sentence(
    breakdowns: dict[str, Any], channel: str, level: str, lead: str = "其中，"
) -> str:
    """ "其中，马群街道进京上访11批37人次，尧化街道进京上访5批10人次。" for the node's children
    with registrations of that channel and level in P; "" when no child has any. `lead`: what
    opens it (after a sentence that already said "其中…", "从属地看，")."""
    rows = [
        r
        for r in breakdowns.get("locality,channel,level", [])
        if r["channel"] == channel and r["level"] == level and r["batches"]
    ]
    if not rows:
        return ""
    word = f"{LEVEL_WORDS[level]}上访"
    return lead + "，".join(f"{r['name']}{word}{_bp(r)}" for r in rows) + "。"


def _count(row: dict[str, Any]) -> int:
    return int(row["batches"])


def letters_paragraph(report: dict[str, Any], compare: str) -> str:
    """ "共受理人民来信118件，其中领导批示件3件，求决类初信3件，…；受理网上信访8件。" and the
    comparison of both with the compared period."""
    letters = report["letters"]
    online = next(r for r in report["breakdowns"]["channel"] if r["channel"] == "online")
    named = {row["kind"]: row for row in letters["kinds"]}
    named[FIRST_REQUEST] = next(
        (r for r in letters["first_by_purpose"] if r["purpose"] == "request"),
        {"batches": 0, "name": ""},
    )
    labels = dict(LetterKind.choices) | {FIRST_REQUEST: FIRST_LETTER_LABELS["request"]}
    parts = [f"{labels[k]}{_count(named[k])}件" for k in LETTER_ORDER if _count(named[k])]
    if _count(letters):
        text = f"共受理人民来信{_count(letters)}件"
        text += f"，其中{'，'.join(parts)}" if parts else ""
    else:
        text = "未收到人民来信"
    text += f"；受理网上信访{_count(online)}件。" if _count(online) else "；无网上信访。"
    was = []
    for what, row in (("来信", letters), ("网上信访", online)):
        prev = row["previous"]["batches"]
        if prev or _count(row):
            was.append(f"{what}{compare}{prev}件，{row['change']['batches']}")
    return text + ("；".join(was) + "。" if was else "")


def _name(row: dict[str, Any]) -> str:
    return str(row["category"]).rsplit("/", 1)[-1]


def categories_sentence(report: dict[str, Any], same: str) -> str:
    """Which category leads (仍居榜首 when it led the compared period too), which rose and which
    fell (the largest changes in batches first, at most three each), and by how much."""
    rows = [r for r in report["breakdowns"]["category"] if r["category"]]
    current = [r for r in rows if r["batches"]]
    if not current:
        return "本期登记未涉及具体内容分类。"
    lead = max(current, key=lambda r: (r["batches"], r["people"]))
    before = [r for r in rows if r["previous"]["batches"]]
    led_before = (
        max(before, key=lambda r: (r["previous"]["batches"], r["previous"]["people"]))
        if before
        else None
    )
    text = f"涉及{_name(lead)}矛盾" + ("仍居榜首" if led_before is lead else "居榜首")
    diff = [(r["batches"] - r["previous"]["batches"], r) for r in rows if r is not lead]
    rose = sorted((d for d in diff if d[0] > 0), key=lambda d: -d[0])[:MOST]
    fell = sorted((d for d in diff if d[0] < 0), key=lambda d: d[0])[:MOST]
    if rose:
        text += f"，{'、'.join(_name(r) for _, r in rose)}有所上升"
    if fell:
        text += f"，{'、'.join(_name(r) for _, r in fell)}有所下降"
    change = lead["change"]["batches"]
    text += f"。{_name(lead)}{_bp(lead)}，{same}{_bp(lead['previous'])}，批次{change}"
    for word, found in (("上升", rose), ("下降", fell)):
        if found:
            _, r = found[0]
            text += (
                f"；{word}最多的是{_name(r)}，{_bp(r)}，{same}{_bp(r['previous'])}，"
                f"批次{r['change']['batches']}"
            )
    return text + "。"

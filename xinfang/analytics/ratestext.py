"""B2's rates and reviews as prose in the seeds' manner (seed 002: "结案率达95%，息访率达90%",
"收到复查申请共11件，其中9件受理"; seed 003: "总得分2.229分，全市第4位"), from the JSON alone.

A rate with nothing to divide is not "0.0%": a due-based one reads 无到期事项, a share of
registrations 无信访登记, a share of first-time matters 无初次信访事项.
"""

from typing import Any

from xinfang.core.config import domain_limit

NONE_DUE = "无到期事项"
NONE_REGISTERED = "无信访登记"
NONE_FIRST = "无初次信访事项"
EMPTY = {  # what a rate with nothing to divide says instead of a percentage
    "completion": NONE_DUE,
    "settled": NONE_DUE,
    "first_time_resolution": NONE_DUE,
    "repeat": NONE_REGISTERED,
    "legal_channel_share": NONE_FIRST,
    "online_share": NONE_REGISTERED,
}


def empty_rate(key: str) -> str:
    return EMPTY.get(key, NONE_DUE)


def _clause(rates: dict[str, Any], key: str, name: str, text: str) -> str:
    """`text` with {num}, {den}, {pct}, {name} filled, or "name：无…" when den is 0."""
    rate = rates[key]
    if not rate["den"]:
        return f"{name}：{empty_rate(key)}"
    return text.format(num=rate["num"], den=rate["den"], pct=rate["pct"], name=name)


def rates_sentence(report: dict[str, Any], label: str) -> str:
    """办结率, 息访率, 初信初访一次性化解率, 重复信访率, 依法分类处理占比, 网上信访占比."""
    r = report["rates"]
    days = domain_limit("SETTLE_DAYS")
    clauses = [
        _clause(r, "completion", "办结率", "到期应办结{den}件，已办结{num}件，{name}{pct}%"),
        _clause(
            r,
            "settled",
            "息访率",
            f"答复满{days}日{{den}}件，其间未再信访{{num}}件，{{name}}{{pct}}%",
        ),
        _clause(
            r,
            "first_time_resolution",
            "初信初访一次性化解率",
            "初信初访事项到期{den}件，一次性化解{num}件，{name}{pct}%",
        ),
    ]
    if "repeat" in r:
        clauses += [
            _clause(
                r, "repeat", "重复信访率", "登记信访{den}批次，其中重复信访{num}批次，{name}{pct}%"
            ),
            _clause(
                r,
                "legal_channel_share",
                "依法分类处理占比",
                "依法分类处理{num}件，占初次信访事项{den}件的{pct}%",
            ),
            _clause(r, "online_share", "网上信访占比", "网上信访{num}批次，占信访总量的{pct}%"),
        ]
    return f"{label}，" + "；".join(clauses) + "。"


REVIEW_WORDS = {"review": "复查", "rereview": "复核"}


def reviews_sentence(report: dict[str, Any], label: str) -> str:
    """收到复查申请N件，受理N件，不予受理N件，撤回N件，作出复查意见N件；复核 likewise (不予受理
    and 撤回 written only when there are any)."""
    reviews = report["reviews"]
    if not any(s["received"] or s["decided"] or s["withdrawn"] for s in reviews.values()):
        return f"{label}，未收到复查、复核申请，未作出复查、复核意见。"
    parts = []
    for key, word in REVIEW_WORDS.items():
        s = reviews[key]
        if not (s["received"] or s["decided"] or s["withdrawn"]):
            parts.append(f"未收到{word}申请")
            continue
        said = f"收到{word}申请{s['received']}件，受理{s['accepted']}件"
        if s["declined"]:
            said += f"，不予受理{s['declined']}件"
        if s["withdrawn"]:
            said += f"，申请人撤回{s['withdrawn']}件"
        parts.append(f"{said}，作出{word}意见{s['decided']}件")
    return f"{label}，" + "；".join(parts) + "。"


def rank_phrase(report: dict[str, Any], scope_word: str) -> str:
    """ "，全市第4位" (seed 003) when the node is ranked among its siblings, else ""."""
    rank = report["rule_of_law"].get("rank")
    return f"，{scope_word}第{rank[0]}位" if rank else ""

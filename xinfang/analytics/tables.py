"""The report's tables, from the JSON report only: what the Excel workbook and the Word draft show.

Both files draw the same tables from here, so they agree with the JSON figure for figure.
Fixed-decimal figures (percentages, scores) stay strings, as in the JSON.
"""

from dataclasses import dataclass
from typing import Any

from xinfang.analytics.ratestext import REVIEW_WORDS, empty_rate
from xinfang.intake.choices import Channel, Form, Level, Purpose

LABELS: dict[str, dict[str, str]] = {
    "channel": dict(Channel.choices),
    "level": dict(Level.choices),
    "form": dict(Form.choices),
    "purpose": dict(Purpose.choices),
}
BREAKDOWN_TITLES = {
    "channel": "按渠道",
    "level": "按层级",
    "form": "按形式",
    "channel,level": "按渠道和层级",
    "channel,level,form": "按渠道、层级和形式",
    "category": "按内容分类",
    "purpose": "按信访目的",
    "locality": "按问题属地",
    "unit": "按责任单位",
    "locality,channel,level": "按问题属地、渠道和层级",
}
HEAD_TITLES = {
    "channel": "渠道",
    "level": "层级",
    "form": "形式",
    "category": "内容分类",
    "purpose": "信访目的",
    "locality": "问题属地",
    "unit": "责任单位",
}
RATE_TITLES = {
    "timely_acceptance": "及时受理率",
    "on_time_reply": "按期办结率",
    "satisfaction": "满意率",
    "evaluation_participation": "参评率",
    "package_resolution": "包案化解率",
    "supervision_resolution": "督办化解率",
    # B2 (their pct is None when there is nothing to divide: the cell says why)
    "completion": "办结率",
    "settled": "息访率",
    "first_time_resolution": "初信初访一次性化解率",
    "repeat": "重复信访率",
    "legal_channel_share": "依法分类处理占比",
    "online_share": "网上信访占比",
}
LAW_TITLES = {
    "acceptance": "应受理按规定受理",
    "handling": "应办理按期办理",
    "supervision": "督办到期按期化解",
}
# B2 `letters`: 初信 by purpose, as seed 000 names them ("求决类初信")
FIRST_LETTER_LABELS: dict[str | None, str] = {
    "suggestion": "建议意见类初信",
    "accusation": "检举控告类初信",
    "request": "求决类初信",
    None: "未填目的初信",
}
Cell = str | int | float | None
FIGURES = ("batches", "people")


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]


# Rows of these breakdowns are ranked among themselves (`place`: the children of a kind, the
# units), not by the node's place among its siblings (`rank`), which a child row cannot have.
PLACED = frozenset({"locality", "unit"})


def _rank(row: dict[str, Any], figure: str, key: str = "rank") -> str | None:
    """ "5/8": fifth of eight; None (an empty cell) when the row has no rank."""
    rank = row.get(key)
    return f"{rank[figure][0]}/{rank[figure][1]}" if rank else None


def _label(field: str, row: dict[str, Any]) -> str:
    value = row.get(field)
    if field in LABELS:
        return LABELS[field].get(value or "", "未填")
    if field in ("locality", "unit"):
        return str(row.get("name") or "未指定")
    return str(value or "未分类")


def report_tables(report: dict[str, Any]) -> list[Table]:
    word = "同期" if report.get("comparison", "yoy") == "yoy" else "上期"
    tables: list[Table] = []
    totals = report["totals"]
    rows: list[list[Cell]] = []
    for key, title in (
        ("batches", "批次"),
        ("people", "人次"),
        ("matters", "件数"),
        ("first_matters", "初次件数"),
    ):
        rank = _rank(totals, key) if key in ("batches", "people") else None
        rows.append([title, totals[key], totals["previous"][key], totals["change"][key], rank])
    tables.append(Table("总体情况", ["指标", "本期", word, "增减", "排名"], rows))
    for name, title in BREAKDOWN_TITLES.items():
        fields = name.split(",")
        header = [HEAD_TITLES[f] for f in fields]
        header += ["批次", "人次", f"{word}批次", f"{word}人次", "批次增减", "人次增减"]
        header += ["批次排名", "人次排名"]
        rows = []
        for row in report["breakdowns"][name]:
            rows.append(
                [_label(f, row) for f in fields]
                + [row["batches"], row["people"]]
                + [row["previous"]["batches"], row["previous"]["people"]]
                + [row["change"]["batches"], row["change"]["people"]]
                + [
                    _rank(row, f, "place" if name in PLACED else "rank")
                    for f in ("batches", "people")
                ]
            )
        tables.append(Table(title, header, rows))
    rows = []
    for key, title in RATE_TITLES.items():
        rate = report["rates"].get(key)
        if rate is None:
            continue
        rows.append([title, rate["num"], rate["den"], rate["pct"] or empty_rate(key)])
        for split in ("by_level", "by_kind"):
            for level, sub in rate.get(split, {}).items():
                rows.append([f"{title}（{level}）", sub["num"], sub["den"], sub["pct"]])
    tables.append(Table("各项比率", ["指标", "分子", "分母", "百分比(%)"], rows))
    if "reviews" in report:
        tables.append(reviews_table(report["reviews"]))
    law = report["rule_of_law"]
    rows = [
        [title, law[key]["num"], law[key]["den"], law[key]["weight"], law[key]["score"]]
        for key, title in LAW_TITLES.items()
    ]
    rows.append(["合计", None, None, None, law["total"]])
    if law.get("rank"):
        rows.append(["排名", None, None, None, f"{law['rank'][0]}/{law['rank'][1]}"])
    tables.append(Table("法治化考核", ["项目", "分子", "分母", "权重", "得分"], rows))
    if "letters" in report:
        tables.append(letters_table(report["letters"], word))
    from xinfang.analytics.leadertables import leader_table  # it builds on this module's Table
    from xinfang.analytics.preventiontables import prevention_tables

    leaders = leader_table(report)  # B2 领导接访和包案
    return tables + ([leaders] if leaders else []) + list(prevention_tables(report))


def letter_rows(letters: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """B2 `letters` as the rows of its table: (title, figures, what the row counts — the keys of
    the dashboard's matter list): all letters, each 来信类型, 初信 and 重信, 初信 by purpose."""
    named: list[tuple[str, dict[str, Any], dict[str, Any]]] = [("来信合计", letters, {})]
    named += [(str(r["name"]), r, {"letter_kind": r["kind"]}) for r in letters["kinds"]]
    named += [("初信", letters["first"], {"first": "first"})]
    named += [("重信", letters["repeat"], {"first": "repeat"})]
    named += [
        (FIRST_LETTER_LABELS[r["purpose"]], r, {"first": "first", "purpose": r["purpose"]})
        for r in letters["first_by_purpose"]
    ]
    return named


def letters_table(letters: dict[str, Any], word: str) -> Table:
    header = ["类型", "批次", "人次", f"{word}批次", f"{word}人次", "批次增减", "人次增减"]
    rows: list[list[Cell]] = [
        [title, *(r[f] for f in FIGURES), *(r["previous"][f] for f in FIGURES)]
        + [r["change"][f] for f in FIGURES]
        for title, r, _ in letter_rows(letters)
    ]
    return Table("来信类型", header, rows)


def reviews_table(reviews: dict[str, Any]) -> Table:
    """B2 `reviews`: 复查 and 复核 requests received, accepted, declined, withdrawn, decided."""
    fields = ("received", "accepted", "declined", "withdrawn", "decided")
    rows: list[list[Cell]] = []
    for key, word in REVIEW_WORDS.items():
        figures = reviews[key]
        rows.append([word, *("未记录" if figures[f] is None else figures[f] for f in fields)])
    header = ["阶段", "收到申请", "受理", "不予受理", "撤回", "作出意见"]
    return Table("复查复核", header, rows)

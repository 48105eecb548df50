"""The report's leader work (B2 `receptions`, `packages`) as one table, for Excel and Word alike."""

from typing import Any

from xinfang.analytics.tables import Cell, Table
from xinfang.leaders.choices import LeaderTier, ReceptionOutcome, SessionKind

TITLE = "领导接访和包案"


def leader_table(report: dict[str, Any]) -> Table | None:
    """指标, 本期, 同期 (上期), 增减 — None when the report has no leader work keys."""
    if "receptions" not in report:
        return None
    word = "同期" if report.get("comparison", "yoy") == "yoy" else "上期"
    r, pk = report["receptions"], report["packages"]
    rp, pp = r["previous"], pk["previous"]
    rows: list[list[Cell]] = [
        ["接访活动（次）", r["sessions"], rp["sessions"], r["change"]["sessions"]],
        *[
            [
                f"  其中{label}（次）",
                r["sessions_by_kind"][code],
                rp["sessions_by_kind"][code],
                None,
            ]
            for code, label in SessionKind.choices
        ],
        [
            "领导参与接访（人次）",
            r["participations"],
            rp["participations"],
            r["change"]["participations"],
        ],
        *[
            [
                f"  其中{label}（人次）",
                r["participations_by_tier"][code],
                rp["participations_by_tier"][code],
                None,
            ]
            for code, label in LeaderTier.choices
        ],
        [
            "接待群众来访（批次）",
            r["received"]["batches"],
            rp["received"]["batches"],
            r["change"]["batches"],
        ],
        [
            "接待群众来访（人次）",
            r["received"]["people"],
            rp["received"]["people"],
            r["change"]["people"],
        ],
        [
            "  党政主要领导接待（批次）",
            r["with_principal"]["batches"],
            rp["with_principal"]["batches"],
            None,
        ],
        [
            "  党政主要领导接待（人次）",
            r["with_principal"]["people"],
            rp["with_principal"]["people"],
            None,
        ],
        *[
            [
                f"  {label}（批次）",
                r["outcomes"][code]["batches"],
                rp["outcomes"][code]["batches"],
                None,
            ]
            for code, label in ReceptionOutcome.choices
        ],
        ["到期应交办（批次）", r["routed_in_time"]["den"], rp["routed_in_time"]["den"], None],
        ["2个工作日内交办（批次）", r["routed_in_time"]["num"], rp["routed_in_time"]["num"], None],
        ["按时交办率（%）", _pct(r["routed_in_time"]), _pct(rp["routed_in_time"]), None],
        ["领导包案（件）", pk["begun"], pp["begun"], pk["change"]["begun"]],
        ["  已化解（件）", pk["resolved"], pp["resolved"], None],
        ["  化解率（%）", _pct(pk["resolution"]), _pct(pp["resolution"]), None],
        [
            "期末一包到底未化解（件）",
            pk["open_at_end"],
            pp["open_at_end"],
            pk["change"]["open_at_end"],
        ],
        ["化解后回流（件）", pk["reflows"], pp["reflows"], pk["change"]["reflows"]],
    ]
    for code, label in LeaderTier.choices:
        t, tp = pk["by_tier"][code], pp["by_tier"][code]
        rows.append([f"{label}包案（件）", t["begun"], tp["begun"], None])
        rows.append([f"  {label}包案已化解（件）", t["resolved"], tp["resolved"], None])
        rows.append([f"  {label}期末未化解（件）", t["open_at_end"], tp["open_at_end"], None])
        rows.append([f"  {label}包案回流（件）", t["reflows"], tp["reflows"], None])
    return Table(TITLE, ["指标", "本期", word, "增减"], rows)


def _pct(ratio: dict[str, Any]) -> str:
    """The rate as the JSON writes it; "无" when nothing was due (never "0.0")."""
    return ratio["pct"] if ratio["den"] else "无"

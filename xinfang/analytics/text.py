"""The report as Chinese prose in the manner of seed 003: figures from the JSON report only.

The sections people write (问题, 打算) are left as marked places to fill: 【待填写：…】.
"""

from datetime import date, timedelta
from typing import Any

from xinfang.analytics.ratestext import NONE_DUE, rank_phrase, rates_sentence, reviews_sentence
from xinfang.analytics.sentences import categories_sentence, letters_paragraph, street_sentence
from xinfang.intake.choices import Level
from xinfang.organisation.models import OrgUnit, UnitKind

TO_FILL = "【待填写：{}】"
SCOPE_WORD = {
    UnitKind.CITY: "全市",
    UnitKind.DISTRICT: "全区",
    UnitKind.STREET: "全街道",
    UnitKind.VILLAGE: "全社区",
}
COUNTED = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
COUNTED += [f"十{n}" for n in COUNTED[:9]]  # the report's parts run past ten (十一, 十二)


def period_label(start: date, end: date) -> str:
    """ "2024年1-9月", "2024年9月", "2024年", else "2024年1月5日至2024年2月3日"."""
    month_end = (end + timedelta(days=1)).day == 1
    if start.year == end.year and start.day == 1 and month_end:
        if start.month == 1 and end.month == 12:
            return f"{start.year}年"
        if start.month == end.month:
            return f"{start.year}年{start.month}月"
        return f"{start.year}年{start.month}-{end.month}月"
    return f"{_day(start)}至{_day(end)}"


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _bp(fig: dict[str, Any]) -> str:
    return f"{fig['batches']}批{fig['people']}人次"


def _changes(row: dict[str, Any]) -> str:
    c = row["change"]
    return f"批次{c['batches']}、人次{c['people']}"


def _rank_phrase(row: dict[str, Any], scope_word: str) -> str:
    rank = row.get("rank")
    if not rank:
        return ""
    return f"，人次由多至少列{scope_word}第{rank['people'][0]}位"


def _ratio(r: dict[str, Any]) -> str:
    if not r["den"]:  # never "化解率0.0%" for 0 of 0
        return f"0件，{NONE_DUE}"
    return f"{r['den']}件，已化解{r['num']}件，化解率{r['pct']}%"


def _handled(rates: dict[str, Any]) -> str:
    """受理办理: 及时受理率, 按期办结率, 参评率, 满意率; a rate of nothing says why, not 0.0%."""
    ta, otr = rates["timely_acceptance"], rates["on_time_reply"]
    sat, ev = rates["satisfaction"], rates["evaluation_participation"]
    clauses = [
        f"到期应受理{ta['den']}件，按期受理{ta['num']}件，及时受理率{ta['pct']}%"
        if ta["den"]
        else f"及时受理率：{NONE_DUE}",
        f"到期应办结{otr['den']}件，按期办结{otr['num']}件，按期办结率{otr['pct']}%"
        if otr["den"]
        else f"按期办结率：{NONE_DUE}",
        (
            f"答复{ev['den']}件，参评{ev['num']}件，参评率{ev['pct']}%，"
            + (
                f"满意（含基本满意）{sat['num']}件，满意率{sat['pct']}%"
                if sat["den"]
                else "满意率：无参评事项"
            )
        )
        if ev["den"]
        else "参评率、满意率：无答复事项",
    ]
    return "；".join(clauses) + "。"


def render_text(report: dict[str, Any]) -> str:
    start = date.fromisoformat(report["period"]["start"])
    end = date.fromisoformat(report["period"]["end"])
    prev_start = date.fromisoformat(report["previous_period"]["start"])
    prev_end = date.fromisoformat(report["previous_period"]["end"])
    label = period_label(start, end)
    compare = (
        "较去年同期"
        if report.get("comparison", "yoy") == "yoy"
        else f"较上期（{period_label(prev_start, prev_end)}）"
    )
    opening = label
    if report.get("to_date"):  # counted to today: say so, and which days it is compared with
        opening = f"截止目前，{label}"
        compare = compare.removesuffix(f"（{period_label(prev_start, prev_end)}）")
        compare = f"{compare}（{period_label(prev_start, prev_end)}）"
    same = "同比去年" if report.get("comparison", "yoy") == "yoy" else "环比上期"
    node = OrgUnit.objects.filter(code=report["org"]).select_related("parent").first()
    name = report.get("org_name") or report["org"]
    scope_word = "同级单位中"
    if node is not None and node.parent is not None:
        scope_word = SCOPE_WORD.get(UnitKind(node.parent.kind), scope_word)
    totals = report["totals"]
    b = report["breakdowns"]
    lines: list[str] = [f"{label}信访工作情况汇报", "", name, ""]
    lines.append(TO_FILL.format("总体形势概述"))
    lines.append("")
    lines.append(f"一、{label}的信访情况")
    lines.append("")
    lines.append(
        f"{opening}，共发生登记信访事项{_bp(totals)}，{compare}{_bp(totals['previous'])}，"
        f"{_changes(totals)}。涉及信访事项{totals['matters']}件，其中初次信访事项"
        f"{totals['first_matters']}件。"
    )
    visit = next(r for r in b["channel"] if r["channel"] == "visit")
    lines.append(
        f"（一）走访情况分析。共发生走访登记{_bp(visit)}，{compare}{_bp(visit['previous'])}，"
        f"{_changes(visit)}。" + _visit_levels(b, same, scope_word)
    )
    part = 1
    if "letters" in report:
        part += 1
        lines.append(
            f"（{COUNTED[part - 1]}）来信和网上信访情况。{label}，"
            + letters_paragraph(report, compare)
        )
    part += 1
    lines.append(
        f"（{COUNTED[part - 1]}）信访事项类别情况。从信访事项的类别看："
        + categories_sentence(report, same)
    )
    rates = report["rates"]
    if "receptions" in report:
        part += 1
        lines.append(f"（{COUNTED[part - 1]}）" + leader_work_text(report, node, label, start, end))
    package = rates["package_resolution"]
    part += 1
    lines.append(
        f"（{COUNTED[part - 1]}）领导包案化解信访事项情况。"
        + (
            _packages_text(report["packages"], label)
            if "packages" in report
            else f"{label}，领导包案化解信访事项共{_ratio(package)}。"
        )
    )
    if "meetings" in report:
        part += 1
        lines.append(f"（{COUNTED[part - 1]}）" + prevention_text(report, node, label))
    if "disputes" in report:
        part += 1
        lines.append(f"（{COUNTED[part - 1]}）" + disputes_text(report, label))
    sup = rates["supervision_resolution"]
    levels = "；".join(
        f"{lv}级督办{_ratio(r)}" if lv != "中央" else f"中央信访联席办督办{_ratio(r)}"
        for lv, r in sup["by_level"].items()
        if r["den"]
    )
    part += 1
    lines.append(
        f"（{COUNTED[part - 1]}）督办信访事项办理情况。{label}，督办信访事项共{_ratio(sup)}"
        + (f"，其中{levels}" if levels else "")
        + "。"
    )
    part += 1
    lines.append(
        f"（{COUNTED[part - 1]}）受理办理情况。{_handled(rates)}"
        + (
            f"补录的办理步骤{report['late_entries']}个（早于补录期限、经督查批准的，"
            "或录入时期限已过、所填日期仍在期限内的）。"
            if report.get("late_entries")
            else ""
        )
    )
    part += 1
    lines.append(f"（{COUNTED[part - 1]}）信访事项办理质效情况。" + rates_sentence(report, label))
    if "reviews" in report:
        part += 1
        lines.append(f"（{COUNTED[part - 1]}）复查复核情况。" + reviews_sentence(report, label))
    part += 1
    lines.append(
        f"（{COUNTED[part - 1]}）信访工作法治化考核推进情况。"
        + _rule_of_law(report, label, scope_word)
    )
    lines += [
        "",
        "二、存在问题及原因分析",
        "",
        TO_FILL.format("存在的问题及原因分析"),
        "",
        "三、下一步工作打算",
        "",
        TO_FILL.format("下一步工作打算"),
        "",
    ]
    return "\n".join(lines)


def _visit_levels(b: dict[str, Any], same: str, scope_word: str) -> str:
    by_level = {r["level"]: r for r in b["channel,level"] if r["channel"] == "visit"}
    collective = {
        r["level"]: r
        for r in b["channel,level,form"]
        if r["channel"] == "visit" and r["form"] == "collective"
    }
    individual = {
        r["level"]: r
        for r in b["channel,level,form"]
        if r["channel"] == "visit" and r["form"] == "individual"
    }
    parts = []
    for i, (code, word) in enumerate(Level.choices):
        row = by_level.get(code)
        if row is None:
            continue
        text = (
            f"{COUNTED[i]}是{word}走访。登记{_bp(row)}，{same}{_bp(row['previous'])}，"
            f"{_changes(row)}{_rank_phrase(row, scope_word)}"
        )
        col, ind = collective.get(code), individual.get(code)
        lead = "其中，"
        if col and col["batches"]:
            own = f"个访{_bp(ind)}，" if ind and ind["batches"] else ""
            text += f"，其中{own}集体访{_bp(col)}"
            lead = "从属地看，"
        parts.append(text + "。" + street_sentence(b, "visit", code, lead))
    return "".join(parts)


def _rule_of_law(report: dict[str, Any], label: str, scope_word: str = "同级单位中") -> str:
    law = report["rule_of_law"]
    names = {
        "acceptance": ("应受理件数", "按规定受理件数"),
        "handling": ("应办理件数", "按期办理件数"),
        "supervision": ("督办到期件数", "按期化解件数"),
    }
    parts = []
    for key, (due, done) in names.items():
        part = law[key]
        weight = f"{part['weight']:g}"
        if part["den"]:
            formula = f"{part['num']}÷{part['den']}×{weight}={part['score']}分"
        else:
            formula = f"无到期事项，该项按0分计（{part['score']}分）"
        parts.append(f"{due}为{part['den']}件，{done}{part['num']}件，{formula}")
    rank = rank_phrase(report, scope_word)
    return f"{label}总得分{law['total']}分{rank}。其中：" + "；".join(parts) + "。"


# --- leader work (B2 `receptions`, `packages`): seed 003's and seed 002's sentences --------------

TWO = "两"


def _level_word(node: OrgUnit | None) -> str:
    """区 / 县 / 市 / 街道 / 镇: the level the node's own leaders are named by."""
    if node is None:
        return "区"
    if node.kind == UnitKind.CITY:
        return "市"
    if node.kind == UnitKind.DISTRICT:
        return "县" if node.name.endswith("县") else "区"
    return "镇" if node.name.endswith("镇") else "街道"


def _towns_word(node: OrgUnit | None) -> str:
    """ "七镇", "两街道": the node's towns and streets, as seed 002 names them."""
    towns = (
        list(node.children.filter(kind=UnitKind.STREET).values_list("name", flat=True))
        if node is not None
        else []
    )
    if all(t.endswith("镇") for t in towns) and towns:
        suffix = "镇"
    elif all(t.endswith("街道") for t in towns) and towns:
        suffix = "街道"
    else:
        suffix = "镇街"
    n = len(towns)
    if not 1 <= n <= len(COUNTED):
        return suffix
    return f"{TWO if n == 2 else COUNTED[n - 1]}{suffix}"


def _since(start: date, end: date, label: str) -> str:
    """ "截止9月份" for 1—N月 of a year (seed 003), else the period's label."""
    month_end = (end + timedelta(days=1)).day == 1
    if start == date(start.year, 1, 1) and month_end and end.year == start.year and end.month > 1:
        return f"截止{end.month}月份"
    return label


def leader_work_text(
    report: dict[str, Any], node: OrgUnit | None, label: str, start: date, end: date
) -> str:
    """领导干部公开接访下访情况 and 领导包案, from the report's `receptions` and `packages`."""
    from xinfang.leaders.choices import LeaderTier, ReceptionOutcome

    r = report["receptions"]
    w = _level_word(node)
    scope = SCOPE_WORD.get(UnitKind(node.kind), "全区") if node is not None else "全区"
    if node is not None and node.kind == UnitKind.DISTRICT and w == "县":
        scope = "全县"
    head = f"{w}级领导干部公开接访下访情况。"
    if not r["sessions"] and not r["received"]["batches"]:
        text = f"{label}，无领导接访活动。"
    else:
        rec, pri, tiers = r["received"], r["with_principal"], r["participations_by_tier"]
        text = (
            f"{_since(start, end, label)}，{w}级领导干部参与公开接访{r['node_leaders']}人次，"
            f"接待群众来访{rec['batches']}批次{rec['people']}人次，其中党政主要领导参与接待群众来访"
            f"{pri['batches']}批次{pri['people']}人次。"
        )
        month = label + ("份" if label.endswith("月") else "")
        text += (
            f"{month}{scope}共组织{r['sessions']}次{w}领导接访活动，参与接访的{w}各套班子领导"
            f"{tiers[LeaderTier.PRINCIPAL] + tiers[LeaderTier.MEMBER]}人次，{w}直机关领导"
            f"{tiers[LeaderTier.DEPARTMENT]}人次，{_towns_word(node)}领导"
            f"{tiers[LeaderTier.TOWN]}人次，共接访群众{rec['batches']}批{rec['people']}人次。"
        )
        outcomes = "，".join(
            f"{ReceptionOutcome(code).label}{fig['batches']}批{fig['people']}人次"
            for code, fig in r["outcomes"].items()
            if fig["batches"]
        )
        if outcomes:
            text += f"接访结果：{outcomes}。"
        routed = r["routed_in_time"]
        if routed["den"]:
            text += (
                f"到期应交办{routed['den']}批，2个工作日内交办{routed['num']}批，"
                f"按时交办率{routed['pct']}%。"
            )
        else:
            text += "无到期应交办的接访事项。"
    return head + text


def _packages_text(pk: dict[str, Any], label: str) -> str:
    from xinfang.leaders.choices import LeaderTier

    if pk["begun"]:
        res = pk["resolution"]
        text = (
            f"{label}，领导包案化解信访事项共{res['den']}件，已化解{res['num']}件，"
            f"化解率{res['pct']}%"
        )
        tiers = "；".join(
            f"{LeaderTier(code).label}包案{t['begun']}件，已化解{t['resolved']}件"
            for code, t in pk["by_tier"].items()
            if t["begun"]
        )
        text += f"（其中{tiers}）" if tiers else ""
    else:
        text = f"{label}，无新包案事项"
    text += f"；期末“一包到底”未化解{pk['open_at_end']}件"
    text += f"，化解后回流{pk['reflows']}件。" if pk["reflows"] else "，无化解后回流。"
    return text


# --- prevention (B2 `meetings`, `handed_down`, `hearings`, `disputes`): seeds 000, 001 and 002 --


def prevention_text(report: dict[str, Any], node: OrgUnit | None, label: str) -> str:
    """信访积案化解和信访听证: the sentences of analytics.preventiontext on the report's keys."""
    from xinfang.analytics.preventiontext import (
        casework_handed_down_sentence,
        casework_meetings_text,
        hearing_sentence,
    )

    place = "我" + _level_word(node)
    text = f"信访积案化解和信访听证情况。{label}，" + casework_meetings_text(
        report["meetings"], place
    )
    batches = report["handed_down"]
    text += (
        "".join(casework_handed_down_sentence(row, place) for row in batches)
        if batches
        else f"无交办{place}的信访积案。"
    )
    return text + hearing_sentence(report["hearings"])


def disputes_text(report: dict[str, Any], label: str) -> str:
    """矛盾纠纷排查化解 (seed 001's “共排查矛盾纠纷X件，化解X件”), from the report's `disputes`."""
    from xinfang.analytics.preventiontext import dispute_sentence

    return f"矛盾纠纷排查化解情况。{label}，" + dispute_sentence(report["disputes"])

"""简报 (信访工作简报): a periodic briefing draft of one node, from data the product already has.

Nothing is counted here. The figures are `build_report`'s (contract C): 总体情况 is its totals and
rates, 新出现的热点 first the problems many petitioners wrote about in the window ending on the
briefing's date (counting.hotspots), then its category and locality rows against the comparison
period. 超期未办结事项
are counting.overdue's: the clock scan's overdue alerts still open at the briefing's date, each
checked against the matter's clocks, limited to the matters the reader may see. 需要督办的单位
joins those overdue items with the per-unit 按期办结 and 退回 figures of the period
(counting.units, as 季考评 counts them). 下步工作 is left for staff to write.

The date a briefing speaks of (`as_of`) is the period's last day, or today while the period runs:
an alert counts when its deadline is before that day and its clock was not done by it, so the same
briefing run later gives the same list.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from xinfang.analytics.counting.hotspots import last_scan, node_hotspots, scan_words
from xinfang.analytics.counting.overdue import OverdueItem, leaf, overdue_items
from xinfang.analytics.counting.report import build_report
from xinfang.analytics.counting.units import unit_handling_figures
from xinfang.analytics.periods import Comparison, Period
from xinfang.analytics.text import SCOPE_WORD, TO_FILL, period_label
from xinfang.core.config import domain_limit
from xinfang.core.permissions import Actor, sees_accusations, visible_matters
from xinfang.intake.choices import Channel
from xinfang.organisation.models import OrgUnit, UnitKind

TITLE = "信访工作简报"
NEXT_STEPS = TO_FILL.format("下步工作")
ISSUE_TO_FILL = "【待填写】"


@dataclass(frozen=True)
class Rules:
    """What makes a hotspot or a unit worth naming; defaults as a district bureau would set them."""

    new_min_batches: int = 2  # a row with nothing before is new from this many batches
    rise_min_batches: int = 3  # a rise is named only for rows with at least this many now
    rise_min_pct: Decimal = Decimal("30")  # … rising by at least this much
    max_rising: int = 5  # the biggest rises only
    low_on_time_pct: Decimal = Decimal("80")  # 按期办结率 below this is low …
    low_on_time_min_due: int = 2  # … when at least this many were due
    returns_min: int = 2  # 退回 this many times in the period: repeated returns


def _rise(change: str) -> Decimal | None:
    """ "上升16.0%" -> 16.0, anything else (下降, 持平, 新增) None: the report's own words."""
    if not change.startswith("上升"):
        return None
    try:
        return Decimal(change[2:].rstrip("%"))
    except InvalidOperation:
        return None


def _hotspots(rows: list[dict[str, Any]], name: str, rules: Rules) -> dict[str, Any]:
    """New rows and the biggest rises of one breakdown, each carrying the report's own row."""
    new, rising = [], []
    for row in rows:
        label = row[name]
        if not label:
            continue
        cur, prev = row["batches"], row["previous"]["batches"]
        entry = {
            "name": label,
            "batches": cur,
            "people": row["people"],
            "previous": {"batches": prev, "people": row["previous"]["people"]},
            "change": row["change"]["batches"],
        }
        if prev == 0 and cur >= rules.new_min_batches:
            new.append(entry)
            continue
        rise = _rise(row["change"]["batches"])
        if rise is not None and rise >= rules.rise_min_pct and cur >= rules.rise_min_batches:
            rising.append(entry | {"rise_pct": str(rise)})
    new.sort(key=lambda e: (-e["batches"], e["name"]))
    rising.sort(key=lambda e: (-Decimal(e["rise_pct"]), -e["batches"], e["name"]))
    return {"new": new, "rising": rising[: rules.max_rising]}


def _pct(num: int, den: int) -> str:
    from xinfang.analytics.figures import pct

    return pct(num, den)


def units_to_supervise(
    *,
    node: OrgUnit,
    period: Period,
    items: list[OverdueItem],
    rules: Rules,
    hide_accusations: bool,
) -> list[dict[str, Any]]:
    """Handling units with overdue items, repeated returns or a low on-time rate, worst first."""
    figures = unit_handling_figures(node, period)
    overdue: dict[int, list[OverdueItem]] = defaultdict(list)
    for item in items:
        if item.unit_id is not None:
            overdue[item.unit_id].append(item)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=set(figures) | set(overdue))}
    rows = []
    for uid, unit in units.items():
        fig = figures.get(uid, {"on_time": {"num": 0, "den": 0}, "returns": {"total": 0}})
        if hide_accusations and unit.is_discipline_organ:
            # its handling figures are accusation material, which this reader does not see
            fig = {"on_time": {"num": 0, "den": 0}, "returns": {"total": 0, "faults": 0}}
        mine = overdue.get(uid, [])
        ot, ret = fig["on_time"], fig["returns"]
        rate = _pct(ot["num"], ot["den"])
        low = ot["den"] >= rules.low_on_time_min_due and Decimal(rate) < rules.low_on_time_pct
        repeated = ret["total"] >= rules.returns_min
        if not (mine or low or repeated):
            continue
        reasons = []
        if mine:
            kinds: dict[str, int] = defaultdict(int)
            for item in mine:
                kinds[item.clock_label] += 1
            detail = "、".join(f"{k}超期{n}项" for k, n in kinds.items())
            reasons.append(f"超期未办结{len({i.matter_id for i in mine})}件（{detail}）")
        if repeated:
            reasons.append(f"本期退回{ret['total']}件，其中不当退回{ret.get('faults', 0)}件")
        if low:
            reasons.append(
                f"按期办结率{rate}%（到期应办结{ot['den']}件，按期办结{ot['num']}件），"
                f"低于{rules.low_on_time_pct}%"
            )
        rows.append(
            {
                "unit": unit.code,
                "name": unit.name,
                "overdue_matters": len({i.matter_id for i in mine}),
                "overdue_items": len(mine),
                "returns": ret["total"],
                "return_faults": ret.get("faults", 0),
                "on_time": {"num": ot["num"], "den": ot["den"], "pct": rate},
                "low_on_time": low,
                "reason": "；".join(reasons),
            }
        )
    rows.sort(
        key=lambda r: (
            -r["overdue_matters"],
            not r["low_on_time"],
            -r["return_faults"],
            -r["returns"],
            Decimal(r["on_time"]["pct"]) if r["on_time"]["den"] else Decimal(101),
            r["unit"],
        )
    )
    for place, row in enumerate(rows, start=1):
        row["place"] = place
    return rows


# --- the briefing -------------------------------------------------------------------------------


def issuer_of(node: OrgUnit) -> str:
    """编印单位: the node's petition bureau (信访局 for a city or district, else 信访办)."""
    kind = UnitKind(node.kind)
    return node.name + ("信访局" if kind in (UnitKind.CITY, UnitKind.DISTRICT) else "信访办")


def _overview(report: dict[str, Any], label: str, scope_word: str) -> dict[str, Any]:
    totals, rates = report["totals"], report["rates"]
    prev = report["previous_period"]
    prev_label = period_label(date.fromisoformat(prev["start"]), date.fromisoformat(prev["end"]))
    same = "同比" if report["comparison"] == "yoy" else f"环比（较{prev_label}）"
    channels = {r["channel"]: r for r in report["breakdowns"]["channel"]}
    by_channel = [
        {"channel": code, "label": str(word), "batches": channels[code]["batches"]}
        for code, word in Channel.choices
        if code in channels
    ]
    c = totals["change"]
    text = (
        f"{label}，{scope_word}共登记信访事项{totals['batches']}批{totals['people']}人次，"
        f"{same}批次{c['batches']}、人次{c['people']}；涉及信访事项{totals['matters']}件，"
        f"其中初次信访事项{totals['first_matters']}件。从渠道看，"
        + "、".join(f"{ch['label']}{ch['batches']}批" for ch in by_channel)
        + f"。及时受理率{rates['timely_acceptance']['pct']}%，按期办结率"
        f"{rates['on_time_reply']['pct']}%，满意率{rates['satisfaction']['pct']}%，"
        f"信访工作法治化考核得分{report['rule_of_law']['total']}分。"
    )
    return {
        "totals": {k: totals[k] for k in ("batches", "people", "matters", "first_matters")},
        "previous": totals["previous"],
        "change": totals["change"],
        "channels": by_channel,
        "rates": {
            k: {f: rates[k][f] for f in ("num", "den", "pct")}
            for k in ("timely_acceptance", "on_time_reply", "satisfaction")
        },
        "rule_of_law": report["rule_of_law"]["total"],
        "text": text,
    }


def cluster_line(h: dict[str, Any], days: int) -> str:
    """One hotspot of counting.hotspots in words: the problem, counted people, never names."""
    what = f"{h['subject']}{'（' + h['category'] + '）' if h['category'] else ''}"
    places = f"，问题属地{'、'.join(h['places'])}" if h["places"] else ""
    trend = (
        f"呈上升趋势（近期新增{h['recent']}人，此前{h['before']}人）"
        if h["growing"]
        else "趋于平稳"
    )
    return (
        f"{what}相关问题：近{days}天有{h['petitioners']}名不同信访人反映，涉及信访事项"
        f"{h['matter_count']}件{h['registrations']}批{places}，首次登记{cn_date(h['first_on'])}，"
        f"最近登记{cn_date(h['last_on'])}，{trend}。"
    )


def _hotspot_lines(
    hot: dict[str, Any], same: str, before: str, clusters: list[dict[str, Any]], days: int
) -> list[str]:
    lines = [cluster_line(h, days) for h in clusters]
    for kind, suffix in (("categories", "类问题"), ("localities", "")):
        for e in hot[kind]["new"]:
            lines.append(
                f"{e['name']}{suffix}为新出现的热点，共{e['batches']}批{e['people']}人次，"
                f"{before}无此类登记。"
                if suffix
                else f"{e['name']}为新出现的信访热点地区，共{e['batches']}批{e['people']}人次，"
                f"{before}无登记。"
            )
        for e in hot[kind]["rising"]:
            what = f"{e['name']}{suffix}上升明显" if suffix else f"{e['name']}信访量上升明显"
            lines.append(
                f"{what}，共{e['batches']}批{e['people']}人次，{same}上升{e['rise_pct']}%"
                f"（{before}{e['previous']['batches']}批）。"
            )
    return lines or [f"与{before}相比，未出现新的或明显上升的信访热点。"]


def build_briefing(
    *,
    node: OrgUnit,
    period: Period,
    comparison: Comparison = "yoy",
    reader: "Actor",
    today: date,
    issue_no: int | None = None,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """The briefing of `node` for `period` as `reader` may see it (SYSTEM: the console, all)."""
    rules = rules or Rules()
    # 领导 and 督查 do not see 检举控告: neither in the figures nor in the lists
    limited = not sees_accusations(reader)
    as_of = min(period.end, today)
    with transaction.atomic():
        report = build_report(
            org=node, period=period, comparison=comparison, hide_accusations=limited
        )
        items = overdue_items(node=node, as_of=as_of, matters=visible_matters(reader))
        units = units_to_supervise(
            node=node, period=period, items=items, rules=rules, hide_accusations=limited
        )
    label = period_label(period.start, period.end)
    prev = report["previous_period"]
    prev_label = period_label(date.fromisoformat(prev["start"]), date.fromisoformat(prev["end"]))
    same = "同比" if comparison == "yoy" else "环比"
    before = "去年同期" if comparison == "yoy" else "上期"  # the period is named in 总体情况
    scope_word = SCOPE_WORD.get(UnitKind(node.kind), node.name)
    breakdowns = report["breakdowns"]
    categories = [
        r | {"category": leaf(r["category"]) if r["category"] else None}
        for r in breakdowns["category"]
    ]
    localities = [r for r in breakdowns["locality"] if r["locality"] != node.code]
    hot = {
        "categories": _hotspots(categories, "category", rules),
        "localities": _hotspots(localities, "name", rules),
    }
    overdue_matters = len({i.matter_id for i in items})
    clusters = [h.as_dict() for h in node_hotspots(reader=reader, node=node)]
    scan = last_scan()
    days = scan.days if scan else domain_limit("HOTSPOT_WINDOW_DAYS")
    return {
        "title": TITLE,
        "issue_no": issue_no,
        "issuer": issuer_of(node),
        "date": today.isoformat(),
        "headline": f"{label}信访工作情况",
        "org": node.code,
        "org_name": node.name,
        "period": period.as_dict(),
        "period_label": label,
        "previous_period": prev,
        "previous_label": prev_label,
        "comparison": comparison,
        "as_of": as_of.isoformat(),
        "limited": limited,
        "rules": {k: str(v) for k, v in asdict(rules).items()},
        "overview": _overview(report, label, scope_word),
        "hotspots": hot
        | {
            "clusters": clusters,
            "window_days": days,
            "scanned": scan_words(scan),
            "text": _hotspot_lines(hot, same, before, clusters, days),
        },
        "overdue": {
            "matters": overdue_matters,
            "items": [asdict(i) for i in items],
        },
        "units": units,
        "next_steps": NEXT_STEPS,
    }


# --- prose ---------------------------------------------------------------------------------------


def cn_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def issue_text(briefing: dict[str, Any]) -> str:
    n = briefing["issue_no"]
    return f"第{n}期" if n else f"第{ISSUE_TO_FILL}期"


def overdue_line(item: dict[str, Any]) -> str:
    supervised = f"已{item['supervised']}" if item["supervised"] else "尚未督办"
    return (
        f"{item['number']}（{item['category']}，{item['locality']}），承办单位{item['unit']}，"
        f"{item['clock_label']}{item['deadline']}，超期{item['days_over']}天，{supervised}。"
    )


def sections(briefing: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) of the five parts, shared by the text, the page and the Word file."""
    overdue = briefing["overdue"]
    as_of = cn_date(briefing["as_of"])
    if overdue["items"]:
        lead = (
            f"截至{as_of}，超期未办结信访事项{overdue['matters']}件"
            f"（超期期限{len(overdue['items'])}项），按超期天数排列如下："
        )
        overdue_lines = [lead] + [
            f"{i}. {overdue_line(item)}" for i, item in enumerate(overdue["items"], start=1)
        ]
    else:
        overdue_lines = [f"截至{as_of}，无超期未办结信访事项。"]
    units = briefing["units"]
    if units:
        unit_lines = [f"{u['place']}. {u['name']}：{u['reason']}。" for u in units]
    else:
        unit_lines = ["本期无需重点督办的单位。"]
    if briefing["limited"]:
        overdue_lines.append("（本简报统计数和所列事项均不含检举控告类信访事项。）")
    return [
        ("一、总体情况", [briefing["overview"]["text"]]),
        ("二、新出现的热点", [*briefing["hotspots"]["text"], briefing["hotspots"]["scanned"]]),
        ("三、超期未办结事项", overdue_lines),
        ("四、需要督办的单位", unit_lines),
        ("五、下步工作", [briefing["next_steps"]]),
    ]


def render_briefing_text(briefing: dict[str, Any]) -> str:
    lines = [
        briefing["title"],
        issue_text(briefing),
        f"{briefing['issuer']}编印　　{cn_date(briefing['date'])}",
        "",
        briefing["headline"],
        "",
    ]
    for heading, paragraphs in sections(briefing):
        lines += [heading, *paragraphs, ""]
    return "\n".join(lines)


# --- Word ----------------------------------------------------------------------------------------

RED = "C00000"  # the 红头 of a 简报: its name and the rule under the masthead


def _rule_below(paragraph: Any) -> None:
    """A red line under the masthead, as a paragraph border (what Word itself draws)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", RED)):
        bottom.set(qn(name), value)
    borders.append(bottom)
    ppr.append(borders)


def briefing_docx(briefing: dict[str, Any]) -> bytes:
    """The briefing as an A4 Word draft: red masthead, 小标宋 headline, 仿宋 body, overdue table."""
    from io import BytesIO

    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Mm, Pt, RGBColor

    from xinfang.documents.word import TITLE_FONT, TITLE_SIZE, font, official_page, para

    doc = official_page()
    doc.core_properties.title = f"{briefing['title']}{issue_text(briefing)}"
    doc.core_properties.author = briefing["issuer"]

    masthead = para(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    masthead.paragraph_format.line_spacing = Pt(60)
    font(masthead, briefing["title"], name=TITLE_FONT, size=Pt(40))
    masthead.runs[-1].font.color.rgb = RGBColor.from_string(RED)
    font(para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), issue_text(briefing))
    line = para(doc)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
    font(line, f"{briefing['issuer']}编印\t{cn_date(briefing['date'])}")
    _rule_below(line)
    para(doc)
    font(para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), briefing["headline"], name=TITLE_FONT,
         size=TITLE_SIZE)  # fmt: skip
    para(doc)
    for heading, paragraphs in sections(briefing):
        font(para(doc, indent=True), heading, name="黑体")
        if heading.startswith("三、") and briefing["overdue"]["items"]:
            font(para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True), paragraphs[0])
            _overdue_table(doc, briefing["overdue"]["items"])
            paragraphs = paragraphs[1 + len(briefing["overdue"]["items"]) :]
        for text in paragraphs:
            font(para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True), text)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


OVERDUE_COLUMNS = [  # (heading, width in mm): 156 mm, the 版心 of GB/T 9704
    ("序号", 7),
    ("事项编号", 27),
    ("内容分类", 15),
    ("问题属地", 15),
    ("承办单位", 22),
    ("超期期限", 15),
    ("期限日", 19),
    ("超期天数", 12),
    ("督办", 24),
]


def _overdue_table(doc: Any, items: list[dict[str, Any]]) -> None:
    from docx.shared import Mm, Pt

    grid = doc.add_table(rows=1, cols=len(OVERDUE_COLUMNS))
    grid.style = "Table Grid"
    grid.autofit = False
    rows = [
        [
            str(n),
            i["number"],
            i["category"],
            i["locality"],
            i["unit"],
            i["clock_label"],
            i["deadline"],
            str(i["days_over"]),
            i["supervised"] or "未督办",
        ]
        for n, i in enumerate(items, start=1)
    ]
    header = [head for head, _ in OVERDUE_COLUMNS]
    for column, (_, width) in zip(grid.columns, OVERDUE_COLUMNS, strict=True):
        column.width = Mm(width)  # the table grid, which LibreOffice reads; cells for Word
    for number, values in enumerate([header, *rows]):
        cells = grid.rows[0].cells if number == 0 else grid.add_row().cells
        for cell, value, (_, width) in zip(cells, values, OVERDUE_COLUMNS, strict=True):
            cell.width = Mm(width)
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(9)  # 小五: nine columns on the 版心
            run.font.bold = number == 0

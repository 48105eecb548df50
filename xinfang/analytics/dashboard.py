"""The statistics dashboard: one node's report as tables, chart data and links to its matters.

Every figure comes from `build_report` (contract C); nothing is counted here. A figure's link
opens the matter list with the filters that reproduce it: 件数 and 初次件数 count matters, so
their list holds exactly that many; 批次 and 人次 count registrations, so theirs holds the
matters those registrations belong to (one matter may have several batches).
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.analytics.counting.hotspots import node_hotspots
from xinfang.analytics.counting.report import build_report, monthly_totals
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import (
    COMPARISON_LABELS,
    Comparison,
    Period,
    _last_of_month,
    parse_day,
)
from xinfang.analytics.tables import LABELS, LAW_TITLES, letter_rows
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.formtext import SafeForm
from xinfang.core.permissions import Action, may, sees_accusations
from xinfang.core.pickers import UnitPicker
from xinfang.intake.choices import Channel, Level
from xinfang.intake.forms import day_field, units_for
from xinfang.intake.models import Category
from xinfang.intake.selectors import LETTER_KIND_ORDINARY
from xinfang.leaders.choices import LeaderTier
from xinfang.organisation.models import OrgUnit
from xinfang.organisation.selectors import subtree

# Who reads the statistics: the bureau's roles, who already see every matter counted in their
# area. Handling units do not: the figures count accusation material, and a unit may be the
# accused. (To become Action.VIEW_STATISTICS in core.permissions.)
PICKER_DEPTH = 2  # the node picker lists the user's unit and two levels below it
TOP_CATEGORIES = 10
TOP_UNITS = 15
CN_NUMBERS = "一二三四"
SPANS: list[tuple[str, str]] = [
    ("ytd", "1月至今"),
    *[(f"m{m}", f"{m}月") for m in range(1, 13)],
    *[(f"q{q}", f"第{CN_NUMBERS[q - 1]}季度") for q in range(1, 5)],
    ("h1", "上半年"),
    ("h2", "下半年"),
    *[(f"to{m}", f"1—{m}月") for m in range(2, 12)],
    ("y", "全年"),
    ("custom", "自定义期间"),
]
MATTER_LIST = "intake:matter_list"
LEADER_TIERS = dict(LeaderTier.choices)


def may_view_statistics(user: User) -> bool:
    return may(user, Action.VIEW_STATISTICS) and user.org_unit is not None


def picker_nodes(user: User) -> QuerySet[OrgUnit]:
    """The nodes the user may pick: their unit's subtree, two levels deep, in tree order."""
    if user.org_unit is None:
        return OrgUnit.objects.none()
    top = user.org_unit
    return subtree(top).filter(depth__lte=top.depth + PICKER_DEPTH).order_by("path")


def figure_list_query(request: Any, user: User) -> tuple[Scope, Period]:
    """The node and period of a list behind a dashboard figure (`org`, `start`, `end`): a node
    of the user's picker (their own unit when `org` is absent), a period of two typed days."""
    code = request.GET.get("org", "") or (user.org_unit.code if user.org_unit else "")
    node = next((u for u in picker_nodes(user) if u.code == code), None)
    if node is None:
        raise PermissionRefusedError("所选单位不在您可查看的范围内")
    period = Period(
        parse_day(request.GET.get("start", ""), field="start"),
        parse_day(request.GET.get("end", ""), field="end"),
    )
    return Scope.of(node, hide_accusations=not sees_accusations(user)), period


class DashboardForm(SafeForm):
    org = forms.ChoiceField(label="单位", required=False, widget=UnitPicker)
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "年度应为四位数字，例如2025",
            "min_value": "年度不能早于2000年",
            "max_value": "年度不能晚于2100年",
        },
    )
    span = forms.ChoiceField(
        label="期间",
        choices=SPANS,
        required=False,
        error_messages={"invalid_choice": "期间无效，请从列表中选择"},
    )
    start = day_field("自", "开始日期无效，请按“年-月-日”填写")
    end = day_field("至", "结束日期无效，请按“年-月-日”填写")
    compare = forms.ChoiceField(
        label="比较",
        choices=list(COMPARISON_LABELS.items()),
        required=False,
        error_messages={"invalid_choice": "比较方式只能是同比或环比"},
    )

    def __init__(self, *args: Any, user: User, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.today = user, today
        self.nodes = list(picker_nodes(user))
        base = user.org_unit.depth if user.org_unit else 0
        org = self.fields["org"]
        assert isinstance(org, forms.ChoiceField)
        org.choices = [(u.code, "\u3000" * (u.depth - base) + u.name) for u in self.nodes]
        org.error_messages["invalid_choice"] = "所选单位不在您可查看的范围内"
        self.initial.update(
            {
                "org": user.org_unit.code if user.org_unit else "",
                "year": today.year,
                "span": "ytd",
                "compare": "yoy",
            }
        )

    def query(self) -> "Query":
        """The node, the period and the comparison asked for; InputError when they are wrong."""
        if self.is_bound and not self.is_valid():
            first = next(iter(self.errors.values()))[0]
            raise InputError(str(first))
        data = self.cleaned_data if self.is_bound else {}
        code = data.get("org") or self.initial["org"]
        node = next((u for u in self.nodes if u.code == code), None)
        if node is None:
            raise PermissionRefusedError("所选单位不在您可查看的范围内")
        span = data.get("span") or "ytd"
        year = data.get("year") or self.today.year
        period = self._period(span, year, data.get("start"), data.get("end"))
        compare: Comparison = "pop" if data.get("compare") == "pop" else "yoy"
        return Query(node=node, period=period, comparison=compare, span=span)

    def _period(self, span: str, year: int, start: date | None, end: date | None) -> Period:
        if span == "custom":
            if start is None or end is None:
                raise InputError("自定义期间须填写开始和结束日期")
            if (end - start).days > 3660:
                raise InputError("自定义期间不能超过十年")
            return Period(start, end)
        if span == "ytd":
            today = self.today
            last = date(year, today.month, min(today.day, _last_of_month(year, today.month).day))
            return Period(date(year, 1, 1), last)
        if span.startswith("to"):  # 1—N月
            return Period(date(year, 1, 1), _last_of_month(year, int(span[2:])))
        kind, n = span[0], int(span[1:] or 0)
        if kind == "m":
            return Period(date(year, n, 1), _last_of_month(year, n))
        if kind == "q":
            return Period(date(year, 3 * n - 2, 1), _last_of_month(year, 3 * n))
        if kind == "h":
            return Period(date(year, 6 * n - 5, 1), _last_of_month(year, 6 * n))
        return Period(date(year, 1, 1), date(year, 12, 31))


@dataclass(frozen=True)
class Query:
    node: OrgUnit
    period: Period
    comparison: Comparison
    span: str = "ytd"


# --- links to the matter list --------------------------------------------------------------


class Drill:
    """Matter-list addresses reproducing a figure of the report for one node and period."""

    def __init__(self, user: User, node: OrgUnit) -> None:
        self.node = node
        self.base = reverse(MATTER_LIST)
        self.units = set(units_for(user).values_list("pk", flat=True))

    def _href(self, params: list[tuple[str, Any]]) -> str:
        return f"{self.base}?{urlencode([(k, str(v)) for k, v in params])}"

    def _place(self) -> list[tuple[str, Any]]:
        # A root node reads its whole tree, an empty 问题属地 included: no locality filter.
        return [] if self.node.parent_id is None else [("locality", self.node.pk)]

    def matters(self, period: Period) -> str:
        """件数: matters of the node with a registration in the period."""
        p = [("registered_from", period.start), ("registered_to", period.end)]
        return self._href(p + self._place())

    def first_matters(self, period: Period) -> str:
        """初次件数: matters of the node first registered in the period."""
        p = [("received_from", period.start), ("received_to", period.end)]
        return self._href(p + self._place())

    def batches(self, period: Period, **keys: Any) -> str | None:
        """The matters of the registrations a batches figure counts; None: not in the list."""
        p: list[tuple[str, Any]] = [
            ("basis", "registration"),
            ("registered_from", period.start),
            ("registered_to", period.end),
        ]
        place = self._place()
        for name, value in keys.items():
            if name in ("channel", "level", "form"):
                p.append((name, value))
            elif name == "purpose":
                p.append(("purpose", value) if value else ("empty", "purpose"))
            elif name == "letter_kind":  # B2 `letters`: "" is 普通来信
                p.append(("letter_kind", value or LETTER_KIND_ORDINARY))
            elif name == "first":
                p.append(("first", value))
            elif name == "category":
                p += (
                    [("category", value), ("only", "category")]
                    if value
                    else [("empty", "category")]
                )
            elif name == "locality":
                unit: OrgUnit = value
                if unit.pk not in self.units:
                    return None
                place = [("locality", unit.pk)]
                if unit.pk == self.node.pk:  # the node's own row: what is registered at it
                    place.append(("only", "locality"))
            elif name == "unit":
                if value is None:
                    p.append(("empty", "responsible_unit"))
                elif value in self.units:
                    p += [("responsible_unit", value), ("only", "responsible_unit")]
                else:
                    return None
        return self._href(p + place)


# --- the page's tables -----------------------------------------------------------------------


@dataclass
class Cell:
    value: str | int | float | None
    href: str | None = None
    label: str = ""  # what a screen reader says for a link


@dataclass
class DashTable:
    name: str
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


@dataclass
class Dashboard:
    query: Query
    report: dict[str, Any]
    tables: dict[str, DashTable]
    cards: list[dict[str, Any]]
    charts: dict[str, Any]
    limited: bool  # the user's list leaves out matters the figures count (accusations, unplaced)
    leader_cards: list[dict[str, Any]] = field(default_factory=list)  # B2 领导接访和包案
    # B2 听证, 交办积案, 联席会议, 矛盾纠纷 (analytics.preventiontables), also in `tables`
    prevention: list[DashTable] = field(default_factory=list)
    # 热点 (counting.hotspots): one problem, many petitioners, in the window ending with the period
    hotspots: list[dict[str, Any]] = field(default_factory=list)

    @property
    def word(self) -> str:
        return COMPARISON_LABELS[self.query.comparison]

    @property
    def previous_period(self) -> Period:
        prev = self.report["previous_period"]
        return Period(date.fromisoformat(prev["start"]), date.fromisoformat(prev["end"]))


def total_links(drill: Drill, period: Period) -> list[tuple[str, str, str | None]]:
    """The four totals (key, title, the list behind it): the dashboard's and the home page's."""
    return [
        ("batches", "批次", drill.batches(period)),
        ("people", "人次", drill.batches(period)),
        ("matters", "件数", drill.matters(period)),
        ("first_matters", "初次件数", drill.first_matters(period)),
    ]


def month_to_date(*, user: User, today: date) -> tuple[Period, list[dict[str, Any]]] | None:
    """The home page's figures: the user's unit, this month to today, its four totals with their
    links; None for a user who does not see the statistics."""
    if not may_view_statistics(user) or user.org_unit is None:
        return None
    hide = not sees_accusations(user)
    months = monthly_totals(
        user.org_unit, today.year, today.month, hide_accusations=hide, today=today
    )
    period, totals = months[-1]  # this month, counted to today
    drill = Drill(user, user.org_unit)
    cards = [
        {"key": key, "title": title, "value": totals[key], "href": href}
        for key, title, href in total_links(drill, period)
    ]
    return period, cards


def _link(value: int, href: str | None, what: str) -> Cell:
    if not href or not value:
        return Cell(value)
    return Cell(value, href, f"{value}{what}，查看所涉事项")


def _rank(row: dict[str, Any], figure: str, key: str = "rank") -> str | None:
    rank = row.get(key)
    return f"{rank[figure][0]}/{rank[figure][1]}" if rank else None


def monthly_trend(
    node: OrgUnit,
    year: int,
    last_month: int,
    *,
    hide_accusations: bool = False,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Months 1..last_month of `year`, each with the same month a year earlier (同比); the
    month holding `today` to today, against the same days a year earlier (截止目前).

    Each month's figures are its report's `totals`, from the counting module's totals-only path
    (`monthly_totals`: two grouped queries for all the months, the same numbers as a report per
    month; a whole build_report per month would count breakdowns, clocks and rates the trend
    does not show, and scan the rows twice a month).
    """
    with transaction.atomic():  # one snapshot for the twelve months
        found = monthly_totals(
            node, year, last_month, hide_accusations=hide_accusations, today=today
        )
    return [
        {"month": period.start.month, "period": period, "totals": totals}
        for period, totals in found
    ]


def build_dashboard(*, user: User, query: Query, today: date) -> Dashboard:
    node, period = query.node, query.period
    # 领导 and 督查 may not see 检举控告: their figures leave accusations out altogether
    limited = not sees_accusations(user)
    report = build_report(
        org=node, period=period, comparison=query.comparison, hide_accusations=limited, today=today
    )
    # a period reaching today is counted to today (截止目前): links and titles say so too
    period = Period(*(date.fromisoformat(report["period"][k]) for k in ("start", "end")))
    query = replace(query, period=period)
    drill = Drill(user, node)
    word = "同期" if query.comparison == "yoy" else "上期"
    totals = report["totals"]
    cards = [
        {
            "key": key,
            "title": title,
            "value": totals[key],
            "previous": totals["previous"][key],
            "change": totals["change"][key],
            "rank": _rank(totals, key) if key in ("batches", "people") else None,
            "place": totals["rank"][key] if "rank" in totals and key in totals["rank"] else None,
            "href": href,
        }
        for key, title, href in total_links(drill, period)
    ]
    tables: dict[str, DashTable] = {}
    t = DashTable("totals", "总体情况", ["指标", "本期", word, "增减", "同级排名"])
    for card in cards:
        what = {"batches": "批", "people": "人次"}.get(card["key"], "件")
        t.rows.append(
            [
                Cell(card["title"]),
                _link(card["value"], card["href"], what),
                Cell(card["previous"]),
                Cell(card["change"]),
                Cell(card["rank"]),
            ]
        )
    tables["totals"] = t

    year = period.end.year
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    months = monthly_trend(node, year, last, hide_accusations=limited, today=today)
    t = DashTable(
        "trend",
        f"{year}年逐月趋势（与{year - 1}年同月比较）",
        ["月份", "批次", "人次", f"{year - 1}年同月批次", f"{year - 1}年同月人次", "批次增减"],
    )
    for m in months:
        tot, end = m["totals"], m["period"].end
        whole = end == _last_of_month(end.year, end.month)
        t.rows.append(
            [  # the month to date (截止目前) says its days: it is compared with the same ones
                Cell(f"{m['month']}月" if whole else f"{m['month']}月1—{end.day}日"),
                _link(tot["batches"], drill.batches(m["period"]), "批"),
                Cell(tot["people"]),
                Cell(tot["previous"]["batches"]),
                Cell(tot["previous"]["people"]),
                Cell(tot["change"]["batches"]),
            ]
        )
    tables["trend"] = t

    breakdowns = report["breakdowns"]
    channel_level = {(r["channel"], r["level"]): r for r in breakdowns["channel,level"]}
    header = ["渠道"]
    for _, level_label in Level.choices:
        header += [f"{level_label}批次", f"{level_label}人次"]
    t = DashTable("channel_level", "渠道和层级", [*header, "合计批次", "合计人次"])
    for row in breakdowns["channel"]:
        channel = row["channel"]
        cells = [Cell(LABELS["channel"][channel])]
        for level in Level.values:
            r = channel_level[(channel, level)]
            href = drill.batches(period, channel=channel, level=level)
            cells += [_link(r["batches"], href, "批"), Cell(r["people"])]
        href = drill.batches(period, channel=channel)
        cells += [_link(row["batches"], href, "批"), Cell(row["people"])]
        t.rows.append(cells)
    tables["channel_level"] = t

    category_ids = dict(Category.objects.values_list("path", "pk"))
    tables["category"] = _breakdown_table(
        DashTable("category", "内容分类", ["内容分类"]),
        breakdowns["category"],
        word,
        label=lambda r: r["category"] or "未分类",
        href=lambda r: drill.batches(
            period, category=category_ids.get(r["category"]) if r["category"] else None
        ),
        ranks={"batches": "同级排名"},
    )
    units = {u.code: u for u in OrgUnit.objects.filter(path__startswith=node.path)}
    tables["locality"] = _breakdown_table(
        DashTable(
            "locality",
            "问题属地",
            ["问题属地"],
            note="本单位一行只含直接登记在本单位的；各下级单位含其下属。",
        ),
        sorted(breakdowns["locality"], key=lambda r: -r["batches"]),
        word,
        label=lambda r: f"{r['name']}（本级）" if r["locality"] == node.code else r["name"],
        href=lambda r: (
            drill.batches(period, locality=units[r["locality"]]) if r["locality"] in units else None
        ),
        ranks={"batches": "批次排名", "people": "人次排名"},
        rank_key="place",
    )
    unit_ids = dict(OrgUnit.objects.values_list("code", "pk"))
    tables["unit"] = _breakdown_table(
        DashTable(
            "unit",
            "责任单位排名",
            ["责任单位"],
            note="按事项的责任单位统计本单位及下属问题属地的登记。",
        ),
        breakdowns["unit"],
        word,
        label=lambda r: r["name"],
        href=lambda r: drill.batches(period, unit=unit_ids.get(r["unit"]) if r["unit"] else None),
        ranks={"batches": "批次排名", "people": "人次排名"},
        rank_key="place",
    )
    tables["purpose"] = _breakdown_table(
        DashTable("purpose", "信访目的", ["信访目的"]),
        breakdowns["purpose"],
        word,
        label=lambda r: LABELS["purpose"].get(r["purpose"] or "", "未填"),
        href=lambda r: drill.batches(period, purpose=r["purpose"]),
        ranks={},
    )

    from xinfang.analytics.ratelists import rates_table, reviews_table  # they build on this

    t = rates_table(report, query, drill)
    tables["rates"] = t
    tables["reviews"] = reviews_table(report, query)

    law = report["rule_of_law"]
    t = DashTable("rule_of_law", "法治化考核得分", ["项目", "分子", "分母", "权重", "得分"])
    for key, title in LAW_TITLES.items():
        part = law[key]
        t.rows.append(
            [
                Cell(title),
                Cell(part["num"]),
                Cell(part["den"]),
                Cell(part["weight"]),
                Cell(part["score"] + ("（分母为0）" if part.get("zero_denominator") else "")),
            ]
        )
    t.rows.append([Cell("合计"), Cell(None), Cell(None), Cell(None), Cell(law["total"])])
    if law.get("rank"):  # among the node's siblings by total score (contract C's rank)
        rank = f"{law['rank'][0]}/{law['rank'][1]}"
        t.rows.append([Cell("排名"), Cell(None), Cell(None), Cell(None), Cell(rank)])
    tables["rule_of_law"] = t

    tables["locality_level"] = _breakdown_table(
        DashTable(
            "locality_level",
            "下级单位分渠道和层级",
            ["问题属地", "渠道", "层级"],
            note="各下级单位含其下属；直接登记在本单位的不列入。",
        ),
        breakdowns["locality,channel,level"],
        word,
        label=lambda r: r["name"],
        href=lambda r: (
            drill.batches(
                period, channel=r["channel"], level=r["level"], locality=units[r["locality"]]
            )
            if r["locality"] in units
            else None
        ),
        ranks={},
        extra=lambda r: [LABELS["channel"][r["channel"]], LABELS["level"][r["level"]]],
    )
    tables["letters"] = _letters_table(report["letters"], word, drill, period)

    charts = _charts(report, months, year)
    from xinfang.analytics.preventiontables import dashboard_tables

    prevention = dashboard_tables(report, user, query)
    tables |= {t.name: t for t in prevention}  # each exportable like the others
    spots = node_hotspots(reader=user, node=node)  # the daily scan's (counting.hotspots)
    return Dashboard(
        query,
        report,
        tables,
        cards,
        charts,
        limited,
        leader_cards(report, query),
        prevention,
        [h.as_dict() for h in spots],
    )


def leader_cards(report: dict[str, Any], query: Query) -> list[dict[str, Any]]:
    """B2 领导接访和包案: one card per figure, each opening the rows it counts (leaders'
    figure lists, xinfang.leaders.views_lists)."""
    if "receptions" not in report:
        return []
    r, pk = report["receptions"], report["packages"]
    rp, pp = r["previous"], pk["previous"]
    base = [
        ("org", query.node.code),
        ("start", query.period.start.isoformat()),
        ("end", query.period.end.isoformat()),
    ]

    def href(name: str, **extra: str) -> str:
        return f"{reverse(f'leader_figures:{name}')}?{urlencode(base + list(extra.items()))}"

    def ratio(x: dict[str, Any]) -> str:
        return f"{x['pct']}%" if x["den"] else "无"

    routed, resolution = r["routed_in_time"], pk["resolution"]
    tiers = "，".join(f"{LEADER_TIERS[t]}{n}" for t, n in r["participations_by_tier"].items())
    return [
        {"key": "sessions", "title": "领导接访活动（次）", "value": r["sessions"],
         "previous": rp["sessions"], "change": r["change"]["sessions"], "href": href("sessions")},
        {"key": "participations", "title": "领导参与接访（人次）", "value": r["participations"],
         "previous": rp["participations"], "change": r["change"]["participations"],
         "href": href("sessions"),
         "note": tiers},
        {"key": "received_batches", "title": "接待群众来访（批次）",
         "value": r["received"]["batches"], "previous": rp["received"]["batches"],
         "change": r["change"]["batches"], "href": href("receptions"),
         "note": f"{r['received']['people']}人次"},
        {"key": "with_principal", "title": "党政主要领导接待（批次）",
         "value": r["with_principal"]["batches"], "previous": rp["with_principal"]["batches"],
         "change": None, "href": href("receptions", principal="1"),
         "note": f"{r['with_principal']['people']}人次"},
        {"key": "routed", "title": "2个工作日内交办（批次）", "value": routed["num"],
         "previous": rp["routed_in_time"]["num"], "change": None,
         "href": href("receptions", routing="met"),
         "note": f"到期应交办{routed['den']}批，按时交办率{ratio(routed)}",
         "den_href": href("receptions", routing="due")},
        {"key": "packages_begun", "title": "领导包案（件）", "value": pk["begun"],
         "previous": pp["begun"], "change": pk["change"]["begun"], "href": href("packages")},
        {"key": "packages_resolved", "title": "包案已化解（件）", "value": pk["resolved"],
         "previous": pp["resolved"], "change": None,
         "href": href("packages", figure="resolved"), "note": f"化解率{ratio(resolution)}"},
        {"key": "packages_open", "title": "一包到底未化解（件）", "value": pk["open_at_end"],
         "previous": pp["open_at_end"], "change": pk["change"]["open_at_end"],
         "href": href("packages", figure="open_at_end"), "note": "期末在办"},
        {"key": "reflows", "title": "化解后回流（件）", "value": pk["reflows"],
         "previous": pp["reflows"], "change": pk["change"]["reflows"],
         "href": href("packages", figure="reflows")},
    ]  # fmt: skip


def _breakdown_table(
    table: DashTable,
    rows: list[dict[str, Any]],
    word: str,
    *,
    label: Callable[[dict[str, Any]], str],
    href: Callable[[dict[str, Any]], str | None],
    ranks: dict[str, str],
    rank_key: str = "rank",
    extra: Callable[[dict[str, Any]], list[str]] = lambda r: [],
) -> DashTable:
    """A breakdown of the report: label, batches (linked), people, previous, change, ranks.

    `rank_key`: "rank" (the node among its siblings) or "place" (the row among the rows: the
    children of a kind, the handling units)."""
    table.header += ["批次", "人次", f"{word}批次", "批次增减", *ranks.values()]
    for row in rows:
        table.rows.append(
            [
                Cell(label(row)),
                *[Cell(value) for value in extra(row)],
                _link(row["batches"], href(row), "批"),
                Cell(row["people"]),
                Cell(row["previous"]["batches"]),
                Cell(row["change"]["batches"]),
                *[Cell(_rank(row, figure, rank_key)) for figure in ranks],
            ]
        )
    return table


def _letters_table(letters: dict[str, Any], word: str, drill: Drill, period: Period) -> DashTable:
    """B2 `letters`: all letters, each 来信类型, 初信, 重信 and 初信 by purpose, each opening the
    matters of the letters it counts."""
    t = DashTable("letters", "来信类型", ["类型", "批次", "人次", f"{word}批次", "批次增减"])
    for title, row, keys in letter_rows(letters):
        href = drill.batches(period, channel="letter", **keys)
        t.rows.append(
            [
                Cell(title),
                _link(row["batches"], href, "件"),
                Cell(row["people"]),
                Cell(row["previous"]["batches"]),
                Cell(row["change"]["batches"]),
            ]
        )
    return t


def _charts(report: dict[str, Any], months: list[dict[str, Any]], year: int) -> dict[str, Any]:
    """What the charts draw, each a view of a table above (the tables are the accessible form)."""
    b = report["breakdowns"]
    channel_level = {(r["channel"], r["level"]): r["batches"] for r in b["channel,level"]}
    top = b["category"][:TOP_CATEGORIES]
    localities = sorted(b["locality"], key=lambda r: -r["batches"])
    totals = report["totals"]
    return {
        "totals": {k: totals[k] for k in ("batches", "people", "matters", "first_matters")},
        "rule_of_law": report["rule_of_law"]["total"],
        "trend": {
            "months": [f"{m}月" for m in range(1, 13)],
            "current": [m["totals"]["batches"] for m in months],
            "previous": [m["totals"]["previous"]["batches"] for m in months],
            "year": year,
        },
        "channel_level": {
            "channels": [label for _, label in Channel.choices],
            "levels": [label for _, label in Level.choices],
            "series": [[channel_level[(c, lv)] for c in Channel.values] for lv in Level.values],
        },
        "category": {
            "labels": [r["category"] or "未分类" for r in top],
            "batches": [r["batches"] for r in top],
        },
        "locality": {
            "labels": [r["name"] for r in localities],
            "batches": [r["batches"] for r in localities],
        },
        "unit": {
            "labels": [r["name"] for r in b["unit"][:TOP_UNITS]],
            "batches": [r["batches"] for r in b["unit"][:TOP_UNITS]],
        },
        "purpose": {
            "labels": [LABELS["purpose"].get(r["purpose"] or "", "未填") for r in b["purpose"]],
            "batches": [r["batches"] for r in b["purpose"]],
        },
    }


def period_text(period: Period, *, to_date: bool = False) -> str:
    from xinfang.analytics.text import period_label

    return period_label(period.start, period.end) + ("（截止目前）" if to_date else "")


def table_workbook(dash: Dashboard, name: str) -> bytes:
    """One table of the page as an .xlsx workbook, laid out like the report's (workbook.py)."""
    from types import SimpleNamespace

    from xinfang.analytics.workbook import write_tables

    table = dash.tables[name]
    values = [[cell.value for cell in row] for row in table.rows]
    sheet = SimpleNamespace(title=table.title, header=table.header, rows=values, note=table.note)
    out = BytesIO()
    write_tables(out, f"{dash.query.node.name} {period_text(dash.query.period)}", [sheet])
    return out.getvalue()

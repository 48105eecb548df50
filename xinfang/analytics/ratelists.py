"""The lists behind B2's rates, reviews and 督办 by kind on the dashboard: each figure opens the
matters it counts (counting.rates.RateCounts.figure_matters, the conditions of the count itself),
for a node the reader may pick and a period (`org`, `start`, `end`) and the figure: `rate` (a key
of counting.rates.RATE_LISTS, `review`, `rereview` or `supervision`), `figure` (num/den;
a figure of a review stage's `reviews`) and, for 督办, `kind`. Readers are the dashboard's.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from xinfang.analytics.counting.rates import RATE_LISTS, REVIEW_STAGES, RateCounts
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import Period
from xinfang.analytics.preventionlists import _choice, _page  # the figure lists' one page rule
from xinfang.analytics.ratestext import empty_rate
from xinfang.analytics.tables import RATE_TITLES
from xinfang.core.errors import InputError
from xinfang.intake.choices import Channel
from xinfang.workflow.supervision_rules import SupervisionKind

RATE_NAMES = {
    "completion": ("到期应办结的事项", "已办结的事项"),
    "settled": ("答复满期的事项", "答复后未再信访的事项"),
    "first_time_resolution": ("到期应办结的初信初访事项", "一次性化解的初信初访事项"),
    "legal_channel_share": ("期内初次信访事项", "依法分类处理的初次信访事项"),
    "repeat": ("", "期内重复信访的事项"),
    "supervision": ("期内督办的事项", "期内督办且已化解的事项"),
}
REVIEW_NAMES = {"review": "复查", "rereview": "复核"}
REVIEW_FIGURES = {
    "received": "期内申请{}的事项",
    "accepted": "期内申请{}并受理的事项",
    "declined": "期内申请{}不予受理的事项",
    "withdrawn": "期内撤回{}申请的事项",
    "decided": "期内作出{}意见的事项",
}


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    """The matters of one B2 figure."""

    def build(request: HttpRequest, scope: Scope, period: Period) -> dict[str, Any]:
        keys = [*RATE_LISTS, *REVIEW_STAGES, "supervision"]
        key = _choice(request, "rate", keys, "指标")
        if not key:
            raise InputError("请选择指标", field="rate")
        kind = ""
        if key in REVIEW_STAGES:
            figure = _choice(request, "figure", list(REVIEW_FIGURES), "指标项") or "received"
            title = REVIEW_FIGURES[figure].format(REVIEW_NAMES[key])
        else:
            allowed = ["num"] if key == "repeat" else ["num", "den"]
            figure = _choice(request, "figure", allowed, "指标项") or "num"
            title = RATE_NAMES[key][figure == "num"]
        if key == "supervision":
            kind = _choice(request, "kind", list(SupervisionKind.values), "督办类型")
            if not kind:
                raise InputError("请选择督办类型", field="kind")
            title = f"{SupervisionKind(kind).label}：{title}"
        counting = RateCounts(scope.node, period, scope=scope, leader_work=False)
        rows = sorted(counting.figure_matters(key, figure, kind), key=lambda m: m.number)
        return {"what": "matters", "title": title, "rows": rows}

    return _page(request, build)


def figure_href(query: Any, **params: str) -> str:
    """The list of one figure for the dashboard's node and period."""
    base = [
        ("org", query.node.code),
        ("start", query.period.start.isoformat()),
        ("end", query.period.end.isoformat()),
    ]
    return f"{reverse('analytics:rate_matters')}?{urlencode([*base, *params.items()])}"


def rates_table(report: dict[str, Any], query: Any, drill: Any) -> Any:
    """The dashboard's 各项比率: B2's figures each a link to their matters (the lists above; 网上
    and all registrations the matter list's own), 督办 by level and by kind; a rate with nothing
    to divide says so (无到期事项) instead of a percentage."""
    from xinfang.analytics.dashboard import Cell, DashTable  # the dashboard builds on this module

    def href(rate: str, figure: str, **extra: str) -> str:
        return figure_href(query, rate=rate, figure=figure, **extra)

    def cell(value: int, link: str | None) -> Any:
        return Cell(value, link, f"{value}件，查看所涉事项") if link and value else Cell(value)

    period = query.period
    t = DashTable("rates", "各项比率", ["指标", "分子", "分母", "百分比(%)"])
    kinds = {label: code for code, label in SupervisionKind.choices}
    for key, title in RATE_TITLES.items():
        rate = report["rates"].get(key)
        if rate is None:
            continue
        num_href = href(key, "num") if key in RATE_LISTS else None
        den_href = href(key, "den") if key in RATE_LISTS and key != "repeat" else None
        if key in ("repeat", "online_share"):
            den_href = drill.batches(period)
        if key == "online_share":
            num_href = drill.batches(period, channel=Channel.ONLINE)
        t.rows.append(
            [
                Cell(title),
                cell(rate["num"], num_href),
                cell(rate["den"], den_href),
                Cell(rate["pct"] or empty_rate(key)),
            ]
        )
        for split in ("by_level", "by_kind"):
            for name, sub in rate.get(split, {}).items():
                links: list[str | None] = [None, None]
                if split == "by_kind":
                    links = [href("supervision", f, kind=kinds[name]) for f in ("num", "den")]
                t.rows.append(
                    [
                        Cell(f"{title}（{name}）"),
                        cell(sub["num"], links[0]),
                        cell(sub["den"], links[1]),
                        Cell(sub["pct"]),
                    ]
                )
    return t


def reviews_table(report: dict[str, Any], query: Any) -> Any:
    """The dashboard's 复查复核: requests received and decided, each a link to its matters."""
    from xinfang.analytics.dashboard import Cell, DashTable

    header = ["阶段", "收到申请", "受理", "不予受理", "撤回", "作出意见"]
    t = DashTable(
        "reviews", "复查复核", header, note="收到申请＝受理＋不予受理；撤回的申请此前已受理。"
    )
    for key, word in REVIEW_NAMES.items():
        s = report["reviews"][key]
        row = [Cell(word)]
        for f in ("received", "accepted", "declined", "withdrawn", "decided"):
            value = s[f]
            link = REVIEW_LINK.get(f)
            if value and link:
                url = figure_href(query, rate=key, figure=link)
                row.append(Cell(value, url, f"{value}件，查看所涉事项"))
            else:
                row.append(Cell("未记录" if value is None else value))
        t.rows.append(row)
    return t


REVIEW_LINK = {
    "received": "received",
    "accepted": "accepted",
    "declined": "declined",
    "withdrawn": "withdrawn",
    "decided": "decided",
}

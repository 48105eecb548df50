"""The statistics dashboard: its figures are the report's, its links open the matters behind them,
its tables export to Excel, and only the bureau's roles see it, each within their own area."""

import json
import re
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests.analytics_support import Ledger, report
from tests.conftest import District
from tests.views_support import client_for
from xinfang.analytics.counting import build_report
from xinfang.analytics.dashboard import Dashboard, DashboardForm, build_dashboard
from xinfang.analytics.periods import Period, _last_of_month
from xinfang.analytics.ratestext import empty_rate
from xinfang.intake.models import Category, Registration
from xinfang.organisation.models import OrgUnit

PAGE = "/analytics/"
EXPORT = "/analytics/export.xlsx"
H1 = {"org": "320101", "span": "h1", "year": "2026", "compare": "yoy"}
HOUSING, DISCIPLINE = "32010190", "32010191"
COUNT = re.compile(r"共 (\d+) 件")


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> Ledger:
    """Two half-years of registrations across the district, with repeats, accusations and units."""
    book = Ledger(tmp_path)
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("2026-01-05", "32010101", {"层级": "赴省", "人数": 6, "内容分类": "征地拆迁"}),
        ("2026-01-20", "3201010101", {"渠道": "来信", "内容分类": "物业管理"}),
        ("2026-02-03", "32010102", {"渠道": "网上", "层级": "到市", "内容分类": "拖欠工资"}),
        ("2026-02-14", "320101", {"内容分类": "城乡建设", "信访目的": "建议意见"}),
        ("2026-03-01", "32010102", {"层级": "进京", "责任单位": "32010190"}),
        (
            "2026-03-09",
            "32010101",
            {"渠道": "来电", "信访目的": "检举控告", "责任单位": "32010191"},
        ),
        ("2026-04-11", "", {"内容分类": "物业管理"}),
        (
            "2026-05-30",
            "32010102",
            {"层级": "赴省", "内容分类": "征地拆迁", "责任单位": "32010190"},
        ),
        ("2026-06-30", "3201010101", {"渠道": "来信", "层级": "到市"}),
        ("2026-07-01", "32010101", {}),  # after the half-year: never counted in it
        ("2025-01-15", "32010101", {"层级": "赴省"}),
        ("2025-03-02", "32010102", {"渠道": "网上", "内容分类": "拖欠工资"}),
        ("2025-06-01", "320101", {"渠道": "来信", "信访目的": "检举控告", "责任单位": "32010191"}),
        ("2025-12-20", "32010101", {"内容分类": "征地拆迁"}),
    ]
    for received, locality, cells in rows:
        cells.setdefault("信访目的", "申诉求决")
        book.add(received, locality, **cells)
    # repeats: one matter visited three times in the half-year, one begun last year
    book.add("2026-02-01", "32010101", 事项编号="M-REPEAT", 层级="赴省", 内容分类="征地拆迁")
    book.add("2026-03-15", "32010101", 事项编号="M-REPEAT", 层级="赴省", 内容分类="征地拆迁")
    book.add("2026-04-20", "32010101", 事项编号="M-REPEAT", 层级="到市", 内容分类="征地拆迁")
    book.add(
        "2025-11-03",
        "32010102",
        事项编号="M-OLD",
        责任单位="32010190",
        处理方式="受理",
        处理日期="2025-11-10",
        答复日期="2026-01-05",
    )
    book.add("2026-02-10", "32010102", 事项编号="M-OLD", 渠道="来信", 责任单位="32010190")
    book.load()
    return book


def page_data(client: Client, params: dict[str, str]) -> tuple[str, dict[str, Any]]:
    response = client.get(PAGE, params)
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    assert found
    return html, json.loads(found.group(1))


TODAY = date(2026, 11, 22)


def the_dashboard(district: District, who: str, params: dict[str, str]) -> Dashboard:
    user = district.users[who]
    form = DashboardForm(params, user=user, today=TODAY)
    return build_dashboard(user=user, query=form.query(), today=TODAY)


@pytest.fixture
def on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' today is TODAY too (the trend counts its month to date: 11月1—22日)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def listed_count(client: Client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200
    found = COUNT.search(response.content.decode())
    assert found, "the list states its count"
    return int(found.group(1))


def matters_of(regs: Any) -> int:
    """The distinct matters of some registrations: what a batches figure's link should list."""
    return regs.values("matter_id").distinct().count()


# --- the figures are the report's ---------------------------------------------------------------


@pytest.mark.parametrize("compare", ["yoy", "pop"])
def test_page_figures_equal_the_report(district: District, ledger: Ledger, compare: str) -> None:
    html, data = page_data(client_for(district, "officer"), H1 | {"compare": compare})
    rep = report("320101", "2026-01-01", "2026-06-30", compare)  # type: ignore[arg-type]
    # counted by hand from the ledger: eight rows of the half-year in the district (04-11 has
    # no 问题属地: the city's), three of M-REPEAT, one of M-OLD; 6 people on 01-05, 1 elsewhere
    assert [data["totals"][k] for k in ("batches", "people", "matters", "first_matters")] == [
        12,
        17,
        10,
        9,  # M-OLD began in 2025
    ]
    # 同比 (H1 2025): 01-15, 03-02, 06-01; 环比 (H2 2025): M-OLD's 11-03 and 12-20
    assert rep["totals"]["previous"]["batches"] == (3 if compare == "yoy" else 2)
    assert data["channel_level"]["series"][1] == [0, 4, 0, 0]  # 赴省: 01-05 05-30, M-REPEAT ×2
    for key in ("batches", "people", "matters", "first_matters"):
        assert data["totals"][key] == rep["totals"][key]
    assert data["rule_of_law"] == rep["rule_of_law"]["total"]
    cl = {(r["channel"], r["level"]): r["batches"] for r in rep["breakdowns"]["channel,level"]}
    channels = ["letter", "visit", "online", "phone"]
    levels = ["national", "provincial", "city", "local"]
    assert data["channel_level"]["series"] == [[cl[(c, lv)] for c in channels] for lv in levels]
    cats = rep["breakdowns"]["category"][:10]
    assert data["category"]["batches"] == [r["batches"] for r in cats]
    assert data["category"]["labels"] == [r["category"] or "未分类" for r in cats]
    locs = {r["name"]: r["batches"] for r in rep["breakdowns"]["locality"]}
    assert dict(zip(data["locality"]["labels"], data["locality"]["batches"], strict=True)) == locs
    units = rep["breakdowns"]["unit"]
    assert data["unit"]["batches"] == [r["batches"] for r in units]
    # the tables say the same: the headline cards and the rates as the report prints them
    assert f">{rep['totals']['batches']}</a>" in html
    for key, rate in rep["rates"].items():
        pct = rate["pct"] or empty_rate(key)  # B2's rates with nothing to divide say why
        assert f'<td class="num">{pct}</td>' in html
    assert rep["rule_of_law"]["total"] in html


def test_monthly_trend_equals_a_report_per_month(
    district: District, ledger: Ledger, on_today: None
) -> None:
    _, data = page_data(client_for(district, "officer"), H1)
    trend = data["trend"]
    assert trend["year"] == 2026 and len(trend["current"]) == 11  # January to November 22
    # counted by hand: 1月 01-05 and 01-20; 2月 02-01, 02-03, 02-10, 02-14; 3月 03-01, 03-09,
    # 03-15; 4月 04-20 (04-11 is the city's); 5月 05-30; 6月 06-30; 7月 07-01
    assert trend["current"] == [2, 4, 3, 1, 1, 1, 1, 0, 0, 0, 0]
    assert trend["previous"] == [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1]  # 2025: 01-15 03-02 06-01 11-03
    district_unit = OrgUnit.objects.get(code="320101")
    for month, (cur, prev) in enumerate(zip(trend["current"], trend["previous"], strict=True), 1):
        period = Period(date(2026, month, 1), _last_of_month(2026, month))
        rep = build_report(org=district_unit, period=period, comparison="yoy", today=TODAY)
        assert (cur, prev) == (rep["totals"]["batches"], rep["totals"]["previous"]["batches"])


def test_a_street_sees_its_own_figures(district: District, ledger: Ledger) -> None:
    _, data = page_data(client_for(district, "officer"), H1 | {"org": "32010101"})
    rep = report("32010101", "2026-01-01", "2026-06-30")
    assert data["totals"] == {k: rep["totals"][k] for k in data["totals"]}
    assert "rank" in rep["totals"]  # the street has a sibling: the page shows its place
    assert data["locality"]["labels"] == [
        r["name"] for r in sorted(rep["breakdowns"]["locality"], key=lambda r: -r["batches"])
    ]


# --- every figure opens the matters behind it ---------------------------------------------------


def test_matter_figures_open_exactly_that_many_matters(district: District, ledger: Ledger) -> None:
    client = client_for(district, "officer")
    for org in ("320101", "32010101", "32010102"):
        dash = the_dashboard(district, "officer", H1 | {"org": org})
        totals = dash.report["totals"]
        cards = {card["key"]: card for card in dash.cards}
        assert totals["matters"] > 0
        assert listed_count(client, cards["matters"]["href"]) == totals["matters"]
        assert listed_count(client, cards["first_matters"]["href"]) == totals["first_matters"]


def _cell(dash: Dashboard, table: str, head: str, column: str) -> Any:
    t = dash.tables[table]
    row = next(r for r in t.rows if r[0].value == head)
    return row[t.header.index(column)]


def test_batch_figures_open_the_matters_of_those_batches(
    district: District, ledger: Ledger
) -> None:
    client = client_for(district, "officer")
    dash = the_dashboard(district, "officer", H1)
    area = OrgUnit.objects.filter(path__startswith=district.district.path)
    regs = Registration.objects.filter(
        received_on__range=(date(2026, 1, 1), date(2026, 6, 30)), locality__in=area
    )
    east = OrgUnit.objects.filter(path__startswith=district.street_a.path)
    cases = [
        (dash.cards[0]["href"], regs, dash.report["totals"]["batches"]),
        (
            _cell(dash, "channel_level", "来访", "赴省批次").href,
            regs.filter(channel="visit", level="provincial"),
            None,
        ),
        (
            _cell(dash, "category", "城乡建设/征地拆迁", "批次").href,
            regs.filter(category__name="征地拆迁"),
            None,
        ),
        (
            _cell(dash, "category", "城乡建设", "批次").href,
            regs.filter(category__name="城乡建设"),
            1,
        ),
        (_cell(dash, "locality", "东风街道", "批次").href, regs.filter(locality__in=east), None),
        (
            _cell(dash, "locality", "示范区（本级）", "批次").href,
            regs.filter(locality=district.district),  # an empty 问题属地 is the city's
            None,
        ),
        (
            _cell(dash, "unit", "区住房和城乡建设局", "批次").href,
            regs.filter(matter__responsible_unit=district.housing),
            None,
        ),
        (_cell(dash, "purpose", "建议意见", "批次").href, regs.filter(purpose="suggestion"), 1),
        (_cell(dash, "trend", "3月", "批次").href, regs.filter(received_on__month=3), None),
    ]
    for href, behind, figure in cases:
        assert href, "every batches figure of the officer's district links to its matters"
        shown = listed_count(client, href)
        assert shown == matters_of(behind) > 0
        if figure is not None:
            assert behind.count() == figure
    # a matter visited three times in the half-year is one matter behind three 赴省/到市 batches
    repeat = regs.filter(matter__number="M-REPEAT")
    assert repeat.count() == 3 and matters_of(repeat) == 1


def test_links_are_on_the_page_and_keep_the_period(district: District, ledger: Ledger) -> None:
    html, _ = page_data(client_for(district, "officer"), H1)
    dash = the_dashboard(district, "officer", H1)
    href = _cell(dash, "channel_level", "来信", "合计批次").href
    assert href and f'href="{href.replace("&", "&amp;")}"' in html
    params = dict(parse_qsl(urlsplit(href).query))
    assert params["registered_from"] == "2026-01-01" and params["registered_to"] == "2026-06-30"
    assert params["channel"] == "letter" and params["basis"] == "registration"


def test_leaders_figures_and_list_leave_out_accusations(district: District, ledger: Ledger) -> None:
    # a small node and a short period must not single an accusation out to a unit head
    dash = the_dashboard(district, "leader", H1)
    full = the_dashboard(district, "officer", H1)
    assert dash.limited and not full.limited
    accusations = Registration.objects.filter(
        received_on__range=(date(2026, 1, 1), date(2026, 6, 30)), purpose="accusation"
    )
    assert accusations.exists()
    mine, all_ = dash.report["totals"], full.report["totals"]
    assert mine["batches"] == all_["batches"] - accusations.count()
    assert mine["matters"] == all_["matters"] - matters_of(accusations)
    purposes = {row["purpose"]: row["batches"] for row in dash.report["breakdowns"]["purpose"]}
    assert purposes.get("accusation", 0) == 0
    card = next(c for c in dash.cards if c["key"] == "matters")
    assert listed_count(client_for(district, "leader"), card["href"]) == mine["matters"]
    html, _ = page_data(client_for(district, "leader"), H1)
    assert "不含检举控告类" in html


# --- every table exports to Excel ---------------------------------------------------------------


def test_every_table_exports_its_cells(district: District, ledger: Ledger, on_today: None) -> None:
    client = client_for(district, "officer")
    dash = the_dashboard(district, "officer", H1)
    rep = dash.report
    for name, table in dash.tables.items():
        response = client.get(EXPORT, H1 | {"table": name})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(BytesIO(response.content)).active
        assert sheet is not None
        rows = list(sheet.iter_rows(min_row=2, max_row=len(table.rows) + 2, values_only=True))
        assert list(rows[0]) == table.header
        assert [list(r) for r in rows[1:]] == [[c.value for c in row] for row in table.rows]
    # and the cells are the report's figures
    sheet = load_workbook(BytesIO(client.get(EXPORT, H1 | {"table": "totals"}).content)).active
    assert sheet is not None
    assert sheet["B3"].value == rep["totals"]["batches"] == 12  # counted by hand, as above
    assert sheet["B5"].value == rep["totals"]["matters"] == 10
    assert [c.value for c in sheet[4]][:4] == ["人次", 17, 3, "上升466.7%"]  # 3 in H1 2025
    sheet = load_workbook(BytesIO(client.get(EXPORT, H1 | {"table": "rates"}).content)).active
    assert sheet is not None
    first = rep["rates"]["timely_acceptance"]
    assert [c.value for c in sheet[3]] == ["及时受理率", first["num"], first["den"], first["pct"]]
    sheet = load_workbook(BytesIO(client.get(EXPORT, H1 | {"table": "rule_of_law"}).content)).active
    assert sheet is not None
    assert sheet.cell(row=6, column=5).value == rep["rule_of_law"]["total"]
    cl = client.get(EXPORT, H1 | {"table": "channel_level"}).content
    sheet = load_workbook(BytesIO(cl)).active
    assert sheet is not None
    visit = next(
        r
        for r in rep["breakdowns"]["channel,level"]
        if r["channel"] == "visit" and r["level"] == "provincial"
    )
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "来访")
    assert (row[3], row[4]) == (visit["batches"], visit["people"]) == (4, 9)  # 6 on 01-05
    trend = load_workbook(BytesIO(client.get(EXPORT, H1 | {"table": "trend"}).content)).active
    assert trend is not None
    rows = [list(r) for r in trend.iter_rows(min_row=3, values_only=True) if r[0]]
    assert rows[0] == ["1月", 2, 7, 1, 1, "上升100.0%"]
    assert rows[10] == ["11月1—22日", 0, 0, 1, 1, "下降100.0%"]  # 2025-11-03 is in 1-22


# --- who sees what -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["registrar", "officer", "leader", "supervisor"])
def test_bureau_roles_see_their_area(district: District, who: str) -> None:
    response = client_for(district, who).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="320101"' in html and 'value="32010101"' in html
    assert 'value="3201"' not in html  # the city lies above the user's unit


@pytest.mark.parametrize("who", ["admin", "street_a_staff", "housing_staff", "discipline_staff"])
def test_others_are_refused(district: District, who: str) -> None:
    client = client_for(district, who)
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT, H1 | {"table": "totals"}).status_code == 403


def test_anonymous_is_sent_to_log_in(district: District) -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_node_outside_the_area_is_refused(district: District, ledger: Ledger) -> None:
    client = client_for(district, "leader")
    for params in (H1 | {"org": "3201"}, H1 | {"org": "nope"}):
        response = client.get(PAGE, params)
        assert response.status_code == 400
        assert "所选单位不在您可查看的范围内" in response.content.decode()
        assert client.get(EXPORT, params | {"table": "totals"}).status_code == 400


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "abc"}, "年度应为四位数字"),
        ({"year": "1800"}, "年度不能早于2000年"),
        ({"span": "q9"}, "期间无效"),
        ({"span": "custom"}, "自定义期间须填写开始和结束日期"),
        ({"span": "custom", "start": "2026-05-01", "end": "2026-04-01"}, "晚于结束日期"),
        ({"span": "custom", "start": "2026-13-01", "end": "2026-04-01"}, "开始日期无效"),
        ({"compare": "mom"}, "比较方式只能是同比或环比"),
        ({"span": "custom", "start": "0001-01-01", "end": "0001-01-03"}, "统计期间须在1950年以后"),
    ],
)
def test_bad_parameters_are_explained(
    district: District, params: dict[str, str], message: str
) -> None:
    response = client_for(district, "officer").get(PAGE, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_table_is_explained(district: District) -> None:
    response = client_for(district, "officer").get(EXPORT, {"table": "nope"})
    assert response.status_code == 400
    assert "没有名为“nope”的表格" in response.content.decode()


def test_periods_of_the_picker(district: District) -> None:
    user = district.users["officer"]
    today = date(2026, 11, 22)
    expected = {
        "ytd": (date(2026, 1, 1), date(2026, 11, 22)),
        "m2": (date(2026, 2, 1), date(2026, 2, 28)),
        "q3": (date(2026, 7, 1), date(2026, 9, 30)),
        "h2": (date(2026, 7, 1), date(2026, 12, 31)),
        "to9": (date(2026, 1, 1), date(2026, 9, 30)),
        "y": (date(2026, 1, 1), date(2026, 12, 31)),
    }
    for span, (start, end) in expected.items():
        query = DashboardForm({"span": span, "year": "2026"}, user=user, today=today).query()
        assert (query.period.start, query.period.end) == (start, end)
    default = DashboardForm(None, user=user, today=today).query()
    assert default.node == district.district and default.comparison == "yoy"
    assert (default.period.start, default.period.end) == (date(2026, 1, 1), today)
    assert Category.objects.filter(name="征地拆迁").exists()

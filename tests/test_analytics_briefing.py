"""简报: its figures are the report's, its hotspots the new and rising rows, its overdue list the
clock scan's open alerts as the reader may see them; the command, the Word draft and the page."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document

from tests.analytics_support import Ledger, report
from tests.conftest import District
from tests.views_support import client_for
from tests.workflow_support import fresh, new_matter, step
from xinfang.analytics.briefing import Rules, build_briefing, render_briefing_text
from xinfang.analytics.periods import Period
from xinfang.cli import main
from xinfang.core.permissions import SYSTEM
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter
from xinfang.notifications.models import AlertStage, ClockAlert
from xinfang.workflow import services as wf
from xinfang.workflow.clockscan import scan_clocks
from xinfang.workflow.states import ClockKind
from xinfang.workflow.transitions import ReplyOutcome

pytestmark = pytest.mark.django_db

H1 = Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 11, 22)  # after the period: the briefing speaks of its last day
SCAN_DAY = date(2026, 6, 15)
ARGS = ["xinfang", "briefing", "--start", "2026-01-01", "--end", "2026-06-30", "--org", "320101"]
PAGE, WORD = "/analytics/briefing/", "/analytics/briefing/briefing.docx"
H1_QUERY = {"org": "320101", "span": "h1", "year": "2026", "compare": "yoy", "issue_no": "7"}


@dataclass
class Data:
    district: District
    overdue: Matter  # 区住建局's, past its handling deadline at the scan, never replied
    accusation: Matter  # 区纪委监委's, likewise: never in a leader's briefing
    replied_late: Matter  # overdue at the scan, replied before the period ended: not listed


def handled(d: District, unit_staff: str, *, purpose: str = Purpose.REQUEST) -> Matter:
    """Registered in 东风社区 on 2 March 2026, 交办 on 4 March, 签收 on 5 March."""
    m = new_matter(d, received=date(2026, 3, 2), purpose=purpose, locality=d.village_a)
    unit = d.users[unit_staff].org_unit
    m = step(wf.matter_assign, m, d.users["officer"], unit=unit, on=date(2026, 3, 4))
    return step(wf.assignment_receive, m, d.users[unit_staff], on=date(2026, 3, 5))


class Closed(Ledger):
    """Ledger rows the bureau decided within days (不予受理): no clock of theirs runs."""

    def add(self, received: str, locality: str = "320101", **cells: Any) -> str:
        decided = date.fromisoformat(received) + timedelta(days=3)
        return super().add(
            received, locality, 处理方式="不予受理", 处理日期=decided.isoformat(), **cells
        )


@pytest.fixture
def data(district: District, tmp_path: Path) -> Data:
    book = Closed(tmp_path)
    # 拖欠工资: new (none a year earlier), all in 西湖街道, a new locality
    for day in ("2026-02-03", "2026-03-10", "2026-04-21"):
        book.add(day, "32010102", 内容分类="拖欠工资")
    # 征地拆迁: 2 → 5, up 150%
    for day in ("2025-02-01", "2025-05-05"):
        book.add(day, "32010101", 内容分类="征地拆迁")
    for day in ("2026-01-08", "2026-02-09", "2026-03-11", "2026-04-12", "2026-05-13"):
        book.add(day, "32010101", 内容分类="征地拆迁")
    # 物业管理: 6 → 2 here (+3 matters below): falling; one 拖欠工资 row outside the period
    for day in ("2025-01-10", "2025-02-10", "2025-03-10", "2025-04-10", "2025-05-10", "2025-06-10"):
        book.add(day, "3201010101", 内容分类="物业管理")
    book.add("2026-01-15", "3201010101", 内容分类="物业管理")
    book.add("2026-06-01", "3201010101", 内容分类="物业管理")
    book.add("2025-09-01", "32010102", 内容分类="拖欠工资")
    book.load()

    overdue = handled(district, "housing_staff")
    accusation = handled(district, "discipline_staff", purpose=Purpose.ACCUSATION)
    late = handled(district, "housing_staff")
    scan_clocks(SCAN_DAY)
    late = step(
        wf.reply_issue,
        late,
        district.users["housing_staff"],
        outcome=ReplyOutcome.SUPPORTED,
        on=date(2026, 6, 20),
    )
    return Data(district, fresh(overdue), fresh(accusation), late)


def briefing(d: Data, who: str | None, **kw: Any) -> dict[str, Any]:
    reader = d.district.users[who] if who else SYSTEM
    return build_briefing(node=d.district.district, period=H1, reader=reader, today=TODAY, **kw)


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in rows]


# --- what the briefing says ---------------------------------------------------------------------


def test_overview_is_the_report(data: Data) -> None:
    b = briefing(data, None, issue_no=3)
    rep = report("320101", "2026-01-01", "2026-06-30")
    for key in ("batches", "people", "matters", "first_matters"):
        assert b["overview"]["totals"][key] == rep["totals"][key]
    assert b["overview"]["change"] == rep["totals"]["change"]
    assert b["overview"]["rule_of_law"] == rep["rule_of_law"]["total"]
    assert b["overview"]["rates"]["on_time_reply"]["pct"] == rep["rates"]["on_time_reply"]["pct"]
    assert (
        f"共登记信访事项{rep['totals']['batches']}批{rep['totals']['people']}人次"
        in (b["overview"]["text"])
    )
    assert (b["title"], b["issue_no"], b["issuer"]) == ("信访工作简报", 3, "示范区信访局")
    assert b["as_of"] == "2026-06-30" and b["next_steps"] == "【待填写：下步工作】"


@pytest.mark.parametrize("who", [None, "officer", "leader"])
def test_hotspots_are_exactly_the_new_and_rising_rows(data: Data, who: str | None) -> None:
    hot = briefing(data, who)["hotspots"]
    assert names(hot["categories"]["new"]) == ["拖欠工资"]
    assert names(hot["categories"]["rising"]) == ["征地拆迁"]
    assert names(hot["localities"]["new"]) == ["西湖街道"]
    assert names(hot["localities"]["rising"]) == []
    rise = hot["categories"]["rising"][0]
    assert (rise["batches"], rise["previous"]["batches"], rise["rise_pct"]) == (5, 2, "150.0")
    assert "征地拆迁类问题上升明显，共5批5人次，同比上升150.0%（去年同期2批）。" in hot["text"]
    assert any(line.startswith("拖欠工资类问题为新出现的热点，共3批3人次") for line in hot["text"])


def test_thresholds_are_parameters(data: Data) -> None:
    strict = Rules(new_min_batches=4, rise_min_pct=200)
    hot = briefing(data, None, rules=strict)["hotspots"]
    assert hot["categories"]["new"] == [] and hot["categories"]["rising"] == []
    assert hot["text"] == ["与去年同期相比，未出现新的或明显上升的信访热点。"]


def test_overdue_lists_the_open_alerts_the_reader_may_see(data: Data) -> None:
    # the scan raised an overdue alert on all three; the late reply closed one before 30 June
    raised = set(
        ClockAlert.objects.filter(stage=AlertStage.OVERDUE, clock=ClockKind.HANDLE).values_list(
            "matter_id", flat=True
        )
    )
    assert raised == {data.overdue.pk, data.accusation.pk, data.replied_late.pk}
    for who, expected in (
        (None, {data.overdue.number, data.accusation.number}),
        ("officer", {data.overdue.number, data.accusation.number}),
        ("leader", {data.overdue.number}),
        ("supervisor", {data.overdue.number}),
    ):
        b = briefing(data, who)
        assert {i["number"] for i in b["overdue"]["items"]} == expected, who
        assert b["limited"] is (who in ("leader", "supervisor"))
    item = next(i for i in briefing(data, "leader")["overdue"]["items"])
    deadline = data.overdue.handling_deadline
    assert deadline is not None
    assert item["clock"] == ClockKind.HANDLE and item["deadline"] == deadline.isoformat()
    assert item["days_over"] == (H1.end - deadline).days
    assert (item["unit"], item["locality"], item["category"]) == (
        "区住房和城乡建设局",
        "东风社区",
        "物业管理",
    )
    assert item["supervised"] == f"区级督办（{SCAN_DAY.isoformat()}）"  # the scan opened it
    # no content and no personal data in the briefing, in any form
    for who in (None, "officer", "leader"):
        b = briefing(data, who)
        printed = json.dumps(b, ensure_ascii=False) + render_briefing_text(b)
        assert "13800138000" not in printed and "王小明" not in printed
        assert "反映小区物业管理问题" not in printed


def test_a_period_before_the_deadline_lists_nothing(data: Data) -> None:
    early = Period(date(2026, 1, 1), date(2026, 3, 31))
    b = build_briefing(node=data.district.district, period=early, reader=SYSTEM, today=TODAY)
    assert b["overdue"]["items"] == [] and b["as_of"] == "2026-03-31"


def test_units_to_supervise(data: Data) -> None:
    housing, discipline = "区住房和城乡建设局", "区纪委监委"
    units = briefing(data, None)["units"]
    assert names(units) == [discipline, housing] or names(units) == [housing, discipline]
    by_name = {u["name"]: u for u in units}
    # 区住建局: one matter overdue, and both of its due matters replied late or not at all
    assert by_name[housing]["overdue_matters"] == 1
    assert by_name[housing]["on_time"] == {"num": 0, "den": 2, "pct": "0.0"}
    assert by_name[housing]["low_on_time"] is True
    assert "超期未办结1件（办理期限超期1项）" in by_name[housing]["reason"]
    assert "按期办结率0.0%（到期应办结2件，按期办结0件），低于80%" in by_name[housing]["reason"]
    assert by_name[housing]["place"] == 1  # worse than the discipline organ: its rate as well
    # a leader hears nothing of the discipline organ's work (it is accusation material)
    assert names(briefing(data, "leader")["units"]) == [housing]


# --- the command --------------------------------------------------------------------------------


def run(argv: list[str]) -> str:
    out = StringIO()
    call_command(*argv[1:], stdout=out)
    return out.getvalue()


def test_cli_json_and_text(data: Data) -> None:
    printed = json.loads(run([*ARGS, "--issue-no", "5"]))
    assert printed["issue_no"] == 5
    # the console sees everything under the unit; the date is today's, so compare the rest
    expected = build_briefing(
        node=data.district.district,
        period=H1,
        reader=SYSTEM,
        today=date.fromisoformat(printed["date"]),
        issue_no=5,
    )
    assert printed == json.loads(json.dumps(expected, ensure_ascii=False))
    text = run([*ARGS, "--format", "text", "--compare", "pop"])
    assert text.startswith("信访工作简报\n第【待填写】期\n示范区信访局编印")
    for heading in ("一、总体情况", "二、新出现的热点", "三、超期未办结事项", "四、需要督办的单位"):
        assert f"\n{heading}\n" in text
    assert data.accusation.number in text and "环比" in text
    assert "【待填写：下步工作】" in text


def test_cli_docx_holds_the_json_figures(data: Data, tmp_path: Path) -> None:
    out = tmp_path / "简报.docx"
    run([*ARGS, "--format", "docx", "--output", str(out), "--issue-no", "12"])
    printed = json.loads(run(ARGS))
    doc = Document(str(out))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[:2] == ["信访工作简报", "第12期"]
    assert printed["overview"]["text"] in paragraphs
    for line in printed["hotspots"]["text"]:
        assert line in paragraphs
    table = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [(r[1], r[4], int(r[7])) for r in rows] == [
        (i["number"], i["unit"], i["days_over"]) for i in printed["overdue"]["items"]
    ]
    assert any(printed["units"][0]["reason"] in p for p in paragraphs)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "pdf"], "格式“pdf”无效"),
        (["--compare", "mom"], "比较方式“mom”无效"),
        (["--issue-no", "第三"], "期号“第三”无效"),
        (["--issue-no", "0"], "期号“0”无效"),
        (["--format", "docx"], "docx 格式须用 --output 指定输出文件"),
        (["--org", "999"], "没有编码为“999”的单位"),
    ],
)
def test_cli_bad_input_is_refused_in_chinese(
    data: Data, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*ARGS, *extra])
    assert caught.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["xinfang", "briefing", "--end", "2026-06-30"], "请用 --start 指定开始日期"),
        (
            ["xinfang", "briefing", "--start", "2026-13-01", "--end", "2026-12-31"],
            "日期“2026-13-01”无效",
        ),
        (["xinfang", "briefing", "--start", "2026-07-01", "--end", "2026-06-30"], "晚于结束日期"),
    ],
)
def test_cli_bad_dates(
    data: Data, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 1
    assert message in capsys.readouterr().err


# --- the page -----------------------------------------------------------------------------------


def test_page_shows_the_draft_as_the_reader_may_see_it(data: Data) -> None:
    officer = client_for(data.district, "officer").get(PAGE, H1_QUERY)
    assert officer.status_code == 200
    html = officer.content.decode()
    assert "第7期" in html and "示范区信访局编印" in html
    assert data.overdue.number in html and data.accusation.number in html
    assert "拖欠工资类问题为新出现的热点" in html
    assert 'href="/analytics/briefing/briefing.docx?' in html
    leader = client_for(data.district, "leader").get(PAGE, H1_QUERY).content.decode()
    assert data.overdue.number in leader and data.accusation.number not in leader
    assert "本简报不含检举控告类事项" in leader


def test_word_download(data: Data) -> None:
    response = client_for(data.district, "leader").get(WORD, H1_QUERY)
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "attachment" in response["Content-Disposition"]
    doc = Document(BytesIO(response.content))
    cells = [c.text for r in doc.tables[0].rows for c in r.cells]
    assert data.overdue.number in cells and data.accusation.number not in cells


@pytest.mark.parametrize("url", [PAGE, WORD])
def test_who_may_open_it(data: Data, url: str) -> None:
    anonymous = client_for(data.district, "anonymous").get(url, H1_QUERY)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    for who in ("housing_staff", "discipline_staff", "admin"):
        assert client_for(data.district, who).get(url, H1_QUERY).status_code == 403, who
    for who in ("registrar", "officer", "leader", "supervisor"):
        assert client_for(data.district, who).get(url, H1_QUERY).status_code == 200, who


@pytest.mark.parametrize(
    ("params", "message", "status"),
    [
        ({"org": "3201"}, "所选单位不在您可查看的范围内", 400),
        ({"issue_no": "abc"}, "期号应为整数", 400),
        ({"span": "custom", "start": "2026-01-01"}, "自定义期间须填写开始和结束日期", 400),
    ],
)
def test_page_bad_input(data: Data, params: dict[str, str], message: str, status: int) -> None:
    response = client_for(data.district, "officer").get(PAGE, H1_QUERY | params)
    assert response.status_code == status
    assert message in response.content.decode()
    word = client_for(data.district, "officer").get(WORD, H1_QUERY | params)
    assert word.status_code == status and message in word.content.decode()


def test_dashboard_links_to_the_briefing_of_the_same_query(data: Data) -> None:
    params = {k: v for k, v in H1_QUERY.items() if k != "issue_no"}
    html = client_for(data.district, "officer").get("/analytics/", params).content.decode()
    assert (
        'href="/analytics/briefing/?org=320101&amp;span=h1&amp;year=2026&amp;compare=yoy"' in html
    )


def test_repeated_returns_name_the_unit(data: Data) -> None:
    d = data.district
    officer, staff = d.users["officer"], d.users["street_b_staff"]
    m = new_matter(d, received=date(2026, 4, 1), locality=d.street_b)
    for assigned, returned in (
        (date(2026, 4, 2), date(2026, 4, 3)),
        (date(2026, 4, 7), date(2026, 4, 8)),
    ):
        m = step(wf.matter_assign, m, officer, unit=d.street_b, on=assigned)
        m = step(wf.assignment_receive, m, staff, on=assigned)
        m = step(wf.assignment_return, m, staff, reason="非本单位职责", on=returned)
    default = briefing(data, None)["units"]
    assert "西湖街道" in names(default)  # two returns: repeated by the default rule
    row = next(u for u in default if u["name"] == "西湖街道")
    assert (row["returns"], row["return_faults"]) == (2, 1)  # reassigned once to the same unit
    assert "本期退回2件，其中不当退回1件" in row["reason"]
    assert "西湖街道" not in names(briefing(data, None, rules=Rules(returns_min=3))["units"])


def test_an_overdue_review_is_the_review_organs_not_the_units(data: Data) -> None:
    d = data.district
    desk = d.users["registrar"]
    m = handled(d, "housing_staff")
    m = step(wf.reply_issue, m, d.users["housing_staff"], outcome="supported", on=date(2026, 3, 20))
    m = step(wf.reply_deliver, m, desk, on=date(2026, 3, 21))
    m = step(wf.review_request, m, desk, on=date(2026, 3, 25))
    scan_clocks(date(2026, 5, 20))
    alert = ClockAlert.objects.get(matter=m, clock=ClockKind.REVIEW, stage=AlertStage.OVERDUE)
    b = briefing(data, None)
    item = next(i for i in b["overdue"]["items"] if i["number"] == m.number)
    assert (item["clock_label"], item["unit"], item["unit_id"]) == ("复查期限", "复查机关", None)
    assert item["deadline"] == alert.deadline.isoformat()
    housing = next(u for u in b["units"] if u["name"] == "区住房和城乡建设局")
    assert housing["overdue_matters"] == 1  # still only its own unreplied matter

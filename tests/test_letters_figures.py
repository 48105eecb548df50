"""B2 `letters` and `breakdowns["locality,channel,level"]`, on a small ledger counted by hand.

The ledger (imported through `xinfang import-ledger`) of 示范区 (tests/conftest.py's district:
东风街道 with 东风社区 below it, 西湖街道), for P = 2024-02-10..2024-03-31 (part of February,
29 February included, and the whole of March: both the rows and the monthly summaries are read)
and 同比 2023-02-10..2023-03-31:

  number date        channel kind / level         where       people purpose  category
  L1     2024-02-29  来信   领导批示件             东风社区    1      申诉求决 物业管理
  L2     2024-03-05  来信   联名信                 西湖街道    3      建议意见 物业管理
  L3     2024-03-10  来信   普通 (repeat of V1)    东风街道    1      申诉求决
  L4     2024-02-09  来信   异常信                 东风街道    1      (before P)
  L5     2024-04-01  来信   交办件                 东风街道    1      (after P)
  L6     2024-03-31  来信   国家投诉受理办公室交办件 示范区    1      检举控告
  V1     2024-02-15  来访   进京 (matter SX-A)     东风街道    2      申诉求决 征地拆迁
  V2     2024-03-01  来访   进京                   东风社区    1      申诉求决 征地拆迁
  V3     2024-03-20  来访   进京                   西湖街道    6      申诉求决 征地拆迁
  V4     2024-03-02  来访   赴省                   西湖街道    1
  V5     2024-03-03  来访   进京                   示范区      1      (the node itself)
  O1     2024-03-12  网上                          东风街道    1
  P1     2023-03-01  来信   领导批示件             东风街道    1      申诉求决 物业管理
  P2     2023-02-20  来访   进京                   东风街道    3               三农
  P3     2023-02-05  来信   普通                   东风街道    1      (before the compared P)

Letters in P: L1 L2 L3 L6 = 4 batches, 6 people; compared: P1 = 1, 1 (上升300.0%, 上升500.0%).
初信 L1 L2 L6 (3 batches, 5 people), 重信 L3; 初信 by purpose: 申诉求决 L1, 建议意见 L2 (3),
检举控告 L6.
Streets × level (the node's own V5 and L6 are no street's): 来信/来区 东风街道 L1 L3 2批2人次
(compared P1 1批1人次), 西湖街道 L2 1批3人次; 来访/进京 东风街道 V1 V2 2批3人次 (compared P2
1批3人次: 上升100.0%, 持平), 西湖街道 V3 1批6人次 (新增); 来访/赴省 西湖街道 V4 1批1人次; 网上/来区
东风街道 O1 1批1人次.
Categories: 征地拆迁 3批9人次 (compared 0) leads, 三农 led the compared period (P2, 3 people
against P1's 1); 物业管理 rose 1 → 2 (4 people), 三农 fell 1 → 0.
"""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import District
from tests.ledger_rows import row, write_csv
from xinfang.analytics.counting.report import build_report
from xinfang.analytics.periods import Period
from xinfang.analytics.text import render_text

pytestmark = pytest.mark.django_db

ROWS = [
    row(登记编号="L1", 登记日期="2024-02-29", 渠道="来信", 来信类型="领导批示件",
        问题属地="东风社区", 信访目的="申诉求决", 内容分类="物业管理"),
    row(登记编号="L2", 登记日期="2024-03-05", 渠道="来信", 来信类型="联名信", 人数="3",
        问题属地="西湖街道", 信访目的="建议意见", 内容分类="物业管理"),
    row(登记编号="L3", 事项编号="SX-A", 登记日期="2024-03-10", 渠道="来信", 问题属地="东风街道",
        信访目的="申诉求决"),
    row(登记编号="L4", 登记日期="2024-02-09", 渠道="来信", 来信类型="异常信", 问题属地="东风街道"),
    row(登记编号="L5", 登记日期="2024-04-01", 渠道="来信", 来信类型="交办件", 问题属地="东风街道"),
    row(登记编号="L6", 登记日期="2024-03-31", 渠道="来信", 来信类型="国家投诉受理办公室交办件",
        问题属地="示范区", 信访目的="检举控告"),
    row(登记编号="V1", 事项编号="SX-A", 登记日期="2024-02-15", 渠道="来访", 层级="进京", 人数="2",
        问题属地="东风街道", 信访目的="申诉求决", 内容分类="征地拆迁"),
    row(登记编号="V2", 登记日期="2024-03-01", 渠道="来访", 层级="进京", 问题属地="东风社区",
        信访目的="申诉求决", 内容分类="征地拆迁"),
    row(登记编号="V3", 登记日期="2024-03-20", 渠道="来访", 层级="进京", 人数="6",
        问题属地="西湖街道", 信访目的="申诉求决", 内容分类="征地拆迁"),
    row(登记编号="V4", 登记日期="2024-03-02", 渠道="来访", 层级="赴省", 问题属地="西湖街道"),
    row(登记编号="V5", 登记日期="2024-03-03", 渠道="来访", 层级="进京", 问题属地="示范区"),
    row(登记编号="O1", 登记日期="2024-03-12", 渠道="网上", 问题属地="东风街道"),
    row(登记编号="P1", 登记日期="2023-03-01", 渠道="来信", 来信类型="领导批示件",
        问题属地="东风街道", 信访目的="申诉求决", 内容分类="物业管理"),
    row(登记编号="P2", 登记日期="2023-02-20", 渠道="来访", 层级="进京", 人数="3",
        问题属地="东风街道", 内容分类="三农"),
    row(登记编号="P3", 登记日期="2023-02-05", 渠道="来信", 问题属地="东风街道"),
]  # fmt: skip


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> District:
    path = write_csv(tmp_path / "台账.csv", ROWS)
    call_command("import_ledger", str(path), stdout=StringIO(), stderr=StringIO())
    return district


def _report(district: District, *, use_summary: bool = True, **kw: Any) -> dict[str, Any]:
    from datetime import date

    period = Period(date(2024, 2, 10), date(2024, 3, 31))
    return build_report(
        org=district.district, period=period, use_summary=use_summary, leader_work=False, **kw
    )


def _fig(row: dict[str, Any]) -> tuple[int, int, int, int]:
    return (row["batches"], row["people"], row["previous"]["batches"], row["previous"]["people"])


@pytest.mark.parametrize("use_summary", [True, False])
def test_letters_by_kind(ledger: District, use_summary: bool) -> None:
    letters = _report(ledger, use_summary=use_summary)["letters"]
    assert _fig(letters) == (4, 6, 1, 1)
    assert letters["change"] == {"batches": "上升300.0%", "people": "上升500.0%"}
    kinds = {k["kind"]: _fig(k) for k in letters["kinds"]}
    assert kinds == {
        "": (1, 1, 0, 0),
        "leader_instructed": (1, 1, 1, 1),
        "joint": (1, 3, 0, 0),
        "assigned": (0, 0, 0, 0),
        "national_assigned": (1, 1, 0, 0),
        "forwarded": (0, 0, 0, 0),
        "abnormal": (0, 0, 0, 0),
    }
    joint = next(k for k in letters["kinds"] if k["kind"] == "joint")
    assert joint["name"] == "联名信" and joint["change"]["batches"] == "新增"
    assert _fig(letters["first"]) == (3, 5, 1, 1)
    assert _fig(letters["repeat"]) == (1, 1, 0, 0)
    by_purpose = {r["purpose"]: _fig(r) for r in letters["first_by_purpose"]}
    assert by_purpose == {
        "suggestion": (1, 3, 0, 0),
        "accusation": (1, 1, 0, 0),
        "request": (1, 1, 1, 1),
    }


def test_letters_without_accusations(ledger: District) -> None:
    letters = _report(ledger, hide_accusations=True)["letters"]
    assert _fig(letters) == (3, 5, 1, 1)  # L6, 检举控告, left out
    assert [r["purpose"] for r in letters["first_by_purpose"]] == [
        "suggestion",
        "accusation",
        "request",
    ]


def test_a_street_reports_its_own_letters(ledger: District) -> None:
    from datetime import date

    rep = build_report(
        org=ledger.street_a, period=Period(date(2024, 2, 10), date(2024, 3, 31)), leader_work=False
    )
    assert _fig(rep["letters"]) == (2, 2, 1, 1)  # L1 (东风社区), L3; compared P1
    # its child 东风社区: L1 and V2
    assert [
        (r["name"], r["channel"], r["level"], _fig(r))
        for r in rep["breakdowns"]["locality,channel,level"]
    ] == [
        ("东风社区", "letter", "local", (1, 1, 0, 0)),
        ("东风社区", "visit", "national", (1, 1, 0, 0)),
    ]


@pytest.mark.parametrize("use_summary", [True, False])
def test_streets_by_channel_and_level(ledger: District, use_summary: bool) -> None:
    rows = _report(ledger, use_summary=use_summary)["breakdowns"]["locality,channel,level"]
    assert [(r["locality"], r["name"], r["channel"], r["level"], _fig(r)) for r in rows] == [
        ("32010101", "东风街道", "letter", "local", (2, 2, 1, 1)),
        ("32010102", "西湖街道", "letter", "local", (1, 3, 0, 0)),
        ("32010101", "东风街道", "visit", "national", (2, 3, 1, 3)),
        ("32010102", "西湖街道", "visit", "national", (1, 6, 0, 0)),
        ("32010102", "西湖街道", "visit", "provincial", (1, 1, 0, 0)),
        ("32010101", "东风街道", "online", "local", (1, 1, 0, 0)),
    ]
    assert rows[2]["change"] == {"batches": "上升100.0%", "people": "持平"}
    assert rows[3]["change"] == {"batches": "新增", "people": "新增"}
    assert "rank" not in rows[0] and "place" not in rows[0]


def test_the_sentences(ledger: District) -> None:
    text = render_text(_report(ledger))
    assert "一是进京走访。登记4批10人次" in text  # V1 V2 V3 V5
    # V3 (6 people) is collective by the threshold of 5; V1 V2 V5 individual
    assert (
        "其中个访3批4人次，集体访1批6人次。从属地看，东风街道进京上访2批3人次，西湖街道进京上访1批6人次。"
    ) in text
    assert "其中，西湖街道赴省上访1批1人次。" in text
    assert (
        "共受理人民来信4件，其中领导批示件1件，求决类初信1件，联名信1件，国家投诉受理办公室交办件1件；"
        "受理网上信访1件。来信较去年同期1件，上升300.0%；网上信访较去年同期0件，新增。"
    ) in text
    assert (
        "从信访事项的类别看：涉及征地拆迁矛盾居榜首，物业管理有所上升，三农有所下降。"
        "征地拆迁3批9人次，同比去年0批0人次，批次新增；上升最多的是物业管理，2批4人次，"
        "同比去年1批1人次，批次上升100.0%；下降最多的是三农，0批0人次，同比去年1批3人次，"
        "批次下降100.0%。"
    ) in text


def test_zero_reads_naturally(ledger: District) -> None:
    from datetime import date

    rep = build_report(
        org=ledger.district, period=Period(date(2024, 6, 1), date(2024, 6, 30)), leader_work=False
    )
    assert _fig(rep["letters"]) == (0, 0, 0, 0)
    assert rep["letters"]["change"]["batches"] == "持平"
    assert rep["breakdowns"]["locality,channel,level"] == []
    text = render_text(rep)
    assert "来信和网上信访情况。2024年6月，未收到人民来信；无网上信访。" in text
    assert "从信访事项的类别看：本期登记未涉及具体内容分类。" in text
    assert "0.0%" not in text.split("一、")[1].split("（三）")[0]
    assert "上访" not in text  # no street sentence


def test_dashboard_opens_the_letters_and_the_streets(ledger: District) -> None:
    client = Client()
    client.force_login(ledger.users["officer"])
    query = {"org": "320101", "span": "custom", "start": "2024-02-10", "end": "2024-03-31"}
    page = client.get("/analytics/", query)
    assert page.status_code == 200
    dash = page.context["dash"]
    letters = {row[0].value: row for row in dash.tables["letters"].rows}
    assert letters["来信合计"][1].value == 4
    assert letters["联名信"][1].value == 1
    streets = [[c.value for c in r[:5]] for r in dash.tables["locality_level"].rows]
    assert ["西湖街道", "来访", "进京", 1, 6] in streets
    # each figure opens the matters it counts
    for label, numbers in (
        ("联名信", {"L2"}),
        ("重信", {"SX-A"}),
        ("求决类初信", {"L1"}),
        ("普通来信", {"SX-A"}),
        ("来信合计", {"L1", "L2", "SX-A", "L6"}),
    ):
        listing = client.get(letters[label][1].href)
        assert {m.number for m in listing.context["page"].rows} == numbers, label
    west = next(
        r
        for r in dash.tables["locality_level"].rows
        if [c.value for c in r[:3]] == ["西湖街道", "来访", "进京"]
    )
    listing = client.get(west[3].href)
    assert {m.number for m in listing.context["page"].rows} == {"V3"}

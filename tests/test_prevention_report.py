"""B2 `hearings`, `handed_down` and `meetings` in the report's JSON and its text, on a small set
counted by hand: a hearing in 复查, a meeting's decision assigning 2 matters, a batch of 3 with 2
化解 and 1 回流."""

from datetime import date, datetime
from typing import Any

import pytest

from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Period
from xinfang.analytics.text import render_text
from xinfang.casework.choices import BatchSource, BodyKind, MeetingKind
from xinfang.casework.services import (
    DecisionAssignment,
    batch_create,
    body_create,
    decision_make,
    item_resolve,
    item_verify,
    meeting_record,
)
from xinfang.hearings import services as hs
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf

from .conftest import TZ, District, register
from .hearings_support import hearing_input, under_review
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db

P = Period(date(2025, 8, 1), date(2025, 12, 31))


def _set(d: District) -> None:
    officer = d.users["officer"]
    # a hearing in 复查: replied 08-20 on its way, heard 09-03, review decided 09-10
    review = under_review(d)
    hs.hearing_record(
        actor=officer,
        matter=review,
        data=hearing_input(d, date(2025, 9, 3)),
        record="笔录",
        conclusion="结论",
    )
    step(wf.review_decide, review, officer, outcome="explained", on=date(2025, 9, 10))
    # a 会办会 on 09-01 whose decision assigns 2 matters (东风街道; 区住建局 on a 西湖街道 matter)
    body = body_create(
        actor=officer,
        name="示范区信访工作联席会议",
        kind=BodyKind.JOINT,
        unit=d.district,
        members=[d.street_a, d.housing, d.discipline],
        groups={"农村征用土地问题组": [d.street_a], "住房问题组": [d.housing]},
    )
    meeting = meeting_record(
        actor=officer,
        body=body,
        kind=MeetingKind.COORDINATION,
        held_on=date(2025, 9, 1),
        place="区信访局会议室",
        minutes="研究两件征地问题",
    )
    first, second = new_matter(d), new_matter(d, locality=d.street_b)
    decision_make(
        actor=officer,
        meeting=meeting,
        text="两件征地补偿问题由东风街道、区住建局限期办结",
        group=body.groups.get(name="农村征用土地问题组"),
        on=date(2025, 9, 1),
        assignments=[
            DecisionAssignment(first, d.street_a, date(2025, 10, 15)),
            DecisionAssignment(second, d.housing, date(2025, 10, 31)),
        ],
    )
    # 办结 of the first: replied 10-10 (set directly, as the figure reads it)
    Matter.objects.filter(pk=first.pk).update(replied_on=date(2025, 10, 10))
    # a batch of 3 handed down 09-01: 2 化解, 1 of them 通过审核, the other 回流 on 10-08
    matters = [new_matter(d) for _ in range(3)]
    batch = batch_create(
        actor=officer,
        source=BatchSource.PROVINCE,
        name="第一批",
        unit=d.district,
        handed_on=date(2025, 9, 1),
        deadline=date(2025, 12, 31),
        numbers=[m.number for m in matters],
    )
    a, b, _c = (fresh(m) for m in matters)
    item_resolve(actor=officer, batch=batch, matter=a, on=date(2025, 9, 10))
    item_resolve(actor=officer, batch=batch, matter=b, on=date(2025, 9, 15))
    item_verify(actor=officer, batch=batch, matter=a, passed=True, on=date(2025, 9, 20))
    register(d, locality=d.street_a, matter=b, when=datetime(2025, 10, 8, 9, 0, tzinfo=TZ))


def test_the_report_carries_hearings_meetings_and_batches(district: District) -> None:
    d = district
    _set(d)
    report = build_report(org=d.district, period=P)
    # hearings: 1 held (复查, 09-03); 复查 decided 09-10, heard → 1 of 1. 办理 and 复核 have no
    # hearing to share (none held, none heard on a matter decided in P): not counted, 无
    assert report["hearings"] == {
        "held": 1,
        "by_stage": {
            "handling": {"held": 0, "decided": None, "with_hearing": 0, "share": None},
            "review": {
                "held": 1,
                "decided": 1,
                "with_hearing": 1,
                "share": {"num": 1, "den": 1, "pct": "100.0"},
            },
            "rereview": {"held": 0, "decided": None, "with_hearing": 0, "share": None},
        },
    }
    assert report["meetings"] == {
        "held": 1,
        "by_kind": {"联席会议": 0, "会办会": 1, "专题会": 0},
        "assigned": 2,
        "done": 1,
        "by_group": [{"group": "农村征用土地问题组", "assigned": 2, "done": 1}],
        "by_body": [
            {
                "body": "示范区信访工作联席会议",
                "body_id": report["meetings"]["by_body"][0]["body_id"],
                "assigned": 2,
                "done": 1,
                "groups": [
                    {
                        "group": "农村征用土地问题组",
                        "group_id": report["meetings"]["by_body"][0]["groups"][0]["group_id"],
                        "assigned": 2,
                        "done": 1,
                    }
                ],
            }
        ],
    }
    (row,) = report["handed_down"]
    assert {k: v for k, v in row.items() if k != "batch"} == {
        "source": "省",
        "name": "第一批",
        "handed_on": "2025-09-01",
        "matters": 3,
        "resolved": 2,
        "verified": 1,
        "reflowed": 1,
        "rate": {"num": 2, "den": 3, "pct": "66.7"},
    }
    text = render_text(report)
    assert (
        "（六）信访积案化解和信访听证情况。2025年8-12月，召开会办会1场次。示范区信访工作联席会议"
        "各成员小组共向我区交办2个案件，其中：农村征用土地问题组有2个案件，已办结1个。"
        "省第一批交办我区信访积案3件，已化解2件，化解率66.7%，通过审核1件，已化解后回流1件。"
        "开展信访听证1件，信访事项办理、复查、复核中听证占比分别为无、100.0%、无。"
    ) in text
    assert "（七）矛盾纠纷排查化解情况。2025年8-12月，无新排查和化解的矛盾纠纷。" in text
    assert "（八）督办信访事项办理情况。" in text
    # 西湖街道's report: only the matter of its 问题属地 assigned, no batch, no hearing
    west = build_report(org=d.street_b, period=P)
    assert (west["meetings"]["held"], west["meetings"]["assigned"]) == (0, 1)
    assert west["handed_down"] == [] and west["hearings"]["held"] == 0
    assert "无交办我街道的信访积案。" in render_text(west)
    # the benchmark's and Word's report leaves the keys out, as the leader work's
    bare = build_report(org=d.district, period=P, leader_work=False)
    assert not {"hearings", "handed_down", "meetings", "disputes"} & bare.keys()


# --- `disputes`: a hand-counted set ------------------------------------------------------------
#
# P = 2025-08-01 .. 2025-12-31, the district (示范区) and its children. By hand:
#   D1 东风社区  found 08-05 日常排查 at 村社区, settled 08-20 at 村社区
#   D2 东风社区  found 09-01 网格上报 at 村社区, raised 09-10 to 街道乡镇, settled 09-25 there
#   D3 西湖街道  found 10-02 群众反映 at 街道乡镇, raised 10-20 to 区县, petition 11-03
#   D4 东风社区  found 2025-07-10 (before P) 日常排查, settled 08-02 at 村社区 (settled in P only)
#   D5 示范区    found 11-05 专项排查 at 区县 (the district itself: 本级), open
#   D6 东风社区  found 12-01 日常排查, a 重排 of D1, open
#   D7 东风社区  found 2026-01-05 (after P): nothing
# found 5 (D1 D2 D3 D5 D6): 日常 2, 专项 1, 网格 1, 群众 1; by level 村社区 3, 街道乡镇 1, 区县 1
# settled 3 (D1 D2 D4): 村社区 2, 街道乡镇 1, 区县 0; found in P and settled by its end: D1 D2
# → 2 of 5 = 40.0%; escalated 2 (D2 → 街道乡镇, D3 → 区县); petitions 1 (D3); 重排 1 (D6)
# by unit: 本级 found 1; 东风街道 found 3, settled 3 (incl. D4), resolved 2, escalated 1, 重排 1;
# 西湖街道 found 1, escalated 1, petitions 1; 区住建局, 区纪委监委 nothing.


def _dispute_input(d: District, found_on: date, source: str, place: Any, level: str) -> Any:
    from xinfang.disputes.choices import Risk
    from xinfang.disputes.services import DisputeInput

    return DisputeInput(
        found_on=found_on,
        source=source,
        place=place,
        parties=3,
        description="两户因排水沟渠发生争执",
        risk=Risk.LOW,
        level=level,
    )


def _disputes(d: District) -> dict[str, Any]:
    from xinfang.disputes import services as ds
    from xinfang.disputes.choices import DisputeLevel as L
    from xinfang.disputes.choices import DisputeSource as S

    officer = d.users["officer"]

    def rec(day: date, source: str, place: Any, level: str = L.VILLAGE, **kw: Any) -> Any:
        data = _dispute_input(d, day, source, place, level)
        for k, v in kw.items():
            setattr(data, k, v)
        return ds.record_dispute(actor=officer, data=data)

    d1 = rec(date(2025, 8, 5), S.ROUTINE, d.village_a)
    ds.settle(actor=officer, dispute=d1, on=date(2025, 8, 20))
    d2 = rec(date(2025, 9, 1), S.GRID, d.village_a)
    ds.escalate(actor=officer, dispute=d2, on=date(2025, 9, 10))
    ds.settle(actor=officer, dispute=d2, on=date(2025, 9, 25))
    d3 = rec(date(2025, 10, 2), S.PUBLIC, d.street_b, L.STREET)
    ds.escalate(actor=officer, dispute=d3, on=date(2025, 10, 20))
    ds.link_petition(
        actor=officer, dispute=d3, on=date(2025, 11, 3), matter=new_matter(d, locality=d.street_b)
    )
    d4 = rec(date(2025, 7, 10), S.ROUTINE, d.village_a)
    ds.settle(actor=officer, dispute=d4, on=date(2025, 8, 2))
    campaign = ds.campaign_create(
        actor=officer,
        name="冬季矛盾纠纷专项排查",
        unit=d.district,
        starts_on=date(2025, 11, 1),
        ends_on=date(2025, 11, 30),
    )
    d5 = rec(date(2025, 11, 5), S.SPECIAL, d.district, L.DISTRICT, campaign=campaign)
    d6 = ds.rescreen(
        actor=officer,
        dispute=type(d1).objects.get(pk=d1.pk),  # settled since
        data=_dispute_input(d, date(2025, 12, 1), S.ROUTINE, d.village_a, L.VILLAGE),
    )
    d7 = rec(date(2026, 1, 5), S.ROUTINE, d.village_a)
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5, "d6": d6, "d7": d7}


def _levels(village: int, street: int, district: int) -> dict[str, int]:
    return {"village": village, "street": street, "district": district}


def _unit(
    code: str, name: str, own: bool = False, pct: str = "0.0", **figures: int
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "unit": code,
        "name": name,
        "own": own,
        "found": 0,
        "found_by_source": {"routine": 0, "special": 0, "grid": 0, "public": 0},
        "found_by_level": _levels(0, 0, 0),
        "settled": 0,
        "settled_by_level": _levels(0, 0, 0),
        "resolved": 0,
        "escalated": 0,
        "escalated_to": _levels(0, 0, 0),
        "petitions": 0,
        "rescreened": 0,
    }
    for key, value in figures.items():
        if "__" in key:
            outer, inner = key.split("__")
            row[outer][inner] = value
        else:
            row[key] = value
    row["resolution"] = {"num": row["resolved"], "den": row["found"], "pct": pct}
    return row


DISTRICT_DISPUTES = {
    "found": 5,
    "found_by_source": {"routine": 2, "special": 1, "grid": 1, "public": 1},
    "found_by_level": _levels(3, 1, 1),
    "settled": 3,
    "settled_by_level": _levels(2, 1, 0),
    "resolved": 2,
    "escalated": 2,
    "escalated_to": _levels(0, 1, 1),
    "petitions": 1,
    "rescreened": 1,
    "resolution": {"num": 2, "den": 5, "pct": "40.0"},
    "by_unit": [
        _unit(
            "320101", "示范区", True, found=5 - 4, found_by_source__special=1,
            found_by_level__district=1,
        ),
        _unit(
            "32010101", "东风街道", found=3, found_by_source__routine=2, found_by_source__grid=1,
            found_by_level__village=3, settled=3, settled_by_level__village=2, pct="66.7",
            settled_by_level__street=1, resolved=2, escalated=1, escalated_to__street=1,
            rescreened=1,
        ),
        _unit(
            "32010102", "西湖街道", found=1, found_by_source__public=1, found_by_level__street=1,
            escalated=1, escalated_to__district=1, petitions=1,
        ),
        _unit("32010190", "区住房和城乡建设局"),
        _unit("32010191", "区纪委监委"),
    ],
}  # fmt: skip

DISPUTE_PARAGRAPH = (
    "（七）矛盾纠纷排查化解情况。2025年8-12月，共排查矛盾纠纷5件，化解3件，期内排查的已化解2件，"
    "化解率40.0%。按来源，日常排查2件、专项排查1件、网格上报1件、群众反映1件。分层级看，"
    "村社区排查3件、化解2件；街道乡镇排查1件、化解1件；区县排查1件、化解0件。升级2件"
    "（升至街道乡镇1件、升至区县1件），转入信访程序1件，重排1件。其中，示范区（本级）排查1件，"
    "化解0件；东风街道排查3件，化解3件；西湖街道排查1件，化解0件。"
)


def test_disputes_counted_by_hand(district: District) -> None:
    d = district
    _disputes(d)
    report = build_report(org=d.district, period=P)
    assert report["disputes"] == DISTRICT_DISPUTES
    lines = render_text(report).splitlines()
    assert DISPUTE_PARAGRAPH in lines, [x for x in lines if "矛盾纠纷" in x]
    # 东风街道's own report: its three found (all at 村社区) and three settled; its child 东风社区
    east = build_report(org=d.street_a, period=P)["disputes"]
    assert (east["found"], east["settled"], east["resolved"]) == (3, 3, 2)
    assert east["found_by_level"] == _levels(3, 0, 0)
    assert [(u["name"], u["found"], u["settled"]) for u in east["by_unit"]] == [
        ("东风街道", 0, 0),
        ("东风社区", 3, 3),
    ]
    # a period with nothing: no “0.0%”, the text says 无
    quiet = build_report(org=d.street_b, period=Period(date(2025, 1, 1), date(2025, 6, 30)))
    assert quiet["disputes"]["resolution"] == {"num": 0, "den": 0, "pct": "0.0"}
    text = render_text(quiet)
    assert "矛盾纠纷排查化解情况。2025年1-6月，无新排查和化解的矛盾纠纷。" in text
    # settled only, nothing found: 化解 said, the rate 无新排查
    august = build_report(org=d.street_a, period=Period(date(2025, 8, 1), date(2025, 8, 4)))
    line = next(x for x in render_text(august).splitlines() if "矛盾纠纷排查化解" in x)
    assert "共排查矛盾纠纷0件，化解1件，无新排查。" in line and "0.0%" not in line


def test_disputes_lists_open_the_rows_counted(district: District) -> None:
    from django.test import Client

    from .conftest import PASSWORD

    d = district
    made = _disputes(d)
    client = Client()
    client.login(username="officer", password=PASSWORD)
    base = {"org": "320101", "start": "2025-08-01", "end": "2025-12-31"}

    def numbers(**query: str) -> set[str]:
        page = client.get("/prevention/figures/disputes/", base | query)
        assert page.status_code == 200, page.content.decode()[:500]
        return {r.number for r in page.context["rows"]}

    def of(*names: str) -> set[str]:
        return {made[n].number for n in names}

    assert numbers() == of("d1", "d2", "d3", "d5", "d6")
    assert numbers(figure="found", level="village") == of("d1", "d2", "d6")
    assert numbers(figure="found", source="routine") == of("d1", "d6")
    assert numbers(figure="settled") == of("d1", "d2", "d4")
    assert numbers(figure="settled", level="street") == of("d2")
    assert numbers(figure="resolved") == of("d1", "d2")
    assert numbers(figure="escalated", level="district") == of("d3")
    assert numbers(figure="petitions") == of("d3")
    assert numbers(figure="rescreened") == of("d6")
    assert numbers(unit="320101") == of("d5")  # 本级
    assert numbers(unit="32010101", figure="settled") == of("d1", "d2", "d4")
    # the dashboard's dispute table links to these lists
    page = client.get("/analytics/", {"org": "320101", "span": "custom", "start": "2025-08-01",
                                      "end": "2025-12-31"})  # fmt: skip
    assert page.status_code == 200
    tables = {t.name: t for t in page.context["dash"].prevention}
    found_row = tables["disputes"].rows[0]
    assert [c.value for c in found_row] == ["排查（件）", 3, 1, 1, 5]
    assert client.get(found_row[1].href).context["rows"].__len__() == 3
    # refused: a reader who may not see disputes (登记员), a unit outside the reader's, bad input
    client.login(username="registrar", password=PASSWORD)
    assert client.get("/prevention/figures/disputes/", base).status_code == 403
    page = client.get("/analytics/", {"org": "320101", "span": "custom", "start": "2025-08-01",
                                      "end": "2025-12-31"})  # fmt: skip
    tables = {t.name: t for t in page.context["dash"].prevention}
    assert tables["disputes"].rows[0][4].href is None  # the figure shows, without a link
    client.login(username="officer", password=PASSWORD)
    assert client.get("/prevention/figures/disputes/", base | {"org": "3201"}).status_code == 403
    # without `org` a list is of the reader's own unit (the officer's 320101: the same five)
    own = client.get("/prevention/figures/disputes/", {"start": "2025-08-01", "end": "2025-12-31"})
    assert own.status_code == 200
    assert {r.number for r in own.context["rows"]} == of("d1", "d2", "d3", "d5", "d6")
    bad = client.get("/prevention/figures/disputes/", base | {"figure": "everything"})
    assert bad.status_code == 400 and "纠纷指标“everything”无效" in bad.content.decode()
    bad = client.get("/prevention/figures/disputes/", base | {"unit": "32010102X"})
    assert bad.status_code == 400


# --- JSON, text, Excel, Word and the dashboard agree; each figure opens its rows -------------

REPORT_ARGS = ["--start", "2025-08-01", "--end", "2025-12-31", "--org", "320101"]


def test_text_excel_and_word_agree(district: District, tmp_path: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command
    from docx import Document
    from openpyxl import load_workbook

    d = district
    _set(d)
    _disputes(d)
    out = StringIO()
    call_command("report", *REPORT_ARGS, stdout=out)
    report = json.loads(out.getvalue())
    assert report["disputes"] == DISTRICT_DISPUTES
    out = StringIO()
    call_command("report", *REPORT_ARGS, "--format", "text", stdout=out)
    assert DISPUTE_PARAGRAPH in out.getvalue().splitlines()

    # the sheets, typed from the hand count above
    xlsx = tmp_path / "r.xlsx"
    call_command("report", *REPORT_ARGS, "--format", "xlsx", "--output", str(xlsx))
    book = load_workbook(xlsx)

    def sheet(name: str) -> dict[str, tuple[Any, ...]]:
        rows = book[name].iter_rows(min_row=3, values_only=True)
        return {row[0]: row[1:] for row in rows if row[0]}

    assert sheet("信访听证") == {
        "办理": (0, None, 0, "无"),
        "复查": (1, 1, 1, "100.0"),
        "复核": (0, None, 0, "无"),
        "合计": (1, None, None, None),
    }
    assert sheet("交办积案") == {"第一批": ("省", "2025-09-01", 3, 2, 1, 1, "66.7")}
    assert sheet("联席会议和会办会") == {
        "合计": (1, 2, 1),
        "  其中联席会议": (0, None, None),
        "  其中会办会": (1, None, None),
        "  其中专题会": (0, None, None),
        "示范区信访工作联席会议": (None, 2, 1),
        "  农村征用土地问题组": (None, 2, 1),
    }
    disputes = sheet("矛盾纠纷排查化解")
    assert disputes["排查（件）"] == (3, 1, 1, 5)
    assert disputes["化解（件）"] == (2, 1, 0, 3)
    assert disputes["升级至该层级（件）"] == (None, 1, 1, 2)
    assert disputes["  排查来源：日常排查（件）"] == (None, None, None, 2)
    assert disputes["期内排查已化解（件）"][3] == 2
    assert disputes["转入信访程序（件）"][3] == 1 and disputes["重排（件）"][3] == 1
    assert disputes["化解率（%）"] == (None, None, None, "40.0")
    units = sheet("矛盾纠纷分单位")
    assert units["示范区（本级）"] == (1, 0, 0, "0.0", 0, 0, 0)  # 1 found, none settled yet
    assert units["东风街道"] == (3, 3, 2, "66.7", 1, 0, 1)
    assert units["西湖街道"] == (1, 0, 0, "0.0", 1, 1, 0)
    assert units["区住房和城乡建设局"] == (0, 0, 0, "无", 0, 0, 0)

    # Word: the paragraph, and the same tables
    docx = tmp_path / "r.docx"
    call_command("report", *REPORT_ARGS, "--format", "docx", "--output", str(docx))
    doc = Document(str(docx))
    assert DISPUTE_PARAGRAPH in [p.text for p in doc.paragraphs]
    grids = {
        t.rows[1].cells[0].text: {r.cells[0].text: [c.text for c in r.cells[1:]] for r in t.rows}
        for t in doc.tables
        if len(t.rows) > 1
    }
    assert grids["排查（件）"]["排查（件）"] == ["3", "1", "1", "5"]
    assert grids["排查（件）"]["化解率（%）"] == ["", "", "", "40.0"]
    assert grids["示范区（本级）"]["东风街道"] == ["3", "3", "2", "66.7", "1", "0", "1"]
    assert grids["第一批"]["第一批"] == ["省", "2025-09-01", "3", "2", "1", "1", "66.7"]
    assert grids["办理"]["复查"] == ["1", "1", "1", "100.0"]
    assert grids["合计"]["  农村征用土地问题组"] == ["", "2", "1"]


def test_each_figure_opens_its_rows(district: District) -> None:
    from django.test import Client

    from .conftest import PASSWORD

    d = district
    _set(d)
    client = Client()
    client.login(username="leader", password=PASSWORD)
    query = {"org": "320101", "span": "custom", "start": "2025-08-01", "end": "2025-12-31"}
    page = client.get("/analytics/", query)
    assert page.status_code == 200
    assert "信访听证、交办积案、联席会议和矛盾纠纷" in page.content.decode()
    tables = {t.name: t for t in page.context["dash"].prevention}

    def opened(table: str, row: str, column: int) -> list[Any]:
        cell = next(r for r in tables[table].rows if r[0].value == row)[column]
        assert cell.href, (table, row, column)
        listing = client.get(cell.href)
        assert listing.status_code == 200
        return list(listing.context["rows"])

    (hearing,) = opened("hearings", "复查", 1)
    assert hearing.ends_on == date(2025, 9, 3)
    assert len(opened("hearings", "复查", 2)) == 1  # decided in 复查 in P
    assert len(opened("hearings", "合计", 1)) == 1
    # the batch: 3 matters, 2 化解, 1 通过审核, 1 回流
    assert [len(opened("handed_down", "第一批", c)) for c in (3, 4, 5, 6)] == [3, 2, 1, 1]
    (meeting,) = opened("meetings", "合计", 1)
    assert meeting.held_on == date(2025, 9, 1)
    assert len(opened("meetings", "  其中会办会", 1)) == 1
    assert len(opened("meetings", "示范区信访工作联席会议", 2)) == 2
    (done,) = opened("meetings", "  农村征用土地问题组", 3)
    assert done.matter.replied_on == date(2025, 10, 10)
    # a figure of 0 opens nothing
    assert next(r for r in tables["hearings"].rows if r[0].value == "办理")[1].href is None
    # each table exports like the dashboard's others
    export = client.get("/analytics/export.xlsx", query | {"table": "handed_down"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    # a batch not of the node asked for: refused; a street's reader cannot ask for the district
    href = next(r for r in tables["handed_down"].rows if r[0].value == "第一批")[3].href
    assert client.get(href.replace("org=320101", "org=32010102")).status_code == 403
    client.login(username="street_a_staff", password=PASSWORD)
    assert client.get(href).status_code == 403


def test_seed000_a_city_body_hands_matters_down_by_topic_group(district: District) -> None:
    """Seed 000: “市联席会议各成员小组共向我区交办25个案件，其中：农村征用土地问题组有4个案件，
    已全部办结” — a query: a city body's decisions for the district's matters, by topic group."""
    d = district
    officer = d.users["officer"]
    body = body_create(
        actor=officer,
        name="市联席会议",
        kind=BodyKind.JOINT,
        unit=d.city,
        groups={"农村征用土地问题组": [], "劳动社保问题组": []},
    )
    meeting = meeting_record(
        actor=officer,
        body=body,
        kind=MeetingKind.JOINT,
        held_on=date(2025, 9, 5),
        place="市信访局",
        minutes="交办各区征地、社保问题",
    )
    land = [new_matter(d) for _ in range(2)]
    labour = new_matter(d, locality=d.street_b)
    for group, matters in (("农村征用土地问题组", land), ("劳动社保问题组", [labour])):
        decision_make(
            actor=officer,
            meeting=meeting,
            text=f"{group}交办",
            group=body.groups.get(name=group),
            on=date(2025, 9, 5),
            assignments=[DecisionAssignment(m, d.street_a, date(2025, 11, 4)) for m in matters],
        )
    # both land matters answered by the end of P; the labour one not yet
    Matter.objects.filter(pk__in=[m.pk for m in land]).update(replied_on=date(2025, 10, 20))
    report = build_report(org=d.district, period=P)
    meetings = report["meetings"]
    # the city's meeting is not the district's own: held 0, but its 交办 count for the district
    assert (meetings["held"], meetings["assigned"], meetings["done"]) == (0, 3, 2)
    assert (
        "（六）信访积案化解和信访听证情况。2025年8-12月，未召开联席会议、会办会。"
        "市联席会议各成员小组共向我区交办3个案件，其中：农村征用土地问题组有2个案件，已全部办结；"
        "劳动社保问题组有1个案件，已办结0个。无交办我区的信访积案。未开展信访听证。"
    ) in render_text(report).splitlines()
    # the city itself held it
    city = build_report(org=d.city, period=P)["meetings"]
    assert (city["held"], city["by_kind"]["联席会议"], city["assigned"]) == (1, 1, 3)

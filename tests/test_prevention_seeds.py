"""The seeds' prevention sentences from files imported through the real importers: JSON, text,
Excel and Word agree. The data set and its hand count: tests/prevention_seed_ledgers.py.

Every expected number is typed from the seed (or, for what the seed leaves out, from the count in
the generator's comments), never read back from the product.
"""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from tests.prevention_seed_ledgers import (
    BATCH_NAME,
    CHENGNAN,
    COUNTY,
    QIXIA,
    import_files,
    write_files,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_set(db: None, tmp_path: Path) -> dict[str, str]:
    return import_files(write_files(tmp_path))


class Report:
    """One node and period, in the four formats the `xinfang report` command writes."""

    def __init__(self, folder: Path, org: str, start: str, end: str) -> None:
        args = ["--start", start, "--end", end, "--org", org]
        out = StringIO()
        call_command("report", *args, stdout=out)
        self.json: dict[str, Any] = json.loads(out.getvalue())
        out = StringIO()
        call_command("report", *args, "--format", "text", stdout=out)
        self.lines = out.getvalue().splitlines()
        xlsx, docx = folder / f"{org}-{start}.xlsx", folder / f"{org}-{start}.docx"
        call_command("report", *args, "--format", "xlsx", "--output", str(xlsx))
        call_command("report", *args, "--format", "docx", "--output", str(docx))
        self.book = load_workbook(xlsx)
        self.doc = Document(str(docx))

    def paragraph(self, heading: str) -> str:
        """The text line of a numbered part (“（四）信访积案化解…”), without its number."""
        return _part(self.lines, heading)

    def word_paragraph(self, heading: str) -> str:
        return _part([p.text for p in self.doc.paragraphs], heading)

    def sheet(self, name: str) -> dict[str, tuple[Any, ...]]:
        rows = self.book[name].iter_rows(min_row=3, values_only=True)
        return {row[0]: tuple(row[1:]) for row in rows if row[0]}

    def word_table(self, first: str) -> dict[str, list[str]]:
        """The Word table whose first body row starts with `first`, by its rows' first cell."""
        for t in self.doc.tables:
            if len(t.rows) > 1 and t.rows[1].cells[0].text == first:
                return {r.cells[0].text: [c.text for c in r.cells[1:]] for r in t.rows}
        raise AssertionError(f"no Word table starting with {first}")


def _part(lines: list[str], heading: str) -> str:
    found = [line.split("）", 1)[1] for line in lines if line.startswith("（") and heading in line]
    assert len(found) == 1, (heading, found)
    return found[0]


def test_the_files_come_in_whole(data_set: dict[str, str]) -> None:
    # ledger: 郎溪县 21 batch matters + 2 回流 rows + 16 办理 (15 heard, LX-TZ-00) + 5 + 8 复查
    # + 5 复核 = 57 rows of 55 matters; 栖霞区 4 rows, 4 matters
    assert "共61行，新增登记61条（新事项59件）" in data_set["ledger"]
    assert "新增交办积案批次1个、事项21件（已化解21件，通过审核21件）" in data_set["batch"]
    assert "化解后又有登记的回流2件次" in data_set["batch"]
    assert "共27行，新增听证27场" in data_set["hearings"]  # 25 + LX-TZ-00 (2019) + QX-01
    assert "共30行，新增会议30次" in data_set["meetings"]  # 29 in 1-6月 + 07-06
    assert "新增矛盾纠纷18件（升级记录4条" in data_set["disputes"]  # 17 of 2022 + D21-01


# --- seed 002: 郎溪县, 2020 ----------------------------------------------------------------------
# “2020年中央信联办、国家xxx第一批交办我县重复信访和历史积案化解21件，已按要求全部化解并通过审核，
# 化解率100%。已化解后回流2件，已按程序再次化解稳控。”
# “在信访听证方面，我县开展信访听证25件，信访事项办理、复查、复核中听证占比达到。”
# (The seed leaves the shares blank; ours are 15/20, 6/8 and 4/5 by the generator's count.)

COUNTY_PARAGRAPH = (
    "信访积案化解和信访听证情况。2020年，未召开联席会议、会办会。无联席会议交办我县的案件。"
    "中央信联办、国家信访局第一批交办我县信访积案21件，已化解21件，化解率100%，通过审核21件，"
    "已化解后回流2件。"
    "开展信访听证25件，信访事项办理、复查、复核中听证占比分别为75.0%、75.0%、80.0%。"
)


def test_seed002_batch_and_hearings(data_set: dict[str, str], tmp_path: Path) -> None:
    r = Report(tmp_path, COUNTY, "2020-01-01", "2020-12-31")
    (batch,) = r.json["handed_down"]
    assert {k: batch[k] for k in ("source", "name", "handed_on")} == {
        "source": "中央", "name": BATCH_NAME, "handed_on": "2020-03-10",
    }  # fmt: skip
    assert (batch["matters"], batch["resolved"], batch["verified"], batch["reflowed"]) == (
        21, 21, 21, 2
    )  # fmt: skip
    assert batch["rate"] == {"num": 21, "den": 21, "pct": "100.0"}
    h = r.json["hearings"]
    assert h["held"] == 25
    assert {s: (v["held"], v["share"]) for s, v in h["by_stage"].items()} == {
        "handling": (15, {"num": 15, "den": 20, "pct": "75.0"}),
        "review": (6, {"num": 6, "den": 8, "pct": "75.0"}),
        "rereview": (4, {"num": 4, "den": 5, "pct": "80.0"}),
    }
    assert r.json["meetings"]["held"] == 0 and r.json["disputes"]["found"] == 0

    assert r.paragraph("信访积案化解和信访听证情况") == COUNTY_PARAGRAPH
    assert r.word_paragraph("信访积案化解和信访听证情况") == COUNTY_PARAGRAPH

    assert r.sheet("交办积案") == {BATCH_NAME: ("中央", "2020-03-10", 21, 21, 21, 2, "100.0")}
    assert r.sheet("信访听证") == {
        "办理": (15, 20, 15, "75.0"),
        "复查": (6, 8, 6, "75.0"),
        "复核": (4, 5, 4, "80.0"),
        "合计": (25, None, None, None),
    }
    word = r.word_table(BATCH_NAME)
    assert word[BATCH_NAME] == ["中央", "2020-03-10", "21", "21", "21", "2", "100.0"]
    word = r.word_table("办理")
    assert word["办理"] == ["15", "20", "15", "75.0"]
    assert word["复核"] == ["4", "5", "4", "80.0"]
    assert word["合计"] == ["25", "", "", ""]


def test_seed002_half_a_year_follows_the_batch(data_set: dict[str, str], tmp_path: Path) -> None:
    """1-6月 2020: the batch is followed from its day (03-10); 化解 by 06-30: matters 1 … 19
    (04-01 + 5·18 = 06-30), verified ten days after: 1 … 17 (06-20 + 10); the 回流 came later.
    All 25 hearings were held by 06-14; 办理 decided by 06-30: LX-TZ-01 … 14 (01-06 + 130 + 45 =
    06-29) and LX-BL-01 … 05 (the last answered 05-23): 14 / 19."""
    r = Report(tmp_path, COUNTY, "2020-01-01", "2020-06-30")
    (batch,) = r.json["handed_down"]
    assert (batch["matters"], batch["resolved"], batch["verified"], batch["reflowed"]) == (
        21, 19, 17, 0
    )  # fmt: skip
    assert r.sheet("交办积案")[BATCH_NAME][2:] == (21, 19, 17, 0, "90.5")
    h = r.json["hearings"]
    assert h["held"] == 25
    assert h["by_stage"]["handling"]["share"] == {"num": 14, "den": 19, "pct": "73.7"}


# --- seed 000: 栖霞区, 2023年1-6月 ----------------------------------------------------------------
# “二是加大会办力度……共组织召开会办会29场次，听证会1次，努力将各类问题消化在基层和萌芽状态”

QIXIA_PARAGRAPH = (
    "信访积案化解和信访听证情况。2023年1-6月，召开会办会29场次。无联席会议交办我区的案件。"
    "无交办我区的信访积案。"
    "开展信访听证1件，信访事项办理、复查、复核中听证占比分别为25.0%、无、无。"
)


def test_seed000_meetings_and_a_hearing(data_set: dict[str, str], tmp_path: Path) -> None:
    r = Report(tmp_path, QIXIA, "2023-01-01", "2023-06-30")
    m = r.json["meetings"]
    assert m["held"] == 29
    assert m["by_kind"] == {"联席会议": 0, "会办会": 29, "专题会": 0}
    h = r.json["hearings"]
    assert h["held"] == 1
    assert h["by_stage"]["handling"]["share"] == {"num": 1, "den": 4, "pct": "25.0"}
    assert h["by_stage"]["review"]["share"] is None  # nothing to share: 无, not 0.0%
    assert r.json["handed_down"] == []

    assert r.paragraph("信访积案化解和信访听证情况") == QIXIA_PARAGRAPH
    assert r.word_paragraph("信访积案化解和信访听证情况") == QIXIA_PARAGRAPH

    meetings = r.sheet("联席会议和会办会")
    assert meetings["合计"] == (29, 0, 0)
    assert meetings["  其中会办会"] == (29, None, None)
    assert meetings["  其中联席会议"] == (0, None, None)
    assert r.sheet("信访听证")["办理"] == (1, 4, 1, "25.0")
    assert r.sheet("信访听证")["合计"] == (1, None, None, None)
    word = r.word_table("合计")
    assert word["合计"] == ["29", "0", "0"] and word["  其中会办会"] == ["29", "", ""]
    assert r.word_table("办理")["办理"] == ["1", "4", "1", "25.0"]


def test_seed000_the_meeting_after_the_period_waits(
    data_set: dict[str, str], tmp_path: Path
) -> None:
    r = Report(tmp_path, QIXIA, "2023-01-01", "2023-07-31")
    assert r.json["meetings"]["by_kind"]["会办会"] == 30  # the one of 07-06 joins


# --- seed 002 line 155, and a screening month by level: 城南区, 2022 ----------------------------
# “截止今年11月底，我区共排查出重点集体上访隐患和苗头单件共17件，重排2件。”

MONTH_PARAGRAPH = (
    "矛盾纠纷排查化解情况。2022年11月，共排查矛盾纠纷10件，化解5件，期内排查的已化解5件，"
    "化解率50.0%。按来源，日常排查7件、专项排查1件、网格上报1件、群众反映1件。"
    "分层级看，村社区排查6件、化解3件；街道乡镇排查3件、化解2件；区县排查1件、化解0件。"
    "升级3件（升至街道乡镇2件、升至区县1件），无转入信访程序的纠纷，重排1件。"
    "其中，城南区（本级）排查1件，化解0件；杨庄乡排查5件，化解5件；五尧乡排查4件，化解0件。"
)
YEAR_PARAGRAPH = (
    "矛盾纠纷排查化解情况。2022年1-11月，共排查矛盾纠纷17件，化解11件，期内排查的已化解11件，"
    "化解率64.7%。按来源，日常排查13件、专项排查1件、网格上报1件、群众反映2件。"
    "分层级看，村社区排查10件、化解7件；街道乡镇排查5件、化解3件；区县排查2件、化解1件。"
    "升级4件（升至街道乡镇2件、升至区县2件），无转入信访程序的纠纷，重排2件。"
    "其中，城南区（本级）排查2件，化解0件；杨庄乡排查9件，化解9件；五尧乡排查6件，化解2件。"
)


def test_a_screening_month_by_level(data_set: dict[str, str], tmp_path: Path) -> None:
    r = Report(tmp_path, CHENGNAN, "2022-11-01", "2022-11-30")
    d = r.json["disputes"]
    assert (d["found"], d["settled"], d["escalated"], d["petitions"], d["rescreened"]) == (
        10, 5, 3, 0, 1
    )  # fmt: skip
    assert d["found_by_level"] == {"village": 6, "street": 3, "district": 1}
    assert d["settled_by_level"] == {"village": 3, "street": 2, "district": 0}
    assert d["escalated_to"] == {"village": 0, "street": 2, "district": 1}
    assert d["found_by_source"] == {"routine": 7, "special": 1, "grid": 1, "public": 1}
    assert d["resolution"] == {"num": 5, "den": 10, "pct": "50.0"}
    units = {u["name"]: (u["found"], u["settled"], u["escalated"]) for u in d["by_unit"]}
    assert units == {"城南区": (1, 0, 0), "杨庄乡": (5, 5, 1), "五尧乡": (4, 0, 2)}

    assert r.paragraph("矛盾纠纷排查化解情况") == MONTH_PARAGRAPH
    assert r.word_paragraph("矛盾纠纷排查化解情况") == MONTH_PARAGRAPH

    sheet = r.sheet("矛盾纠纷排查化解")
    assert sheet["排查（件）"] == (6, 3, 1, 10)
    assert sheet["化解（件）"] == (3, 2, 0, 5)
    assert sheet["升级至该层级（件）"] == (None, 2, 1, 3)
    assert sheet["重排（件）"] == (None, None, None, 1)
    assert sheet["化解率（%）"] == (None, None, None, "50.0")
    by_unit = r.sheet("矛盾纠纷分单位")
    assert by_unit["城南区（本级）"] == (1, 0, 0, "0.0", 0, 0, 0)
    assert by_unit["杨庄乡"] == (5, 5, 5, "100.0", 1, 0, 1)
    assert by_unit["五尧乡"] == (4, 0, 0, "0.0", 2, 0, 0)
    word = r.word_table("排查（件）")
    assert word["排查（件）"] == ["6", "3", "1", "10"]
    assert word["化解（件）"] == ["3", "2", "0", "5"]
    assert word["重排（件）"] == ["", "", "", "1"]
    word = r.word_table("城南区（本级）")
    assert word["杨庄乡"] == ["5", "5", "5", "100.0", "1", "0", "1"]


def test_seed002_seventeen_found_two_rescreened_by_november(
    data_set: dict[str, str], tmp_path: Path
) -> None:
    r = Report(tmp_path, CHENGNAN, "2022-01-01", "2022-11-30")
    d = r.json["disputes"]
    assert (d["found"], d["rescreened"]) == (17, 2)  # the seed's two numbers
    assert (d["settled"], d["escalated"]) == (11, 4)
    assert d["found_by_level"] == {"village": 10, "street": 5, "district": 2}
    assert d["settled_by_level"] == {"village": 7, "street": 3, "district": 1}
    assert d["resolution"] == {"num": 11, "den": 17, "pct": "64.7"}

    assert r.paragraph("矛盾纠纷排查化解情况") == YEAR_PARAGRAPH
    assert r.word_paragraph("矛盾纠纷排查化解情况") == YEAR_PARAGRAPH

    sheet = r.sheet("矛盾纠纷排查化解")
    assert sheet["排查（件）"] == (10, 5, 2, 17)
    assert sheet["化解（件）"] == (7, 3, 1, 11)
    assert sheet["重排（件）"] == (None, None, None, 2)
    assert r.sheet("矛盾纠纷分单位")["五尧乡"] == (6, 2, 2, "33.3", 3, 0, 0)
    word = r.word_table("排查（件）")
    assert word["排查（件）"] == ["10", "5", "2", "17"]
    assert word["重排（件）"] == ["", "", "", "2"]
    assert word["化解率（%）"] == ["", "", "", "64.7"]

"""Seed 000's first section reproduced: 栖霞区's 2023年1-6月 report, from files the project made.

The data set (tests/letters_seed_ledgers.py) is a ledger and an organisation file imported through
`xinfang import-org` and `xinfang import-ledger`; every figure asserted below is typed from the
seed's text. Where the seed disagrees with itself the product prints the figure that holds: its
streets' 进京 rows add up to 24批56人次 (37 + 10 + 4 + 2 + 2 + 1 people), not "24批52人次".
"""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from tests.analytics_support import row_of
from tests.conftest import ensure_default_categories
from tests.letters_seed_ledgers import QIXIA, import_files, write_files

pytestmark = pytest.mark.django_db
ARGS = ["--start", "2023-01-01", "--end", "2023-06-30", "--org", QIXIA]

STREETS = (
    "其中，马群街道进京上访11批37人次，尧化街道进京上访5批10人次，燕子矶街道进京上访3批4人次，"
    "栖霞街道进京上访2批2人次，迈皋桥街道进京上访2批2人次，靖安街道进京上访1批1人次。"
)
LETTERS = (
    "共受理人民来信118件，其中领导批示件3件，求决类初信3件，联名信2件，异常信1件，"
    "国家投诉受理办公室交办件1件；受理网上信访8件。"
)
CATEGORIES = "涉及征地拆迁矛盾仍居榜首，房产纠纷、劳动保障、三农有所上升"


@pytest.fixture
def said(db: None, tmp_path: Path) -> dict[str, str]:
    ensure_default_categories()
    return import_files(write_files(tmp_path))


def _report(*extra: str) -> str:
    out = StringIO()
    call_command("report", *ARGS, *extra, stdout=out)
    return out.getvalue()


def test_the_ledger_comes_in_whole(said: dict[str, str]) -> None:
    # 2022: 285 rows; 2023: 24 + 2 + 38 + 170 + 118 + 8 = 360; siblings 30 + 60 + 10 + 5 = 105
    assert "共750行" in said["ledger"]


def test_seed000_first_section_in_json(said: dict[str, str]) -> None:
    rep: dict[str, Any] = json.loads(_report())
    national = row_of(rep, "channel,level", channel="visit", level="national")
    assert (national["batches"], national["people"]) == (24, 56)
    assert national["rank"]["people"] == [2, 5]  # 鼓楼区 60, 栖霞区 56, 玄武区 30, 10, 5
    streets = [
        (r["name"], r["batches"], r["people"])
        for r in rep["breakdowns"]["locality,channel,level"]
        if (r["channel"], r["level"]) == ("visit", "national")
    ]
    assert streets == [
        ("马群街道", 11, 37),
        ("尧化街道", 5, 10),
        ("燕子矶街道", 3, 4),
        ("栖霞街道", 2, 2),
        ("迈皋桥街道", 2, 2),
        ("靖安街道", 1, 1),
    ]
    provincial = row_of(rep, "channel,level", channel="visit", level="provincial")
    assert (provincial["batches"], provincial["people"]) == (2, 40)
    city = row_of(rep, "channel,level", channel="visit", level="city")
    assert (city["batches"], city["people"]) == (38, 270)
    for form, figures in (("individual", (26, 35)), ("collective", (12, 235))):
        r = row_of(rep, "channel,level,form", channel="visit", level="city", form=form)
        assert (r["batches"], r["people"]) == figures
    local = row_of(rep, "channel,level", channel="visit", level="local")
    assert (local["batches"], local["people"]) == (170, 490)
    r = row_of(rep, "channel,level,form", channel="visit", level="local", form="collective")
    assert (r["batches"], r["people"]) == (17, 280)

    letters = rep["letters"]
    assert (letters["batches"], letters["previous"]["batches"]) == (118, 100)
    assert letters["change"]["batches"] == "上升18.0%"
    kinds = {k["name"]: k["batches"] for k in letters["kinds"]}
    assert kinds == {
        "普通来信": 111,
        "领导批示件": 3,
        "联名信": 2,
        "交办件": 0,
        "国家投诉受理办公室交办件": 1,
        "转送件": 0,
        "异常信": 1,
    }
    assert (letters["first"]["batches"], letters["repeat"]["batches"]) == (98, 20)
    by_purpose = {r["purpose"]: r["batches"] for r in letters["first_by_purpose"]}
    assert by_purpose == {"suggestion": 91, "accusation": 3, "request": 3, None: 1}
    online = row_of(rep, "channel", channel="online")
    assert (online["batches"], online["previous"]["batches"]) == (8, 5)


def test_seed000_sentences_in_text_and_word(said: dict[str, str], tmp_path: Path) -> None:
    text = _report("--format", "text")
    docx = tmp_path / "seed000.docx"
    call_command("report", *ARGS, "--format", "docx", "--output", str(docx))
    doc = Document(str(docx))
    word = "\n".join(p.text for p in doc.paragraphs)
    tables = {t.rows[1].cells[0].text: t for t in doc.tables if len(t.rows) > 1}
    letters = {r.cells[0].text: [c.text for c in r.cells[1:3]] for r in tables["来信合计"].rows}
    assert letters["来信合计"] == ["118", "118"] and letters["求决类初信"] == ["3", "3"]
    for found in (text, word):
        assert "一是进京走访。登记24批56人次" in found
        assert STREETS in found
        assert "二是赴省走访。登记2批40人次" in found
        assert "三是到市走访。登记38批270人次" in found
        assert "其中个访26批35人次，集体访12批235人次。" in found
        assert "四是来区走访。登记170批490人次" in found
        assert "集体访17批280人次。" in found
        assert LETTERS in found
        assert "来信较去年同期100件，上升18.0%；网上信访较去年同期5件，上升60.0%。" in found
        assert CATEGORIES + "，物业管理有所下降。" in found
        # 征地拆迁 120 against 100; 房产纠纷 rose most, 60 against 30
        assert "征地拆迁120批" in found and "批次上升20.0%" in found
        assert "上升最多的是房产纠纷" in found and "下降最多的是物业管理" in found
    # 赴省 has no street sentence of its own: its rows are all 仙林街道's
    assert "其中集体访2批40人次。从属地看，仙林街道赴省上访2批40人次。" in text


def test_seed000_tables_in_excel(said: dict[str, str], tmp_path: Path) -> None:
    xlsx = tmp_path / "seed000.xlsx"
    call_command("report", *ARGS, "--format", "xlsx", "--output", str(xlsx))
    book = load_workbook(xlsx)
    letters = {r[0]: r[1:] for r in book["来信类型"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert letters["来信合计"][:3] == (118, 118, 100)
    assert letters["领导批示件"][0] == 3 and letters["异常信"][0] == 1
    assert letters["求决类初信"][0] == 3 and letters["重信"][0] == 20
    streets = book["按问题属地、渠道和层级"]
    rows = [r for r in streets.iter_rows(min_row=3, values_only=True) if r[0]]
    assert ("马群街道", "来访", "进京", 11, 37) in [r[:5] for r in rows]

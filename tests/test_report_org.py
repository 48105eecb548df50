"""`--org` of the report-like commands names a unit by code, name or short name, as the ledger
does; a name two units share, or one no unit has, is refused in Chinese with the candidates."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.analytics_support import Ledger
from tests.conftest import District
from xinfang.cli import main
from xinfang.organisation.models import UnitKind
from xinfang.organisation.services import unit_create

pytestmark = pytest.mark.django_db

REPORT = ["report", "--start", "2024-01-01", "--end", "2024-03-31"]
# each report-like command with what it needs besides --org, all printing JSON
COMMANDS = {
    "report": REPORT,
    "briefing": ["briefing", "--start", "2024-01-01", "--end", "2024-03-31", "--format", "json"],
    "assess": ["assess", "--quarter", "2024Q1"],
    "leader-circular": ["leader-circular", "--month", "2024-02", "--format", "json"],
    "dispute-circular": ["dispute-circular", "--month", "2024-02", "--format", "json"],
}


@pytest.fixture
def loaded(district: District, tmp_path: Path) -> District:
    ledger = Ledger(tmp_path)
    ledger.add("2024-02-01", 层级="赴省", 人数=6, 形式="集体访")
    ledger.add("2023-02-01", 层级="赴省")
    ledger.load()
    # a second 东风社区, under the other street: the name alone no longer says which
    unit_create(code="3201010201", name="东风社区", kind=UnitKind.VILLAGE, parent=district.street_b)
    # a unit whose name is another's code: codes win, as in the ledger
    unit_create(code="32010192", name="320101", kind=UnitKind.DEPARTMENT, parent=district.district)
    return district


def run(argv: list[str]) -> dict[str, object]:
    out = StringIO()
    call_command(argv[0].replace("-", "_"), *argv[1:], stdout=out)  # the CLI's name, Django's
    printed: dict[str, object] = json.loads(out.getvalue())
    return printed


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        main(["xinfang", *argv])
    assert caught.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_report_by_name_is_the_report_by_code(loaded: District) -> None:
    by_name = run([*REPORT, "--org", "示范区"])
    assert by_name == run([*REPORT, "--org", "320101"])
    assert (by_name["org"], by_name["org_name"]) == ("320101", "示范区")
    assert by_name["totals"]["people"] == 6  # type: ignore[index]


def test_a_short_name_and_spaces_around_it(loaded: District) -> None:
    unit = loaded.street_a
    unit.short_name = "东风"
    unit.save(update_fields=["short_name"])
    assert run([*REPORT, "--org", " 东风 "])["org"] == "32010101"


def test_a_code_wins_over_a_name(loaded: District) -> None:
    assert run([*REPORT, "--org", "320101"])["org_name"] == "示范区"


def test_a_shared_name_is_refused_listing_both_codes(
    loaded: District, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused([*REPORT, "--org", "东风社区"], capsys)
    assert "名称“东风社区”在组织树中不唯一，请改用单位编码：" in err
    assert "3201010101（东风街道 东风社区）、3201010201（西湖街道 东风社区）" in err


@pytest.mark.parametrize(
    ("named", "near"),
    [
        ("东风", "；名称相近的单位：32010101（示范区 东风街道）、3201010101（东风街道 东风社区）"),
        ("火星区", ""),
    ],
)
def test_an_unknown_name_is_refused_with_near_names(
    loaded: District, named: str, near: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # one refusal per test: main() closes the connection (PostgreSQL's test transaction too)
    err = refused([*REPORT, "--org", named], capsys)
    assert f"没有编码为“{named}”的单位，也没有以此为名称或简称的单位{near}" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_report_like_command_takes_a_name(
    loaded: District, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = run([*COMMANDS[command], "--org", "示范区"])
    assert printed == run([*COMMANDS[command], "--org", "320101"])
    assert "示范区" in json.dumps(printed, ensure_ascii=False)
    err = refused([*COMMANDS[command], "--org", "东风社区"], capsys)
    assert "不唯一" in err and "3201010201" in err

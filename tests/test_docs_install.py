"""The README's 「开始使用（正式部署）」 section and what it points to: the formats in docs/ and
their sample files import cleanly with the commands it names; the systemd units run our commands."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from xinfang.intake.models import Matter, Registration
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.models import CalendarYear

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## 开始使用（正式部署）/ Start a real bureau", 1)[1].split("\n## ", 1)[0]


def test_the_section_is_the_third_and_names_every_step() -> None:
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings[1] == "开始使用（正式部署）/ Start a real bureau"  # after "Two commands"
    for needed in (
        "xinfang create-admin",
        "xinfang import-org",
        "xinfang import-ledger",
        "xinfang calendar-year",
        "xinfang api-token create",
        "xinfang check --deploy",
        "deploy/systemd/",
        "xinfang-worker",
        "xinfang-scan.timer",
        "pg_dump",
        "pg_restore",
        "XINFANG_DATA_KEYS",
        "XINFANG_LOOKUP_KEY",
        "DATABASE_URL",
        "docs/organisation-file.md",
        "docs/ledger-file.md",
    ):
        assert needed in SECTION, needed


@pytest.mark.parametrize(
    "path",
    [
        "docs/organisation-file.md",
        "docs/ledger-file.md",
        "docs/samples/organisation.csv",
        "docs/samples/ledger.csv",
        "docs/samples/holidays-2027.txt",
        "deploy/xinfang.env.example",
        "deploy/systemd/xinfang-web.service",
        "deploy/systemd/xinfang-worker.service",
        "deploy/systemd/xinfang-scan.service",
        "deploy/systemd/xinfang-scan.timer",
    ],
)
def test_what_the_section_points_to_is_in_the_repository(path: str) -> None:
    assert (ROOT / path).is_file(), path


def test_the_ledger_doc_lists_every_column_the_importer_reads() -> None:
    """The staff's copy of the format names each column of the sample, which is the whole header."""
    doc = (DOCS / "ledger-file.md").read_text(encoding="utf-8")
    header = (DOCS / "samples/ledger.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert len(header) == 35
    for column in header:
        assert column in doc, column


def test_units_run_our_commands() -> None:
    units = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "deploy/systemd").iterdir()}
    assert "ExecStart=/opt/xinfang/.venv/bin/xinfang db_worker" in units["xinfang-worker.service"]
    assert "ExecStart=/opt/xinfang/.venv/bin/xinfang scan-clocks" in units["xinfang-scan.service"]
    assert "gunicorn xinfang.wsgi" in units["xinfang-web.service"]
    assert "OnCalendar=" in units["xinfang-scan.timer"]
    for name, text in units.items():
        if name.endswith(".service"):
            assert "EnvironmentFile=/etc/xinfang/xinfang.env" in text, name
            # a lone % is a systemd specifier: the log format must write %% for each
            assert not re.search(r"(?<!%)%\(", text), name


@pytest.mark.django_db
def test_the_sample_files_import_cleanly(tmp_path: Path) -> None:
    out = StringIO()
    call_command("import_org", str(DOCS / "samples/organisation.csv"), stdout=out)
    assert OrgUnit.objects.filter(code__in=["320102", "32010201", "3201020201"]).count() == 3
    assert OrgUnit.objects.get(name="区纪委监委").is_discipline_organ
    call_command("calendar_year", "2027", str(DOCS / "samples/holidays-2027.txt"), stdout=out)
    assert CalendarYear.objects.filter(year=2027).exists()
    assert "已录入2027年节假日安排：8天放假，1天调休上班。" in out.getvalue()
    call_command("import_ledger", str(DOCS / "samples/ledger.csv"), stdout=out)
    # 5 rows, 4 matters (LD-2026-0003 repeats SL-2026-0002), counted from the file by hand
    assert Registration.objects.count() == 5 and Matter.objects.count() == 4
    again = StringIO()
    call_command("import_ledger", str(DOCS / "samples/ledger.csv"), stdout=again)
    assert "新增登记0条" in again.getvalue() and "未变5条" in again.getvalue()
    open_one = Matter.objects.get(registrations__number="LD-2026-0004")
    assert open_one.handling_deadline is not None  # 受理 2026-10-21: 60 days into 2026-12

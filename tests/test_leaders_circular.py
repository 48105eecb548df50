"""月通报 of August 2026 for the district: receptions and packages by leader and by unit, counted
by hand from the small data set below; the Word file read back; the command."""

from datetime import date, datetime, time
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from tests.conftest import TZ, District, register
from xinfang.core.errors import InputError
from xinfang.core.permissions import SYSTEM
from xinfang.intake.models import Matter, Registration
from xinfang.leaders.choices import LeaderTier, PackageSource, ReceptionOutcome, SessionKind
from xinfang.leaders.circular import Month, build_circular, circular_docx, parse_month
from xinfang.leaders.models import Leader, PackageProgress, ReceptionSession
from xinfang.leaders.services import (
    PackageInput,
    ReceptionInput,
    SessionInput,
    package_open,
    package_resolve_matters,
    reception_link,
    session_cancel,
    session_create,
)
from xinfang.organisation.models import OrgUnit

pytestmark = pytest.mark.django_db

AUGUST = Month(2026, 8)
TODAY = date(2026, 9, 10)


def _session(d: District, kind: str, on: date, leaders: list[Leader]) -> ReceptionSession:
    return session_create(
        actor=d.users["officer"],
        data=SessionInput(
            kind=kind, unit=d.district, held_on=on, leaders=leaders, starts_at=time(9, 0),
            place="区信访局接待大厅",
        ),
    )  # fmt: skip


def _receive(
    d: District, session: ReceptionSession, leaders: list[Leader], outcome: str, people: int = 1
) -> None:
    m = register(d, locality=d.street_a, when=datetime(2026, 7, 1, 9, 0, tzinfo=TZ))
    reg = Registration.objects.get(matter=m)
    Registration.objects.filter(pk=reg.pk).update(people=people)
    due = date(2026, 9, 20) if outcome == ReceptionOutcome.WITH_DEADLINE else None
    reception_link(
        actor=SYSTEM,
        session=session,
        registration=Registration.objects.get(pk=reg.pk),
        data=ReceptionInput(leaders=leaders, outcome=outcome, leader_due=due),
    )


def _package(
    d: District,
    leader: Leader,
    unit: OrgUnit,
    started: date,
    *,
    resolved: date | None = None,
    notes: tuple[int, ...] = (),
) -> Matter:
    m = register(d, locality=d.street_a, when=datetime(2026, 1, 5, 9, 0, tzinfo=TZ))
    package = package_open(
        actor=SYSTEM,
        data=PackageInput(
            matters=[m], leader=leader, deadline=date(2026, 12, 31), responsible_unit=unit,
            started_on=started, source=PackageSource.LEDGER,
        ),
    )  # fmt: skip
    for month in notes:
        PackageProgress.objects.create(
            package=package, month=date(2026, month, 1), written_on=date(2026, month, 25),
            note="本月已走访并协调相关部门",
        )  # fmt: skip
    if resolved is not None:
        Matter.objects.filter(pk=m.pk).update(resolved_on=resolved)
        package_resolve_matters(package=package, on=resolved)
    return m


@pytest.fixture
def august(district: District) -> District:
    d = district
    li = Leader.objects.create(name="李明", post="区委副书记", tier=LeaderTier.MEMBER,
                               unit=d.district)  # fmt: skip
    zhou = Leader.objects.create(name="周强", post="东风街道党工委书记", tier=LeaderTier.TOWN,
                                 unit=d.street_a)  # fmt: skip
    s1 = _session(d, SessionKind.REGULAR, date(2026, 8, 6), [li])
    s2 = _session(d, SessionKind.VISIT_DOWN, date(2026, 8, 20), [li, zhou])
    july = _session(d, SessionKind.REGULAR, date(2026, 7, 30), [li])
    cancelled = _session(d, SessionKind.REGULAR, date(2026, 8, 13), [zhou])
    session_cancel(actor=d.users["officer"], session=cancelled, version=None, reason="台风")
    _receive(d, s1, [li], ReceptionOutcome.ON_THE_SPOT)
    _receive(d, s2, [li, zhou], ReceptionOutcome.WITH_DEADLINE, people=3)
    _receive(d, s2, [zhou], ReceptionOutcome.COUNSELLED)
    _receive(d, july, [li], ReceptionOutcome.PENDING)  # July's
    # P1: begun in August, open, no note for August
    _package(d, li, d.housing, date(2026, 8, 3))
    # P2: resolved 15 August
    _package(d, li, d.street_a, date(2026, 6, 1), resolved=date(2026, 8, 15), notes=(6, 7))
    # P3: resolved in June, back on 12 August (回流): open at the end of August, its note written
    p3 = _package(d, zhou, d.street_a, date(2026, 5, 1), resolved=date(2026, 6, 10),
                  notes=(5, 8))  # fmt: skip
    register(d, locality=d.street_a, matter=p3, when=datetime(2026, 8, 12, 9, 0, tzinfo=TZ))
    # P4: begun after August
    _package(d, zhou, d.housing, date(2026, 9, 5))
    return d


def _circular(**kwargs: Any) -> dict[str, Any]:
    org = OrgUnit.objects.get(code="320101")
    return build_circular(org=org, month=AUGUST, today=TODAY, **kwargs)


def test_receptions_by_leader(august: District) -> None:
    r = _circular()["receptions"]
    assert r["totals"] == {
        "sessions": 2,
        "participations": 3,
        "batches": 3,
        "people": 5,
        "outcomes": {"on_the_spot": 1, "with_deadline": 1, "counselled": 1, "pending": 0},
    }
    rows = [
        (x["label"], x["tier"], x["sessions"], x["batches"], x["people"]) for x in r["by_leader"]
    ]
    assert rows == [
        ("李明（区委副书记）", "班子成员", 2, 2, 4),
        ("周强（东风街道党工委书记）", "镇街领导", 1, 2, 4),
    ]
    assert r["by_leader"][0]["outcomes"] == {
        "on_the_spot": 1, "with_deadline": 1, "counselled": 0, "pending": 0,
    }  # fmt: skip
    assert r["by_leader"][1]["outcomes"] == {
        "on_the_spot": 0, "with_deadline": 1, "counselled": 1, "pending": 0,
    }  # fmt: skip


def test_packages_by_leader_and_unit(august: District) -> None:
    p = _circular()["packages"]
    assert p["totals"] == {"begun": 1, "resolved": 1, "open": 2, "reflows": 1, "missing_notes": 1}
    figures = ("begun", "resolved", "open", "reflows", "missing_notes")
    assert [(x["leader"], *(x[f] for f in figures)) for x in p["by_leader"]] == [
        ("周强", 0, 0, 1, 1, 0),
        ("李明", 1, 1, 1, 0, 1),
    ]
    assert [(x["unit"], *(x[f] for f in figures)) for x in p["by_unit"]] == [
        ("东风街道", 0, 1, 1, 1, 0),
        ("区住房和城乡建设局", 1, 0, 1, 0, 1),
    ]
    assert [x["leader"] for x in p["reflowed"]] == ["周强"]
    assert p["reflowed"][0]["on"] == "2026-08-12"
    assert [(x["leader"], x["unit"]) for x in p["missing_notes"]] == [
        ("李明", "区住房和城乡建设局")
    ]


def test_the_word_file_reads_back(august: District) -> None:
    doc = Document(BytesIO(circular_docx(_circular(issue_no=3))))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "领导接访包案工作通报"
    assert text[1] == "第3期"
    assert "关于2026年8月领导接访包案工作情况的通报" in text
    assert (
        "2026年8月，共开展领导接访活动2次，领导参与接访3人次，接待群众来访3批5人次，"
        "其中当场解决1批、限期解决1批、教育疏导1批、有待研判0批。"
    ) in text
    assert (
        "2026年8月，新增领导包案1件，化解1件，月末在包2件，回流1件，未按月报送进展1件。"
    ) in text
    assert any(t.startswith("包案BA") and t.endswith("未报送2026年8月进展情况。") for t in text)
    assert "【待填写】" in text
    leaders, packages, units = ([[c.text for c in r.cells] for r in t.rows] for t in doc.tables)
    assert leaders[1] == ["李明（区委副书记）", "班子成员", "2", "2", "4", "1", "1", "0", "0"]
    assert packages[0][0] == "包案领导" and packages[2] == [
        "李明（区委副书记）",
        "1",
        "1",
        "1",
        "0",
        "1",
    ]
    assert units[1] == ["东风街道", "0", "1", "1", "1", "0"]


def test_the_command(august: District, tmp_path: Path) -> None:
    target = tmp_path / "circular.docx"
    call_command("leader_circular", "--month", "2026-08", "--org", "320101", "--issue-no", "3",
                 "--output", str(target))  # fmt: skip
    doc = Document(str(target))
    assert doc.paragraphs[1].text == "第3期"
    out = StringIO()
    call_command("leader_circular", "--month", "2026-08", "--org", "320101", "--format", "text",
                 stdout=out)  # fmt: skip
    assert (
        "周强（东风街道党工委书记）：新增包案0件，化解0件，月末在包1件，回流1件" in out.getvalue()
    )
    with pytest.raises(CommandError, match="docx 格式须用 --output"):
        call_command("leader_circular", "--month", "2026-08")
    with pytest.raises(CommandError, match="例如2026-03"):
        call_command("leader_circular", "--month", "2026-13", "--format", "json")


@pytest.mark.parametrize("bad", ["2026-13", "2026/08", "202608", "", "二〇二六年八月"])
def test_a_bad_month_is_refused_in_chinese(bad: str) -> None:
    with pytest.raises(InputError, match="月份"):
        parse_month(bad)

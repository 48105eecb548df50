"""B2 leader work figures (`receptions`, `packages`): JSON, text, Excel and Word agree.

The data set is made with the services; every figure below is counted by hand from it.
Period: September 2026, 环比 August 2026. Working days from the State Council's 2026
arrangement: 09-25 … 09-27 off (中秋), 10-01 … 10-07 off (国庆). Route deadlines (2 working days):
09-03 (Thu) → 09-07; 09-10 (Thu) → 09-14; 09-15 (Tue) → 09-17; 09-30 (Wed) → 10-09;
08-20 (Thu) → 08-24; 08-28 (Fri) → 09-01.
"""

import json
from datetime import date, datetime, time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from tests.conftest import PASSWORD, TZ, District, register
from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Period
from xinfang.intake.models import Matter
from xinfang.intake.services import PersonInput, RegistrationInput
from xinfang.leaders import services
from xinfang.leaders.choices import LeaderTier, ReceptionOutcome, SessionKind
from xinfang.leaders.models import Leader, ReceptionSession
from xinfang.workflow.services import matter_assign
from xinfang.workflow.supervision import matter_resolve

SEPT = Period(date(2026, 9, 1), date(2026, 9, 30))


def _leaders(d: District) -> dict[str, Leader]:
    return {
        "sec": Leader.objects.create(
            name="张书记", tier=LeaderTier.PRINCIPAL, unit=d.district, user=d.users["leader"]
        ),
        "dep": Leader.objects.create(name="李副区长", tier=LeaderTier.MEMBER, unit=d.district),
        "dept": Leader.objects.create(name="孙局长", tier=LeaderTier.DEPARTMENT, unit=d.housing),
        "town": Leader.objects.create(name="王主任", tier=LeaderTier.TOWN, unit=d.street_a),
        "mayor": Leader.objects.create(name="钱市长", tier=LeaderTier.PRINCIPAL, unit=d.city),
    }


def _session(
    d: District, unit: Any, on: date, kind: str, leaders: list[Leader]
) -> ReceptionSession:
    return services.session_create(
        actor=d.users["officer"],
        data=services.SessionInput(
            kind=kind, unit=unit, held_on=on, leaders=leaders, starts_at=time(9, 0), place="接待室"
        ),
    )


def _receive(
    d: District,
    session: ReceptionSession,
    people: int,
    leaders: list[Leader],
    outcome: str,
    *,
    n: int,
    purpose: str = "request",
    assigned: date | None = None,
) -> Matter:
    on = session.held_on
    reception = services.reception_record(
        actor=d.users["registrar"],
        session=session,
        registration=RegistrationInput(
            channel="visit",
            received_at=datetime(on.year, on.month, on.day, 10, n, tzinfo=TZ),
            people=people,
            content=f"反映第{n}件小区问题，请求领导协调解决",
            purpose=purpose,
            locality=d.street_a,
            petitioner=PersonInput(name=f"来访人{n}", phone=f"139000000{n:02d}"),
        ),
        data=services.ReceptionInput(
            leaders=leaders,
            outcome=outcome,
            leader_due=date(2026, 12, 1) if outcome == ReceptionOutcome.WITH_DEADLINE else None,
        ),
    )
    matter = reception.registration.matter
    if assigned is not None:
        matter_assign(
            actor=d.users["officer"], matter=matter, version=matter.version, unit=d.housing,
            on=assigned,
        )  # fmt: skip
    return matter


def _package(d: District, leader: Leader, matter: Matter, started: date, unit: Any = None) -> None:
    services.package_open(
        actor=d.users["officer"],
        data=services.PackageInput(
            matters=[matter],
            leader=leader,
            deadline=date(2027, 6, 30),
            responsible_unit=unit or d.street_a,
            responsible_person="周科长",
            supervising_unit=d.district,
            requirements="限期拿出解决方案并答复信访人",
            started_on=started,
        ),
    )


def _resolve(d: District, matter: Matter, on: date) -> None:
    matter.refresh_from_db()
    matter_resolve(actor=d.users["officer"], matter=matter, version=matter.version, on=on)


def _again(d: District, matter: Matter, on: date) -> None:
    """A new registration of a resolved packaged matter: 回流."""
    register(
        d,
        locality=d.street_a,
        matter=matter,
        when=datetime(on.year, on.month, on.day, 9, 0, tzinfo=TZ),
    )


def _matter(d: District, on: date, n: int, purpose: str = "request") -> Matter:
    return register(
        d,
        locality=d.street_a,
        purpose=purpose,
        name=f"包案人{n}",
        phone=f"137000000{n:02d}",
        when=datetime(on.year, on.month, on.day, 9, 0, tzinfo=TZ),
    )


@pytest.fixture
def data_set(district: District) -> District:
    d, L = district, _leaders(district)  # noqa: N806 (L: the leaders, short in this table)
    s1 = _session(d, d.district, date(2026, 9, 3), SessionKind.REGULAR, [L["sec"], L["dep"]])
    s2 = _session(
        d, d.street_a, date(2026, 9, 10), SessionKind.VISIT_DOWN, [L["dep"], L["town"], L["dept"]]
    )
    s3 = _session(d, d.district, date(2026, 9, 30), SessionKind.INVITED, [L["sec"]])
    s4 = _session(d, d.district, date(2026, 9, 17), SessionKind.REGULAR, [L["dep"]])
    services.session_cancel(actor=d.users["officer"], session=s4, version=None, reason="领导公出")
    s5 = _session(d, d.city, date(2026, 9, 15), SessionKind.JOINT, [L["mayor"], L["town"]])
    _session(d, d.city, date(2026, 9, 16), SessionKind.REGULAR, [L["mayor"]])  # not the district's
    s7 = _session(d, d.district, date(2026, 8, 20), SessionKind.REGULAR, [L["sec"], L["town"]])
    s8 = _session(d, d.district, date(2026, 8, 28), SessionKind.REGULAR, [L["dep"]])

    outcome = ReceptionOutcome
    _receive(d, s1, 3, [L["sec"]], outcome.WITH_DEADLINE, n=1, assigned=date(2026, 9, 7))
    _receive(d, s1, 1, [L["dep"]], outcome.ON_THE_SPOT, n=2)
    _receive(d, s1, 2, [L["sec"], L["dep"]], outcome.COUNSELLED, n=3, assigned=date(2026, 9, 8))
    _receive(d, s2, 5, [L["town"], L["dept"]], outcome.PENDING, n=4)
    _receive(d, s2, 1, [L["dep"]], outcome.ON_THE_SPOT, n=5, purpose="accusation")
    _receive(d, s3, 2, [L["sec"]], outcome.WITH_DEADLINE, n=6)
    _receive(d, s5, 4, [L["town"]], outcome.COUNSELLED, n=7, assigned=date(2026, 9, 16))
    _receive(d, s7, 2, [L["sec"]], outcome.WITH_DEADLINE, n=8, assigned=date(2026, 8, 21))
    _receive(d, s8, 1, [L["dep"]], outcome.PENDING, n=9)

    m = {i: _matter(d, date(2026, 5, 20), i) for i in (1, 2, 3, 4, 5, 7, 8)}
    m[6] = _matter(d, date(2026, 5, 20), 6, purpose="accusation")
    _package(d, L["sec"], m[1], date(2026, 9, 2))  # K1: resolved 09-20
    _package(d, L["dep"], m[2], date(2026, 9, 5))  # K2: resolved 10-10, after September
    _package(d, L["town"], m[3], date(2026, 6, 1))  # K3: resolved 08-10, 回流 09-12
    _package(d, L["dept"], m[4], date(2026, 8, 15))  # K4: open
    _package(d, L["mayor"], m[5], date(2026, 9, 3), unit=d.city)  # K5: the city's
    _package(d, L["sec"], m[6], date(2026, 9, 8))  # K6: an accusation, open
    _package(d, L["dep"], m[7], date(2026, 9, 9))  # K7: resolved 09-22, 回流 09-28
    _package(d, L["sec"], m[8], date(2026, 9, 1))  # K8: resolved 09-15, 回流 10-05
    _resolve(d, m[1], date(2026, 9, 20))
    _resolve(d, m[2], date(2026, 10, 10))
    _resolve(d, m[3], date(2026, 8, 10))
    _again(d, m[3], date(2026, 9, 12))
    _resolve(d, m[7], date(2026, 9, 22))
    _again(d, m[7], date(2026, 9, 28))
    _resolve(d, m[8], date(2026, 9, 15))
    _again(d, m[8], date(2026, 10, 5))
    return d


def _report(d: District, *, hide: bool = False) -> dict[str, Any]:
    return build_report(org=d.district, period=SEPT, comparison="pop", hide_accusations=hide)


RECEPTIONS = {
    "sessions": 4,  # S1, S2, S3, S5 (the city's, with a district leader); S4 cancelled, S6 not ours
    "sessions_by_kind": {"regular": 1, "visit_down": 1, "invited": 1, "joint": 1},
    # the district's own leaders: S1 张书记 李副区长, S2 李 王 孙, S3 张, S5 王 (not 钱市长)
    "participations": 7,
    "participations_by_tier": {"principal": 2, "member": 2, "department": 1, "town": 2},
    "node_leaders": 4,
    "received": {"batches": 7, "people": 18},
    "with_principal": {"batches": 3, "people": 7},  # R1 3, R3 2, R6 2
    "outcomes": {
        "on_the_spot": {"batches": 2, "people": 2},
        "with_deadline": {"batches": 2, "people": 5},
        "counselled": {"batches": 2, "people": 6},
        "pending": {"batches": 1, "people": 5},
    },
    # due in September: R1 09-07 (routed 09-07), R3 09-07 (09-08: late), R4 09-14 (never),
    # R7 09-17 (09-16), R9 09-01 (its session in August; never); R6 is due 10-09
    "routed_in_time": {"num": 2, "den": 5, "pct": "40.0"},
}
AUGUST_RECEPTIONS = {
    "sessions": 2,
    "participations": 3,
    "node_leaders": 2,
    "received": {"batches": 2, "people": 3},
    "with_principal": {"batches": 1, "people": 2},
    "routed_in_time": {"num": 1, "den": 1, "pct": "100.0"},
}
# every package's matter lies in 东风街道, so all are the district's (K5 is the city mayor's
# package on a district matter: "涉及我区…领导包案")
PACKAGES = {
    "begun": 6,  # K1, K2, K5, K6, K7, K8
    # 化解日期 on or before 09-30 (contract B's rate): K1 09-20, K7 09-22 (回流 09-28 counted
    # apart), K8 09-15 (its 回流 came in October)
    "resolved": 3,
    "resolution": {"num": 3, "den": 6, "pct": "50.0"},
    "open_at_end": 6,  # K2, K3 (回流), K4, K5, K6, K7 (回流 09-28)
    "reflows": 2,  # K3 09-12, K7 09-28
}
BY_TIER = {
    "principal": {"begun": 4, "resolved": 2, "open_at_end": 2, "reflows": 0},
    "member": {"begun": 2, "resolved": 1, "open_at_end": 2, "reflows": 1},
    "department": {"begun": 0, "resolved": 0, "open_at_end": 1, "reflows": 0},
    "town": {"begun": 0, "resolved": 0, "open_at_end": 1, "reflows": 1},
}


def _subset(found: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {k: found[k] for k in expected}


@pytest.mark.django_db
def test_figures_counted_by_hand(data_set: District) -> None:
    rep = _report(data_set)
    r, pk = rep["receptions"], rep["packages"]
    assert _subset(r, RECEPTIONS) == RECEPTIONS
    assert _subset(r["previous"], AUGUST_RECEPTIONS) == AUGUST_RECEPTIONS
    assert r["change"] == {
        "sessions": "上升100.0%",
        "participations": "上升133.3%",
        "node_leaders": "上升100.0%",
        "batches": "上升250.0%",
        "people": "上升500.0%",
    }
    assert _subset(pk, PACKAGES) == PACKAGES
    assert {t: _subset(v, BY_TIER[t]) for t, v in pk["by_tier"].items()} == BY_TIER
    assert pk["by_tier"]["principal"]["resolution"] == {"num": 2, "den": 4, "pct": "50.0"}
    assert pk["by_tier"]["department"]["resolution"] == {"num": 0, "den": 0, "pct": "0.0"}
    # August: K4 begun, not resolved; K3 stood resolved at 08-31 (its 回流 came later)
    prev = pk["previous"]
    assert (prev["begun"], prev["resolved"], prev["open_at_end"], prev["reflows"]) == (1, 0, 1, 0)
    assert pk["change"] == {"begun": "上升500.0%", "open_at_end": "上升500.0%", "reflows": "新增"}


@pytest.mark.django_db
def test_readers_without_accusations(data_set: District) -> None:
    rep = _report(data_set, hide=True)
    r, pk = rep["receptions"], rep["packages"]
    assert r["received"] == {"batches": 6, "people": 17}  # R5 (an accusation) left out
    assert r["outcomes"]["on_the_spot"] == {"batches": 1, "people": 1}
    assert r["participations"] == 7 and r["sessions"] == 4  # sessions are no accusation
    assert r["routed_in_time"] == {"num": 2, "den": 5, "pct": "40.0"}
    assert (pk["begun"], pk["resolved"], pk["open_at_end"]) == (5, 3, 5)  # K6 left out
    assert pk["resolution"]["pct"] == "60.0"


@pytest.mark.django_db
def test_a_street_counts_its_own(data_set: District) -> None:
    """东风街道: S2 (organised there) and S5 (王主任 sits in it); S1 has no street leader."""
    rep = build_report(org=data_set.street_a, period=SEPT, comparison="pop")
    r = rep["receptions"]
    assert r["sessions"] == 2
    assert r["participations_by_tier"] == {
        "principal": 0, "member": 0, "department": 0, "town": 2,
    }  # fmt: skip
    assert r["received"] == {"batches": 3, "people": 10}  # R4 5, R5 1, R7 4
    # packages about matters placed in 东风街道: all of them (K5 the mayor's included)
    assert rep["packages"]["begun"] == 6


PARAGRAPHS = (
    "（四）区级领导干部公开接访下访情况。2026年9月，区级领导干部参与公开接访4人次，"
    "接待群众来访7批次18人次，其中党政主要领导参与接待群众来访3批次7人次。"
    "2026年9月份全区共组织4次区领导接访活动，参与接访的区各套班子领导4人次，区直机关领导1人次，"
    "两街道领导2人次，共接访群众7批18人次。接访结果：当场解决2批2人次，限期解决2批5人次，"
    "教育疏导2批6人次，有待研判1批5人次。到期应交办5批，2个工作日内交办2批，按时交办率40.0%。",
    "（五）领导包案化解信访事项情况。2026年9月，领导包案化解信访事项共6件，已化解3件，化解率50.0%"
    "（其中党政主要领导包案4件，已化解2件；班子成员包案2件，已化解1件）；期末“一包到底”未化解6件，"
    "化解后回流2件。",
)


@pytest.mark.django_db
def test_text_excel_and_word_agree(data_set: District, tmp_path: Path) -> None:
    args = ["--start", "2026-09-01", "--end", "2026-09-30", "--org", "320101", "--compare", "pop"]
    out = StringIO()
    call_command("report", *args, stdout=out)
    rep = json.loads(out.getvalue())
    assert rep["receptions"]["received"] == RECEPTIONS["received"]
    assert rep["packages"]["resolution"] == PACKAGES["resolution"]

    out = StringIO()
    call_command("report", *args, "--format", "text", stdout=out)
    assert all(p in out.getvalue().splitlines() for p in PARAGRAPHS)

    xlsx = tmp_path / "r.xlsx"
    call_command("report", *args, "--format", "xlsx", "--output", str(xlsx))
    sheet = load_workbook(xlsx)["领导接访和包案"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]}
    assert rows["接访活动（次）"] == (4, 2, "上升100.0%")
    assert rows["接待群众来访（批次）"][:2] == (7, 2)
    assert rows["接待群众来访（人次）"][:2] == (18, 3)
    assert rows["  党政主要领导接待（人次）"][:2] == (7, 2)
    assert rows["2个工作日内交办（批次）"][:2] == (2, 1)
    assert rows["按时交办率（%）"][:2] == ("40.0", "100.0")
    assert rows["领导包案（件）"][:2] == (6, 1)
    assert rows["  化解率（%）"][:2] == ("50.0", "0.0")
    assert rows["化解后回流（件）"][:2] == (2, 0)
    assert rows["班子成员包案回流（件）".join(["  ", ""])][:2] == (1, 0)

    docx = tmp_path / "r.docx"
    call_command("report", *args, "--format", "docx", "--output", str(docx))
    doc = Document(str(docx))
    assert all(p in [q.text for q in doc.paragraphs] for p in PARAGRAPHS)
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标" and any(
        row.cells[0].text == "接访活动（次）" for row in t.rows
    ))  # fmt: skip
    cells = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows}
    assert cells["领导参与接访（人次）"] == ["7", "3", "上升133.3%"]
    assert cells["期末一包到底未化解（件）"] == ["6", "1", "上升500.0%"]


@pytest.mark.django_db
def test_nothing_to_count_reads_none(district: District) -> None:
    out = StringIO()
    args = ["--start", "2026-09-01", "--end", "2026-09-30", "--org", "320101", "--format", "text"]
    call_command("report", *args, stdout=out)
    text = out.getvalue()
    assert "（四）区级领导干部公开接访下访情况。2026年9月，无领导接访活动。" in text
    assert "2026年9月，无新包案事项；期末“一包到底”未化解0件，无化解后回流。" in text
    assert "0.0%" not in text.split("（四）")[1].split("（五）")[0]


@pytest.mark.django_db
def test_dashboard_cards_open_their_lists(data_set: District) -> None:
    client = Client()
    client.login(username="leader", password=PASSWORD)
    page = client.get(
        "/analytics/", {"org": "320101", "year": 2026, "span": "m9", "compare": "pop"}
    )
    assert page.status_code == 200
    cards = {c["key"]: c for c in page.context["dash"].leader_cards}
    assert cards["received_batches"]["value"] == 6  # 领导: R5, an accusation, left out
    assert cards["packages_begun"]["value"] == 5  # K6, an accusation, left out
    listing = client.get(cards["received_batches"]["href"])
    assert listing.status_code == 200
    assert len(listing.context["rows"]) == 6
    listing = client.get(cards["sessions"]["href"])
    assert len(listing.context["rows"]) == 4
    listing = client.get(cards["packages_open"]["href"])
    assert len(listing.context["rows"]) == 5  # K2, K3, K4, K5, K7 (K6 an accusation)
    listing = client.get(cards["routed"]["href"])
    assert len(listing.context["rows"]) == 2


# --- the seeds' sentences, from ledgers imported through the real importers ------------------


def _import(tmp_path: Path, name: str, ledger: Any, receptions: Any, org: str) -> None:
    import csv

    from tests.leaders_seed_ledgers import RECEPTION_HEADER
    from tests.ledger_rows import write_csv

    call_command(
        "import_ledger", str(write_csv(tmp_path / f"{name}.csv", ledger)), stdout=StringIO()
    )
    path = tmp_path / f"{name}-receptions.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(RECEPTION_HEADER)
        writer.writerows(receptions)
    call_command("import_receptions", str(path), "--org", org, stdout=StringIO())


def _text(*args: str) -> str:
    out = StringIO()
    call_command("report", *args, "--format", "text", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed003_sentence(district: District, tmp_path: Path) -> None:
    from tests.leaders_seed_ledgers import seed003

    _import(tmp_path, "s3", *seed003("32010101"), org="320101")
    text = _text("--start", "2024-01-01", "--end", "2024-09-30", "--org", "320101")
    assert (
        "（四）区级领导干部公开接访下访情况。截止9月份，区级领导干部参与公开接访128人次，"
        "接待群众来访232批次345人次，其中党政主要领导参与接待群众来访61批次111人次。"
    ) in text


@pytest.mark.django_db
def test_seed002_sentence(district: District, tmp_path: Path) -> None:
    from tests.leaders_seed_ledgers import seed002
    from xinfang.organisation.models import UnitKind
    from xinfang.organisation.services import unit_create

    county = unit_create(code="341821", name="郎溪县", kind=UnitKind.DISTRICT, parent=district.city)
    for i, name in enumerate(["建平", "十字", "梅渚", "新发", "涛城", "东夏", "飞鲤"], start=1):
        unit_create(code=f"3418210{i}", name=f"{name}镇", kind=UnitKind.STREET, parent=county)
    _import(tmp_path, "s2", *seed002("341821"), org="341821")
    text = _text("--start", "2019-01-01", "--end", "2019-06-30", "--org", "341821")
    assert (
        "2019年1-6月份全县共组织32次县领导接访活动，参与接访的县各套班子领导129人次，"
        "县直机关领导139人次，七镇领导1210人次，共接访群众125批347人次。"
    ) in text


@pytest.mark.django_db
def test_figure_lists_refuse_what_the_dashboard_refuses(data_set: District) -> None:
    query = {"org": "320101", "start": "2026-09-01", "end": "2026-09-30"}
    client = Client()
    client.login(username="street_a_staff", password=PASSWORD)  # a handling unit: no statistics
    assert client.get("/leaders/figures/receptions/", query).status_code == 403
    client.login(username="officer", password=PASSWORD)
    assert client.get("/leaders/figures/sessions/", query | {"org": "3201"}).status_code == 403
    bad = client.get("/leaders/figures/packages/", query | {"figure": "everything"})
    assert bad.status_code == 400 and "包案指标“everything”无效" in bad.content.decode()
    bad = client.get("/leaders/figures/sessions/", query | {"end": "2026-13-01"})
    assert bad.status_code == 400 and "日期“2026-13-01”无效" in bad.content.decode()
    # the officer sees accusations: R5 is in the list, as in the officer's figure
    found = client.get("/leaders/figures/receptions/", query | {"outcome": "on_the_spot"})
    assert len(found.context["rows"]) == 2
    found = client.get("/leaders/figures/sessions/", query | {"tier": "department"})
    assert [s.held_on for s in found.context["rows"]] == [date(2026, 9, 10)]

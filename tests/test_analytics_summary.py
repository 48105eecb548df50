"""The monthly summaries the report reads (xinfang.analytics.summary) are exact: on a randomized
data set, after inserts, updates, deletes and routing, the report from the summaries equals the
report from the registrations alone, and the kept summaries equal a rebuild from scratch."""

import random
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from tests.analytics_support import Ledger
from tests.conftest import TZ, District, register
from xinfang.analytics import summary
from xinfang.analytics.counting import build_report, split_months
from xinfang.analytics.models import (
    RegistrationMonthCLF,
    RegistrationMonthCP,
    RegistrationMonthLetter,
    RegistrationMonthUnit,
)
from xinfang.analytics.periods import Period
from xinfang.intake.models import Matter, Registration
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.services import unit_create
from xinfang.workflow import services as wf

pytestmark = pytest.mark.django_db

MODELS = (RegistrationMonthCLF, RegistrationMonthCP, RegistrationMonthUnit, RegistrationMonthLetter)


def _cells() -> dict[str, set[tuple[Any, ...]]]:
    out = {}
    for model in MODELS:
        fields = [f.name for f in model._meta.fields if f.name != "id"]
        out[model.__name__] = set(model.objects.exclude(batches=0).values_list(*fields))
    return out


def _random_ledger(ledger: Ledger, rng: random.Random, n: int) -> None:
    places = ["320101", "32010101", "3201010101", "32010102", "320102", "3201", ""]
    units = ["", "", "32010190", "32010191", "32010102"]
    for _ in range(n):
        day = date(2024, 1, 1) + timedelta(days=rng.randint(-400, 200))
        ledger.add(
            day.isoformat(),
            locality=rng.choice(places),
            事项编号=f"M{rng.randint(1, 80)}" if rng.random() < 0.5 else "",
            渠道=rng.choice(["来信", "来访", "网上", "来电"]),
            层级=rng.choice(["", "进京", "赴省", "到市"]),
            人数=rng.randint(1, 12),
            内容分类=rng.choice(["", "物业管理", "征地拆迁", "劳动保障"]),
            信访目的=rng.choice(["", "建议意见", "检举控告", "申诉求决"]),
            责任单位=rng.choice(units),
        )
    ledger.load()


def _compare(rng: random.Random) -> int:
    periods = [
        Period(date(2024, 1, 1), date(2024, 6, 30)),  # whole months only
        Period(date(2024, 1, 15), date(2024, 5, 9)),  # partial months at both ends
        Period(date(2024, 2, 1), date(2024, 2, 29)),  # one month, its 同比 28 days
        Period(date(2024, 3, 3), date(2024, 3, 20)),  # within one month
    ]
    compared = 0
    for code in ("3201", "320101", "32010101", "320102"):
        org = OrgUnit.objects.get(code=code)
        for period in periods:
            for hide in (False, True):
                comparison = rng.choice(["yoy", "pop"])
                kept = build_report(
                    org=org, period=period, comparison=comparison, hide_accusations=hide
                )
                raw = build_report(
                    org=org,
                    period=period,
                    comparison=comparison,
                    hide_accusations=hide,
                    use_summary=False,
                )
                assert kept == raw, (code, period, hide, comparison)
                compared += 1
    return compared


def test_report_from_the_summaries_equals_the_report_from_the_rows(
    district: District, tmp_path: Path
) -> None:
    d = district
    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=d.city)
    rng = random.Random(20261122)
    _random_ledger(Ledger(tmp_path), rng, 300)
    assert _compare(rng) == 32
    assert _cells() == _rebuilt()

    # routing through the workflow, in and after the periods, and a return
    officer = d.users["officer"]
    for i in range(6):
        when = datetime(2024, 2 + i, 10, 9, 0, tzinfo=TZ)
        m = register(d, locality=rng.choice([d.street_a, d.street_b, d.district]), when=when)
        m = wf.matter_assign(
            actor=officer, matter=m, version=m.version, unit=d.housing, on=when.date()
        )
        if i % 2:
            staff = d.users["housing_staff"]
            day = when.date() + timedelta(days=2)
            m = wf.assignment_receive(actor=staff, matter=m, version=m.version, on=day)
            m = wf.assignment_return(
                actor=staff, matter=m, version=m.version, reason="非本单位职责", on=day
            )
            wf.matter_assign(
                actor=officer,
                matter=m,
                version=m.version,
                unit=d.street_b,
                on=date(2024, 5, 1) + timedelta(days=i * 20),
            )
    # changes by hand: registrations moved, re-dated, deleted; a matter's 责任单位 changed
    regs = list(Registration.objects.order_by("id").values_list("id", flat=True))
    Registration.objects.filter(id__in=rng.sample(regs, 20)).update(
        received_on=F("received_on") + timedelta(days=31)
    )
    Registration.objects.filter(id__in=rng.sample(regs, 15)).update(
        locality=OrgUnit.objects.get(code="32010102"), people=F("people") + 3
    )
    Registration.objects.filter(id__in=rng.sample(regs, 10)).update(purpose="accusation")
    Matter.objects.filter(
        id__in=rng.sample(list(Matter.objects.values_list("id", flat=True)), 12)
    ).update(responsible_unit=OrgUnit.objects.get(code="32010191"))
    gone = [r for r in rng.sample(regs, 40) if not Registration.objects.get(pk=r).is_first]
    Registration.objects.filter(id__in=gone).delete()
    assert _compare(rng) == 32
    assert _cells() == _rebuilt()


def _rebuilt() -> dict[str, set[tuple[Any, ...]]]:
    from django.db import connection

    summary.rebuild(connection)
    return _cells()


def test_rebuild_command_restores_emptied_summaries(district: District, tmp_path: Path) -> None:
    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    _random_ledger(Ledger(tmp_path), random.Random(7), 60)
    kept = _cells()
    assert kept["RegistrationMonthCLF"]
    for model in MODELS:
        model.objects.all().delete()
    out = Path(tmp_path / "out.txt")
    with out.open("w") as fh:
        call_command("rebuild_report_summary", stdout=fh)
    assert _cells() == kept
    assert "analytics_registrationmonthclf" in out.read_text()


def test_split_months() -> None:
    whole = split_months(Period(date(2024, 1, 1), date(2024, 3, 31)))
    assert whole == ((date(2024, 1, 1), date(2024, 3, 1)), [])
    edges = split_months(Period(date(2024, 1, 15), date(2024, 4, 9)))
    assert edges == (
        (date(2024, 2, 1), date(2024, 3, 1)),
        [(date(2024, 1, 15), date(2024, 1, 31)), (date(2024, 4, 1), date(2024, 4, 9))],
    )
    inside = split_months(Period(date(2024, 2, 2), date(2024, 2, 28)))
    assert inside == (None, [(date(2024, 2, 2), date(2024, 2, 28))])


def test_truncate_empties_the_summaries_on_postgresql(district: District, tmp_path: Path) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite's DELETE fires the row triggers")
    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    _random_ledger(Ledger(tmp_path), random.Random(3), 30)
    assert summary.installed(connection) and _cells()["RegistrationMonthCP"]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's deferred FK checks
        cursor.execute("TRUNCATE intake_registration CASCADE")
    assert _cells() == {model.__name__: set() for model in MODELS}


def _summary_rows() -> int:
    return sum(model.objects.count() for model in MODELS)


def _changes_of_every_kind(rng: random.Random) -> None:
    """Updates naming summary columns, other columns, both, none changed, and a whole-row save."""
    regs = list(Registration.objects.order_by("id").values_list("id", flat=True))
    Registration.objects.filter(id__in=rng.sample(regs, 12)).update(
        petitioner_phone="x", people=F("people") + 2
    )
    Registration.objects.filter(id__in=rng.sample(regs, 12)).update(
        received_on=F("received_on") - timedelta(days=40)
    )
    Registration.objects.filter(id__in=rng.sample(regs, 12)).update(people=F("people"))
    Registration.objects.filter(id__in=rng.sample(regs, 8)).update(channel="visit")
    one = Registration.objects.get(pk=rng.choice(regs))
    one.purpose, one.people = "accusation", one.people + 5
    one.save()


def test_an_update_of_columns_no_summary_reads_moves_nothing(
    district: District, tmp_path: Path
) -> None:
    """Sealing a phone writes every registration: the triggers must not work for it. Emptied
    summaries show it: an update trigger that ran would write cells (of 0 or +1) into them."""
    from django.db import connection

    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    rng = random.Random(13)
    _random_ledger(Ledger(tmp_path), rng, 80)
    assert set(summary.DEPENDS) == {
        "category_id", "channel", "form", "is_first", "letter_kind", "level", "locality_id",
        "matter_id", "people", "purpose", "received_on",
    }  # fmt: skip
    for model in MODELS:
        model.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE intake_registration SET petitioner_phone = 'sealed'")
        cursor.execute("UPDATE intake_registration SET people = people, channel = channel")
    assert _summary_rows() == 0
    Registration.objects.update(people=F("people") + 1)  # a summary column: counted again
    assert _summary_rows() > 0

    summary.rebuild(connection)
    _changes_of_every_kind(rng)
    assert _cells() == _rebuilt()


def test_the_migration_to_changed_only_triggers_both_ways(
    district: District, tmp_path: Path
) -> None:
    from importlib import import_module

    from django.db import connection

    migration = import_module("xinfang.analytics.migrations.0004_summary_triggers_changed_only")
    editor = SimpleNamespace(connection=connection)
    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    rng = random.Random(14)
    _random_ledger(Ledger(tmp_path), rng, 80)

    migration.every_update(None, editor)  # backwards: the trigger of 0003 works for every UPDATE
    assert summary.installed(connection)
    _changes_of_every_kind(rng)
    assert _cells() == _rebuilt()
    for model in MODELS:
        model.objects.all().delete()
    Registration.objects.update(petitioner_phone="y")
    assert _summary_rows() > 0  # it ran for a phone

    migration.changed_only(None, editor)  # forwards again
    summary.rebuild(connection)
    _changes_of_every_kind(rng)
    assert _cells() == _rebuilt()
    for model in MODELS:
        model.objects.all().delete()
    Registration.objects.update(petitioner_phone="z")
    assert _summary_rows() == 0


def test_the_update_trigger_is_off_only_for_columns_no_summary_reads(
    district: District, tmp_path: Path
) -> None:
    from django.db import connection

    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    _random_ledger(Ledger(tmp_path), random.Random(15), 40)
    refused = summary.update_trigger_off(connection, ["petitioner_phone", "people"])
    with pytest.raises(ValueError, match="people"), refused:
        pass
    kept = _cells()
    summary.install(connection, changed_only=False)  # the trigger that works for every UPDATE
    for model in MODELS:
        model.objects.all().delete()
    with summary.update_trigger_off(connection, ["petitioner_phone"]):
        Registration.objects.update(petitioner_phone="w")
    assert _summary_rows() == 0  # it was off
    assert summary.installed(connection)  # and is back
    summary.rebuild(connection)
    assert _cells() == kept
    Registration.objects.filter(pk=Registration.objects.order_by("id")[0].pk).update(people=99)
    assert _cells() != kept and _cells() == _rebuilt()  # and working


def test_a_bulk_import_rebuilds_the_months_it_wrote_and_puts_the_trigger_back(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: an import of BULK_ROWS new registrations or more drops the insert trigger and
    rebuilds the months it wrote, once, in its transaction; PostgreSQL keeps its statement
    trigger. Either way the summaries equal a rebuild, and the trigger counts the next row."""
    from django.db import connection

    monkeypatch.setattr(summary, "BULK_ROWS", 20)
    unit_create(code="320102", name="乙区", kind=UnitKind.DISTRICT, parent=district.city)
    rng = random.Random(16)
    ledger = Ledger(tmp_path)
    _random_ledger(ledger, rng, 200)  # an empty database: every month the import's
    assert summary.installed(connection)
    assert _cells() == _rebuilt()

    # a cell of a month the next import writes (March 2024) and of one it does not (May 2023)
    # made wrong by hand: a rebuild of March puts its cell right, a trigger would not
    keys = ("month", "locality", "channel", "level", "form", "accusation")
    march, may = (
        RegistrationMonthCLF.objects.filter(month=month).order_by("id").values(*keys, "batches")[0]
        for month in (date(2024, 3, 1), date(2023, 5, 1))
    )

    def cell(row: dict[str, Any]) -> Any:
        return RegistrationMonthCLF.objects.filter(**{k: row[k] for k in keys})

    for row in (march, may):
        cell(row).update(batches=F("batches") + 1000)
    for n in range(30):  # new matters and registrations joining stored matters, all in March
        ledger.add(
            f"2024-03-{n % 28 + 1:02d}",
            locality=rng.choice(["320101", "32010101", "3201010101", "320102", ""]),
            事项编号=f"M{rng.randint(1, 80)}" if n % 2 else "",
            渠道=rng.choice(["来信", "来访", "网上"]),
            人数=rng.randint(1, 5),
            信访目的=rng.choice(["", "检举控告", "申诉求决"]),
            责任单位=rng.choice(["", "32010190"]),
        )
    ledger.load()
    assert summary.installed(connection)
    march_now = cell(march).get().batches
    rebuilt_march = connection.vendor == "sqlite"
    assert (march_now < 1000) == rebuilt_march, (connection.vendor, march_now)
    assert cell(may).get().batches == may["batches"] + 1000  # a month it did not write
    cell(may).update(batches=may["batches"])
    if not rebuilt_march:
        cell(march).update(batches=F("batches") - 1000)
    assert _cells() == _rebuilt()

    register(district, locality=district.street_a, when=datetime(2024, 3, 9, 9, 0, tzinfo=TZ))
    assert _cells() == _rebuilt()  # the trigger is back and counts


def test_month_ranges_join_consecutive_months() -> None:
    days = [date(2024, 12, 31), date(2025, 1, 5), date(2024, 12, 1), date(2025, 3, 2)]
    assert summary._month_ranges(days) == [
        (date(2024, 12, 1), date(2025, 2, 1)),
        (date(2025, 3, 1), date(2025, 4, 1)),
    ]
    assert summary._month_ranges([]) == []

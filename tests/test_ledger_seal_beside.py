"""A big ledger import seals and hashes its people and registrations in a forked process beside
the insert (intake.ledger.bulk.sealed_beside): what it stores is what the import stores without
it — each sealed value opens to the ledger's, each look-up hash is the model's own — and a
failure in the child stops the import whole."""

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from tests.conftest import District
from tests.ledger_rows import ledger_rows, write_csv
from xinfang.core.permissions import SYSTEM
from xinfang.core.sealed_fields import hash_fields
from xinfang.core.sealing import SEALED
from xinfang.intake.ledger import bulk
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Petitioner, Registration

pytestmark = pytest.mark.django_db


def _stored(model: type[Petitioner | Registration], sealed: list[str]) -> list[dict[str, Any]]:
    """Every row's sealed fields as read (opened) and its hashes, each hash checked against the
    field's own from the opened value (what a save computes), each stored value sealed."""
    rows = []
    hashes = hash_fields(model)
    with connection.cursor() as cursor:
        columns = ", ".join(sealed)
        cursor.execute(f"SELECT {columns} FROM {model._meta.db_table}")
        for raw in cursor.fetchall():
            assert all(not value or SEALED.match(value) for value in raw), raw
    for item in model.objects.order_by("pk"):
        opened = {name: getattr(item, name) for name in sealed}
        for field in hashes:
            stored = getattr(item, field.attname)
            expected = field.hash_of(opened[field.source]) or (None if field.null else "")
            assert stored == expected, (model.__name__, field.name, opened)
        rows.append(opened | {f.attname: getattr(item, f.attname) for f in hashes})
    return rows


def _import(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ledger_import(actor=SYSTEM, path=path)
    people = _stored(Petitioner, ["id_number", "phone"])
    registrations = _stored(Registration, ["petitioner_phone"])
    return people, registrations


def test_sealed_beside_stores_what_the_import_stores_alone(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "a.csv", list(ledger_rows(300, seed=7)))
    with transaction.atomic():  # imported, read, and taken back
        alone = _import(path)
        transaction.set_rollback(True)
    assert Registration.objects.count() == 0
    assert len(alone[0]) > 50 and sum(1 for p in alone[0] if p["id_number"]) > 20
    assert sum(1 for r in alone[1] if r["petitioner_phone"]) > 50
    forks = []
    real = bulk.sealed_beside

    def counted(*args: Any) -> Any:
        forks.append(1)
        return real(*args)

    monkeypatch.setattr(bulk, "SEAL_BESIDE", 1)
    monkeypatch.setattr(bulk, "sealed_beside", counted)
    monkeypatch.setattr(bulk.Inserter, "BATCH", 37)  # many batches cross the pipes
    beside = _import(path)
    assert forks == [1, 1]  # the people and the registrations
    assert beside == alone


def test_a_failure_in_the_child_stops_the_import_whole(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "a.csv", list(ledger_rows(120, seed=8)))
    monkeypatch.setattr(bulk, "SEAL_BESIDE", 1)
    monkeypatch.setattr(bulk.Inserter, "BATCH", 10)
    real = bulk.ring()

    class Broken:
        def seal(self, value: str) -> str:
            if os.getpid() != parent:  # only in the forked child
                raise ValueError("a broken seal")
            return real.seal(value)

    parent = os.getpid()
    monkeypatch.setattr(bulk, "ring", Broken)
    with pytest.raises(RuntimeError, match="a broken seal"):
        ledger_import(actor=SYSTEM, path=path)
    assert Registration.objects.count() == 0 and Petitioner.objects.count() == 0

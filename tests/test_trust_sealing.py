"""Issue 13, item 2 (at rest): phones and ID numbers are sealed in the database with keys from the
environment, found by a keyed hash, re-sealed by `xinfang rotate-data-key`; the ledger round-trips.

Every value below is typed by hand; the raw columns are read with a plain SQL cursor, on SQLite
and PostgreSQL alike."""

import base64
import csv
from datetime import date
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from tests.conftest import District, register
from tests.ledger_rows import wipe_intake
from xinfang.analytics import summary
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.core.sealing import SealingError, key_id, lookup_hash
from xinfang.intake.idcard import make_id_number
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Petitioner, Registration
from xinfang.intake.selectors import person_matches, person_matter_ids

ID_A = make_id_number("320102", date(1980, 1, 15), 17)
ID_B = make_id_number("320102", date(1980, 7, 1), 21)  # same region and year as ID_A
PHONE_A = "13912345678"
PHONE_B = "13987654321"


def key(byte: int) -> str:
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


OLD, NEW, OTHER = key(1), key(2), key(3)


def raw(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall()) if cursor.description else []


def raw_person(pk: int) -> tuple[str, str, str, str]:
    rows = raw(
        "SELECT id_number, phone, id_number_hash, phone_hash FROM intake_petitioner WHERE id = %s",
        [pk],
    )
    return rows[0]  # type: ignore[return-value]


def _summaries() -> list[tuple[object, ...]]:
    return raw(
        "SELECT month, locality, channel, level, form, accusation, batches, people "
        "FROM analytics_registrationmonthclf WHERE batches <> 0 ORDER BY 1, 2, 3, 4, 5, 6"
    )


def _rebuilt() -> list[tuple[object, ...]]:
    summary.rebuild(connection)
    return _summaries()


def test_values_round_trip_and_the_columns_hold_no_plain_text(district: District) -> None:
    matter = register(district, locality=district.street_a, id_number=ID_A, phone=PHONE_A)
    person = Petitioner.objects.get(pk=matter.petitioner_id)
    assert (person.id_number, person.phone) == (ID_A, PHONE_A)
    id_raw, phone_raw, id_hash, phone_hash = raw_person(person.pk)
    for value in (id_raw, phone_raw):
        assert ID_A not in value and PHONE_A not in value
        assert "13912345678"[-4:] not in value  # not even the tail
    assert (id_hash, phone_hash) == (lookup_hash(ID_A), lookup_hash(PHONE_A))
    assert len(id_hash) == 32 and ID_A not in id_hash
    (snap,) = raw(
        "SELECT petitioner_phone, petitioner_phone_hash FROM intake_registration "
        "WHERE matter_id = %s",
        [matter.pk],
    )
    assert PHONE_A not in str(snap[0]) and snap[1] == lookup_hash(PHONE_A)
    assert Registration.objects.get(matter=matter).petitioner_phone == PHONE_A
    # the same value sealed twice gives two different texts (a fresh nonce each time)
    other = register(district, locality=district.street_a, name="李四", phone=PHONE_A)
    other_raw = raw_person(other.petitioner_id)  # type: ignore[arg-type]
    assert other_raw[1] != phone_raw and other_raw[3] == phone_hash


def test_search_by_exact_number_goes_through_the_hash(district: District) -> None:
    a = register(district, locality=district.street_a, id_number=ID_A, phone=PHONE_A)
    b = register(district, locality=district.street_a, name="李四", id_number=ID_B, phone=PHONE_B)
    assert person_matter_ids(PHONE_A) == [a.pk]
    assert person_matter_ids("139 1234 5678") == [a.pk]  # spaces as people type them
    assert person_matter_ids(ID_A) == [a.pk]
    assert person_matter_ids(ID_A.lower()) == [a.pk]
    assert person_matter_ids("13912345679") == []
    # a prefix: region and year of birth are shared by both, the month only by ID_B
    assert sorted(person_matter_ids(ID_B[:15]) or []) == [b.pk]
    assert Petitioner.objects.id_number_starting(ID_A[:10]).count() == 2
    assert Petitioner.objects.id_number_starting(ID_A[:12]).get().pk == a.petitioner_id
    assert not Petitioner.objects.id_number_starting(ID_A[:9]).exists()  # too short to search
    found = person_matches(actor=district.users["registrar"], phone=PHONE_B)
    assert [m.matter.pk for m in found] == [b.pk]
    # the same person comes back by ID number (one file per number), and by name and phone
    again = register(district, locality=district.street_b, id_number=ID_A, phone="")
    assert again.petitioner_id == a.petitioner_id
    # without an ID number, by name and phone (petitioner_find_or_create)
    c = register(district, locality=district.street_b, name="王五", phone="13700001111")
    by_phone = register(district, locality=district.street_b, name="王五", phone="13700001111")
    assert by_phone.petitioner_id == c.petitioner_id
    assert Petitioner.objects.count() == 3


def test_a_sealed_field_refuses_a_comparison_in_sql(district: District) -> None:
    with pytest.raises(FieldError, match="已加密"):
        Petitioner.objects.filter(phone=PHONE_A).exists()
    with pytest.raises(FieldError, match="id_number_hash"):
        Petitioner.objects.filter(id_number__startswith="3201").exists()
    assert Petitioner.objects.filter(id_number__isnull=True).count() == 0


def test_rotation_reseals_with_the_newest_key_and_the_old_one_can_go(district: District) -> None:
    with override_settings(XINFANG_DATA_KEYS=[OLD]):
        matter = register(district, locality=district.street_a, id_number=ID_A, phone=PHONE_A)
        register(district, locality=district.street_a, name="李四", phone="")
    pk = matter.petitioner_id
    assert raw_person(pk)[0].startswith(key_id(base64.urlsafe_b64decode(OLD)) + ".")
    with override_settings(XINFANG_DATA_KEYS=[NEW, OLD]):
        person = Petitioner.objects.get(pk=pk)  # old rows open with the old key still listed
        assert (person.id_number, person.phone) == (ID_A, PHONE_A)
        out = StringIO()
        call_command("rotate_data_key", "--batch", "1", stdout=out, stderr=StringIO())
        text = out.getvalue()
        # 2 people: ID + phone of 王小明, nothing of 李四 (no ID, no phone); 2 registrations
        assert "信访人：重新加密 2 个值" in text and "空值 2 个" in text
        assert "信访登记：重新加密 1 个值" in text and "空值 1 个" in text
        assert "旧密钥 " + key_id(base64.urlsafe_b64decode(OLD)) in text
        again = StringIO()
        call_command("rotate_data_key", stdout=again, stderr=StringIO())
        assert "重新加密 0 个值，已是最新密钥 2 个" in again.getvalue()  # idempotent
    assert _summaries() == _rebuilt()  # re-sealing moved no figure of the report
    new_id = key_id(base64.urlsafe_b64decode(NEW))
    assert raw_person(pk)[0].startswith(new_id + ".") and raw_person(pk)[1].startswith(new_id)
    with override_settings(XINFANG_DATA_KEYS=[NEW]):  # the old key removed
        person = Petitioner.objects.get(pk=pk)
        assert (person.id_number, person.phone) == (ID_A, PHONE_A)
        assert person_matter_ids(PHONE_A) == [matter.pk]  # the hashes did not change
    event = AuditEvent.objects.filter(action="personal_data.rotate_key").latest("id")
    assert event.data["key"] == new_id
    assert event.data["tables"]["intake_petitioner"]["resealed"] == 0  # the second run


def test_a_missing_or_wrong_key_is_a_clear_error(district: District) -> None:
    with override_settings(XINFANG_DATA_KEYS=[OLD]):
        matter = register(district, locality=district.street_a, id_number=ID_A, phone=PHONE_A)
    old_id = key_id(base64.urlsafe_b64decode(OLD))
    with override_settings(XINFANG_DATA_KEYS=[OTHER]):
        with pytest.raises(SealingError, match=f"编号 {old_id}.*XINFANG_DATA_KEYS"):
            Petitioner.objects.get(pk=matter.petitioner_id)
        with pytest.raises(CommandError, match="不在 XINFANG_DATA_KEYS 中"):
            call_command("rotate_data_key", stdout=StringIO(), stderr=StringIO())
    # a key with the right id but other bytes cannot exist; a changed value is refused
    with connection.cursor() as cursor:
        token = raw_person(matter.petitioner_id)[1]  # type: ignore[arg-type]
        broken = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        cursor.execute(
            "UPDATE intake_petitioner SET phone = %s WHERE id = %s", [broken, matter.petitioner_id]
        )
    with override_settings(XINFANG_DATA_KEYS=[OLD]), pytest.raises(SealingError, match="与值不符"):
        Petitioner.objects.get(pk=matter.petitioner_id)


def test_a_key_that_is_not_32_bytes_is_refused() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from xinfang.core.sealing import ring

    short = override_settings(XINFANG_DATA_KEYS=["c2hvcnQ="])  # 5 bytes
    with short, pytest.raises(ImproperlyConfigured, match="32字节"):
        ring()


def test_the_migration_seals_plain_rows_and_opens_them_backwards(district: District) -> None:
    """0012's two directions, on rows written in clear as they were before it."""
    from importlib import import_module

    migration = import_module("xinfang.intake.migrations.0012_seal_existing")
    matter = register(district, locality=district.street_a, id_number=ID_A, phone=PHONE_A)
    pk = matter.petitioner_id
    editor = SimpleNamespace(connection=connection)  # all the functions use of a schema editor
    migration.open_all(None, editor)
    assert raw_person(pk)[:2] == (ID_A, PHONE_A)  # backwards: in clear again
    sql = "SELECT petitioner_phone FROM intake_registration WHERE matter_id = %s"
    (snap,) = raw(sql, [matter.pk])
    assert snap == (PHONE_A,)
    raw("UPDATE intake_petitioner SET id_number_hash = NULL, phone_hash = '' WHERE id = %s", [pk])
    summaries = _summaries()
    migration.seal_all(None, editor)
    assert _summaries() == summaries == _rebuilt()  # the registrations' trigger off, then on
    assert summary.installed(connection)
    sealed = raw_person(pk)
    migration.seal_all(None, editor)
    assert raw_person(pk) == sealed  # twice: the second changes nothing
    id_raw, phone_raw, id_hash, phone_hash = sealed
    assert ID_A not in id_raw and PHONE_A not in phone_raw
    assert (id_hash, phone_hash) == (lookup_hash(ID_A), lookup_hash(PHONE_A))
    person = Petitioner.objects.get(pk=pk)
    assert (person.id_number, person.phone) == (ID_A, PHONE_A)


def test_the_ledger_export_and_import_round_trip_the_numbers(
    district: District, tmp_path: Path
) -> None:
    register(district, locality=district.street_a, id_number=ID_A, phone=PHONE_A)
    register(district, locality=district.street_a, name="李四", phone=PHONE_B)
    path = tmp_path / "ledger.csv"
    call_command("export_ledger", str(path), stdout=StringIO(), stderr=StringIO())
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["身份证号"], r["联系电话"]) for r in rows] == [(ID_A, PHONE_A), ("", PHONE_B)] or [
        (r["身份证号"], r["联系电话"]) for r in rows
    ] == [("", PHONE_B), (ID_A, PHONE_A)]
    wipe_intake()
    summary = ledger_import(actor=SYSTEM, path=path)
    assert (summary.created, summary.rejected) == (2, 0)
    a = Petitioner.objects.with_id_number(ID_A).get()
    assert (a.name, a.phone) == ("王小明", PHONE_A)
    b = Petitioner.objects.with_phone(PHONE_B).get()
    assert (b.name, b.id_number) == ("李四", None)
    assert PHONE_A not in str(raw_person(a.pk)) and PHONE_B not in str(raw_person(b.pk))
    assert sorted(Registration.objects.values_list("petitioner_phone", flat=True)) == sorted(
        [PHONE_A, PHONE_B]
    )
    # importing the same file again finds the same people through the stored hashes
    ledger_import(actor=SYSTEM, path=path)
    assert Petitioner.objects.count() == 2


def test_the_lookup_hash_is_hmac_sha256_of_the_normalised_value() -> None:
    import hashlib
    import hmac

    from xinfang.core.sealing import Hasher

    key = bytes(range(32))
    hasher = Hasher(key)
    for typed, normal in [
        ("13912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),  # full-width digits of a Chinese input method
        ("32010219800115017x", "32010219800115017X"),
    ]:
        expected = hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()[:32]
        assert hasher.exact(typed) == expected
    prefix = hmac.new(key, b"P:3201021980", hashlib.sha256).hexdigest()[:32]
    assert hasher.id_prefix("320102198001150173") == prefix
    assert hasher.id_prefix("320102198") == ""  # shorter than ten: no prefix
    assert hasher.exact("") == hasher.exact(None) == ""
    # every prefix length, typed in any form, is the HMAC of its tag and normalised prefix
    for typed in (
        "32010219800115017x",
        "３２０１０２１９８００１１５０１７Ｘ",
        "3201 0219 8001 1501 7x",
    ):
        for length in (10, 11, 12, 13, 14):
            tag = b"P:" if length == 10 else f"P{length}:".encode()
            text = b"32010219800115017X"[:length]
            expected = hmac.new(key, tag + text, hashlib.sha256).hexdigest()[:32]
            assert hasher.id_prefix(typed, length) == expected
    # a prefix whose upper case is not its NFKC form (ΐ -> Ϊ́): normalised whole, as before
    from xinfang.core.sealing import normalise

    odd = normalise("P:" + normalise("11010119ΐ90101")[:10])
    assert (
        hasher.id_prefix("11010119ΐ90101")
        == hmac.new(key, odd.encode(), hashlib.sha256).hexdigest()[:32]
    )

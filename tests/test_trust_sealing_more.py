"""Issue 13, item 2 (at rest), the rest of the numbers: a public booking's phone, the ID number
typed online that is kept for the staff to check, and a staff member's phone are sealed like the
petitioners' (xinfang.core.sealing), re-sealed by `xinfang rotate-data-key`, and their data
migrations seal the rows stored in clear and open them backwards.

Every value is typed by hand; the raw columns are read with a plain SQL cursor, on SQLite and
PostgreSQL alike."""

import base64
from datetime import date, time
from importlib import import_module
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tests.conftest import District
from xinfang.accounts.models import User
from xinfang.core.models import AuditEvent
from xinfang.core.sealing import key_id
from xinfang.intake.idcard import make_id_number
from xinfang.leaders import services
from xinfang.leaders.choices import BookingStatus, LeaderTier, SessionKind
from xinfang.leaders.models import Booking, Leader, ReceptionSession
from xinfang.notifications.delivery import phone_of
from xinfang.portal.models import PortalSubmission

BOOKER = "13911112222"
STAFF = "13833334444"
CLAIMED = make_id_number("320101", date(1960, 5, 17), 123)


def key(byte: int) -> str:
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


OLD, NEW = key(1), key(2)


def raw(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall()) if cursor.description else []


def raw_value(table: str, column: str, pk: int) -> str:
    (row,) = raw(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
    return str(row[0])


def session(district: District) -> ReceptionSession:
    leader = Leader.objects.create(
        name="张书记",
        post="区委书记",
        tier=LeaderTier.PRINCIPAL,
        unit=district.district,
        user=district.users["leader"],
    )
    today = timezone.localdate()
    made = services.session_create(
        actor=district.users["officer"],
        data=services.SessionInput(
            kind=SessionKind.VISIT_DOWN,
            unit=district.district,
            held_on=today.replace(year=today.year + 1),
            leaders=[leader],
            starts_at=time(9, 0),
            ends_at=time(11, 30),
            place="东风社区党群服务中心",
            topics="征地拆迁",
            capacity=2,
        ),
    )
    services.session_publish(actor=district.users["officer"], session=made)
    return made


def the_three(district: District) -> tuple[Booking, PortalSubmission, User]:
    booking = services.booking_create(
        session=session(district), name="甲", phone=BOOKER, topic="小区物业问题反映"
    )
    submission = PortalSubmission.objects.create(
        idempotency_key="k-1", query_code="Q1", claimed_id_number=CLAIMED
    )
    staff = district.users["officer"]
    staff.phone = STAFF
    staff.save()
    return booking, submission, staff


def test_the_columns_hold_no_plain_text_and_the_values_read_back(district: District) -> None:
    booking, submission, staff = the_three(district)
    columns = [
        ("leaders_booking", "phone", booking.pk, BOOKER),
        ("portal_portalsubmission", "claimed_id_number", submission.pk, CLAIMED),
        ("accounts_user", "phone", staff.pk, STAFF),
    ]
    for table, column, pk, plain in columns:
        stored = raw_value(table, column, pk)
        assert plain not in stored and plain[-4:] not in stored, (table, stored)
        assert stored.count(".") == 1 and len(stored) > 40  # "<key id>.<nonce+cipher text>"
    assert Booking.objects.get(pk=booking.pk).phone == BOOKER
    assert PortalSubmission.objects.get(pk=submission.pk).claimed_id_number == CLAIMED
    assert phone_of(User.objects.get(pk=staff.pk)) == STAFF  # where the SMS digests go
    # nothing in clear anywhere in the three tables
    for table, column, _, plain in columns:
        assert raw(f'SELECT id FROM "{table}" WHERE "{column}" LIKE %s', [f"%{plain}%"]) == []


def test_a_booking_is_revealed_cancelled_and_shown_by_its_tail(district: District) -> None:
    booking, _, _ = the_three(district)
    stored = Booking.objects.get(pk=booking.pk)
    assert services.booking_reveal(actor=district.users["officer"], booking=stored) == BOOKER
    event = AuditEvent.objects.filter(action="personal_data.reveal").latest("id")
    assert event.data["fields"] == ["phone"]
    cancelled = services.booking_cancel(code=booking.code)
    assert cancelled.status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=booking.pk).phone == BOOKER  # a save leaves it sealed
    assert BOOKER not in raw_value("leaders_booking", "phone", booking.pk)


def test_rotation_reseals_the_three(district: District) -> None:
    with override_settings(XINFANG_DATA_KEYS=[OLD]):
        booking, submission, staff = the_three(district)
    old_id = key_id(base64.urlsafe_b64decode(OLD))
    new_id = key_id(base64.urlsafe_b64decode(NEW))
    places = [
        ("leaders_booking", "phone", booking.pk),
        ("portal_portalsubmission", "claimed_id_number", submission.pk),
        ("accounts_user", "phone", staff.pk),
    ]
    assert all(raw_value(*p).startswith(old_id + ".") for p in places)
    out = StringIO()
    with override_settings(XINFANG_DATA_KEYS=[NEW, OLD]):
        call_command("rotate_data_key", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert f"接访预约：重新加密 1 个值（旧密钥 {old_id} 1）" in text
    assert "网上信访提交：重新加密 1 个值" in text
    assert "用户：重新加密 1 个值" in text
    assert all(raw_value(*p).startswith(new_id + ".") for p in places)
    event = AuditEvent.objects.filter(action="personal_data.rotate_key").latest("id")
    tables = event.data["tables"]
    assert tables["leaders_booking"]["resealed"] == 1
    assert tables["portal_portalsubmission"]["resealed"] == 1
    assert tables["accounts_user"]["resealed"] == 1  # the officer's phone; the others have none
    with override_settings(XINFANG_DATA_KEYS=[NEW]):  # the old key removed
        assert Booking.objects.get(pk=booking.pk).phone == BOOKER
        assert PortalSubmission.objects.get(pk=submission.pk).claimed_id_number == CLAIMED
        assert User.objects.get(pk=staff.pk).phone == STAFF


MIGRATIONS = [
    ("xinfang.leaders.migrations.0003_booking_phone_sealed", "leaders_booking", "phone"),
    (
        "xinfang.portal.migrations.0004_claimed_id_number_sealed",
        "portal_portalsubmission",
        "claimed_id_number",
    ),
    ("xinfang.accounts.migrations.0006_user_phone_sealed", "accounts_user", "phone"),
]


@pytest.mark.parametrize(("module", "table", "column"), MIGRATIONS)
def test_the_migration_seals_plain_rows_and_opens_them_backwards(
    district: District, module: str, table: str, column: str
) -> None:
    booking, submission, staff = the_three(district)
    pk, plain = {
        "leaders_booking": (booking.pk, BOOKER),
        "portal_portalsubmission": (submission.pk, CLAIMED),
        "accounts_user": (staff.pk, STAFF),
    }[table]
    operation = import_module(module).Migration.operations[-1]
    editor = SimpleNamespace(connection=connection)  # all the functions use of a schema editor
    operation.reverse_code(None, editor)
    assert raw_value(table, column, pk) == plain  # backwards: in clear again
    operation.reverse_code(None, editor)
    assert raw_value(table, column, pk) == plain  # twice: nothing to open
    operation.code(None, editor)
    sealed = raw_value(table, column, pk)
    assert plain not in sealed
    operation.code(None, editor)
    assert raw_value(table, column, pk) == sealed  # twice: the second changes nothing
    # the empty values stay empty both ways (the other staff have no phone)
    if table == "accounts_user":
        others = raw("SELECT DISTINCT phone FROM accounts_user WHERE id <> %s", [pk])
        assert others == [("",)]
    values = {
        "leaders_booking": lambda: Booking.objects.get(pk=pk).phone,
        "portal_portalsubmission": lambda: PortalSubmission.objects.get(pk=pk).claimed_id_number,
        "accounts_user": lambda: User.objects.get(pk=pk).phone,
    }
    assert values[table]() == plain


def test_a_form_limits_the_value_not_the_sealed_column() -> None:
    field = User._meta.get_field("phone")
    assert field.max_length == 160  # the sealed form of a 64-character value
    form_field = field.formfield()
    assert form_field is not None and form_field.max_length == 64
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        form_field.clean("1" * 65)
    assert form_field.clean("1" * 64) == "1" * 64

"""Registering arrivals: new matters, repeats, collective visits, audit rows."""

from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import TZ, District, register
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.sequences import serial_number
from xinfang.intake.choices import Channel, Form, LetterKind
from xinfang.intake.models import Petitioner, Registration
from xinfang.intake.services import PersonInput, RegistrationInput, registration_create


def test_repeat_registration_joins_the_matter(district: District) -> None:
    first = register(district, locality=district.street_a, id_number="11010519491231002X")
    again = register(
        district,
        locality=district.street_a,
        id_number="11010519491231002X",
        channel=Channel.LETTER,
        when=datetime(2026, 4, 1, 10, tzinfo=TZ),
        matter=first,
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.registration_count == 2
    assert [r.is_first for r in again.registrations.order_by("received_at")] == [True, False]
    assert Petitioner.objects.count() == 1
    assert AuditEvent.objects.filter(matter=again, action="registration.create").count() == 2


def test_collective_visit_by_threshold_with_representatives(district: District) -> None:
    reps = [PersonInput(name=f"代表{i}", phone=f"1390000000{i}") for i in range(5)]
    registration = registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=Channel.VISIT,
            received_at=datetime(2026, 3, 2, 9, tzinfo=TZ),
            people=12,
            representatives=reps,
            petitioner=PersonInput(name="代表0", phone="13900000000"),
        ),
    )
    assert registration.form == Form.COLLECTIVE
    assert registration.representatives.count() == 5


def test_bad_input_is_refused_and_nothing_written(district: District) -> None:
    with pytest.raises(InputError, match="代表人最多5名"):
        registration_create(
            actor=district.users["registrar"],
            data=RegistrationInput(
                channel=Channel.VISIT,
                received_at=datetime(2026, 3, 2, 9, tzinfo=TZ),
                people=30,
                representatives=[PersonInput(name=f"代表{i}") for i in range(6)],
            ),
        )
    with pytest.raises(InputError, match="校验位不符"):
        registration_create(
            actor=district.users["registrar"],
            data=RegistrationInput(
                channel=Channel.VISIT,
                received_at=datetime(2026, 3, 2, 9, tzinfo=TZ),
                petitioner=PersonInput(name="张三", id_number="110105194912310021"),
            ),
        )
    assert not AuditEvent.objects.exists()
    assert not Petitioner.objects.exists()


def test_only_registering_roles_may_register(district: District) -> None:
    with pytest.raises(PermissionRefusedError):
        registration_create(
            actor=district.users["leader"],
            data=RegistrationInput(
                channel=Channel.PHONE, received_at=datetime(2026, 3, 2, 9, tzinfo=TZ)
            ),
        )


def test_a_name_alone_identifies_nobody(district: District) -> None:
    first = register(district, locality=district.street_a, name="王伟", phone="")
    second = register(district, locality=district.street_b, name="王伟", phone="")
    assert first.petitioner_id != second.petitioner_id


def test_the_repeat_flag_and_contact_changes_are_in_the_history(district: District) -> None:
    matter = register(district, locality=district.street_a, id_number="11010519491231002X")
    register(
        district,
        locality=district.street_a,
        id_number="11010519491231002X",
        name="王晓明",
        phone="13911112222",
        matter=matter,
        when=datetime(2026, 4, 1, 10, tzinfo=TZ),
    )
    flags = [
        e.data["repeat"]
        for e in AuditEvent.objects.filter(action="registration.create").order_by("id")
    ]
    assert flags == [False, True]
    change = AuditEvent.objects.get(action="petitioner.update")
    assert change.data == {"fields": ["name", "phone"]}  # which fields, never the values


def _arrival(district: District, channel: str, people: int) -> Registration:
    return registration_create(
        actor=district.users["registrar"],
        data=RegistrationInput(
            channel=channel,
            people=people,
            received_at=datetime(2026, 3, 2, 9, 30, tzinfo=TZ),
            content="反映小区物业管理问题",
            purpose="request",
            locality=district.village_a,
        ),
    )


def test_a_letter_many_sign_is_a_joint_letter_not_a_visit_form(district: District) -> None:
    """12 people: as a letter a 联名信 (never 个访, never 集体访); as a visit a 集体访."""
    letter = _arrival(district, Channel.LETTER, 12)
    assert letter.letter_kind == LetterKind.JOINT
    assert letter.form == Form.INDIVIDUAL  # not counted among the 集体访
    assert letter.form_label == "联名信" and letter.matter.form_label == ""
    visit = _arrival(district, Channel.VISIT, 12)
    assert visit.form == Form.COLLECTIVE and visit.form_label == "集体访"
    alone = _arrival(district, Channel.LETTER, 1)
    assert alone.letter_kind == "" and alone.form_label == ""
    assert _arrival(district, Channel.VISIT, 1).form_label == "个访"


def test_the_matter_pages_list_a_joint_letter_as_such(district: District) -> None:
    from django.test import Client
    from django.urls import reverse

    from tests.conftest import PASSWORD

    letter = _arrival(district, Channel.LETTER, 12)
    client = Client()
    assert client.login(username=district.users["registrar"].username, password=PASSWORD)
    detail = client.get(reverse("intake:matter_detail", args=[letter.matter.pk])).content.decode()
    assert "联名信 · 12人" in detail and "个访" not in detail
    listed = client.get(reverse("intake:matter_list")).content.decode()
    assert letter.matter.number in listed
    assert (
        "来信 · 来区" in listed and "来信 · 来区 · 个访" not in listed
    )  # the filter still offers 个访


def test_new_numbers_take_the_demos_form_with_the_bureaus_prefix(
    district: District, settings: Any
) -> None:
    first = _arrival(district, Channel.VISIT, 1)
    year = timezone.localdate().year
    assert first.matter.number == f"XF-{year}-000001"
    assert first.number == f"DJ-{year}-000001"
    settings.XINFANG = {**settings.XINFANG, "MATTER_NUMBER_PREFIX": "SX"}
    second = _arrival(district, Channel.VISIT, 1)
    assert second.matter.number == f"SX-{year}-000002"  # the demo's form: SX-2026-000747
    assert serial_number("SX", 2026, 747) == "SX-2026-000747"


@pytest.mark.parametrize("raw", ["xf", "X-F", "信访", "ABCDEFGHI"])
def test_a_number_prefix_that_cannot_be_typed_and_searched_is_refused(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from xinfang.core.env import env_prefix

    monkeypatch.setenv("XINFANG_MATTER_NUMBER_PREFIX", raw)
    with pytest.raises(ImproperlyConfigured, match="编号前缀"):
        env_prefix("XINFANG_MATTER_NUMBER_PREFIX", "XF")

"""The portal's service: online submission, idempotency, query code and secret, lockout."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.core.errors import InputError
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Channel, Purpose, Source
from xinfang.intake.models import Attachment, Category, Matter, Registration
from xinfang.portal import services as portal
from xinfang.portal.models import PortalSubmission

from .conftest import District

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def petition(district: District, **changes: object) -> portal.PetitionInput:
    values: dict[str, object] = {
        "purpose": Purpose.REQUEST,
        "content": "小区东门的路灯坏了三个月，晚上出行很不方便，请尽快修复。",
        "category": Category.objects.get(name="物业管理"),
        "locality": district.street_a,
        "name": "李华",
        "phone": "13912345678",
    }
    values.update(changes)
    return portal.PetitionInput(**values)  # type: ignore[arg-type]


KEY = "k" * 32
IP = "198.51.100.7"  # the client trying a code


@pytest.mark.django_db
def test_submit_registers_an_online_matter_with_code_and_secret(district: District) -> None:
    upload = SimpleUploadedFile("照片.png", PNG, content_type="image/png")
    result = portal.online_petition_submit(
        data=petition(district, uploads=[upload]), idempotency_key=KEY
    )
    assert result.created
    registration = result.registration
    assert registration.channel == Channel.ONLINE
    assert registration.source == Source.PORTAL
    assert registration.registered_by is not None
    assert registration.registered_by.username == portal.PORTAL_USERNAME
    assert not registration.registered_by.has_usable_password()
    assert registration.matter.locality == district.street_a
    assert Attachment.objects.filter(registration=registration).count() == 1
    assert len(result.query_code) == portal.CODE_LENGTH
    assert not set(result.query_code + result.secret) & set("01OI")
    record = PortalSubmission.objects.get()
    stored = [str(getattr(record, f.attname)) for f in PortalSubmission._meta.concrete_fields]
    assert not any(result.secret in value for value in stored)  # the secret is never kept
    event = AuditEvent.objects.get(action="portal.submit")
    assert event.data["query_code"] == result.query_code
    assert event.matter == registration.matter
    assert (
        portal.submission_verify(query_code=result.query_code, secret=result.secret, client=IP)
        == record
    )


@pytest.mark.django_db
def test_same_key_twice_is_one_matter(district: District) -> None:
    first = portal.online_petition_submit(data=petition(district), idempotency_key=KEY)
    again = portal.online_petition_submit(data=petition(district), idempotency_key=KEY)
    assert not again.created
    assert (again.matter, again.query_code, again.secret) == (
        first.matter,
        first.query_code,
        first.secret,
    )
    assert Matter.objects.count() == Registration.objects.count() == 1


@pytest.mark.django_db
def test_identity_rules(district: District) -> None:
    with pytest.raises(InputError) as caught:
        portal.online_petition_submit(data=petition(district, name=""), idempotency_key=KEY)
    assert caught.value.field == "name"
    with pytest.raises(InputError) as caught:
        portal.online_petition_submit(data=petition(district, phone=""), idempotency_key=KEY)
    assert caught.value.field == "phone"
    suggestion = petition(district, purpose=Purpose.SUGGESTION, name="", phone="")
    assert portal.online_petition_submit(data=suggestion, idempotency_key=KEY).created
    accusation = petition(district, purpose=Purpose.ACCUSATION, name="", phone="")
    result = portal.online_petition_submit(data=accusation, idempotency_key="a" * 32)
    assert result.matter.petitioner is None


@pytest.mark.django_db
def test_wrong_secret_locks_the_code(district: District) -> None:
    result = portal.online_petition_submit(data=petition(district), idempotency_key=KEY)
    for _ in range(portal.MAX_FAILURES - 1):
        with pytest.raises(InputError):
            portal.submission_verify(query_code=result.query_code, secret="WRONGSEC", client=IP)
    with pytest.raises(portal.LockedError):
        portal.submission_verify(query_code=result.query_code, secret="WRONGSEC", client=IP)
    with pytest.raises(portal.LockedError):  # even the right one waits
        portal.submission_verify(query_code=result.query_code, secret=result.secret, client=IP)
    assert AuditEvent.objects.filter(action="portal.lockout", matter=result.matter).count() == 1


def test_codes_read_back_whatever_the_typing() -> None:
    assert portal.normalise_code(" abcd-efgh ") == "ABCDEFGH"
    assert portal.display_code("ABCDEFGH") == "ABCD-EFGH"

"""Open311 under hostile input: NUL characters, digits that are not ASCII, dates at the ends of the
calendar and control characters never make a server error, always the spec's error list in
Chinese (well-formed XML included), and nothing is registered."""

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.api_support import _fresh_throttle_counts
from tests.conftest import District
from tests.test_open311 import BASE, FORM, System, errors, good, post, system
from xinfang.intake.models import Matter

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_throttle_counts", "system"]


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/requests/XF%00.json",
        f"{BASE}/tokens/ab%00cd.json",
        f"{BASE}/services/1%00.json",
        f"{BASE}/requests.json?service_request_id=XF%002025",
        f"{BASE}/requests.json?status=open%00",
        f"{BASE}/requests.json?start_date=2026-01-01%00",
    ],
)
def test_a_nul_character_in_a_get_is_a_400(district: District, url: str) -> None:
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400
    assert "U+0000" in errors(response, "json")[0][1]


@pytest.mark.parametrize(
    "field",
    ["description", "first_name", "last_name", "address_string", "attribute[locality]", "phone"],
)
def test_a_nul_character_in_a_post_is_a_400_and_nothing_is_registered(
    district: District, system: System, field: str
) -> None:
    fields = good(system, district)
    fields[field] = fields[field][:2] + "\x00" + fields[field][2:]
    response = post(Client(raise_request_exception=False), fields)
    assert response.status_code == 400
    assert field in errors(response, "json")[0][1]
    assert not Matter.objects.exists()


@pytest.mark.parametrize(
    ("field", "ch", "kind"),
    [
        ("description", "\u202e", "文字方向控制字符（U+202E）"),
        ("last_name", "\u200b", "零宽字符（U+200B）"),
        ("address_string", "\x1b", "控制字符（U+001B）"),
        ("first_name", "\u2066", "文字方向控制字符（U+2066）"),
    ],
)
def test_a_bidi_or_control_character_in_a_post_is_a_400_like_the_forms(
    district: District, system: System, field: str, ch: str, kind: str
) -> None:
    """What the portal's form and the ledger importer refuse, Open311 refuses too (it went to
    the petition's content before): the parameter named, the character named, nothing kept."""
    fields = good(system, district)
    fields[field] = fields[field][:1] + ch + fields[field][1:]
    for fmt in ("json", "xml"):
        response = post(Client(raise_request_exception=False), fields, fmt)
        assert response.status_code == 400, response.content
        described = errors(response, fmt)[0][1]
        assert field in described and kind in described, described
    assert not Matter.objects.exists()


def test_a_nul_in_the_idempotency_key_is_a_400(district: District, system: System) -> None:
    response = post(
        Client(raise_request_exception=False),
        good(system, district),
        **{"Idempotency-Key": "abc\x00def"},
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in errors(response, "json")[0][1]
    assert not Matter.objects.exists()


@pytest.mark.parametrize("code", ["²", "١٢", "𝟏"])
def test_digits_that_are_not_ascii_are_an_unknown_service(
    district: District, system: System, code: str
) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(f"{BASE}/services/{code}.json")
    assert response.status_code == 404
    errors(response, "json")
    response = client.get(f"{BASE}/requests.json", {"service_code": code})
    assert response.status_code == 400
    errors(response, "json")
    response = post(client, good(system, district, service_code=code))
    assert response.status_code == 404
    errors(response, "json")
    assert not Matter.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "9999-12-31"},
        {"end_date": "0001-01-01"},
        {"start_date": "0001-01-01", "end_date": "0001-01-02"},
        {"start_date": "9999-12-30", "end_date": "9999-12-31T23:59:59-23:00"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_a_400(
    district: District, params: dict[str, str]
) -> None:
    response = Client(raise_request_exception=False).get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    assert "日期" in errors(response, "json")[0][1]


def test_control_characters_echoed_in_an_error_keep_the_xml_well_formed(
    district: District,
) -> None:
    # control characters are refused by name (the forms' rule); U+FFFF passes it, is echoed
    for path, status in (("XF%0B%1B2025", 400), ("XF%EF%BF%BF2025", 404)):
        response = Client(raise_request_exception=False).get(f"{BASE}/requests/{path}.xml")
        assert response.status_code == status, response.content
        ET.fromstring(response.content)  # raises on a character XML 1.0 does not allow
        errors(response, "xml")


def test_a_burst_of_posts_is_429_in_the_error_list(
    district: District, system: System, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"read": "600/minute", "write": "2/minute"},
    }
    client = Client()
    assert post(client, good(system, district)).status_code == 201
    assert post(client, good(system, district)).status_code == 201
    response = post(client, good(system, district), "xml")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "频繁" in errors(response, "xml")[0][1]
    assert Matter.objects.count() == 2


def test_a_body_too_big_or_with_too_many_fields_is_the_error_list(
    district: District, system: System
) -> None:
    client = Client(raise_request_exception=False)
    response = post(client, good(system, district, description="长" * 1_000_000))
    assert response.status_code == 413
    assert "过大" in errors(response, "json")[0][1]
    body = urlencode(good(system, district)) + "&" + "&".join(f"x{i}=1" for i in range(1100))
    response = client.post(f"{BASE}/requests.xml", body, content_type=FORM)
    assert response.status_code == 400
    errors(response, "xml")
    assert not Matter.objects.exists()


def test_an_api_key_in_the_address_is_refused(district: District, system: System) -> None:
    """The spec passes api_key in the POST body; in the address it is written to every access
    log and proxy on the way, so it is refused rather than used."""
    fields = good(system, district)
    key = fields.pop("api_key")
    response = Client().post(
        f"{BASE}/requests.json?api_key={key}", urlencode(fields), content_type=FORM
    )
    assert response.status_code == 400
    assert "api_key" in errors(response, "json")[0][1]
    assert not Matter.objects.exists()

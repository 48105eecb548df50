"""The API under a hostile hand: the portal's own system account (a registrar at the tree's root,
which sees every matter, accusations included) is never an API caller."""

import pytest
from django.core.management import CommandError, call_command

from tests.api_support import Api, _fresh_throttle_counts
from tests.conftest import District
from xinfang.api.admin import ApiTokenForm
from xinfang.api.models import ApiToken, key_hash
from xinfang.api.services import token_create
from xinfang.core.errors import InputError
from xinfang.portal.services import PORTAL_USERNAME, portal_actor

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_throttle_counts"]


def test_no_token_is_issued_to_the_portal_account(district: District) -> None:
    portal = portal_actor()
    with pytest.raises(InputError, match="网上信访平台"):
        token_create(actor=district.users["admin"], user=portal, name="x")
    assert not ApiToken.objects.exists()
    choices = ApiTokenForm().fields["user"].queryset  # type: ignore[attr-defined]
    assert not choices.filter(username=PORTAL_USERNAME).exists()
    with pytest.raises(CommandError, match="网上信访平台"):
        call_command("api_token", "create", "--user", PORTAL_USERNAME, "--name", "x")


def test_a_token_of_the_portal_account_made_by_hand_authenticates_nobody(
    district: District,
) -> None:
    raw = "xf_" + "a" * 43
    ApiToken.objects.create(user=portal_actor(), name="x", prefix=raw[:10], key_hash=key_hash(raw))
    assert Api(raw).get("/api/v1/matters/")[0] == 401


@pytest.mark.parametrize("ref", ["²", "١٢"])
def test_revoking_by_an_odd_reference_is_told_not_a_crash(district: District, ref: str) -> None:
    with pytest.raises(CommandError, match="没有编号或前缀"):
        call_command("api_token", "revoke", ref)


def test_a_nul_character_in_a_body_is_named_as_such(district: District) -> None:
    from tests.api_support import api_for, assert_error

    api = api_for(district, "registrar")
    status, body = api.post(
        "/api/v1/registrations/", {"channel": "visit", "content": "供暖\x00不足"}
    )
    assert status == 400
    error = assert_error(body, "validation_error")
    assert "空字符" in error["fields"]["content"][0]
    assert "不允许是用空字符串" not in str(body)  # Django's own text reads "no empty string"


def test_a_body_over_the_size_limit_is_a_413_in_the_format(
    district: District, settings: object
) -> None:
    import json

    from tests.api_support import api_for, assert_error

    api = api_for(district, "registrar")
    body = json.dumps({"channel": "visit", "content": "长" * 1_000_000})  # 3 MB of UTF-8
    response = api.client.post("/api/v1/registrations/", body, content_type="application/json")
    assert response.status_code == 413
    assert "过大" in assert_error(response.json(), "request_too_large")["message"]
    schema = api.client.get("/api/v1/schema/").json()
    assert "413" in schema["paths"]["/api/v1/registrations/"]["post"]["responses"]


def test_a_replayed_key_answers_only_while_the_matter_is_visible(district: District) -> None:
    """The first answer again — but not to an account that may no longer see that matter."""
    from tests.api_support import api_for, assert_error
    from tests.test_api_work import arrival

    api = api_for(district, "registrar")
    body = arrival(locality=district.street_a.code)
    first = api.post("/api/v1/registrations/", body, **{"Idempotency-Key": "k-1"})
    assert first[0] == 201
    registrar = district.users["registrar"]
    registrar.org_unit = district.street_b  # moved to another street's desk
    registrar.save(update_fields=["org_unit"])
    status, answer = api.post("/api/v1/registrations/", body, **{"Idempotency-Key": "k-1"})
    assert status == 404
    assert_error(answer, "not_found")
    assert "周九" not in str(answer)

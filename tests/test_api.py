"""REST API v1: tokens, the one error format, the web's permission question, matters, masking."""

import json
from typing import Any

import pytest
from django.http import Http404
from django.test import Client, RequestFactory

from tests.api_support import Api, _fresh_throttle_counts, api_for, assert_error
from tests.conftest import District
from tests.views_support import ID_A, ID_ACCUSER, PHONE_A, VISIBLE, Matters, make_matters
from xinfang.api.errors import ERROR_SCHEMA, api_handler404, api_handler500
from xinfang.api.services import token_create, token_revoke
from xinfang.core.models import AuditEvent

__all__ = ["_fresh_throttle_counts"]


@pytest.fixture
def matters(district: District) -> Matters:
    return make_matters(district)


def test_no_token_bad_token_revoked_token_are_401_in_the_format(district: District) -> None:
    status, body = Api(None).get("/api/v1/matters/")
    assert status == 401
    assert_error(body, "not_authenticated")
    status, body = Api("xf_not-a-key").get("/api/v1/matters/")
    assert status == 401
    assert_error(body, "authentication_failed")
    token, raw = token_create(
        actor=district.users["admin"], user=district.users["officer"], name="x"
    )
    assert Api(raw).get("/api/v1/matters/")[0] == 200
    bearer = Client(headers={"Authorization": f"Bearer {raw}"})
    assert bearer.get("/api/v1/matters/").status_code == 200
    token_revoke(actor=district.users["admin"], token=token)
    status, body = Api(raw).get("/api/v1/matters/")
    assert status == 401
    assert_error(body, "authentication_failed")
    response = Client().get("/api/v1/matters/")
    assert response["WWW-Authenticate"] == "Token"


def test_a_session_login_is_not_an_api_login(district: District) -> None:
    client = Client()
    client.force_login(district.users["officer"])
    response = client.get("/api/v1/matters/")
    assert response.status_code == 401


def test_unknown_addresses_wrong_methods_and_bodies_answer_in_the_format(
    district: District,
) -> None:
    api = api_for(district, "officer")
    status, body = api.get("/api/v1/nothing-here/")
    assert status == 404
    assert_error(body, "not_found")
    status, body = api.post("/api/v1/matters/")
    assert status == 405
    assert_error(body, "method_not_allowed")
    response = api.client.post(
        "/api/v1/registrations/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert_error(response.json(), "parse_error")
    response = api.client.post("/api/v1/registrations/", {"channel": "visit"})  # a form post
    assert response.status_code == 415
    assert_error(response.json(), "unsupported_media_type")


def test_messages_stay_chinese_whatever_the_client_language(district: District) -> None:
    api = api_for(district, "registrar")
    response = api.client.post(
        "/api/v1/registrations/",
        "{}",
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    error = assert_error(response.json(), "validation_error")
    assert "channel" in error["fields"] and "content" in error["fields"]


@pytest.mark.parametrize("who", sorted(set(VISIBLE) - {"admin"}))
def test_each_role_sees_through_the_api_what_it_sees_on_the_web(
    district: District, matters: Matters, who: str
) -> None:
    api = api_for(district, who)
    names = {m.pk: name for name, m in matters.all().items()}
    status, body = api.get("/api/v1/matters/")
    assert status == 200
    assert {names[row["id"]] for row in body["results"]} == VISIBLE[who]
    assert body["count"] == len(VISIBLE[who])
    for name, matter in matters.all().items():
        status, body = api.get(f"/api/v1/matters/{matter.pk}/")
        if name in VISIBLE[who]:
            assert status == 200 and body["number"] == matter.number
        else:
            assert status == 404, (who, name)
            assert_error(body, "not_found")
        for sub in ("timeline/", "actions/", "documents/"):
            assert (api.get(f"/api/v1/matters/{matter.pk}/{sub}")[0] == 200) == (
                name in VISIBLE[who]
            )


def test_an_accusation_never_reaches_the_accused_unit(district: District, matters: Matters) -> None:
    accused = api_for(district, "street_a_staff")  # the accusation names 东风街道
    pk = matters.accusation.pk
    assert accused.get(f"/api/v1/matters/{pk}/")[0] == 404
    assert pk not in [r["id"] for r in accused.get("/api/v1/matters/")[1]["results"]]
    registrations = accused.get("/api/v1/registrations/")[1]["results"]
    assert pk not in [r["matter"]["id"] for r in registrations]
    reg = matters.accusation.registrations.get()
    assert accused.get(f"/api/v1/registrations/{reg.pk}/")[0] == 404
    # the discipline organ it was sent to sees it
    assert api_for(district, "discipline_staff").get(f"/api/v1/matters/{pk}/")[0] == 200


def test_personal_data_is_masked_and_revealed_only_with_a_logged_reveal(
    district: District, matters: Matters
) -> None:
    api = api_for(district, "registrar")
    pk = matters.street_a.pk
    body = api.get(f"/api/v1/matters/{pk}/")[1]
    text = str(body)
    assert ID_A not in text and PHONE_A not in text
    person = body["people"][0]
    assert person["id_number"].startswith(ID_A[:4]) and "*" in person["id_number"]
    assert person["phone"] == PHONE_A[:3] + "****" + PHONE_A[-4:]
    assert body["may_reveal"] is True
    assert PHONE_A not in str(api.get("/api/v1/registrations/")[1])
    url = f"/api/v1/matters/{pk}/people/{person['id']}/reveal/"
    status, whole = api.post(url)
    assert status == 200 and whole["id_number"] == ID_A and whole["phone"] == PHONE_A
    assert AuditEvent.objects.filter(
        action="personal_data.reveal", matter=matters.street_a, actor=district.users["registrar"]
    ).exists()
    leader = api_for(district, "leader")
    assert leader.get(f"/api/v1/matters/{pk}/")[1]["may_reveal"] is False
    status, body = leader.post(url)
    assert status == 403
    assert_error(body, "permission_denied")
    # a person of another matter is not revealed through this one
    other = matters.accusation.registrations.get().petitioner
    status, body = api.post(f"/api/v1/matters/{pk}/people/{other.pk}/reveal/")
    assert status == 403 and ID_ACCUSER not in str(body)


def test_the_matter_carries_facts_state_clocks_and_assignments(
    district: District, matters: Matters
) -> None:
    api = api_for(district, "officer")
    body = api.get(f"/api/v1/matters/{matters.housing.pk}/")[1]
    assert body["status"] == "registered" and body["status_display"]
    assert body["version"] == matters.housing.version
    assert body["responsible_unit"] == {
        "code": district.housing.code,
        "name": district.housing.name,
    }
    assert {c["kind"] for c in body["clocks"]} >= {"route"}
    assert body["assignments"] == []
    assert body["registrations"] == [matters.housing.registrations.get().pk]


def test_filters_like_the_web_list_and_bad_filters_told_in_chinese(
    district: District, matters: Matters
) -> None:
    api = api_for(district, "officer")
    ids = lambda body: {r["id"] for r in body["results"]}  # noqa: E731
    assert ids(api.get("/api/v1/matters/", purpose="accusation")[1]) == {matters.accusation.pk}
    body = api.get("/api/v1/matters/", locality=district.street_b.code)[1]
    assert ids(body) == {matters.street_b.pk, matters.housing.pk}
    assert ids(api.get("/api/v1/matters/", person="李四")[1]) == {matters.street_b.pk}
    assert ids(api.get("/api/v1/matters/", category="交通")[1]) == {matters.unplaced.pk}
    status, body = api.get("/api/v1/matters/", received_from="yesterday", channel="fax")
    assert status == 400
    error = assert_error(body, "validation_error")
    assert set(error["fields"]) == {"received_from", "channel"}
    status, body = api.get("/api/v1/matters/", locality="no-such-unit")
    assert status == 400 and "locality" in assert_error(body, "validation_error")["fields"]
    # a unit outside the account's area is refused as the web refuses it
    street = api_for(district, "street_b_staff")
    status, body = street.get("/api/v1/matters/", locality=district.street_a.code)
    assert status == 400 and "locality" in body["error"]["fields"]


def test_pages_have_count_next_previous_and_a_capped_size(
    district: District, matters: Matters
) -> None:
    api = api_for(district, "officer")
    first = api.get("/api/v1/matters/", page_size=2)[1]
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    second = api.client.get(first["next"]).json()
    third = api.client.get(second["next"]).json()
    assert third["next"] is None and len(third["results"]) == 1
    seen = [r["id"] for page in (first, second, third) for r in page["results"]]
    newest_first = sorted(
        matters.all().values(), key=lambda m: (m.first_received_on, m.pk), reverse=True
    )
    assert seen == [m.pk for m in newest_first]
    assert len(api.get("/api/v1/matters/", page_size=1000)[1]["results"]) == 5  # capped at 100
    status, body = api.get("/api/v1/matters/", page=99)
    assert status == 404
    assert_error(body, "not_found")


def test_a_burst_over_the_rate_is_429_in_the_format(district: District, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"read": "3/minute", "write": "1/minute"},
    }
    api = api_for(district, "officer")
    statuses = [api.client.get("/api/v1/matters/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.client.get("/api/v1/matters/")
    assert_error(response.json(), "throttled")
    assert int(response["Retry-After"]) >= 1
    # another token has its own count
    assert api_for(district, "registrar").client.get("/api/v1/matters/").status_code == 200


def test_the_openapi_document_names_the_error_body_for_every_operation(district: District) -> None:
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.oai.openapi+json"
    )
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["schemas"]["Error"] == ERROR_SCHEMA
    assert "tokenAuth" in document["components"]["securitySchemes"]
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 13
    for path, method, operation in operations:
        for code in ("400", "401", "403", "404", "405", "409", "415", "429", "500"):
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)


def test_a_nul_in_a_query_is_refused_before_any_lookup(district: District) -> None:
    api = api_for(district, "officer")
    status, body = api.get("/api/v1/matters/", locality="32\x0001")
    assert status == 400 and "locality" in assert_error(body, "validation_error")["fields"]


def test_the_root_handlers_answer_api_addresses_in_the_format(district: District) -> None:
    request = RequestFactory().get("/api/v2/nothing")
    response = api_handler404(request, Http404())
    assert response.status_code == 404
    assert_error(json.loads(response.content), "not_found")
    response = api_handler500(RequestFactory().get("/api/v1/matters/"))
    assert response.status_code == 500
    assert_error(json.loads(response.content), "server_error")
    assert api_handler404(RequestFactory().get("/intake/x"), Http404()).status_code == 404


def test_an_unexpected_error_is_a_500_in_the_format(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinfang.api.views import matters as views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "matters_filtered", broken)
    status, body = api_for(district, "officer").get("/api/v1/matters/")
    assert status == 500
    error = assert_error(body, "server_error")
    assert "boom" not in error["message"]


def _api_routes() -> list[str]:
    from django.urls import get_resolver

    from tests.test_url_guard import concrete, walk

    return [
        concrete(route)
        for route, name in walk(get_resolver().url_patterns)
        if route.startswith("api/v1/") and name not in ("schema", "not_found")
    ]


def test_the_walk_finds_the_api() -> None:
    assert len(_api_routes()) >= 12


@pytest.mark.django_db
@pytest.mark.parametrize("url", _api_routes())
def test_every_endpoint_refuses_a_call_without_a_token(url: str) -> None:
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        # the token is asked before anything else: a 404 or 405 would hide a lost guard
        assert response.status_code == 401, (url, method, response.status_code)
        assert_error(response.json(), "not_authenticated")

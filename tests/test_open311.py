"""Open311 GeoReport v2: every method in JSON and XML, refusals as the spec's error list in Chinese,
the POST as an online registration, idempotency, and what the public may (not) read."""

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from tests.api_support import _fresh_throttle_counts
from tests.conftest import PASSWORD, District, make_user, register
from xinfang.accounts.models import Role, User
from xinfang.api.models import ApiToken
from xinfang.api.services import token_create, token_revoke
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM, visible_matters
from xinfang.intake.choices import Channel, Purpose, Source
from xinfang.intake.models import Category, Matter, Registration
from xinfang.open311.models import Open311Request
from xinfang.open311.selectors import _expected
from xinfang.workflow import services as workflow
from xinfang.workflow.states import MatterStatus

__all__ = ["_fresh_throttle_counts"]  # per-token counts: ids come again after a rollback

BASE = "/open311/v2"
PHONE = "13912345678"
NAME_FAMILY, NAME_GIVEN = "赵", "小红"
TEXT = "小区电梯长期故障，物业公司一直不修，请求督促解决"
FORM = "application/x-www-form-urlencoded"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class System:
    user: User
    token: ApiToken
    key: str


@pytest.fixture
def system(district: District) -> System:
    user = make_user("hotline", Role.REGISTRAR, district.district)
    token, key = token_create(actor=SYSTEM, user=user, name="12345热线")
    return System(user, token, key)


def code_of(name: str) -> str:
    return str(Category.objects.get(name=name).pk)


def parse(response: Any, fmt: str) -> Any:
    """The body as plain data; XML through ElementTree (lists of one kind of child)."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors(response: Any, fmt: str) -> list[tuple[int, str]]:
    body = parse(response, fmt)
    if fmt == "json":
        found = [(item["code"], item["description"]) for item in body]
    else:
        assert body.tag == "errors"
        found = [
            (int(item.findtext("code") or 0), item.findtext("description") or "")
            for item in body.findall("error")
        ]
    assert found, response.content
    for code, description in found:
        assert code == response.status_code
        assert CJK.search(description), description  # a Chinese description, not a stack trace
    return found


def post(client: Client, fields: dict[str, str], fmt: str = "json", **headers: str) -> Any:
    return client.post(
        f"{BASE}/requests.{fmt}", urlencode(fields), content_type=FORM, headers=headers
    )


def good(system: System, district: District, **extra: str) -> dict[str, str]:
    fields = {
        "api_key": system.key,
        "jurisdiction_id": "example.gov.cn",
        "service_code": code_of("物业管理"),
        "attribute[purpose]": Purpose.REQUEST.value,
        "attribute[locality]": district.village_a.code,
        "description": TEXT,
        "first_name": NAME_GIVEN,
        "last_name": NAME_FAMILY,
        "phone": PHONE,
        "email": "zhao@example.com",
        "address_string": "东风社区3号楼",
        "lat": "32.05",
        "long": "118.78",
        "device_id": "device-123",
    }
    fields.update(extra)
    return fields


# --- discovery, services, definitions ----------------------------------------------------------


def test_discovery_in_both_formats(district: District) -> None:
    client = Client()
    body = parse(client.get(f"{BASE}/discovery.json"), "json")
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = parse(client.get(f"{BASE}/discovery.xml"), "xml")
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/type") == "production"


def test_services_are_the_active_categories(district: District) -> None:
    retired = Category.objects.get(name="企业改制")
    retired.active = False
    retired.save()
    client = Client()
    services = parse(client.get(f"{BASE}/services.json", {"jurisdiction_id": "x"}), "json")
    active = Category.objects.filter(active=True)
    assert {s["service_code"] for s in services} == {str(c.pk) for c in active}
    by_name = {s["service_name"]: s for s in services}
    assert "企业改制" not in by_name
    assert by_name["物业管理"]["group"] == "城乡建设"
    assert by_name["物业管理"]["metadata"] is True
    assert by_name["物业管理"]["type"] == "realtime"
    assert by_name["物业管理"]["keywords"] == "城乡建设,物业管理"
    root = parse(client.get(f"{BASE}/services.xml"), "xml")
    assert root.tag == "services"
    xml_services = {s.findtext("service_code"): s for s in root.findall("service")}
    assert set(xml_services) == {s["service_code"] for s in services}
    one = xml_services[code_of("物业管理")]
    assert one.findtext("service_name") == "物业管理"
    assert one.findtext("metadata") == "true"
    assert one.findtext("group") == "城乡建设"


def test_service_definition_lists_purpose_and_localities(district: District) -> None:
    client = Client()
    code = code_of("物业管理")
    body = parse(client.get(f"{BASE}/services/{code}.json"), "json")
    assert body["service_code"] == code
    purpose, locality = body["attributes"]
    assert (purpose["code"], purpose["required"], purpose["order"]) == ("purpose", True, 1)
    assert {v["key"] for v in purpose["values"]} == set(Purpose.values)
    assert locality["datatype"] == "singlevaluelist" and locality["required"] is False
    keys = {v["key"] for v in locality["values"]}
    assert {district.village_a.code, district.street_b.code, district.district.code} <= keys
    assert district.housing.code not in keys  # a department is not a place
    root = parse(client.get(f"{BASE}/services/{code}.xml"), "xml")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == code
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["purpose", "locality"]
    assert attributes[0].findtext("variable") == "true"
    assert {v.findtext("key") for v in attributes[0].findall("values/value")} == set(Purpose.values)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_404(district: District, fmt: str) -> None:
    response = Client().get(f"{BASE}/services/999999.{fmt}")
    assert response.status_code == 404
    assert "999999" in errors(response, fmt)[0][1]
    response = Client().get(f"{BASE}/services/abc.{fmt}")
    assert response.status_code == 404
    errors(response, fmt)


def test_unknown_format_and_address_and_method(district: District) -> None:
    client = Client()
    response = client.get(f"{BASE}/services.html")
    assert response.status_code == 400
    assert ".json" in errors(response, "xml")[0][1]
    response = client.get(f"{BASE}/nothing.json")
    assert response.status_code == 404
    errors(response, "json")
    response = client.get(f"{BASE}/services")
    assert response.status_code == 404
    errors(response, "xml")
    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    errors(response, "json")
    response = client.put(f"{BASE}/requests.xml")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    errors(response, "xml")
    assert client.head(f"{BASE}/services.json").status_code == 200


# --- POST requests -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_becomes_an_online_registration(
    district: District, system: System, fmt: str
) -> None:
    response = post(Client(), good(system, district), fmt)
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = parse(response, fmt)
    if fmt == "json":
        (item,) = body
        number, notice = item["service_request_id"], item["service_notice"]
        assert item["account_id"] is None
        assert "token" not in item  # the spec: service_request_id or token, not both
    else:
        assert body.tag == "service_requests"
        (element,) = body.findall("request")
        number, notice = element.findtext("service_request_id"), element.findtext("service_notice")
        assert element.find("token") is None
        assert element.find("account_id") is not None
    matter = Matter.objects.get(number=number)
    registration = Registration.objects.get(matter=matter)
    assert registration.channel == matter.channel == Channel.ONLINE
    assert registration.source == Source.API
    assert matter.category == Category.objects.get(name="物业管理")
    assert matter.purpose == Purpose.REQUEST
    assert matter.locality == district.village_a
    assert registration.petitioner_name == NAME_FAMILY + NAME_GIVEN
    assert registration.petitioner_phone == PHONE
    # the problem's address is text in the content; no position and no device is kept
    assert registration.content.startswith(TEXT)
    assert "东风社区3号楼" in registration.content
    assert registration.petitioner_address == ""
    assert "32.05" not in registration.content and "device-123" not in registration.content
    assert AuditEvent.objects.filter(action="registration.create", matter=matter).exists()
    posted = AuditEvent.objects.get(action="open311.request_create", matter=matter)
    assert posted.actor == system.user
    request = Open311Request.objects.get(submission__registration__matter=matter)
    assert request.account == system.user and request.api_token == system.token
    assert request.submission.registration == registration
    assert request.submission.query_code in notice.replace("-", "")
    assert PHONE not in response.content.decode()
    assert ApiToken.objects.get(pk=system.token.pk).last_used_at is not None


def test_a_retried_post_with_the_same_idempotency_key_is_the_same_request(
    district: District, system: System
) -> None:
    client = Client()
    first = post(client, good(system, district), **{"Idempotency-Key": "retry-1"})
    again = post(client, good(system, district), **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert json.loads(first.content) == json.loads(again.content)
    assert Matter.objects.count() == 1
    changed = post(
        client,
        good(system, district, description=TEXT + "。补充"),
        **{"Idempotency-Key": "retry-1"},
    )
    assert changed.status_code == 409
    assert "Idempotency-Key" in errors(changed, "json")[0][1]
    # another account's same key is its own request, and never reads back the first one's secret
    other = make_user("other-system", Role.REGISTRAR, district.district)
    _, other_key = token_create(actor=SYSTEM, user=other, name="另一系统")
    theirs = post(
        client, good(system, district, api_key=other_key), **{"Idempotency-Key": "retry-1"}
    )
    assert theirs.status_code == 201
    assert (
        json.loads(theirs.content)[0]["service_request_id"]
        != json.loads(first.content)[0]["service_request_id"]
    )
    # without a key every post is a new request
    assert post(client, good(system, district)).status_code == 201
    assert Matter.objects.count() == 3


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_posts_without_a_working_api_key_are_403(
    district: District, system: System, fmt: str
) -> None:
    client = Client()
    fields = good(system, district)
    del fields["api_key"]
    response = post(client, fields, fmt)
    assert response.status_code == 403
    assert "api_key" in errors(response, fmt)[0][1]
    response = post(client, good(system, district, api_key="xf_wrong"), fmt)
    assert response.status_code == 403
    errors(response, fmt)
    _, leader_key = token_create(actor=SYSTEM, user=district.users["leader"], name="领导账号")
    response = post(client, good(system, district, api_key=leader_key), fmt)
    assert response.status_code == 403
    assert "权限" in errors(response, fmt)[0][1]
    token_revoke(actor=SYSTEM, token=system.token)
    response = post(client, good(system, district), fmt)
    assert response.status_code == 403
    errors(response, fmt)
    assert not Matter.objects.exists()


BAD_POSTS = [
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "999999"}, 404, "999999"),
    ({"attribute[purpose]": ""}, 400, "attribute[purpose]"),
    ({"attribute[purpose]": "complaint"}, 400, "attribute[purpose]"),
    ({"attribute[locality]": "nowhere"}, 400, "attribute[locality]"),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({"description": "太短"}, 400, "description"),
    ({"description": "长" * 4001}, 400, "4000"),
    ({"phone": ""}, 400, "phone"),  # a 申诉求决 is answered: it needs a phone
    ({"phone": "12345"}, 400, "phone"),
    ({"last_name": "", "first_name": ""}, 400, "last_name"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"address_string": "址" * 256}, 400, "address_string"),
]


@pytest.mark.parametrize(("change", "status", "named"), BAD_POSTS)
def test_bad_posts_name_the_parameter_in_chinese(
    district: District, system: System, change: dict[str, str], status: int, named: str
) -> None:
    for fmt in ("json", "xml"):
        response = post(Client(), good(system, district, **change), fmt)
        assert response.status_code == status, response.content
        assert named in errors(response, fmt)[0][1]
    assert not Matter.objects.exists()


def test_every_problem_of_a_post_is_listed_at_once(district: District, system: System) -> None:
    change = {"attribute[purpose]": "", "description": "", "media_url": "ftp://x"}
    for fmt in ("json", "xml"):
        response = post(Client(), good(system, district, **change), fmt)
        assert response.status_code == 400
        described = " ".join(text for _, text in errors(response, fmt))
        for named in ("attribute[purpose]", "description", "media_url"):
            assert named in described
    assert not Matter.objects.exists()


def test_a_post_without_locality_is_the_filing_accounts_units_and_it_sees_it(
    district: District, system: System
) -> None:
    fields = good(system, district)
    del fields["attribute[locality]"]
    response = post(Client(), fields)
    assert response.status_code == 201, response.content
    matter = Matter.objects.get(number=json.loads(response.content)[0]["service_request_id"])
    assert matter.locality == district.district  # the hotline account's unit, not the city
    assert visible_matters(system.user).filter(pk=matter.pk).exists()
    # an account without a unit is told to name the place, and nothing is registered
    homeless = make_user("homeless-system", Role.REGISTRAR, district.district)
    User.objects.filter(pk=homeless.pk).update(org_unit=None)
    _, key = token_create(actor=SYSTEM, user=homeless, name="无单位账号")
    response = post(Client(), {**fields, "api_key": key})
    assert response.status_code in (400, 403), response.content
    assert Matter.objects.count() == 1


def test_a_post_lists_problems_of_every_kind_at_once(district: District, system: System) -> None:
    """Unknown service, an over-long key, no phone and no name: one answer names all four."""
    fields = good(system, district, service_code="999999", phone="", last_name="", first_name="")
    for fmt in ("json", "xml"):
        response = post(Client(), fields, fmt, **{"Idempotency-Key": "k" * 129})
        assert response.status_code == 400, response.content
        described = " ".join(text for _, text in errors(response, fmt))
        for named in ("999999", "Idempotency-Key", "phone", "last_name"):
            assert named in described, (named, described)
    assert not Matter.objects.exists()


def test_discovery_changeset_moves_when_a_category_changes(district: District) -> None:
    client = Client()
    before = parse(client.get(f"{BASE}/discovery.json"), "json")
    assert before["changeset"] == before["endpoints"][0]["changeset"]
    admin = Client()
    assert admin.login(username=district.users["admin"].username, password=PASSWORD)
    category = Category.objects.get(name="物业管理")
    response = admin.post(
        f"/manage/intake/category/{category.pk}/change/",
        {"name": "物业服务", "parent": category.parent_id, "sort_order": 3, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = parse(client.get(f"{BASE}/discovery.json"), "json")
    assert after["changeset"] > before["changeset"]  # sortable, as the spec asks
    assert after["endpoints"][0]["changeset"] == after["changeset"]
    root = parse(client.get(f"{BASE}/discovery.xml"), "xml")
    assert root.findtext("changeset") == after["changeset"]


def test_a_json_body_is_refused_with_the_format_to_use(district: District, system: System) -> None:
    response = Client().post(
        f"{BASE}/requests.json", good(system, district), content_type="application/json"
    )
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in errors(response, "json")[0][1]


# --- GET requests, one request, tokens ---------------------------------------------------------


def created(client: Client, system: System, district: District, **extra: str) -> dict[str, Any]:
    response = post(client, good(system, district, **extra))
    assert response.status_code == 201, response.content
    item: dict[str, Any] = json.loads(response.content)[0]
    return item


def token_of(item: dict[str, Any]) -> str:
    """The token kept for a request (a client of an older version was given it)."""
    return Open311Request.objects.get(
        submission__registration__matter__number=item["service_request_id"]
    ).token


def test_get_requests_lists_open311_requests_without_personal_data(
    district: District, system: System
) -> None:
    client = Client()
    mine = created(client, system, district)
    desk = register(district, locality=district.street_a, phone=PHONE, content=TEXT)
    accusation = created(
        client,
        system,
        district,
        **{
            "attribute[purpose]": Purpose.ACCUSATION.value,
            "description": "检举某干部收受好处费，请查处",
        },
    )
    assert "不在公开接口中显示" in accusation["service_notice"]
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": "x"})
        assert response.status_code == 200
        text = response.content.decode()
        for private in (PHONE, NAME_FAMILY + NAME_GIVEN, TEXT, "东风社区3号楼", "好处费"):
            assert private not in text
        assert accusation["service_request_id"] not in text
        assert desk.number not in text
        body = parse(response, fmt)
        if fmt == "json":
            (item,) = body
        else:
            assert body.tag == "service_requests"
            (element,) = body.findall("request")
            item = {child.tag: child.text for child in element}
        assert item["service_request_id"] == mine["service_request_id"]
        assert item["status"] == "open"
        assert item["status_notes"] == "已登记，待处理"
        assert item["service_code"] == code_of("物业管理")
        assert item["service_name"] == "物业管理"
        assert item["description"] is None and item["address"] is None
        assert item["lat"] is None and item["long"] is None
        assert item["requested_datetime"].endswith("+08:00")


def test_an_accusation_is_never_readable_by_id_or_token(district: District, system: System) -> None:
    client = Client()
    accusation = created(
        client,
        system,
        district,
        **{
            "attribute[purpose]": Purpose.ACCUSATION.value,
            "description": "检举某干部收受好处费，请查处",
        },
    )
    number, token = accusation["service_request_id"], token_of(accusation)
    for fmt in ("json", "xml"):
        for path in (f"requests/{number}", f"tokens/{token}"):
            response = client.get(f"{BASE}/{path}.{fmt}")
            assert response.status_code == 404
            errors(response, fmt)
        response = client.get(f"{BASE}/requests.{fmt}", {"service_request_id": number})
        assert number not in response.content.decode()


def test_a_matter_later_found_to_be_an_accusation_disappears(
    district: District, system: System
) -> None:
    client = Client()
    mine = created(client, system, district)
    number, token = mine["service_request_id"], token_of(mine)
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 200
    # the staff re-sort it as 检举控告 (the purpose, not the state: no workflow step needed)
    Matter.objects.filter(number=number).update(purpose=Purpose.ACCUSATION)
    assert client.get(f"{BASE}/requests/{number}.json").status_code == 404
    assert client.get(f"{BASE}/tokens/{token}.json").status_code == 404
    assert number not in client.get(f"{BASE}/requests.json").content.decode()


def test_one_request_and_its_token_in_both_formats(district: District, system: System) -> None:
    client = Client()
    mine = created(client, system, district)
    number, token = mine["service_request_id"], token_of(mine)
    (item,) = parse(client.get(f"{BASE}/requests/{number}.json"), "json")
    assert item["service_request_id"] == number
    root = parse(client.get(f"{BASE}/requests/{number}.xml"), "xml")
    assert root.findtext("request/service_request_id") == number
    assert root.findtext("request/status") == "open"
    assert parse(client.get(f"{BASE}/tokens/{token}.json"), "json") == [
        {"service_request_id": number, "token": token}
    ]
    root = parse(client.get(f"{BASE}/tokens/{token}.xml"), "xml")
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == number
    assert root.findtext("request/token") == token
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests/XF0000.{fmt}")
        assert response.status_code == 404
        errors(response, fmt)
        response = client.get(f"{BASE}/tokens/nope.{fmt}")
        assert response.status_code == 404
        errors(response, fmt)


def test_filters_status_code_dates_and_ids(district: District, system: System) -> None:
    client = Client()
    first = created(client, system, district)
    second = created(
        client,
        system,
        district,
        service_code=code_of("环境保护"),
        **{"attribute[locality]": district.street_b.code},
    )
    matter = Matter.objects.get(number=first["service_request_id"])
    workflow.matter_decline(
        actor=district.users["officer"],
        matter=matter,
        version=matter.version,
        reason="不属于信访事项",
    )

    def ids(**params: str) -> list[str]:
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return [item["service_request_id"] for item in json.loads(response.content)]

    one, two = first["service_request_id"], second["service_request_id"]
    assert set(ids()) == {one, two}
    assert ids(status="closed") == [one]
    assert ids(status="open") == [two]
    assert set(ids(status="open,closed")) == {one, two}
    assert ids(service_code=code_of("环境保护")) == [two]
    assert ids(service_request_id=f"{one},XF404") == [one]
    (closed,) = json.loads(client.get(f"{BASE}/requests/{one}.json").content)
    assert (closed["status"], closed["status_notes"]) == ("closed", "不予受理")
    today = timezone.localdate()
    assert set(ids(start_date=f"{today - timedelta(days=1)}T00:00:00+08:00")) == {one, two}
    assert ids(end_date=f"{today - timedelta(days=1)}T00:00:00Z") == []
    assert ids(start_date=(today + timedelta(days=1)).isoformat()) == []


BAD_QUERIES = [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-45"}, "end_date"),
    ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "90"),
    ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
    ({"status": "pending"}, "status"),
    ({"service_code": "abc"}, "service_code"),
    ({"service_code": "999999"}, "999999"),
]


@pytest.mark.parametrize(("params", "named"), BAD_QUERIES)
def test_bad_queries_are_400_in_chinese(
    district: District, params: dict[str, str], named: str
) -> None:
    for fmt in ("json", "xml"):
        response = Client().get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 400
        assert named in errors(response, fmt)[0][1]


def test_expected_datetime_is_the_end_of_the_handling_clock() -> None:
    handling = Matter(
        status=MatterStatus.IN_HANDLING,
        handling_deadline=date(2026, 5, 8),
        extended_to=date(2026, 6, 8),
    )
    expected = _expected(handling)
    assert expected is not None
    assert expected.isoformat() == "2026-06-08T23:59:59+08:00"
    handling.extended_to = None
    assert _expected(handling) is not None
    assert _expected(Matter(status=MatterStatus.REGISTERED, handling_deadline=None)) is None
    assert (
        _expected(Matter(status=MatterStatus.REPLIED, handling_deadline=date(2026, 5, 8))) is None
    )

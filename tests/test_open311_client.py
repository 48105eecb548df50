"""A real Open311 client, the PyPI package `georeport`, against our server over loopback: it lists
our services and reads back a request created through our Open311 POST, in JSON and in XML."""

from typing import Any

import pytest
import requests
from georeport import GeoReport

from tests.api_support import _fresh_throttle_counts
from tests.conftest import District, make_user
from xinfang.accounts.models import Role
from xinfang.api.services import token_create
from xinfang.core.permissions import SYSTEM
from xinfang.intake.choices import Channel, Purpose
from xinfang.intake.models import Category, Matter

__all__ = ["_fresh_throttle_counts"]  # per-token counts: ids come again after a rollback

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests honours proxy variables; the live server is on this machine and nothing else is
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_lists_our_services_and_reads_back_a_posted_request(
    live_server: Any, district: District, loopback_only: None, fmt: str
) -> None:
    root = f"{live_server.url}/open311/v2"
    client = GeoReport(root, jurisdiction="example.gov.cn", output_format=fmt)
    assert live_server.url.startswith(("http://localhost", "http://127.0.0.1"))

    services = client.get_service_list()
    by_name = {service["service_name"]: service for service in services}
    assert set(by_name) == set(Category.objects.filter(active=True).values_list("name", flat=True))
    code = by_name["物业管理"]["service_code"]
    assert by_name["物业管理"]["group"] == "城乡建设"
    definition = client.get_service_definition(code)
    assert definition["service_code"] == code

    user = make_user("hotline", Role.REGISTRAR, district.district)
    _, key = token_create(actor=SYSTEM, user=user, name="12345热线")
    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "example.gov.cn",
            "service_code": code,
            "attribute[purpose]": Purpose.REQUEST.value,
            "attribute[locality]": district.street_a.code,
            "description": "小区物业长期不清运垃圾，请求督促物业公司整改",
            "last_name": "钱",
            "first_name": "多多",
            "phone": "13700001111",
            "address_string": "东风街道幸福小区",
        },
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    number = posted.json()[0]["service_request_id"]
    matter = Matter.objects.get(number=number)
    assert matter.channel == Channel.ONLINE

    found = client.get_service_request(number)
    assert found["service_request_id"] == number
    assert found["status"] == "open"
    assert found["service_code"] == code
    assert found["service_name"] == "物业管理"
    assert "13700001111" not in str(found)
    if fmt == "json":  # several requests come back as a list (one XML element is a dict)
        listed = client.get_service_requests(service_code=code, status="open")
        assert [item["service_request_id"] for item in listed] == [number]
    else:
        listed_one = client.get_service_requests(service_request_id=number)
        assert listed_one["service_request_id"] == number

"""Issue 13, personal data: numbers typed into free text stay masked for 领导 and 督查 (findings 1),
and a phone or ID number is searched only by those who may reveal it, logged, never in a URL (2)."""

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import LazySettings

from tests.api_support import _fresh_throttle_counts, api_for, assert_error  # noqa: F401
from tests.conftest import District, register
from tests.views_support import client_for
from xinfang.core.masking import excerpt_for, mask_free_text
from xinfang.core.models import AuditEvent
from xinfang.intake.models import Matter

PHONE = "13912345678"
ID18 = "110101199003071233"
CONTENT = f"我的电话{PHONE}，身份证号{ID18}"
FOUND_PHONE = "19950695289"  # the issue's: a petitioner's phone that exists
ABSENT_PHONE = "19950695288"
LIST = "/intake/matters/"


@pytest.fixture
def matter(district: District) -> Matter:
    return register(
        district, locality=district.street_a, phone=FOUND_PHONE, id_number="", content=CONTENT
    )


def _numbers_in(text: str) -> bool:
    return PHONE in text or ID18 in text


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_content_numbers_hidden_from_leader_and_supervisor_on_the_matter_page(
    district: District, matter: Matter, who: str
) -> None:
    html = client_for(district, who).get(f"/intake/matters/{matter.pk}/").content.decode()
    assert "我的电话" in html and not _numbers_in(html)
    assert mask_free_text(CONTENT) in html
    listed = client_for(district, who).get(LIST).content.decode()
    assert "我的电话" in listed and not _numbers_in(listed)


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_content_numbers_hidden_from_leader_and_supervisor_in_the_api(
    district: District, matter: Matter, who: str
) -> None:
    api = api_for(district, who)
    registration = matter.registrations.get()
    status, body = api.get(f"/api/v1/registrations/{registration.pk}/")
    assert status == 200 and body["content"] == mask_free_text(CONTENT)
    status, body = api.get("/api/v1/registrations/")
    assert status == 200 and not _numbers_in(str(body))


def test_those_who_may_reveal_read_the_content_as_typed(district: District, matter: Matter) -> None:
    html = client_for(district, "registrar").get(f"/intake/matters/{matter.pk}/").content.decode()
    assert CONTENT in html  # their working text, as the timeline already showed it
    status, body = api_for(district, "officer").get(
        f"/api/v1/registrations/{matter.registrations.get().pk}/"
    )
    assert status == 200 and body["content"] == CONTENT


def test_an_excerpt_cut_inside_a_number_shows_no_part_of_it() -> None:
    text = "反" * 55 + PHONE + "。后面还有很多字"
    cut = text[:62]  # ends in the middle of the phone
    shown = excerpt_for(None, cut, cut=True, reads=False)
    assert "1391" not in shown and shown == "反" * 55


@pytest.mark.parametrize("number", [FOUND_PHONE, ABSENT_PHONE])
def test_leader_search_by_phone_is_refused_alike_for_existing_and_absent_numbers(
    district: District, matter: Matter, number: str
) -> None:
    leader = client_for(district, "leader")
    by_get = leader.get(LIST, {"person": number})
    by_post = leader.post(LIST, {"person": number})
    for response in (by_get, by_post):
        html = response.content.decode()
        assert response.status_code == 403 and "您没有按身份证号或电话查找的权限" in html
        assert "共" not in html.split("search-refused")[-1].split("</p>")[0]
        assert matter.number not in html
    status, body = api_for(district, "leader").post("/api/v1/matters/search/", {"person": number})
    assert (
        status == 403 and "按身份证号或电话" in assert_error(body, "permission_denied")["message"]
    )
    status, body = api_for(district, "leader").get("/api/v1/matters/", person=number)
    assert status == 403
    assert not AuditEvent.objects.filter(action="personal_data.search").exists()


def test_refusals_are_the_same_answer(district: District, matter: Matter) -> None:
    leader = client_for(district, "leader")
    found = leader.post(LIST, {"person": FOUND_PHONE}).content.decode()
    absent = leader.post(LIST, {"person": ABSENT_PHONE}).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
    assert strip.sub("", found) == strip.sub("", absent)


def test_leader_may_still_search_by_name(district: District, matter: Matter) -> None:
    response = client_for(district, "leader").get(LIST, {"person": "王小明"})
    assert response.status_code == 200 and matter.number in response.content.decode()


def test_leader_may_not_probe_the_content_for_digits(district: District, matter: Matter) -> None:
    response = client_for(district, "leader").get(LIST, {"words": "1391234"})
    html = response.content.decode()
    assert response.status_code == 403 and "内容关键词不能含" in html and matter.number not in html


def test_registrar_search_by_phone_is_logged_without_the_number(
    district: District, matter: Matter
) -> None:
    registrar = client_for(district, "registrar")
    posted = registrar.post(LIST, {"person": FOUND_PHONE})
    assert posted.status_code == 302 and FOUND_PHONE not in posted["Location"]
    page = registrar.get(posted["Location"])
    assert page.status_code == 200 and matter.number in page.content.decode()
    event = AuditEvent.objects.get(action="personal_data.search")
    assert event.actor == district.users["registrar"]
    assert event.data["masked"] == "199****5289" and event.data["where"] == "matter_list"
    row = str(event.data) + event.object_id
    assert FOUND_PHONE not in row
    # the API: the number in a body, logged the same way
    status, body = api_for(district, "officer").post(
        "/api/v1/matters/search/", {"person": FOUND_PHONE}
    )
    assert status == 200 and [r["number"] for r in body["results"]] == [matter.number]
    assert AuditEvent.objects.filter(action="personal_data.search").count() == 2
    # and never by an address
    status, body = api_for(district, "officer").get("/api/v1/matters/", person=FOUND_PHONE)
    assert status == 400 and "POST" in assert_error(body, "validation_error")["message"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "action", "src", "hx-get", "hx-post"):
            if found.get(name):
                self.urls.append(str(found[name]))
        if tag == "form":
            self.forms.append(found)


def test_the_list_page_puts_no_number_in_any_url(
    district: District, matter: Matter, settings: LazySettings
) -> None:
    settings.XINFANG = {**settings.XINFANG, "MATTER_LIST_PAGE_SIZE": 2}
    for n in range(3):  # enough rows for a next page
        register(district, locality=district.street_a, phone=FOUND_PHONE, content=f"第{n}次")
    registrar = client_for(district, "registrar")
    page = registrar.get(registrar.post(LIST, {"person": FOUND_PHONE})["Location"])
    html = page.content.decode()
    parser = _Links()
    parser.feed(html)
    assert parser.urls and not any(FOUND_PHONE in url for url in parser.urls)
    search = [f for f in parser.forms if f.get("role") == "search"]
    assert search and all(str(f.get("method")).lower() == "post" for f in search)
    assert 'rel="next"' in html  # the pager carries the token, not the number


def test_the_desk_look_up_posts_and_is_logged_once(district: District, matter: Matter) -> None:
    registrar = client_for(district, "registrar")
    page = registrar.get("/intake/register/").content.decode()
    assert 'hx-post="/intake/register/lookup/"' in page
    assert 'hx-get="/intake/register/lookup/"' not in page
    by_address = registrar.get("/intake/register/lookup/", {"petitioner_phone": FOUND_PHONE})
    assert by_address.status_code == 400
    for _ in range(2):
        html = registrar.post(
            "/intake/register/lookup/", {"petitioner_phone": FOUND_PHONE, "petitioner_name": "王"}
        ).content.decode()
        assert matter.number in html
    event = AuditEvent.objects.get(action="personal_data.search")
    assert event.data["where"] == "register_lookup" and FOUND_PHONE not in str(event.data)

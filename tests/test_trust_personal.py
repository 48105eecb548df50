"""Issue 13, personal data: numbers typed into free text stay masked for 领导 and 督查 (findings 1),
and a phone or ID number is searched only by those who may reveal it, logged, never in a URL (2)."""

import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import LazySettings

from tests.api_support import _fresh_throttle_counts, api_for, assert_error  # noqa: F401
from tests.conftest import TZ, District, register
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


OTHER = "拖欠工资5000元，案号（2026）苏0102民初1234号，2026年11月起诉"


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_a_reader_who_may_not_reveal_searches_the_content_as_shown(
    district: District, matter: Matter, who: str
) -> None:
    """The content word search matches what 领导 and 督查 see (我的电话139****5678，身份证号
    1101**********1233): a guess at a hidden digit finds nothing, right or wrong, by pairs of
    digits or runs, on the page and in the API; case numbers, amounts, dates and the shown ends
    of a number are found."""
    other = register(district, locality=district.street_a, phone="13700001111", content=OTHER)
    client, api = client_for(district, who), api_for(district, who)

    def found(words: str) -> set[str]:
        page = client.get(LIST, {"words": words})
        assert page.status_code == 200, (words, page.status_code)
        html = page.content.decode()
        on_page = {m.number for m in (matter, other) if m.number in html}
        status, body = api.get("/api/v1/matters/", words=words)
        assert status == 200, (words, body)
        assert {r["number"] for r in body["results"]} == on_page, words
        shown = html.replace(f'value="{words}"', "")  # what they typed, echoed in the form
        assert PHONE not in shown and ID18 not in shown
        return on_page

    # hidden: the guess that is right answers as the one that is wrong
    for guess in ("1391234", "13912345678", "13912345670", "12345678", "91", "234", "1234",
                  "电话1391", "199003071233", "1101011990", "0307"):  # fmt: skip
        assert matter.number not in found(guess), guess
    # shown: what they read
    for seen in ("139", "5678", "电话139", "1101", "1233"):
        assert found(seen) == {matter.number}, seen
    assert found("5000") == found("2026") == found("0102民初1234号") == {other.number}
    assert found("1234") == {other.number}  # the case number's, not the phone's hidden middle
    assert found("139 5678") == {matter.number}
    assert found("139 5000") == set()
    # the staff who may reveal search the content as typed
    registrar = client_for(district, "registrar").get(LIST, {"words": "1391234"}).content.decode()
    assert matter.number in registrar


def test_a_digit_search_over_too_wide_a_scope_is_refused_alike(
    district: District, matter: Matter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The masked text is checked one registration at a time, so a reader who may not reveal
    narrows the scope first; the refusal is counted without the words: the same for a number
    that is there and one that is not."""
    later = datetime(2026, 4, 1, 9, 30, tzinfo=TZ)
    register(district, locality=district.street_a, phone="13700001111", content=OTHER, when=later)
    monkeypatch.setattr("xinfang.intake.word_search.SEEN_SCOPE", 1)
    leader = client_for(district, "leader")
    answers = []
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
    for words in ("1391234", "5000"):
        page = leader.get(LIST, {"words": words})
        html = page.content.decode()
        assert page.status_code == 400 and "含数字的内容关键词只在不超过1条登记" in html
        answers.append(strip.sub("", html.replace(words, "")))
        status, body = api_for(district, "leader").get("/api/v1/matters/", words=words)
        assert status == 400 and "含数字的内容关键词" in str(body)
    assert answers[0] == answers[1]
    # narrowed by the date the matter was received: found as usual
    page = leader.get(LIST, {"words": "5678", "received_from": "2026-03-02",
                             "received_to": "2026-03-02"})  # fmt: skip
    assert page.status_code == 200 and matter.number in page.content.decode()


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_similar_matters_give_a_guessed_number_no_weight(
    district: District, matter: Matter, who: str
) -> None:
    """POST /api/v1/matters/similar/: a reader who may not reveal compares no digits, so the
    score is the same for a right guess at a hidden phone or ID number as for a wrong one; the
    phone and ID number fields are refused to them alike, and nothing is looked up."""
    api = api_for(district, who)

    def score(content: str) -> float:
        status, body = api.post("/api/v1/matters/similar/", {"content": content})
        assert status == 200, body
        return next((m["score"] for m in body["matches"] if m["matter"] == matter.number), 0.0)

    right = score(CONTENT)
    wrong = score(CONTENT.replace(PHONE, "13900005678").replace(ID18, "110101198001011233"))
    assert right == wrong > 0
    assert score("我的电话13912345678") == score("我的电话13999995678")
    # the registrar's look-up compares the text as typed: there the right number counts
    status, body = api_for(district, "officer").post(
        "/api/v1/matters/similar/", {"content": CONTENT}
    )
    assert status == 200 and body["matches"][0]["matter"] == matter.number
    assert body["matches"][0]["text_score"] == 1.0
    for field, value in (("phone", FOUND_PHONE), ("phone", ABSENT_PHONE), ("id_number", ID18)):
        status, body = api.post("/api/v1/matters/similar/", {"content": "电话", field: value})
        assert (
            status == 403
            and "按身份证号或电话" in assert_error(body, "permission_denied")["message"]
        )
    assert not AuditEvent.objects.filter(action="personal_data.search").exists()


def test_a_booking_with_a_guessed_phone_tells_the_leader_nothing(
    district: District, matter: Matter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day's sheet shows each booking's earlier matters (一人一档). The phone is whatever
    the public typed: a 领导 who books with a guessed phone must not learn whose it is; the
    registrar, who may reveal, still sees the matters of that phone."""
    from datetime import date, time

    from xinfang.leaders import services
    from xinfang.leaders.choices import LeaderTier, SessionKind
    from xinfang.leaders.models import Leader

    from .test_leaders_review import _pin_today

    _pin_today(monkeypatch, date(2026, 9, 28))
    chief = Leader.objects.create(
        name="张书记", post="区委书记", tier=LeaderTier.PRINCIPAL, unit=district.district,
        user=district.users["leader"],
    )  # fmt: skip
    session = services.session_create(
        actor=district.users["officer"],
        data=services.SessionInput(
            kind=SessionKind.VISIT_DOWN, unit=district.district, held_on=date(2026, 9, 30),
            leaders=[chief], starts_at=time(9, 0), ends_at=time(11, 30),
            place="东风社区党群服务中心", capacity=4,
        ),
    )  # fmt: skip
    services.session_publish(actor=district.users["officer"], session=session)
    for phone in (FOUND_PHONE, ABSENT_PHONE):
        services.booking_create(session=session, name="某某", phone=phone, topic="反映物业管理问题")
    sheet = f"/leaders/sessions/{session.pk}/"
    for who in ("leader", "supervisor"):
        html = client_for(district, who).get(sheet).content.decode()
        assert matter.number not in html, who
    assert matter.number in client_for(district, "officer").get(sheet).content.decode()


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

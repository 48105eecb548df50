"""The public side of leader receptions: the published sessions (never a 约访 or a planned one),
booking a slot (SMS with the code, double submits, full and past sessions, the per-address
limit, a query code linked without showing its matter), and cancelling with the booking code."""

import json
import re
from collections.abc import Iterator
from datetime import date, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import District
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Category
from xinfang.leaders.choices import BookingStatus, LeaderTier, SessionKind
from xinfang.leaders.models import Booking, Leader, ReceptionSession
from xinfang.leaders.services import SessionInput, session_create, session_publish
from xinfang.portal import services as portal

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)  # a Monday
_real_localdate = timezone.localdate
_today = {"day": TODAY}


@pytest.fixture(autouse=True)
def _frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    def localdate(value: Any = None, timezone: Any = None) -> date:
        return _today["day"] if value is None else _real_localdate(value, timezone)

    _today["day"] = TODAY
    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture(autouse=True)
def _fresh_rate_count() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sms(settings: Any, tmp_path: Path) -> Path:
    settings.XINFANG_NOTIFY = {
        **settings.XINFANG_NOTIFY,
        "SMS_BACKEND": "xinfang.notifications.backends.FileBackend",
        "FILE_DIR": tmp_path,
    }
    return tmp_path / "sms.jsonl"


class Sessions:
    def __init__(self, district: District) -> None:
        d = district
        self.officer = d.users["officer"]
        self.li = Leader.objects.create(
            name="李明", post="区委副书记", tier=LeaderTier.MEMBER, unit=d.district
        )
        self.zhou = Leader.objects.create(
            name="周强", post="东风街道党工委书记", tier=LeaderTier.TOWN, unit=d.street_a
        )
        self.visit = self.make(
            SessionKind.VISIT_DOWN, date(2026, 3, 5), [self.li, self.zhou], "东风社区党群服务中心",
            "征地拆迁、物业管理", capacity=2,
        )  # fmt: skip
        self.invited = self.make(
            SessionKind.INVITED, date(2026, 3, 6), [self.li], "区信访局三楼约访室", "约访专场"
        )
        self.planned = self.make(
            SessionKind.REGULAR, date(2026, 3, 12), [self.li], "区信访局接待大厅", "计划场次",
            publish=False,
        )  # fmt: skip
        _today["day"] = date(2026, 2, 27)
        self.past = self.make(
            SessionKind.REGULAR, date(2026, 2, 27), [self.li], "区信访局接待大厅", "往期场次"
        )
        _today["day"] = TODAY

    def make(
        self,
        kind: str,
        on: date,
        leaders: list[Leader],
        place: str,
        topics: str,
        *,
        capacity: int = 20,
        publish: bool = True,
    ) -> ReceptionSession:
        session = session_create(
            actor=self.officer,
            data=SessionInput(
                kind=kind,
                unit=self.li.unit,
                held_on=on,
                leaders=leaders,
                starts_at=time(9, 0),
                ends_at=time(11, 30),
                place=place,
                topics=topics,
                capacity=capacity,
            ),
        )
        if publish:
            session = session_publish(actor=self.officer, session=session)
        return session


@pytest.fixture
def sessions(district: District) -> Sessions:
    return Sessions(district)


def book_url(session: ReceptionSession) -> str:
    return reverse("portal:reception_book", args=[session.pk])


def form_key(client: Client, session: ReceptionSession) -> str:
    page = client.get(book_url(session)).content.decode()
    found = re.search(r'name="key" value="([0-9a-f]{32})"', page)
    assert found is not None
    return found.group(1)


def fields(**changes: Any) -> dict[str, Any]:
    values = {
        "name": "王小明",
        "phone": "13912345678",
        "topic": "小区物业长期不维修电梯，想当面向领导反映",
        "query_code": "",
    }
    return values | changes


def book(client: Client, session: ReceptionSession, key: str = "", **changes: Any) -> Any:
    key = key or form_key(client, session)
    return client.post(book_url(session), {"key": key, **fields(**changes)})


def test_the_list_shows_published_sessions_from_today_and_never_a_yuefang(
    sessions: Sessions,
) -> None:
    client = Client()
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:receptions") in home
    response = client.get(reverse("portal:receptions"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026年3月5日（星期四） 下访" in page
    assert "李明（区委副书记）、周强（东风街道党工委书记）" in page
    assert "东风社区党群服务中心" in page and "征地拆迁、物业管理" in page
    assert "09:00—11:30" in page
    assert re.search(r'id="session-\d+-left">2个<', page)
    assert book_url(sessions.visit) in page
    for hidden in (sessions.invited, sessions.planned, sessions.past):
        assert hidden.topics not in page
        assert book_url(hidden) not in page
    # a session not listed has no booking page either
    assert client.get(book_url(sessions.invited)).status_code == 404
    assert client.get(book_url(sessions.planned)).status_code == 404


def test_booking_sends_the_code_and_shows_it_once(sessions: Sessions, sms: Path) -> None:
    client = Client()
    response = book(client, sessions.visit)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:reception_booked")
    booking = Booking.objects.get()
    assert booking.session == sessions.visit and booking.status == BookingStatus.BOOKED
    assert (booking.name, booking.phone, booking.matter) == ("王小明", "13912345678", None)
    receipt = client.get(reverse("portal:reception_booked"))
    assert receipt["Cache-Control"] == "private, no-store"
    page = receipt.content.decode()
    assert f'data-code="{booking.code}"' in page and "尾号5678" in page
    assert "王小明" not in page and "电梯" not in page  # nothing typed is shown back
    [message] = [json.loads(line) for line in sms.read_text(encoding="utf-8").splitlines()]
    assert message["to"] == "13912345678"
    assert booking.code in message["text"] and "2026年3月5日09:00" in message["text"]
    listed = Client().get(reverse("portal:receptions")).content.decode()
    assert re.search(r'id="session-\d+-left">1个<', listed)
    # another browser never sees the receipt
    assert Client().get(reverse("portal:reception_booked")).status_code == 302


def test_a_query_code_links_the_matter_without_showing_it(
    sessions: Sessions, district: District, sms: Path
) -> None:
    submitted = portal.online_petition_submit(
        data=portal.PetitionInput(
            purpose=Purpose.REQUEST,
            content="东风社区三号楼电梯停运两个月，请督促物业修复。",
            category=Category.objects.get(name="物业管理"),
            locality=district.street_a,
            name="王小明",
            phone="13912345678",
        ),
        idempotency_key="k" * 32,
    )
    client = Client()
    code = portal.display_code(submitted.query_code).lower()
    response = book(client, sessions.visit, query_code=code)
    assert response.status_code == 302
    assert Booking.objects.get().matter == submitted.matter
    page = client.get(reverse("portal:reception_booked")).content.decode()
    assert submitted.registration.number not in page and "三号楼" not in page
    # a code of the wrong shape is a typing error
    response = book(Client(), sessions.visit, query_code="ABC")
    assert response.status_code == 400
    assert "查询码为8位字母和数字" in response.content.decode()
    assert Booking.objects.count() == 1
    # a code that matches nothing links nothing and says nothing about codes
    response = book(Client(), sessions.visit, query_code="ZZZZ-ZZZZ")
    assert response.status_code == 302
    assert Booking.objects.latest("id").matter is None


def test_full_and_past_sessions_are_refused_in_chinese(sessions: Sessions, sms: Path) -> None:
    assert book(Client(), sessions.visit).status_code == 302
    assert book(Client(), sessions.visit, phone="13900000002").status_code == 302
    assert sms.read_text(encoding="utf-8").count("\n") == 2
    # a form opened before the last place went
    response = book(Client(), sessions.visit, key="3" * 32, phone="13900000003")
    assert response.status_code == 400
    assert "该接访活动预约名额已满，请选择其他场次" in response.content.decode()
    assert Booking.objects.count() == 2
    listed = Client().get(reverse("portal:receptions")).content.decode()
    assert "预约名额已满" in listed and book_url(sessions.visit) not in listed
    # the day after the session: too late
    _today["day"] = date(2026, 3, 6)
    Booking.objects.update(status=BookingStatus.CANCELLED)
    response = book(Client(), sessions.visit, key="4" * 32, phone="13900000004")
    assert response.status_code == 400
    assert "该接访活动已于2026年3月5日举行，不能预约" in response.content.decode()
    assert Booking.objects.exclude(status=BookingStatus.CANCELLED).count() == 0
    assert Booking.objects.count() == 2
    assert sms.read_text(encoding="utf-8").count("\n") == 2


def test_bad_fields_are_named_and_nothing_is_written(sessions: Sessions) -> None:
    response = book(Client(), sessions.visit, name="", phone="12345", topic="电梯")
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写姓名" in page
    assert "（有错误）" in page and 'aria-invalid="true"' in page
    response = book(Client(), sessions.visit, phone="12345")
    assert "请填写11位手机号码，用于接收预约短信" in response.content.decode()
    response = book(Client(), sessions.visit, topic="电梯")
    assert "请简要说明要反映的事项（至少5个字）" in response.content.decode()
    assert Booking.objects.count() == 0


def test_a_double_submit_is_one_booking(sessions: Sessions, sms: Path) -> None:
    client = Client()
    key = form_key(client, sessions.visit)
    first = book(client, sessions.visit, key=key)
    second = book(client, sessions.visit, key=key)
    assert first.status_code == second.status_code == 302
    assert Booking.objects.count() == 1
    assert sms.read_text(encoding="utf-8").count("\n") == 1


def test_the_limit_per_address(sessions: Sessions, settings: Any, sms: Path) -> None:
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 1
    assert book(Client(), sessions.visit).status_code == 302
    response = book(Client(), sessions.visit, phone="13900000002")
    assert response.status_code == 400
    assert "本网络预约过于频繁" in response.content.decode()
    assert Booking.objects.count() == 1


def test_cancel_with_the_code(sessions: Sessions, sms: Path) -> None:
    client = Client()
    book(client, sessions.visit)
    booking = Booking.objects.get()
    url = reverse("portal:reception_cancel")
    assert client.get(url).status_code == 200
    response = Client().post(url, {"code": "AAAA-AAAA"})
    assert response.status_code == 400
    assert "预约码不正确" in response.content.decode()
    assert Booking.objects.get().status == BookingStatus.BOOKED
    typed = portal.display_code(booking.code).lower()
    response = Client().post(url, {"code": typed}, follow=True)
    assert response.status_code == 200
    assert "的接访预约已取消" in response.content.decode()
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    listed = Client().get(reverse("portal:receptions")).content.decode()
    assert re.search(r'id="session-\d+-left">2个<', listed)
    response = Client().post(url, {"code": booking.code})
    assert "该预约已取消，不能取消" in response.content.decode()


def test_every_field_has_a_label_and_the_pages_one_h1(sessions: Sessions) -> None:
    class Page(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.ids: list[str] = []
            self.labels: set[str] = set()
            self.h1 = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
                assert a.get("id"), (tag, a)
                self.ids.append(str(a["id"]))
            if tag == "label" and a.get("for"):
                self.labels.add(str(a["for"]))
            self.h1 += tag == "h1"

    client = Client()
    for url in (
        reverse("portal:receptions"),
        book_url(sessions.visit),
        reverse("portal:reception_cancel"),
    ):
        page = Page()
        page.feed(client.get(url).content.decode())
        assert set(page.ids) <= page.labels, url
        assert page.h1 == 1, url
    assert 'type="tel"' in client.get(book_url(sessions.visit)).content.decode()

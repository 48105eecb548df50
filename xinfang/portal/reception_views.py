"""The public side of leader receptions (领导接访): the published sessions, booking a slot, and
cancelling a booking with its code. Leaders are officials and are named; of a booking the pages
show only what its own maker typed or was given, right after making it — never anyone else's."""

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.core.chinese import cn_date
from xinfang.core.errors import InputError
from xinfang.leaders.choices import SessionKind, SessionStatus
from xinfang.leaders.models import Booking, ReceptionSession, SessionLeader
from xinfang.leaders.services import (
    booking_cancel,
    booking_create,
    places_taken,
    public_sessions,
)
from xinfang.portal import services
from xinfang.portal.forms import BookingCancelForm, BookingForm
from xinfang.portal.selectors import matter_by_code
from xinfang.portal.views import _KEY, SUBMITS_PER_HOUR, VERIFIED_MINUTES, _client, _private

BOOKED = "portal_booking"
WEEKDAYS = "一二三四五六日"


@dataclass
class PublicSession:
    """What anyone may read of a published session: who, when, where, about what, places left."""

    pk: int
    kind: str
    day: str
    time: str
    place: str
    topics: str
    leaders: list[str]
    units: list[str]
    places_left: int
    bookable: bool


def _day(session: ReceptionSession) -> str:
    d = session.held_on
    return f"{cn_date(d)}（星期{WEEKDAYS[d.weekday()]}）"


def _time(session: ReceptionSession) -> str:
    if session.starts_at and session.ends_at:
        return f"{session.starts_at:%H:%M}—{session.ends_at:%H:%M}"
    return f"{session.starts_at:%H:%M}起" if session.starts_at else ""


def _public(sessions: list[ReceptionSession]) -> list[PublicSession]:
    ids = [s.pk for s in sessions]
    leaders: dict[int, list[str]] = {}
    for row in (
        SessionLeader.objects.filter(session_id__in=ids)
        .select_related("leader")
        .order_by("session_id", "position", "id")
    ):
        leader = row.leader
        leaders.setdefault(row.session_id, []).append(
            f"{leader.name}（{leader.post}）" if leader.post else leader.name
        )
    taken = places_taken(ids)
    today = timezone.localdate()
    out = []
    for s in sessions:
        left = max(0, s.capacity - taken.get(s.pk, 0))
        out.append(
            PublicSession(
                pk=s.pk,
                kind=s.get_kind_display(),
                day=_day(s),
                time=_time(s),
                place=s.place,
                topics=s.topics,
                leaders=leaders.get(s.pk, []),
                units=[u.name for u in s.units.all()],
                places_left=left,
                bookable=left > 0 and s.status == SessionStatus.PUBLISHED and s.held_on >= today,
            )
        )
    return out


@require_GET
def receptions(request: HttpRequest) -> HttpResponse:
    sessions = _public(public_sessions(timezone.localdate()))
    return render(request, "portal/receptions.html", {"sessions": sessions})


def _shown_session(pk: int) -> ReceptionSession:
    """A session the public may have seen listed: never a planned one or a 约访."""
    session = (
        ReceptionSession.objects.filter(pk=pk)
        .exclude(kind=SessionKind.INVITED)
        .exclude(status=SessionStatus.PLANNED)
        .prefetch_related("units")
        .first()
    )
    if session is None:
        raise Http404
    return session


# --- the per-address limit, as the portal's submissions have ------------------------------------


def _limit() -> int:
    return int(getattr(settings, "XINFANG_PORTAL_SUBMITS_PER_HOUR", SUBMITS_PER_HOUR))


def _rate_key(request: HttpRequest) -> str:
    return f"portal:bookings:{_client(request)}:{timezone.now():%Y%m%d%H}"


def _reserve(request: HttpRequest) -> bool:
    """One of this address's new bookings of the hour, taken before booking; False: none left."""
    limit = _limit()
    if not limit:
        return True
    key = _rate_key(request)
    cache.add(key, 0, 3600)
    try:
        taken = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, 3600)
        taken = 1
    if taken > limit:
        _release(request)
        return False
    return True


def _release(request: HttpRequest) -> None:
    if _limit():
        with contextlib.suppress(ValueError):
            cache.decr(_rate_key(request))


# --- booking -------------------------------------------------------------------------------------


def _book_page(
    request: HttpRequest, session: ReceptionSession, form: BookingForm, key: str, status: int = 200
) -> HttpResponse:
    form.mark_errors()
    context = {"s": _public([session])[0], "form": form, "key": key}
    response = render(request, "portal/reception_book.html", context)
    response.status_code = status
    return _private(response)


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, pk: int) -> HttpResponse:
    session = _shown_session(pk)
    if request.method != "POST":
        key = services.new_idempotency_key()
        return _book_page(request, session, BookingForm(initial={"key": key}), key)
    key = request.POST.get("key", "")
    if not _KEY.match(key):
        key = services.new_idempotency_key()  # a form from elsewhere: a fresh one
    earlier = Booking.objects.filter(idempotency_key=key).first()
    if earlier is not None and earlier.session_id == session.pk:
        return _receipt_redirect(request, earlier)  # a double click or a retried request
    if earlier is not None:
        key = services.new_idempotency_key()
    data = request.POST.copy()
    data["key"] = key
    form = BookingForm(data)
    if not form.is_valid():
        return _book_page(request, session, form, key, status=400)
    typed_code = form.cleaned_data["query_code"]
    if typed_code and len(services.normalise_code(typed_code)) != services.CODE_LENGTH:
        form.add_error("query_code", "查询码为8位字母和数字，如 ABCD-EFGH；没有的请留空")
        return _book_page(request, session, form, key, status=400)
    if not _reserve(request):
        form.add_error(None, "本网络预约过于频繁，请一小时后再试；您填写的内容已保留在本页")
        return _book_page(request, session, form, key, status=400)
    created = False
    try:
        booking = booking_create(
            session=session,
            name=form.cleaned_data["name"],
            phone=services.normalise_code(form.cleaned_data["phone"]),
            topic=form.cleaned_data["topic"],
            # an unknown code links nothing and says nothing: the page is no oracle of codes
            matter=matter_by_code(typed_code) if typed_code else None,
            idempotency_key=key,
        )
        created = True
    except InputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _book_page(request, session, form, key, status=400)
    finally:
        if not created:
            _release(request)
    return _receipt_redirect(request, booking)


def _receipt_redirect(request: HttpRequest, booking: Booking) -> HttpResponse:
    s = booking.session
    request.session[BOOKED] = {
        "code": booking.code,
        "kind": s.get_kind_display(),
        "day": _day(s),
        "time": _time(s),
        "place": s.place,
        "phone_tail": booking.phone[-4:],
        "until": (timezone.now() + timedelta(minutes=VERIFIED_MINUTES)).timestamp(),
    }
    return redirect("portal:reception_booked")


@require_GET
def booked(request: HttpRequest) -> HttpResponse:
    """The receipt: shown to the browser that booked, for a while only."""
    data = request.session.get(BOOKED)
    if data and datetime.fromtimestamp(data.get("until", 0), tz=UTC) < timezone.now():
        request.session.pop(BOOKED, None)
        data = None
    if not data:
        return redirect("portal:receptions")
    context: dict[str, Any] = {**data, "code_text": services.display_code(data["code"])}
    return _private(render(request, "portal/reception_booked.html", context))


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _private(
            render(request, "portal/reception_cancel.html", {"form": BookingCancelForm()})
        )
    form = BookingCancelForm(request.POST)
    if form.is_valid():
        code = services.normalise_code(form.cleaned_data["code"])
        try:
            booking_cancel(code=code)
        except InputError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(BOOKED, None)
            messages.success(request, f"预约码{services.display_code(code)}的接访预约已取消。")
            return redirect("portal:receptions")
    response = render(request, "portal/reception_cancel.html", {"form": form})
    response.status_code = 400
    return _private(response)

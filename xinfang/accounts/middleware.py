"""The gate of two-factor sign-in: a login that still owes its second factor opens no staff page.

Runs after django-otp's OTPMiddleware (which knows whether this session was confirmed). Until it
is, every staff page — /manage/ included, GET or POST — redirects to the verify page, or to the
enrolment page for a user with no phone app yet; an htmx request gets HX-Redirect instead, so the
whole page moves rather than a fragment. Open: the login and logout, the two-factor pages, static
files, the public portal, and the API and Open311 (their tokens are not sessions: the API never
accepts a session login).
"""

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from xinfang.accounts.second_factor import has_second_factor
from xinfang.core.permissions import requires_second_factor


@cache
def _open_prefixes() -> tuple[str, ...]:
    return (
        reverse("login"),
        reverse("logout"),
        reverse("accounts:two_factor"),  # the enrolment page lies below it
        reverse("healthz"),
        "/" + settings.STATIC_URL.lstrip("/"),
        reverse("portal:home"),
        "/api/",
        "/open311/",
    )


def is_verified(request: HttpRequest) -> bool:
    """Whether this session's login was confirmed by a second factor (django-otp's mark)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def second_factor_url(request: HttpRequest, next_path: str) -> str:
    user = request.user
    name = "accounts:two_factor" if has_second_factor(user) else "accounts:two_factor_enrol"  # type: ignore[arg-type]
    return f"{reverse(name)}?{urlencode({'next': next_path})}"


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_open_prefixes()) or not request.user.is_authenticated:
            return self.get_response(request)
        if not requires_second_factor(request.user) or is_verified(request):
            return self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if htmx:
            # the page the fragment was asked from, not the fragment's own address
            page = htmx.current_url_abs_path or "/"
            return HttpResponseClientRedirect(second_factor_url(request, page))
        nxt = request.get_full_path() if request.method == "GET" else "/"
        return HttpResponseRedirect(second_factor_url(request, nxt))

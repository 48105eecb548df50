"""Every page and endpoint refuses an anonymous visitor unless it is listed here as public."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {"login", "logout", "healthz", "favicon"}
# Parts with their own guard and their own tests of it: the public portal (a query code and secret,
# no login), the REST API (a token; refusals in the API's error format) and Open311 (an api_key).
OWN_GUARD = ("portal/", "api/", "open311/")


def walk(patterns: list, prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.name or ""))
    return found


def concrete(route: str) -> str:
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<(?:str|slug|path):[^>]+>", "x", route)
    route = re.sub(r"<[^>]+>", "1", route)
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + route


ROUTES = [
    (route, name)
    for route, name in walk(get_resolver().url_patterns)
    if name not in PUBLIC and not route.startswith(("manage/", *OWN_GUARD)) and "(?P" not in route
]


def test_the_walk_finds_the_pages() -> None:
    names = {name for _, name in ROUTES}
    assert {"home", "register", "matter_list", "matter_detail"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), ROUTES)
def test_anonymous_is_sent_to_login(route: str, name: str) -> None:
    for method in ("get", "post"):
        response = getattr(Client(), method)(concrete(route))
        # Login is asked before anything else: a 404 for a missing object would hide a lost guard.
        assert response.status_code == 302, (route, method, response.status_code)
        assert response["Location"].startswith("/login/"), (route, response["Location"])

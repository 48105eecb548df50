"""Shared pieces of the API tests: a token per role, a client that sends it, the error format."""

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import District
from xinfang.api.services import token_create

ERROR_KEYS = {"code", "message", "fields"}


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    # throttle counts live in the cache, keyed by token id: ids come again after a rollback
    cache.clear()


class Api:
    """A client with one account's token; JSON in, (status, body) out."""

    def __init__(self, raw: str | None) -> None:
        headers = {"Authorization": f"Token {raw}"} if raw else {}
        self.client = Client(headers=headers)

    def get(self, url: str, **params: Any) -> tuple[int, Any]:
        response = self.client.get(url, params)
        return response.status_code, _body(response)

    def post(self, url: str, data: Any = None, **headers: str) -> tuple[int, Any]:
        response = self.client.post(
            url, json.dumps(data or {}), content_type="application/json", headers=headers
        )
        return response.status_code, _body(response)


def _body(response: Any) -> Any:
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)
    return response.content


def api_for(district: District, who: str) -> Api:
    _, raw = token_create(actor=district.users["admin"], user=district.users[who], name=who)
    return Api(raw)


def assert_error(body: Any, code: str) -> dict[str, Any]:
    """The one error format, with a Chinese message; returns the inner object."""
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= ERROR_KEYS and error["code"] == code, error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    for messages in error.get("fields", {}).values():
        assert messages and all(any("\u4e00" <= c <= "\u9fff" for c in m) for m in messages)
    return error

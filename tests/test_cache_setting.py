"""XINFANG_CACHE_URL: where the API's throttles and the portal's per-address limit count."""

import os
import secrets
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from tests.conftest import District
from tests.test_portal_views import _frozen_today, _sms_to_file, submit
from xinfang.core.env import cache_from

__all__ = ["_frozen_today", "_sms_to_file"]
REDIS = os.environ.get("XINFANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_each_process_counts_alone_unless_a_redis_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XINFANG_CACHE_URL", raising=False)
    assert cache_from("XINFANG_CACHE_URL")["BACKEND"].endswith("LocMemCache")
    monkeypatch.setenv("XINFANG_CACHE_URL", "redis://10.0.0.5:6379/2")
    shared = cache_from("XINFANG_CACHE_URL")
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shared["LOCATION"] == "redis://10.0.0.5:6379/2"
    monkeypatch.setenv("XINFANG_CACHE_URL", "10.0.0.5:6379")
    with pytest.raises(ImproperlyConfigured, match="redis://"):
        cache_from("XINFANG_CACHE_URL")


def _redis() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS} does not answer")
        pytest.skip(f"Redis at {REDIS} does not answer")
    return client


@pytest.mark.django_db
def test_with_redis_the_portal_limit_is_one_count_for_every_process(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _redis()
    prefix = f"xinfang-test-{secrets.token_hex(4)}"
    monkeypatch.setenv("XINFANG_CACHE_URL", REDIS)
    config = cache_from("XINFANG_CACHE_URL") | {"KEY_PREFIX": prefix}
    try:
        with override_settings(CACHES={"default": config}, XINFANG_PORTAL_SUBMITS_PER_HOUR=1):
            submit(Client())
            # the count is in Redis, where another worker or machine reads the same number
            keys = [k.decode() for k in raw.keys(f"{prefix}:*")]
            assert any("portal:submits:" in k for k in keys), keys
            assert cache.get(keys[0].split(":", 2)[2]) == 1
    finally:
        for key in raw.keys(f"{prefix}:*"):
            raw.delete(key)

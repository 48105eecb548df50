"""Open311 on PostgreSQL: the same POST with the same Idempotency-Key sent many times at once is
one request, one matter, and every answer names it."""

import json
import threading
from urllib.parse import urlencode

import pytest
from django.db import connection, connections
from django.test import Client

from tests.api_support import _fresh_throttle_counts
from tests.conftest import District, make_user
from xinfang.accounts.models import Role
from xinfang.api.services import token_create
from xinfang.core.permissions import SYSTEM
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Category, Matter
from xinfang.open311.models import Open311Request

__all__ = ["_fresh_throttle_counts"]  # per-token counts: ids come again after a rollback

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def test_one_key_posted_at_once_is_one_request(district: District) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("racing transactions are tested on PostgreSQL")
    user = make_user("hotline", Role.REGISTRAR, district.district)
    _, key = token_create(actor=SYSTEM, user=user, name="12345热线")
    body = urlencode(
        {
            "api_key": key,
            "service_code": str(Category.objects.get(name="物业管理").pk),
            "attribute[purpose]": Purpose.SUGGESTION.value,
            "description": "建议小区增设电动车充电桩，方便居民充电",
        }
    )
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/open311/v2/requests.json",
                body,
                content_type="application/x-www-form-urlencoded",
                headers={"Idempotency-Key": "same-key-1"},
            )
            answers.append(
                (response.status_code, json.loads(response.content)[0]["service_request_id"])
            )
        except BaseException as exc:  # any failure is the test's failure, reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(status for status, _ in answers) == [200] * (THREADS - 1) + [201]
    assert len({number for _, number in answers}) == 1
    assert Matter.objects.count() == 1 == Open311Request.objects.count()

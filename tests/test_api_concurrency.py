"""On PostgreSQL: the same registration sent at once, twice, with one Idempotency-Key is one
registration of one matter; both callers get it."""

import json
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from tests.api_support import _fresh_throttle_counts
from tests.conftest import District, ensure_default_categories
from tests.test_api_work import arrival
from xinfang.api.models import IdempotencyKey
from xinfang.api.services import token_create
from xinfang.intake.models import Matter, Registration

__all__ = ["_fresh_throttle_counts"]
# skipped before the database is set up: a transactional test flushes every table afterwards
pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent requests need PostgreSQL (SQLite serialises every writer)",
    ),
    pytest.mark.django_db(transaction=True),
]
THREADS = 8


def test_concurrent_retries_with_one_key_make_one_matter(district: District) -> None:
    ensure_default_categories()
    _, raw = token_create(
        actor=district.users["admin"], user=district.users["registrar"], name="twins"
    )
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, Any]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            client = Client(headers={"Authorization": f"Token {raw}", "Idempotency-Key": "k-1"})
            barrier.wait()
            response = client.post(
                "/api/v1/registrations/", json.dumps(arrival()), content_type="application/json"
            )
            answers.append((response.status_code, response.json()))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (THREADS - 1) + [201], answers
    assert len({body["id"] for _, body in answers}) == 1
    assert Registration.objects.count() == 1 and Matter.objects.count() == 1
    assert IdempotencyKey.objects.get().registration_id == answers[0][1]["id"]

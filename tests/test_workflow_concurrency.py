"""Workflow on PostgreSQL: conflicting steps at once on one matter; one wins, none is lost."""

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections

from xinfang.core.errors import ConflictError
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf
from xinfang.workflow.transitions import LegalChannel

from .conftest import District
from .workflow_support import events, fresh, new_matter

pytestmark = pytest.mark.django_db(transaction=True)
DAY = date(2025, 8, 5)


def test_eight_conflicting_routing_steps_at_once(district: District) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections are tested on PostgreSQL")
    officer = district.users["officer"]
    m = new_matter(district)
    seen = m.version
    attempts: list[tuple[Callable[..., Matter], dict[str, Any]]] = [
        (wf.matter_accept, {}),
        (wf.matter_decline, {"reason": "不属于信访事项"}),
        (wf.matter_assign, {"unit": district.street_a}),
        (wf.matter_forward, {"unit": district.housing}),
        (wf.matter_sort_by_law, {"channel": LegalChannel.LITIGATION}),
    ] * 2
    barrier = threading.Barrier(len(attempts))
    won: list[str] = []
    refused: list[str] = []

    def attempt(service: Callable[..., Matter], kwargs: dict[str, Any]) -> None:
        try:
            barrier.wait()
            service(actor=officer, matter=m, version=seen, on=DAY, **kwargs)
            won.append(service.__name__)
        except ConflictError as exc:
            refused.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=a) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(won) == 1
    assert len(refused) == len(attempts) - 1
    assert all("请刷新后重试" in message for message in refused)
    after = fresh(m)
    assert after.version == seen + 1
    history = events(after)
    assert len(history) == 1
    assert history[0].action == f"workflow.{won[0].removeprefix('matter_')}".replace(
        "sort_by_law", "legal_channel"
    )
    assert history[0].data["to"] == after.status

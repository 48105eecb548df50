"""Supervision on PostgreSQL: clock scans raising the same notice at once open exactly one."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from xinfang.core.permissions import SYSTEM
from xinfang.intake.choices import SupervisionLevel
from xinfang.workflow import supervision as sv
from xinfang.workflow.models import SupervisionNotice
from xinfang.workflow.supervision_rules import SupervisionSource

from .conftest import District
from .workflow_support import events, fresh, new_matter

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_clock_raises_at_once_open_one_notice(district: District) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections are tested on PostgreSQL")
    m = new_matter(district)
    seen, n = m.version, 8
    barrier = threading.Barrier(n)
    got: list[int] = []
    failed: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait()
            notice = sv.supervision_raise(
                actor=SYSTEM,
                matter=m,
                version=seen,
                level=SupervisionLevel.DISTRICT,
                source=SupervisionSource.CLOCK,
                reason="办理期限已过",
                on=date(2025, 10, 10),
            )
            got.append(notice.pk)
        except BaseException as exc:  # any failure fails the test below
            failed.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failed == []
    assert len(got) == n and len(set(got)) == 1
    assert SupervisionNotice.objects.filter(matter=m).count() == 1
    assert [e.action for e in events(m)] == ["workflow.supervision_raise"]
    assert fresh(m).version == seen + 1

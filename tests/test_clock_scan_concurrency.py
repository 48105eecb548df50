"""The clock scan on PostgreSQL: two runs at once leave one alert, one notice, one notification."""

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.db.models import Count

from xinfang.core.models import AuditEvent
from xinfang.notifications.models import ClockAlert, Notification
from xinfang.workflow import services as wf
from xinfang.workflow.clockscan import ScanResult, scan_clocks
from xinfang.workflow.models import SupervisionNotice

from .conftest import District
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(n: int, run: Callable[[], ScanResult]) -> list[ScanResult]:
    barrier = threading.Barrier(n)
    got: list[ScanResult] = []
    failed: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait()
            got.append(run())
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
    return got


def _matters(d: District, n: int) -> tuple[list[int], date]:
    pks = []
    for _ in range(n):
        m = new_matter(d, received=date(2025, 8, 1))
        m = step(wf.matter_assign, m, d.users["officer"], unit=d.street_a, on=date(2025, 8, 5))
        pks.append(m.pk)
    due = fresh(m).handling_deadline
    assert due is not None
    return pks, due + timedelta(days=1)


def _single() -> None:
    for model, key in (
        (ClockAlert, ["matter", "clock", "stage", "deadline"]),
        (SupervisionNotice, ["matter", "level"]),
        (Notification, ["recipient", "alert"]),
    ):
        dupes = model.objects.values(*key).annotate(n=Count("id")).filter(n__gt=1)  # type: ignore[attr-defined]
        assert list(dupes) == []


@pytest.mark.parametrize("lock", [True, False], ids=["advisory-lock", "constraints-only"])
def test_two_scans_at_once_open_nothing_twice(district: District, lock: bool) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    pks, day = _matters(district, 5)
    got = _at_once(2, lambda: scan_clocks(day, lock=lock))
    _single()
    assert ClockAlert.objects.filter(stage="overdue").count() == 5
    assert SupervisionNotice.objects.filter(matter_id__in=pks).count() == 5
    assert sum(r.notices for r in got) == 5
    assert sum(r.overdue for r in got) == 5
    raised = AuditEvent.objects.filter(action="workflow.supervision_raise")
    assert raised.count() == 5
    # officer, supervisor and street A's staff hear of each matter once
    assert Notification.objects.count() == 15 == sum(r.notifications for r in got)
    if lock:
        assert sorted(r.skipped for r in got) in ([False, False], [False, True])

"""Helpers for the workflow tests: a fresh matter row, its workflow events, one step at a time."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from xinfang.accounts.models import User
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit

from .conftest import TZ, District, register


def new_matter(
    district: District,
    *,
    received: date = date(2025, 8, 1),
    purpose: str = Purpose.REQUEST,
    locality: OrgUnit | None = None,
) -> Matter:
    when = datetime(received.year, received.month, received.day, 9, 0, tzinfo=TZ)
    return register(district, locality=locality or district.street_a, purpose=purpose, when=when)


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def events(matter: Matter) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(matter=matter, action__startswith="workflow."))


def step(service: Callable[..., Matter], matter: Matter, actor: User, **kwargs: Any) -> Matter:
    """Run one step on the current row and assert it wrote exactly one event, naming both states."""
    current = fresh(matter)
    before = len(events(current))
    moved = service(actor=actor, matter=current, version=current.version, **kwargs)
    after = events(current)
    assert len(after) == before + 1
    assert after[-1].data["from"] == current.status
    assert after[-1].data["to"] == moved.status == fresh(matter).status
    assert fresh(matter).version == current.version + 1
    return fresh(matter)

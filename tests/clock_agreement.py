"""One truth about every clock: what each reader says of every matter, checked against
workflow.clocks (the matter page's and the API's reader) — shared by the agreement tests."""

from collections import defaultdict
from datetime import date
from typing import Any

import pytest

from xinfang.accounts.models import User
from xinfang.analytics.counting.overdue import overdue_items
from xinfang.intake.models import Matter
from xinfang.notifications.models import AlertStage, ClockAlert
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import selectors
from xinfang.workflow.clocks import Clock, ClockStatus, load_facts_for, matter_clocks
from xinfang.workflow.clockscan import LAPSE_CLOCKS, scan_clocks
from xinfang.workflow.selectors import QueueRow, most_urgent, queues_for
from xinfang.workflow.states import ClockKind

CHUNK = 2000


def all_clocks(today: date) -> dict[int, tuple[Matter, list[Clock]]]:
    found: dict[int, tuple[Matter, list[Clock]]] = {}
    ids = list(Matter.objects.order_by("pk").values_list("pk", flat=True))
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at : at + CHUNK]
        facts = load_facts_for(chunk)
        for m in Matter.objects.filter(pk__in=chunk):
            found[m.pk] = (m, matter_clocks(m, today, facts[m.pk]))
    return found


def check_queues(
    monkeypatch: pytest.MonkeyPatch, today: date, clocks: dict[int, tuple[Matter, list[Clock]]]
) -> int:
    """Every row of every queue of every user shows its matter's own clock; 已超期 and 即将到期
    hold exactly the matters whose most urgent duty clock is overdue / within the warning days."""
    monkeypatch.setattr(selectors, "QUEUE_SIZE", 10**6)
    checked = 0
    for user in User.objects.filter(is_active=True).select_related("org_unit"):
        visible = set(selectors.visible_matters(user).values_list("pk", flat=True))
        for q in queues_for(user, today):
            if q.packages:
                continue
            kinds = QUEUE_KINDS.get(q.key, ())
            for r in q.rows:
                assert isinstance(r, QueueRow)
                _, theirs = clocks[r.matter.pk]
                clock = most_urgent(theirs, kinds) if kinds else None
                if clock is None:
                    assert (r.state, r.days_left) == (None, None), (user, q.key, r.matter)
                    continue
                said = (r.state, r.days_left, r.clock)
                assert said == (clock.state.value, clock.days_left, clock.label), (
                    user.username,
                    q.key,
                    r.matter.number,
                )
                checked += 1
            if q.key in ("overdue", "due_soon") and not selectors.is_handling_unit(user):
                want = ClockStatus.OVERDUE if q.key == "overdue" else ClockStatus.WARNING
                expected = {
                    pk
                    for pk, (_, cs) in clocks.items()
                    if pk in visible
                    and (c := most_urgent(cs, selectors.UNIT_DUTIES)) is not None
                    and c.state == want
                }
                assert {r.matter.pk for r in q.rows} == expected, (user.username, q.key)
    return checked


QUEUE_KINDS: dict[str, tuple[ClockKind, ...]] = {
    "new": (ClockKind.RETURN,),
    "due_soon": selectors.UNIT_DUTIES,
    "overdue": selectors.UNIT_DUTIES,
    "to_route": (ClockKind.ROUTE,),
    "extensions": (ClockKind.HANDLE,),
    "supervised": (ClockKind.SUPERVISION,),
    "receptions": (ClockKind.RECEPTION_ROUTE,),
}


def _stage_of(clock: Clock) -> str | None:
    """The alert the scan should have raised for the page's clock today, if any."""
    if clock.kind in LAPSE_CLOCKS:
        return AlertStage.OVERDUE if clock.state == ClockStatus.ENDED else None
    if clock.state == ClockStatus.OVERDUE:
        return None if clock.kind == ClockKind.RETURN else AlertStage.OVERDUE
    if clock.state == ClockStatus.WARNING:
        return AlertStage.WARNING
    return None


def check_scan(today: date, clocks: dict[int, tuple[Matter, list[Clock]]]) -> int:
    """The scan's alerts of the day are the page's warning and overdue clocks, one for one."""
    result = scan_clocks(today, send=False)
    assert not result.skipped
    # what this run raised, and every alert raised so far (a rerun raises none twice)
    new = {
        (a.matter_id, a.clock, a.deadline, a.stage)
        for a in ClockAlert.objects.filter(scan_id=result.scan_id)
    }
    raised = {(a.matter_id, a.clock, a.deadline, a.stage) for a in ClockAlert.objects.all()}
    want = set()
    for pk, (_, cs) in clocks.items():
        for c in cs:
            stage = _stage_of(c)
            if stage is not None and c.deadline is not None:
                want.add((pk, str(c.kind), c.deadline, str(stage)))
    missing = sorted(want - raised)[:5]
    extra = sorted(new - want)[:5]
    assert not missing and not extra, {"missing": missing, "extra": extra}
    return len(want)


def check_briefing(today: date, clocks: dict[int, tuple[Matter, list[Clock]]]) -> int:
    """简报's 超期未办结事项 give each overdue clock's own days over."""
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    assert root is not None
    items = overdue_items(node=root, as_of=today, matters=Matter.objects.all())
    for item in items:
        _, cs = clocks[item.matter_id]
        same = [c for c in cs if c.kind == item.clock and str(c.deadline) == item.deadline]
        assert same and same[0].state == ClockStatus.OVERDUE, item
        assert item.days_over == same[0].overdue_days, item
    return len(items)


def summary(clocks: dict[int, tuple[Matter, list[Clock]]]) -> dict[str, Any]:
    states: dict[str, int] = defaultdict(int)
    for _, cs in clocks.values():
        for c in cs:
            states[f"{c.kind}:{c.state}"] += 1
    return dict(states)

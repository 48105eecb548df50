"""我的待办: which matter lands in which queue for whom on a given day, and the page showing it."""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import timezone

from xinfang.intake.choices import Purpose, SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.workflow import calendar, supervision
from xinfang.workflow import services as wf
from xinfang.workflow.calendar import ClockState
from xinfang.workflow.selectors import Queue, queues_for
from xinfang.workflow.transitions import ReplyOutcome

from .conftest import District
from .views_support import client_for
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 7)  # the day the queues are looked at (time travel, no sleeping)


@dataclass
class Board:
    by_key: dict[str, Matter]

    def names(self, queue: Queue) -> list[str]:
        pks = {m.pk: key for key, m in self.by_key.items()}
        return [pks[r.matter.pk] for r in queue.rows]


def assigned(
    d: District,
    unit_staff: str,
    on: date,
    *,
    received: date = date(2025, 6, 20),
    purpose: str = Purpose.REQUEST,
    receive: bool = True,
) -> Matter:
    unit = d.users[unit_staff].org_unit
    assert unit is not None
    m = new_matter(
        d, received=received, purpose=purpose, locality=d.street_b if unit == d.street_b else None
    )
    m = step(wf.matter_assign, m, d.users["officer"], unit=unit, on=on)
    if receive:
        m = step(wf.assignment_receive, m, d.users[unit_staff], on=on)
    return m


def build(d: District) -> Board:
    officer, staff = d.users["officer"], d.users["street_a_staff"]
    new = assigned(d, "street_a_staff", date(2025, 9, 20), receive=False)
    soon = assigned(d, "street_a_staff", date(2025, 8, 5))  # due 2025-10-09
    late = assigned(d, "street_a_staff", date(2025, 7, 1))  # due 2025-09-01
    replied = assigned(d, "street_a_staff", date(2025, 7, 1))
    step(wf.reply_issue, replied, staff, outcome=ReplyOutcome.EXPLAINED, on=date(2025, 8, 20))
    ext = assigned(d, "street_a_staff", date(2025, 8, 5))
    step(wf.extension_request, ext, staff, days=20, reason="需现场勘验", on=date(2025, 9, 30))
    other = assigned(d, "street_b_staff", date(2025, 7, 10))  # another unit's, due 2025-09-08
    accuse = assigned(d, "discipline_staff", date(2025, 7, 1), purpose=Purpose.ACCUSATION)
    ret = assigned(d, "street_a_staff", date(2025, 9, 20), received=date(2025, 9, 1))
    step(wf.assignment_return, ret, staff, reason="非本单位职责", on=date(2025, 9, 22))
    todo = new_matter(d, received=date(2025, 9, 10))
    for m in (late, accuse):
        supervision.supervision_raise(
            actor=officer,
            matter=fresh(m),
            version=fresh(m).version,
            level=SupervisionLevel.DISTRICT,
            reason="超期未办结",
            on=date(2025, 9, 5),
        )
    closed = assigned(d, "street_a_staff", date(2025, 9, 1))
    notice = supervision.supervision_raise(
        actor=officer,
        matter=closed,
        version=fresh(closed).version,
        level=SupervisionLevel.DISTRICT,
        reason="群众反映强烈",
        on=date(2025, 9, 5),
    )
    supervision.supervision_close(
        actor=officer,
        notice=notice,
        version=fresh(closed).version,
        outcome="concluded",
        note="已办结",
        on=date(2025, 9, 6),
    )
    keys = {
        "new": new,
        "soon": soon,
        "late": late,
        "replied": replied,
        "ext": ext,
        "other": other,
        "accuse": accuse,
        "ret": ret,
        "todo": todo,
        "closed": closed,
    }
    return Board({k: fresh(m) for k, m in keys.items()})


# Written out by hand from the rules: who sees which matter in which queue on TODAY, in order.
EXPECTED = {
    "street_a_staff": {"new": ["new"], "due_soon": ["soon", "ext"], "overdue": ["late"]},
    "street_b_staff": {"new": [], "due_soon": [], "overdue": ["other"]},
    "housing_staff": {"new": [], "due_soon": [], "overdue": []},
    "discipline_staff": {"new": [], "due_soon": [], "overdue": ["accuse"]},
    "officer": {
        "to_route": ["todo", "ret"],
        "extensions": ["ext"],
        "due_soon": ["soon", "ext"],
        "overdue": ["late", "accuse", "other"],
        "supervised": ["late", "accuse"],
        "receptions": [],  # leader work (tests/test_leaders_clocks.py)
        "packages": [],
    },
    "leader": {"extensions": ["ext"], "supervised": ["late"], "packages": []},
    "supervisor": {"overdue": ["late", "other"], "supervised": ["late"]},
    "registrar": {"to_route": ["todo", "ret"], "to_deliver": ["replied"]},
    "admin": {},
}


def test_each_role_sees_its_queues_and_only_its_matters(district: District) -> None:
    board = build(district)
    for who, expected in EXPECTED.items():
        got = {q.key: board.names(q) for q in queues_for(district.users[who], TODAY)}
        assert got == expected, who
        for q in queues_for(district.users[who], TODAY):
            assert q.total == len(q.rows)


def test_rows_carry_the_calendar_deadline_and_days_left(district: District) -> None:
    board = build(district)
    queues = {q.key: q for q in queues_for(district.users["officer"], TODAY)}
    soon = queues["due_soon"].rows[0]
    assert soon.day == calendar.deadline(date(2025, 8, 5), 60) == date(2025, 10, 9)
    assert (soon.days_left, soon.state, soon.badge) == (2, ClockState.WARNING, "warn")
    late = queues["overdue"].rows[0]
    assert late.day == calendar.deadline(date(2025, 7, 1), 60) == date(2025, 9, 1)
    assert (late.days_left, late.overdue_days, late.badge) == (-36, 36, "bad")
    sup = queues["supervised"].rows[0]
    assert sup.day == calendar.deadline(date(2025, 9, 5), 15) == date(2025, 9, 22)
    assert sup.state == ClockState.OVERDUE
    todo, ret = queues["to_route"].rows
    # 待处理 carries the 15-day routing clock from receipt; a returned matter was routed once
    assert todo.due == calendar.deadline(date(2025, 9, 10), 15) == date(2025, 9, 25)
    assert (todo.day, todo.days_left, todo.badge) == (date(2025, 9, 10), -12, "bad")
    assert (ret.days_left, ret.state, ret.due) == (None, None, None)
    # the day before its warning window opens, the matter is in no clock queue
    earlier = {
        q.key: board.names(q) for q in queues_for(district.users["officer"], date(2025, 10, 5))
    }
    assert earlier["due_soon"] == []
    # an approved extension moves the deadline, so the matter leaves both queues
    ext = board.by_key["ext"]
    step(wf.extension_decide, ext, district.users["leader"], approve=True, on=date(2025, 10, 1))
    after = {q.key: board.names(q) for q in queues_for(district.users["officer"], TODAY)}
    assert after["extensions"] == [] and after["due_soon"] == ["soon"]


def section(html: str, key: str) -> str:
    found = re.search(rf'id="queue-{key}".*?</section>', html, re.S)
    assert found, key
    return found.group(0)


def test_the_page_shows_each_queue_with_links_and_badges(
    district: District, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries
) -> None:
    board = build(district)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    client = client_for(district, "officer")
    # 1 for the session's second factor; 2 for the nav's 提醒 count; 5 for leader work's
    # 接访待交办 and 包案督查 (count and rows each, and the unit tree of visible_packages); 5 for
    # each queue with rows whose clocks are read (workflow.clocks.load_facts_for, all rows at once)
    with django_assert_max_num_queries(47):
        response = client.get("/workflow/queues/")
    assert response.status_code == 200
    html = response.content.decode()
    overdue = section(html, "overdue")
    for key in ("late", "accuse", "other"):
        m = board.by_key[key]
        assert f'href="/intake/matters/{m.pk}/"' in overdue and m.number in overdue
    assert board.by_key["soon"].number not in overdue
    assert "已超期 36 天" in overdue and 'class="badge bad"' in overdue
    soon = section(html, "due_soon")
    assert "剩 2 天" in soon and 'class="badge warn"' in soon and "王小明" in soon
    assert "东风街道" in soon
    assert "我的待办" in html and 'href="/workflow/queues/"' in html


def test_a_unit_page_never_shows_another_units_or_accusations(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    board = build(district)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    html = client_for(district, "street_a_staff").get("/workflow/queues/").content.decode()
    for key in ("new", "soon", "late", "ext"):
        assert board.by_key[key].number in html
    for key in ("other", "accuse", "todo", "ret", "replied"):
        assert board.by_key[key].number not in html


def test_anonymous_goes_to_login_and_admin_is_refused(district: District) -> None:
    response = client_for(district, "anonymous").get("/workflow/queues/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client_for(district, "admin").get("/workflow/queues/").status_code == 403
    admin_home = client_for(district, "admin").get("/").content.decode()
    assert "我的待办" not in admin_home


def test_a_long_queue_is_capped_with_its_count(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("xinfang.workflow.selectors.QUEUE_SIZE", 2)
    for day in (1, 2, 3):
        new_matter(district, received=date(2025, 9, day))
    queue = queues_for(district.users["registrar"], TODAY)[0]
    assert (queue.total, len(queue.rows), queue.capped) == (3, 2, True)
    assert [r.day for r in queue.rows] == [date(2025, 9, 3), date(2025, 9, 2)]


def test_the_routing_clock_waits_out_national_day(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    # received 2025-09-20: day 15 is 10-05, inside the National Day holiday (10-01..10-08)
    m = new_matter(district, received=date(2025, 9, 20))
    queue = queues_for(district.users["registrar"], TODAY)[0]
    (row,) = queue.rows
    assert row.matter.pk == m.pk
    assert row.due == calendar.deadline(date(2025, 9, 20), 15) == date(2025, 10, 9)
    assert (row.days_left, row.state, row.badge) == (2, ClockState.WARNING, "warn")
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    html = client_for(district, "officer").get("/workflow/queues/").content.decode()
    to_route = section(html, "to_route")
    assert m.number in to_route and "剩 2 天" in to_route and "期限 2025-10-09" in to_route
    # the next day the clock is still warning; after 10-09 it is overdue
    queue = queues_for(district.users["registrar"], date(2025, 10, 10))[0]
    assert (queue.rows[0].days_left, queue.rows[0].state) == (-1, ClockState.OVERDUE)


def test_the_desk_delivers_what_was_replied_then_it_leaves_the_queue(district: District) -> None:
    board = build(district)
    desk = district.users["registrar"]
    queue = queues_for(desk, TODAY)[1]
    assert (queue.key, board.names(queue)) == ("to_deliver", ["replied"])
    assert queue.rows[0].day == date(2025, 8, 20)
    step(wf.reply_deliver, board.by_key["replied"], desk, on=date(2025, 8, 25))
    assert board.names(queues_for(desk, TODAY)[1]) == []


def test_a_ledger_reply_was_delivered_already_and_is_not_to_deliver(district: District) -> None:
    imported = new_matter(district, received=date(2025, 7, 1))
    # as the ledger importer leaves it: 答复日期 recorded (a delivery), no workflow row
    Matter.objects.filter(pk=imported.pk).update(status="replied", replied_on=date(2025, 8, 1))
    queue = queues_for(district.users["registrar"], TODAY)[1]
    assert queue.key == "to_deliver" and queue.total == 0

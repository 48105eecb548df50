"""Workflow on PostgreSQL: 50 conflicting steps at once on one matter, round after round; exactly
one wins each round, the others are told who moved it, no update is lost, the history holds."""

import threading
import time
from collections.abc import Callable
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

import pytest
from django.db import OperationalError, connection, connections

from xinfang.accounts.models import User
from xinfang.core.errors import ConflictError, PermissionRefusedError
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf
from xinfang.workflow.models import Assignment, MatterWorkflow
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.transitions import LegalChannel

from .conftest import District
from .workflow_support import events, fresh, new_matter

pytestmark = pytest.mark.django_db(transaction=True)
DAY = date(2025, 8, 5)
THREADS = 50  # PostgreSQL's max_connections is 100 by default: 50 threads + the test's own


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections are tested on PostgreSQL")


@dataclass(frozen=True)
class Attempt:
    name: str  # the step's event name, "workflow.<name>"
    service: Callable[..., Matter]
    actor: User
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Race:
    won: list[Attempt] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)  # PermissionRefusedError messages
    other: list[BaseException] = field(default_factory=list)


def _connect() -> None:
    # a helper's tests may hold connections too: retry a moment rather than fail the race
    for wait in (0.1, 0.3, 1.0, 2.0, 0):
        try:
            connection.ensure_connection()
            return
        except OperationalError:
            if not wait:
                raise
            time.sleep(wait)


def race(m: Matter, attempts: list[Attempt]) -> Race:
    """All attempts at once against the version each of them read: the matter's current one."""
    seen = fresh(m).version
    barrier = threading.Barrier(len(attempts), timeout=60)
    result = Race()
    lock = threading.Lock()

    def run(attempt: Attempt) -> None:
        try:
            _connect()
            barrier.wait()
            attempt.service(actor=attempt.actor, matter=m, version=seen, **attempt.kwargs)
            with lock:
                result.won.append(attempt)
        except ConflictError as exc:
            with lock:
                result.refused.append(exc.message)
        except PermissionRefusedError as exc:
            with lock:
                result.unreached.append(exc.message)
        except BaseException as exc:  # reported by the round's assertions
            barrier.abort()
            with lock:
                result.other.append(exc)
        finally:
            connections.close_all()

    # each thread in the test's context: its steps are the suite's history too (conftest)
    threads = [threading.Thread(target=copy_context().run, args=(run, a)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def round_(m: Matter, attempts: list[Attempt]) -> Attempt:
    """One round: exactly one winner, 49 clear refusals naming the new state, one version, one
    event. Returns the winner."""
    assert len(attempts) == THREADS
    before = fresh(m)
    history = events(before)
    result = race(m, attempts)
    assert result.other == []
    assert len(result.won) == 1, [a.name for a in result.won]
    winner = result.won[0]
    after = fresh(m)
    # even when a 退回 won and the unit no longer holds it, the losers are told someone moved it
    assert result.unreached == []
    assert len(result.refused) == THREADS - 1
    for message in result.refused:
        assert message == (
            f"事项{after.number}已被他人更新（当前状态「{after.get_status_display()}」），"
            f"本次「{message.split('本次「')[1].split('」')[0]}」未保存，请刷新后重试"
        )
    assert after.version == before.version + 1
    now = events(after)
    assert len(now) == len(history) + 1
    assert now[-1].action == f"workflow.{winner.name}"
    assert now[-1].data["from"] == before.status and now[-1].data["to"] == after.status
    return winner


def times(n: int, *attempts: Attempt) -> list[Attempt]:
    """`attempts` repeated in turn to make n."""
    return [attempts[i % len(attempts)] for i in range(n)]


def test_fifty_conflicting_routing_steps_at_once(district: District) -> None:
    postgres_only()
    officer = district.users["officer"]
    m = new_matter(district)
    winner = round_(
        m,
        times(
            THREADS,
            Attempt("accept", wf.matter_accept, officer, {"on": DAY}),
            Attempt("decline", wf.matter_decline, officer, {"reason": "不属于信访事项", "on": DAY}),
            Attempt("assign", wf.matter_assign, officer, {"unit": district.street_a, "on": DAY}),
            Attempt("forward", wf.matter_forward, officer, {"unit": district.housing, "on": DAY}),
            Attempt(
                "legal_channel",
                wf.matter_sort_by_law,
                officer,
                {"channel": LegalChannel.LITIGATION, "on": DAY},
            ),
        ),
    )
    after = fresh(m)
    expected = {
        "accept": MatterStatus.IN_HANDLING,
        "decline": MatterStatus.DECLINED,
        "assign": MatterStatus.ASSIGNED,
        "forward": MatterStatus.ASSIGNED,
        "legal_channel": MatterStatus.LEGAL_CHANNEL,
    }
    assert after.status == expected[winner.name]
    # no second routing slipped in: at most the winner's one assignment
    routed = winner.name in ("assign", "forward")
    assert Assignment.objects.filter(matter=m).count() == (1 if routed else 0)


def test_fifty_at_once_round_after_round_to_the_review(district: District) -> None:
    """Route (assign / forward), sign or return, handle, extend, reply, deliver, then review or
    evaluate: each round fifty press at once; whatever wins, the next round starts from there.
    (Accepting is raced against the other routing steps in the test above.)"""
    postgres_only()
    u = district.users
    officer, leader, desk = u["officer"], u["leader"], u["registrar"]
    staff = {
        district.street_a.pk: u["street_a_staff"],
        district.street_b.pk: u["street_b_staff"],
        district.housing.pk: u["housing_staff"],
    }
    m = new_matter(district, received=date(2025, 8, 1))
    registered = fresh(m).version
    rounds: list[str] = []

    def route(on: date) -> None:
        winner = round_(
            m,
            times(
                THREADS,
                Attempt("assign", wf.matter_assign, officer, {"unit": district.street_a, "on": on}),
                Attempt("assign", wf.matter_assign, officer, {"unit": district.street_b, "on": on}),
                Attempt(
                    "forward", wf.matter_forward, officer, {"unit": district.housing, "on": on}
                ),
            ),
        )
        rounds.append(winner.name)
        assert Assignment.objects.get(matter=m, active=True).unit == winner.kwargs["unit"]

    # route, and while a unit returns it, route again (each return needs a fresh assignment)
    day = date(2025, 8, 4)
    route(day)
    while fresh(m).status == MatterStatus.ASSIGNED:
        assert len(rounds) < 20, "a unit returned the matter every time"
        unit = Assignment.objects.get(matter=m, active=True).unit_id
        winner = round_(
            m,
            times(
                THREADS,
                Attempt("receive", wf.assignment_receive, staff[unit], {"on": day}),
                Attempt(
                    "return",
                    wf.assignment_return,
                    staff[unit],
                    {"reason": "非本单位职责", "on": day},
                ),
            ),
        )
        rounds.append(winner.name)
        if winner.name == "return":
            route(day)
    assert fresh(m).status == MatterStatus.IN_HANDLING
    handler = staff[Assignment.objects.get(matter=m, active=True).unit_id]

    # handling: reply, extension and a note at once; one of them is saved
    notes = "已走访当事人"
    winner = round_(
        m,
        times(
            THREADS,
            Attempt(
                "reply", wf.reply_issue, handler, {"outcome": "supported", "on": date(2025, 8, 20)}
            ),
            Attempt(
                "request_extension",
                wf.extension_request,
                handler,
                {"days": 20, "reason": "需现场勘验", "on": date(2025, 8, 20)},
            ),
            Attempt(
                "record_handling",
                wf.handling_record,
                handler,
                {"notes": notes, "on": date(2025, 8, 20)},
            ),
        ),
    )
    rounds.append(winner.name)
    flow = MatterWorkflow.objects.get(matter=m)
    assert (flow.extension_days is not None) == (winner.name == "request_extension")
    assert (notes in flow.handling_notes) == (winner.name == "record_handling")
    assert (fresh(m).replied_on is not None) == (winner.name == "reply")

    if winner.name == "request_extension":
        winner = round_(
            m,
            times(
                THREADS,
                Attempt(
                    "decide_extension",
                    wf.extension_decide,
                    officer,
                    {"approve": True, "on": date(2025, 8, 21)},
                ),
                Attempt(
                    "decide_extension",
                    wf.extension_decide,
                    leader,
                    {"approve": False, "on": date(2025, 8, 21)},
                ),
            ),
        )
        rounds.append(winner.name)
        approved = MatterWorkflow.objects.get(matter=m).extension_approved
        assert approved is winner.kwargs["approve"]
        assert (fresh(m).extended_to is not None) == approved

    if fresh(m).status == MatterStatus.IN_HANDLING:
        winner = round_(
            m,
            [
                Attempt(
                    "reply", wf.reply_issue, handler, {"outcome": outcome, "on": date(2025, 9, 1)}
                )
                for outcome in times(THREADS, "supported", "explained", "not_supported")  # type: ignore[arg-type]
            ],
        )
        rounds.append(winner.name)
        assert MatterWorkflow.objects.get(matter=m).reply_outcome == winner.kwargs["outcome"]
    assert fresh(m).status == MatterStatus.REPLIED

    # delivery: the desk and the officer record it at once; one delivery date is kept
    winner = round_(
        m,
        times(
            THREADS,
            Attempt("deliver_reply", wf.reply_deliver, desk, {"on": date(2025, 9, 2)}),
            Attempt("deliver_reply", wf.reply_deliver, officer, {"on": date(2025, 9, 3)}),
        ),
    )
    rounds.append(winner.name)
    assert MatterWorkflow.objects.get(matter=m).reply_delivered_on == winner.kwargs["on"]

    # the petitioner's review request and evaluation are recorded at once
    winner = round_(
        m,
        times(
            THREADS,
            Attempt("request_review", wf.review_request, desk, {"on": date(2025, 9, 10)}),
            Attempt(
                "evaluate",
                wf.evaluation_record,
                desk,
                {"evaluation": "dissatisfied", "on": date(2025, 9, 10)},
            ),
        ),
    )
    rounds.append(winner.name)
    after = fresh(m)
    assert (after.status == MatterStatus.UNDER_REVIEW) == (winner.name == "request_review")
    assert (after.evaluation == "dissatisfied") == (winner.name == "evaluate")

    # the whole history: one event per round, each starting where the last one ended
    history = events(after)
    assert [e.action.removeprefix("workflow.") for e in history] == rounds
    assert history[0].data["from"] == MatterStatus.REGISTERED
    for earlier, later in pairwise(history):
        assert later.data["from"] == earlier.data["to"]
    assert history[-1].data["to"] == after.status
    assert after.version == registered + len(rounds)  # no update lost, none doubled
    # every assignment but the last was returned; the last is the one in force
    assignments = list(Assignment.objects.filter(matter=m).order_by("id"))
    assert rounds.count("return") == sum(1 for a in assignments if a.returned_on)
    assert [a.active for a in assignments] == [False] * (len(assignments) - 1) + [True]

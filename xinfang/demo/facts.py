"""The facts of a matter's handling (contract A, from 处理方式 on), consistent with the clocks.

Dates are day ordinals; anything that would fall after the end date has not happened yet and
is left out, together with everything that would follow it.
"""

import random
from dataclasses import dataclass

from xinfang.demo import weights as w

_USUAL = w.Table(w.EVALUATION_USUAL)
_TROUBLED = w.Table(w.EVALUATION_TROUBLED)
_HANDLED = frozenset({"受理", "交办", "转送"})
_CENTRAL = w.Table([("中央", 0.6), ("省", 0.2), ("市", 0.2)])


@dataclass
class MatterShape:
    """What the facts depend on: the matter's first day, routing and how troubled it is."""

    first: int
    method: str
    rows: int
    top_level: str  # the highest level any registration reached
    collective: bool


@dataclass
class Facts:
    method: str = ""
    decided: int | None = None
    deadline: int | None = None  # 办理期限, only when it is not the computed one
    extended_to: int | None = None
    replied: int | None = None
    evaluation: str = ""
    evaluated: int | None = None
    review_requested: int | None = None
    review_replied: int | None = None
    rereview_requested: int | None = None
    rereview_replied: int | None = None
    leader: str = ""
    packaged: int | None = None
    supervision: str = ""
    supervised: int | None = None
    supervision_due: int | None = None
    resolved: int | None = None
    remark: str = ""


def make_facts(rng: random.Random, shape: MatterShape, end: int) -> Facts:
    facts = Facts()
    decided = shape.first + _decision_delay(rng)
    if decided > end:
        return facts  # not decided yet
    facts.method, facts.decided = shape.method, decided
    if shape.method in _HANDLED:
        _handle(rng, facts, shape, end)
    if shape.method != "不予受理":
        _package_and_supervise(rng, facts, shape, end)
    return facts


def _decision_delay(rng: random.Random) -> int:
    u = rng.random()
    if u < 0.70:
        return rng.randint(1, 7)
    if u < 0.92:
        return rng.randint(8, 15)
    if u < 0.98:
        return rng.randint(16, 25)  # late
    return rng.randint(26, 45)


def _handle(rng: random.Random, facts: Facts, shape: MatterShape, end: int) -> None:
    assert facts.decided is not None
    decided = facts.decided
    limit = 60
    if shape.method == "交办" and rng.random() < 0.15:
        limit = 30  # the bureau sets a shorter limit on some assignments
        facts.deadline = decided + limit
    deadline = decided + limit
    u = rng.random()
    if u < 0.80:
        replied = decided + int(rng.triangular(8, limit, limit * 0.6))
    elif u < 0.89:
        if decided + limit - 5 > end:
            return  # the extension is not decided yet, nor the reply
        facts.extended_to = deadline + rng.randint(10, 30)
        if rng.random() < 0.85:
            replied = rng.randint(deadline + 1, facts.extended_to)
        else:
            replied = facts.extended_to + rng.randint(1, 20)
    elif u < 0.98:
        replied = deadline + rng.randint(1, 40)  # late, without an extension
    else:
        return  # stuck: never replied, overdue
    if replied > end:
        return
    facts.replied = replied
    late = replied > (facts.extended_to or deadline)
    troubled = shape.rows >= 3 or late
    if rng.random() < 0.88:
        evaluated = replied + rng.randint(1, 12)
        if evaluated <= end:
            facts.evaluated = evaluated
            facts.evaluation = (_TROUBLED if troubled else _USUAL).pick(rng.random())
    asks = {"不满意": 0.38, "基本满意": 0.03, "满意": 0.0, "": 0.02}[facts.evaluation]
    if rng.random() < asks:
        _review(rng, facts, end)


def _review(rng: random.Random, facts: Facts, end: int) -> None:
    assert facts.replied is not None
    requested = facts.replied + rng.randint(3, 30)
    if requested > end:
        return
    facts.review_requested = requested
    replied = requested + (rng.randint(10, 30) if rng.random() < 0.9 else rng.randint(31, 45))
    if replied > end:
        return
    facts.review_replied = replied
    if rng.random() >= 0.30:
        return
    requested = replied + rng.randint(3, 30)
    if requested > end:
        return
    facts.rereview_requested = requested
    hearing = rng.random() < 0.15
    replied = requested + rng.randint(10, 30) + (rng.randint(5, 15) if hearing else 0)
    if replied > end:
        return
    facts.rereview_replied = replied
    if hearing:
        facts.remark = "复核期间组织听证"


def _package_and_supervise(rng: random.Random, facts: Facts, shape: MatterShape, end: int) -> None:
    upward = {"进京": 0.06, "赴省": 0.04}.get(shape.top_level, 0.0)
    troubled = (0.03 if shape.rows >= 3 else 0.0) + (0.03 if shape.collective else 0.0)
    if rng.random() < 0.025 + upward + troubled:
        _supervise(rng, facts, shape, end)
    if rng.random() < 0.004 + upward + troubled:
        _package(rng, facts, shape, end)


def _supervise(rng: random.Random, facts: Facts, shape: MatterShape, end: int) -> None:
    started = shape.first + rng.randint(10, 90)
    if started > end:
        return
    if shape.top_level == "进京":
        level = _CENTRAL.pick(rng.random())
    elif shape.top_level == "赴省":
        level = "省" if rng.random() < 0.6 else "市"
    else:
        level = "市" if rng.random() < 0.5 else "区"
    due = started + (30 if level in ("区", "市") else 60)
    facts.supervision, facts.supervised, facts.supervision_due = level, started, due
    u = rng.random()
    if u < 0.72:
        resolved = started + rng.randint(5, due - started)
    elif u < 0.87:
        resolved = due + rng.randint(1, 60)  # resolved, but after the due date
    else:
        return
    if resolved <= end:
        facts.resolved = resolved


def _package(rng: random.Random, facts: Facts, shape: MatterShape, end: int) -> None:
    started = shape.first + rng.randint(15, 120)
    if facts.resolved is not None:
        # Already resolved under supervision: the leader took it on before that.
        started = max(shape.first + 5, facts.resolved - rng.randint(10, 60))
    if started > end:
        return
    facts.leader, facts.packaged = rng.choice(w.LEADERS), started
    if facts.resolved is not None or rng.random() >= 0.92:
        return
    resolved = max(started + rng.randint(10, 150), (facts.supervised or 0) + 5)
    if resolved <= end:
        facts.resolved = resolved

"""Supervision's choices and its one table of who may do what (督办、批示、化解)."""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from xinfang.accounts.models import Role
from xinfang.workflow.transitions import refuse_unless


class SupervisionKind(models.TextChoices):
    ROUTINE = "routine", "常规督办"
    CONCENTRATED = "concentrated", "集中督办"


class SupervisionSource(models.TextChoices):
    MANUAL = "manual", "人工发起"
    CLOCK = "clock", "超期自动发起"


class SupervisionOutcome(models.TextChoices):
    CONCLUDED = "concluded", "已办结"
    RESOLVED = "resolved", "已化解"
    UNRESOLVED = "unresolved", "未化解"


class Act(StrEnum):
    SUPERVISION_RAISE = "supervision_raise"
    SUPERVISION_CLOSE = "supervision_close"
    INSTRUCTION_ADD = "instruction_add"
    RESOLVE = "resolve"
    BACKDATE_APPROVE = "backdate_approve"


@dataclass(frozen=True)
class Rule:
    act: Act
    label: str  # what refusals and the timeline call it
    roles: frozenset[str]


_R = Rule
TABLE: dict[Act, Rule] = {
    r.act: r
    for r in [
        _R(Act.SUPERVISION_RAISE, "发起督办", frozenset({Role.OFFICER, Role.SUPERVISOR})),
        _R(Act.SUPERVISION_CLOSE, "办结督办", frozenset({Role.OFFICER, Role.SUPERVISOR})),
        _R(Act.INSTRUCTION_ADD, "领导批示", frozenset({Role.LEADER})),
        _R(Act.RESOLVE, "登记化解", frozenset({Role.OFFICER, Role.LEADER})),
        # a step dated before the backdating window (xinfang.workflow.entry)
        _R(Act.BACKDATE_APPROVE, "批准补录", frozenset({Role.SUPERVISOR})),
    ]
}


def check_role(act: Act, *, role: str) -> Rule:
    """The rule, if `role` may take `act`; otherwise a refusal naming who may."""
    r = TABLE[act]
    refuse_unless(role, r.roles, r.label)
    return r

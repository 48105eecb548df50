"""Supervision's choices and its acts (督办、批示、化解); who may take each is core.permissions'."""

from dataclasses import dataclass
from enum import StrEnum

from django.db import models

from xinfang.core.permissions import STEP_ROLES, refuse_unless_role


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

    @property
    def roles(self) -> frozenset[str]:
        """Who may take the act: core.permissions' STEP_ROLES, the one table of who may do what."""
        return STEP_ROLES[self.act]


_R = Rule
TABLE: dict[Act, Rule] = {
    r.act: r
    for r in [
        _R(Act.SUPERVISION_RAISE, "发起督办"),
        _R(Act.SUPERVISION_CLOSE, "办结督办"),
        _R(Act.INSTRUCTION_ADD, "领导批示"),
        _R(Act.RESOLVE, "登记化解"),
        # a step dated before the backdating window (xinfang.workflow.entry)
        _R(Act.BACKDATE_APPROVE, "批准补录"),
    ]
}


def check_role(act: Act, *, role: str) -> Rule:
    """The rule, if `role` may take `act`; otherwise a refusal naming who may."""
    r = TABLE[act]
    refuse_unless_role(role, r.roles, r.label)
    return r

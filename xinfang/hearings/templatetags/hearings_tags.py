from typing import Any

from django import template

from xinfang.core.permissions import Action, is_handling_unit, may, may_hold_hearing
from xinfang.hearings.choices import STAGE_OF_STATUS, ParticipantRole

register = template.Library()


@register.inclusion_tag("hearings/_matter_hearings.html", takes_context=True)
def matter_hearings(context: Any, matter: Any) -> dict[str, Any]:
    """The matter page's 听证 section: its hearings, and the form for those who may hold one."""
    user = context["request"].user
    stage = STAGE_OF_STATUS.get(matter.status)
    return {
        "matter": matter,
        "hearings": list(matter.hearings.select_related("host_unit")),
        "may_hold": _may_hold(user, matter, stage),
        "stage": stage.label if stage else "",
        "roles": "、".join(ParticipantRole.labels),
        "csrf_token": context.get("csrf_token"),
    }


def _may_hold(user: Any, matter: Any, stage: str | None) -> bool:
    """may_hold_hearing, without asking again whether the page's reader sees the matter."""
    if stage is None or not may(user, Action.HOLD_HEARING):
        return False
    return not is_handling_unit(user) or may_hold_hearing(user, matter, stage)

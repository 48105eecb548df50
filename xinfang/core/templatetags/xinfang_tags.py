"""Template helpers: the navigation a user may see, and masked personal data."""

from typing import Any

from django import template
from django.urls import reverse

from xinfang.core.masking import mask_id_number, mask_phone
from xinfang.core.permissions import Action, may

register = template.Library()

NAV = (
    (Action.REGISTER, "登记", "intake:register"),
    (Action.VIEW_MATTER, "事项", "intake:matter_list"),
)


@register.simple_tag(takes_context=True)
def nav_links(context: dict[str, Any]) -> list[tuple[str, str]]:
    user = context["request"].user
    return [(label, reverse(name)) for action, label, name in NAV if may(user, action)]


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)

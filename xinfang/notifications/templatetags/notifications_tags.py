"""{% load notifications_tags %}{% unread_count request.user as n %} for the navigation."""

from typing import Any

from django import template

from xinfang.notifications import selectors

register = template.Library()


@register.simple_tag
def unread_count(user: Any) -> int:
    """The user's unread notifications; 0 for an anonymous visitor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return selectors.unread_count(user)

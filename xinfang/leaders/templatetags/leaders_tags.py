"""Template helpers of leader work: free text with personal numbers masked, a matter's package."""

from typing import Any

from django import template

from xinfang.core.masking import mask_free_text
from xinfang.core.permissions import Action, may, visible_packages
from xinfang.leaders.choices import PackageStatus

register = template.Library()


@register.filter
def mask_text(value: str | None) -> str:
    """A petitioner's own words with any ID number or phone in them masked."""
    return mask_free_text(value)


@register.simple_tag(takes_context=True)
def matter_package(context: dict[str, Any], matter: Any) -> dict[str, Any]:
    """The matter's package the reader may see (the open one first, else the latest), and
    whether the reader may open one: for the 「领导包案」 line of the matter page."""
    user = context["request"].user
    package = (
        visible_packages(user)
        .filter(items__matter=matter)
        .select_related("leader")
        .order_by("status", "-started_on", "-id")  # "open" sorts before "resolved"
        .first()
    )
    return {
        "package": package,
        "may_open": may(user, Action.OPEN_PACKAGE)
        and (package is None or package.status != PackageStatus.OPEN),
    }


WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@register.filter
def weekday_cn(value: Any) -> str:
    """星期三 for a date (the built-in "l" format follows the active language, not the bureau)."""
    return WEEKDAY_NAMES[value.weekday()] if value else ""

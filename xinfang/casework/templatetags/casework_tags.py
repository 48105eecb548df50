"""The matter page's casework lines: the meetings that 交办 it and the batches that hold it."""

from typing import Any

from django import template

from xinfang.casework.selectors import matter_casework

register = template.Library()


@register.inclusion_tag("casework/_matter_casework.html", takes_context=True)
def matter_casework_section(context: Any, matter: Any) -> dict[str, Any]:
    return matter_casework(context["request"].user, matter)

"""Typed access to the domain settings (settings.XINFANG)."""

from typing import Any

from django.conf import settings


def domain_setting(name: str) -> Any:
    table: dict[str, Any] = settings.XINFANG
    return table[name]

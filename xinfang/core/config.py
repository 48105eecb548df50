"""Typed access to the domain settings (settings.XINFANG), whose defaults are in settings.py."""

from typing import Any

from django.conf import settings


def domain_setting(name: str) -> Any:
    table: dict[str, Any] = settings.XINFANG
    return table[name]


def domain_limit(name: str) -> int:
    """A whole number of the domain settings: a clock's days (HANDLE_DAYS), a threshold."""
    return int(domain_setting(name))

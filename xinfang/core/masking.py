"""Masking of personal data for display: ID numbers and phones are never shown whole by default."""

import re


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) >= 11:
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
    return f"{'*' * (len(digits) - 4)}{digits[-4:]}"


_AREA_END = re.compile(r"^.*?(?:街道|镇|乡)")


def mask_address(value: str | None) -> str:
    """Down to the street or town, then hidden: 青山区清河街道中山路1号 -> 青山区清河街道****."""
    if not value:
        return ""
    area = _AREA_END.match(value)
    kept = area.group(0) if area else value[: min(6, len(value) // 2)]
    return f"{kept}****"

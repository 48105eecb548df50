"""Masking of personal data for display: ID numbers and phones are never shown whole by default."""


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


def mask_name(value: str | None) -> str:
    """张三丰 -> 张**; shown where a name appears to people who may not see it whole."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)

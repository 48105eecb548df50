"""Masking of personal data for display: ID numbers and phones are never shown whole by default."""

import re
from typing import Any


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


# Personal numbers typed into free text (理由, 办理情况, 说明 ...). Our own patterns, not a library:
# the forms are the ones petitioners and registrars write in China. A digit on either side means
# the run is part of a longer number (an amount, a case number) and is left alone.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[1-9](?:\d{16}[\dXx]|\d{14})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86[\s\-]?)?(1[3-9]\d)[\s\-]?(\d{4})[\s\-]?(\d{4})(?!\d)"
)
_LANDLINE_IN_TEXT = re.compile(
    r"(?<!\d)(?:[(（](0\d{2,3})[)）]\s?|(0\d{2,3})[\s\-]?)(\d{3,4})[\s\-]?(\d{4})(?!\d)"
)


def mask_free_text(text: str | None) -> str:
    """`text` with every ID number (18 or 15 digits), mobile (optionally +86, spaces or dashes)
    and landline (025-8888 8888, (025)88888888) masked as mask_id_number / mask_phone show them
    elsewhere: 3201**********1234, 138****5678, 025****8888. The rest of the text is kept."""
    if not text:
        return ""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone("".join(m.group(1, 2, 3))), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone("".join(g for g in m.groups() if g)), text)


def reads_numbers(reader: Any) -> bool:
    """Whether `reader` sees the ID numbers and phones typed into free text as they were typed:
    the roles that may reveal personal data (core.permissions, Action.REVEAL_PERSONAL_DATA),
    reading a matter they may already see. 领导 and 督查 never do."""
    from xinfang.core.permissions import Action, may

    return may(reader, Action.REVEAL_PERSONAL_DATA)


def free_text_for(reader: Any, text: str | None, *, reads: bool | None = None) -> str:
    """Free text (content, notes, replies, instructions, file names ...) as this reader may see
    it: whole for those who may reveal personal data — their working text, as the timeline shows
    it — else with every ID number and phone masked (mask_free_text). `reads`: reads_numbers(reader)
    already asked, for a list of rows."""
    if reads is None:
        reads = reads_numbers(reader)
    return (text or "") if reads else mask_free_text(text)


# a number cut at the end of an excerpt: too short for the patterns above to see it whole
_CUT_NUMBER = re.compile(r"[\d\s\-+()（）*Xx]*\d[\d\s\-+()（）*Xx]*$")


def excerpt_for(reader: Any, text: str | None, *, cut: bool, reads: bool | None = None) -> str:
    """The start of a free text for a list: free_text_for, and when `cut` (the text went on
    beyond what was read) the trailing digits dropped, since a number cut in half is not seen as
    one. Read at least 24 characters past what is shown, so every number shown is whole."""
    shown = free_text_for(reader, text, reads=reads)
    return _CUT_NUMBER.sub("", shown) if cut else shown

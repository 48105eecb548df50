"""Masking of personal data for display: ID numbers and phones are never shown whole by default."""

import re
from collections.abc import Callable
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
# the run is part of a longer number (an amount, a case number) and is left alone; letters
# touching it (ID320102...) do not make it something else.
_ID_IN_TEXT = re.compile(r"(?<!\d)[1-9](?:\d{16}[\dXx]|\d{14})(?!\d)")
# an ID written in groups, 320102 19900202 2345 (the birth date a real date, so that other
# grouped numbers are left alone), or one digit at a time, 3 2 0 1 0 2 ...
_BIRTH_DATE = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_SPACED_IN_TEXT = re.compile(
    rf"(?<!\d)(?:[1-9]\d{{5}}[ .\-]{_BIRTH_DATE}[ .\-]\d{{3}}|[1-9](?:[ .\-]\d){{16}}[ .\-])"
    r"[\dXx](?!\d)"
)
_MOBILE_IN_TEXT = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86[\s\-]?)?(1[3-9]\d)[\s\-.]?(\d{4})[\s\-.]?(\d{4})(?!\d)"
)
# a mobile written one digit at a time: 1 3 7 4 4 4 4 5 5 5 5
_MOBILE_SPACED_IN_TEXT = re.compile(r"(?<!\d)1[ .\-][3-9](?:[ .\-]\d){9}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(
    r"(?<!\d)(?:[(（](0\d{2,3})[)）]\s?|(0\d{2,3})[\s\-]?)(\d{3,4})[\s\-]?(\d{4})(?!\d)"
)


# Full-width digits, Ｘ, ＋, －, ． and spaces (a Chinese input method in full-width mode) are the
# same numbers: the patterns are matched on a copy with them folded to ASCII, one character for
# one, so that each match's place is the same in the text as typed.
_FOLD_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + d): str(d) for d in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
        "－": "-",
        "．": ".",
        "\u3000": " ",
    }
)


def _masked(
    pattern: re.Pattern[str], mask: Callable[[re.Match[str]], str], text: str, folded: str
) -> tuple[str, str]:
    """Each match of `pattern` in `folded` replaced by its mask in both `text` and `folded`."""
    shown: list[str] = []
    seen: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        masked = mask(match)
        shown += [text[last : match.start()], masked]
        seen += [folded[last : match.start()], masked]
        last = match.end()
    return "".join(shown) + text[last:], "".join(seen) + folded[last:]


def _digits(typed: str) -> str:
    return re.sub(r"[^\dXx]", "", typed)


def mask_free_text(text: str | None) -> str:
    """`text` with every ID number (18 or 15 digits, also with letters touching it or written in
    groups: 320102 19900202 2345), mobile (optionally +86, spaces, dashes or dots, or one digit at
    a time: 1 3 9 ...) and landline (025-8888 8888, (025)88888888) masked as mask_id_number /
    mask_phone show them elsewhere: 3201**********1234, 138****5678, 025****8888 — typed in half-
    or full-width digits. The rest of the text is kept as typed."""
    if not text:
        return ""
    folded = text.translate(_FOLD_FULL_WIDTH)
    text, folded = _masked(_ID_IN_TEXT, lambda m: mask_id_number(m.group(0)), text, folded)
    text, folded = _masked(
        _ID_SPACED_IN_TEXT, lambda m: mask_id_number(_digits(m.group(0))), text, folded
    )
    text, folded = _masked(
        _MOBILE_IN_TEXT, lambda m: mask_phone("".join(m.group(1, 2, 3))), text, folded
    )
    text, folded = _masked(
        _MOBILE_SPACED_IN_TEXT, lambda m: mask_phone(_digits(m.group(0))), text, folded
    )
    text, _ = _masked(
        _LANDLINE_IN_TEXT, lambda m: mask_phone("".join(g for g in m.groups() if g)), text, folded
    )
    return text


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
_CUT_NUMBER = re.compile(r"[\d\s\-+.()（）*Xx]*\d[\d\s\-+.()（）*Xx]*$")


def excerpt_for(reader: Any, text: str | None, *, cut: bool, reads: bool | None = None) -> str:
    """The start of a free text for a list: free_text_for, and when `cut` (the text went on
    beyond what was read) the trailing digits dropped, since a number cut in half is not seen as
    one. Read at least 24 characters past what is shown, so every number shown is whole."""
    shown = free_text_for(reader, text, reads=reads)
    return _CUT_NUMBER.sub("", shown) if cut else shown

"""Words of the content in the staff list: which matters hold them, and the excerpt that shows
where.

A matter holds a word when one of its registrations' content does. Two ways to find them, and
the list takes the cheaper (xinfang.intake.selectors.matter_page):
- `probe`: walk the matters newest first and look into each one's registrations (LIKE). Cheap
  when the word is common — a page of 50 is found among the first few hundred matters — and
  costly when it is rare, so the walk is always bounded (WALK rows).
- `hits`: ask the word index (xinfang.intake.word_index) for the registrations that may hold
  it, check them with LIKE, and take their matters. Cheap when the word is rare, costly when
  it is common (every hit is read and sorted).
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from xinfang.core.errors import InputError
from xinfang.core.masking import free_text_for, mask_free_text, reads_numbers
from xinfang.intake import word_index
from xinfang.intake.grams import fold
from xinfang.intake.models import Matter, Registration
from xinfang.intake.word_index import HasGrams

# Matters looked into one by one before the index is asked instead: a word in at least one
# matter of WALK/50 fills its page in the walk (a walk of WALK // 5 first: a common word's page
# is there, for a fifth of the cost).
WALK = 3000
# ... found within the newest WALK × FRAME matters of the filters' dates when they are there
# (xinfang.intake.selectors._walk_window: what bounds the walk's cost for a unit's staff).
FRAME = 4
# A word the index holds in fewer registrations than this (its grams, before the word itself
# is checked) is taken from the index at once: page and count cost what these few cost.
FEW = 400
# A scope of at most this many matters is counted one by one (exactly); a larger one's count is
# estimated from the walk that found the page, when it found at least ESTIMATE_MIN_FOUND
# (fewer: the index counts exactly). See selectors._word_total.
COUNT_WALK = 1000
ESTIMATE_MIN_FOUND = 20
SNIPPET_CHARS = 60
SNIPPET_BEFORE = 16  # characters shown before the first hit
# A reader who may not reveal personal data searches the content as they see it: a word with a
# digit in it is checked against the masked text, one registration at a time, in at most this
# many registrations (the filters' scope, counted before any word is looked for).
SEEN_SCOPE = 10_000
_DIGIT = re.compile(r"\d")


def narrow_message() -> str:
    return (
        f"含数字的内容关键词只在不超过{SEEN_SCOPE}条登记的范围内查找（反映内容中的身份证号和"
        "电话对您是隐藏的，要逐条核对）：请先用登记日期、属地或分类把范围缩小"
    )


def _contains(word: str) -> Q:
    # Case folding costs PostgreSQL three times the scan; only Latin letters need it.
    latin = any(c.isascii() and c.isalpha() for c in word)
    return Q(**{"content__icontains" if latin else "content__contains": word})


def _seen_in(word: str, text: str) -> bool:
    """Whether `word` is in `text` as a reader who may not reveal personal data sees it."""
    return fold(word) in fold(mask_free_text(text))


def as_seen(
    reader: Any, matters: QuerySet[Matter], words: list[str], *, reads: bool | None = None
) -> tuple[QuerySet[Matter], list[str]]:
    """The words a reader who may not reveal personal data searches by what they see: each word
    with a digit is looked for in the masked content (a phone's hidden middle, an ID number's
    hidden digits are not there to be found, so guessing them finds nothing, and a guess that is
    right answers as one that is wrong); the case numbers, amounts and dates they read are found
    as usual. Returns `matters` narrowed by those words and the words left for the index (all of
    them, unchanged, for a reader who may reveal). InputError when the filters leave more than
    SEEN_SCOPE registrations to check — counted without the words, so the refusal says nothing
    about what the content holds."""
    if reads is None:
        reads = reads_numbers(reader)
    digits = [] if reads else [w for w in words if _DIGIT.search(w)]
    if not digits:
        return matters, words
    regs = Registration.objects.filter(matter_id__in=matters.values("pk"))
    if regs.order_by()[: SEEN_SCOPE + 1].count() > SEEN_SCOPE:
        raise InputError(narrow_message(), field="words")
    held: set[int] | None = None
    for word in digits:
        rows = regs.filter(_contains(word)).values_list("matter_id", "content")
        if held is not None:
            rows = rows.filter(matter_id__in=sorted(held))
        held = {matter_id for matter_id, text in rows.iterator() if _seen_in(word, text)}
    return matters.filter(pk__in=sorted(held or ())), [w for w in words if w not in digits]


def probe(matters: QuerySet[Matter], words: list[str]) -> QuerySet[Matter]:
    """The matters holding every word, each looked into by its own registrations."""
    for word in words:
        having = Registration.objects.filter(_contains(word), matter_id=OuterRef("pk"))
        matters = matters.filter(Exists(having))
    return matters


def hits(matters: QuerySet[Matter], words: list[str]) -> QuerySet[Matter]:
    """The matters holding every word, found through the word index."""
    for word in words:
        having = Registration.objects.filter(HasGrams(word), _contains(word))
        matters = matters.filter(pk__in=having.values("matter_id"))
    return matters


def few(words: list[str]) -> bool:
    """Whether the index holds one of the words in fewer than FEW registrations."""
    return any(candidates(word, FEW) < FEW for word in words)


def candidates(word: str, limit: int) -> int:
    """The registrations that hold every gram of `word` (a superset of those holding it), up
    to `limit`."""
    return word_index.candidates(connection, word, limit)


def first_hits(matter_ids: list[int], words: list[str], *, reads: bool = True) -> dict[int, str]:
    """Each matter's content that holds the first word (its earliest such registration) — as
    the reader sees it when `reads` is False (as_seen)."""
    if not matter_ids or not words:
        return {}
    rows = (
        Registration.objects.filter(_contains(words[0]), matter_id__in=matter_ids)
        .order_by("matter_id", "id")
        .values_list("matter_id", "content")
    )
    masked = not reads and _DIGIT.search(words[0]) is not None
    found: dict[int, str] = {}
    for matter_id, content in rows:
        if matter_id not in found and (not masked or _seen_in(words[0], content)):
            found[matter_id] = content
    return found


@dataclass(frozen=True)
class Snippet:
    """An excerpt of a content around the first place a word is found: `text` (masked, with
    "…" where it was cut) and `marks`, the [start, end) of each word found in `text`."""

    text: str
    marks: list[tuple[int, int]]

    def html(self) -> SafeString:
        """The text escaped, every mark in <mark>."""
        parts: list[str] = []
        last = 0
        for s, e in self.marks:
            parts += [escape(self.text[last:s]), f"<mark>{escape(self.text[s:e])}</mark>"]
            last = e
        parts.append(escape(self.text[last:]))
        return mark_safe("".join(parts))


def excerpt(reader: object, text: str, words: list[str], *, reads: bool | None = None) -> Snippet:
    """About SNIPPET_CHARS characters of `text` around the first place a word is found, every
    word found in it marked. Masked first (free_text_for: the numbers a reader may not see),
    then searched: a word that was only inside a masked number is not found in what is shown,
    and the excerpt is then the text's start, unmarked."""
    shown = free_text_for(reader, text, reads=reads)
    folded = fold(shown)  # ASCII letters only: the places stay the same
    places = [(folded.find(fold(w)), w) for w in words if w]
    found = sorted((at, w) for at, w in places if at >= 0)
    start = max(0, found[0][0] - SNIPPET_BEFORE) if found else 0
    end = min(len(shown), start + SNIPPET_CHARS)
    window, lowered = shown[start:end], folded[start:end]
    marks: list[tuple[int, int]] = []
    for word in sorted({fold(w) for w in words if w}, key=len, reverse=True):
        at = lowered.find(word)
        while at >= 0:
            if all(at >= e or at + len(word) <= s for s, e in marks):
                marks.append((at, at + len(word)))
            at = lowered.find(word, at + len(word))
    lead = "…" if start > 0 else ""
    shift = len(lead)
    return Snippet(
        text=lead + window + ("…" if end < len(shown) else ""),
        marks=[(s + shift, e + shift) for s, e in sorted(marks)],
    )


def excerpts(
    reader: object, matter_ids: list[int], words: list[str], *, reads: bool | None = None
) -> dict[int, Snippet]:
    """Each matter's excerpt where the first word was found (its earliest registration holding
    it, as the reader sees it: as_seen), for the reader: the list's rows, on the web page and
    in the API."""
    if reads is None:
        reads = reads_numbers(reader)
    return {
        pk: excerpt(reader, content, words, reads=reads)
        for pk, content in first_hits(matter_ids, words, reads=reads).items()
    }

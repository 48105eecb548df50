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

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from xinfang.core.masking import free_text_for
from xinfang.intake.grams import fold
from xinfang.intake.models import Matter, Registration
from xinfang.intake.word_index import HasGrams

# Matters looked into one by one before the index is asked instead: a word in at least one
# matter of WALK/50 fills its page in the walk.
WALK = 3000
# Matters counted one by one before the index counts instead (the list counts up to 1000).
COUNT_WALK = 12_000
SNIPPET_CHARS = 60
SNIPPET_BEFORE = 16  # characters shown before the first hit


def _contains(word: str) -> Q:
    # Case folding costs PostgreSQL three times the scan; only Latin letters need it.
    latin = any(c.isascii() and c.isalpha() for c in word)
    return Q(**{"content__icontains" if latin else "content__contains": word})


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


def first_hits(matter_ids: list[int], words: list[str]) -> dict[int, str]:
    """Each matter's content that holds the first word (its earliest such registration)."""
    if not matter_ids or not words:
        return {}
    rows = (
        Registration.objects.filter(_contains(words[0]), matter_id__in=matter_ids)
        .order_by("matter_id", "id")
        .values_list("matter_id", "content")
    )
    found: dict[int, str] = {}
    for matter_id, content in rows:
        found.setdefault(matter_id, content)
    return found


def snippet(
    reader: object, text: str, words: list[str], *, reads: bool | None = None
) -> SafeString:
    """About SNIPPET_CHARS characters of `text` around the first place a word is found, every
    word found in it marked (<mark>), the rest escaped. Masked first (free_text_for: the numbers
    a reader may not see), then searched: a word that was only inside a masked number is not
    found in what is shown, and the excerpt is then the text's start, unmarked."""
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
    parts: list[str] = ["…" if start > 0 else ""]
    last = 0
    for s, e in sorted(marks):
        parts += [escape(window[last:s]), f"<mark>{escape(window[s:e])}</mark>"]
        last = e
    parts += [escape(window[last:]), "…" if end < len(shown) else ""]
    return mark_safe("".join(parts))

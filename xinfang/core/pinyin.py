"""The pinyin of names (units, categories, people): what the type-ahead pickers match typing to."""

from functools import lru_cache
from itertools import islice, product

from pypinyin import Style, lazy_pinyin, pinyin

MAX_READINGS = 8  # readings of a name kept when its characters are polyphones (长, 重, 会, …)


def _syllables(chunks: list[str]) -> list[str]:
    """Lower-case syllables; letters and digits kept as they are, punctuation dropped."""
    out: list[str] = []
    for chunk in chunks:
        word = "".join(c for c in chunk.lower() if c.isascii() and c.isalnum())
        if word:
            out.append(word)
    return out


@lru_cache(maxsize=16384)
def readings(name: str) -> tuple[str, ...]:
    """The name's full pinyin, syllables separated by spaces: the usual reading first (phrases
    read as pypinyin's phrase table reads them, 重庆 chong qing), then other readings of its
    polyphones, at most MAX_READINGS. Initials are the syllables' first letters (picker.js)."""
    name = name.strip()
    if not name:
        return ()
    first = " ".join(_syllables(lazy_pinyin(name, errors="default")))
    found = [first] if first else []
    per_char = pinyin(name, style=Style.NORMAL, heteronym=True, errors="default")
    if any(len(choices) > 1 for choices in per_char):
        for combo in islice(product(*per_char), MAX_READINGS * 4):
            text = " ".join(_syllables(list(combo)))
            if text and text not in found:
                found.append(text)
            if len(found) >= MAX_READINGS:
                break
    return tuple(found)


def initials(name: str) -> str:
    """The usual reading's initials, "新城街道" → "xcjd" (for tests and the page's help)."""
    first = readings(name)
    return "".join(s[0] for s in first[0].split()) if first else ""

"""How two petitions are compared as text: character pairs (bigrams) of a folded text.

Chinese has no spaces, and a re-worded petition keeps most of its pairs of characters: the
company's and the place's names, the thing asked for. Folding first makes the same text the same
pairs: NFKC (全角 digits and letters become ASCII, １２３ = 123), lower case, and the commonest
look-alike characters of hand-typed petitions (形近字: 己/已/巳, 末/未 …) to one of them.
Punctuation and spaces break a text into runs; pairs never cross a break.

A pair is a number, `ord(a) * 0x110000 + ord(b)`: no collisions, and it reads back.
"""

import unicodedata
from collections.abc import Iterable
from itertools import pairwise

BASE = 0x110000  # one past the last code point

# 形近字 typed for one another in petitions: each folds to the first of its group.
LOOK_ALIKE_GROUPS = (
    "已己巳",
    "未末",
    "拨拔",
    "候侯",
    "帐账",
    "象像",
    "座坐",
    "再在",
    "作做",
    "的得地",
    "他她它",
    "份分",
    "辩辨辫",
    "竟竞",
    "即既",
    "洒酒",
    "戍戌戊",
    "茶荼",
    "采彩",
    "佳住",
    "汩汨",
)
FOLD: dict[str, str] = {}
for _group in LOOK_ALIKE_GROUPS:
    for _char in _group[1:]:
        FOLD.setdefault(_char, _group[0])


_FOLDED: dict[str, str] = {}  # each character folded once per process


def _fold_char(char: str) -> str:
    """One character folded to what is compared ("" for a break: punctuation, space)."""
    found = _FOLDED.get(char)
    if found is None:
        found = _FOLDED[char] = _fold(char)
    return found


def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).lower()
    if len(folded) != 1:  # ㈠, ℡ …: several characters; keep the letters and digits of it
        folded = "".join(c for c in folded if c.isalnum())[:1]
    if not folded or not folded.isalnum():
        return ""
    return FOLD.get(folded, folded)


def folded_runs(text: str) -> list[list[tuple[str, int]]]:
    """The text as runs of (folded character, its index in `text`), split at every break."""
    runs: list[list[tuple[str, int]]] = []
    run: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        if folded:
            run.append((folded, index))
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def gram_of(a: str, b: str) -> int:
    return ord(a) * BASE + ord(b)


def gram_text(gram: int) -> str:
    return chr(gram // BASE) + chr(gram % BASE)


def grams(text: str) -> set[int]:
    """The distinct character pairs of a text (a run of one character is its own gram)."""
    found: set[int] = set()
    previous = ""  # the last character of the run, "" after a break
    length = 0
    for char in text:
        folded = _FOLDED.get(char)
        if folded is None:
            folded = _fold_char(char)
        if folded:
            if previous:
                found.add(ord(previous) * BASE + ord(folded))
            previous = folded
            length += 1
            continue
        if length == 1:
            found.add(ord(previous))  # below BASE: never a pair
        previous, length = "", 0
    if length == 1:
        found.add(ord(previous))
    return found


def shared_spans(text: str, shared: Iterable[int]) -> list[tuple[str, bool]]:
    """`text` cut into pieces, each marked True when it is part of a pair in `shared`: what the
    page marks as the words the two petitions share."""
    wanted = set(shared)
    covered = [False] * len(text)
    for run in folded_runs(text):
        for (a, i), (b, j) in pairwise(run):
            if gram_of(a, b) in wanted:
                covered[i] = covered[j] = True
    pieces: list[tuple[str, bool]] = []
    for index, char in enumerate(text):
        mark = covered[index]
        # punctuation between two marked characters stays inside the marked piece
        if not mark and 0 < index < len(text) - 1 and not _fold_char(char):
            mark = covered[index - 1] and covered[index + 1]
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + char, mark)
        else:
            pieces.append((char, mark))
    return pieces


def shared_words(text: str, shared: Iterable[int], *, least: int = 2) -> list[str]:
    """The marked pieces of `shared_spans`, in order and once each (at least `least` long)."""
    words: list[str] = []
    for piece, mark in shared_spans(text, shared):
        if mark and len(piece) >= least and piece not in words:
            words.append(piece)
    return words

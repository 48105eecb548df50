"""The similar index's pairs of many texts at once, with numpy: what a re-index asks for every
matter. The same pairs as `text.grams` and the same sketch as `Weights.heaviest`, text for text
(tests/test_similar_batch.py); a Python call per character and per pair costs a re-index of
1,000,000 registrations minutes, these array operations seconds.

A batch's pairs are kept as keys `matter index * KEY + pair` (int64, sorted, distinct): one
matter's pairs lie together, and a pair reads back as `key % KEY`.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from xinfang.intake.similar.text import BASE, _fold_char

KEY = 1 << 41  # above every pair (BASE² < 2⁴¹): a matter's index times KEY, plus the pair
_MIX = np.uint64(0x9E3779B97F4A7C15)  # index.tie_hash's multiplier and mask, in uint64
_MASK = np.uint64(0xFFFFFFFFFFFF)

Keys = npt.NDArray[np.int64]
OWNERS = 1 << 15  # owners per batch that `heaviest` orders in one 64-bit key


def distinct(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """np.unique(values) by a sort and a mask: numpy's sort of integers is vectorised, its unique
    hashes (~50x slower on millions of keys here)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def counted(values: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """np.unique(values, return_counts=True) by a sort."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered, np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _folded(points: npt.NDArray[np.uint32]) -> npt.NDArray[np.int64]:
    """Each code point folded as text._fold_char folds it (0 for a break), asked once for each
    distinct character of the batch."""
    chars = distinct(points.astype(np.int64))
    table = np.fromiter(
        (ord(f) if (f := _fold_char(chr(c))) else 0 for c in chars.tolist()),
        dtype=np.int64,
        count=len(chars),
    )
    return table[np.searchsorted(chars, points)]


def pair_keys(owners: Sequence[int], texts: Sequence[str]) -> Keys:
    """The distinct (owner, pair) keys of texts, where owner is a small index (< 2²²) naming
    whose pairs they are: the texts of one owner together make one set, as
    `set().union(*map(grams, its texts))` does."""
    if not texts:
        return np.empty(0, dtype=np.int64)
    # one break between texts, so no pair crosses from one text into the next
    joined = "\n".join(texts) + "\n"
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    folded = _folded(points)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    owner = np.repeat(np.asarray(owners, dtype=np.int64), lengths) * KEY
    here, after = folded[:-1], folded[1:]
    pairs = (here != 0) & (after != 0)
    keys = [owner[:-1][pairs] + here[pairs] * BASE + after[pairs]]
    # a run of one character is its own gram (below BASE: never a pair)
    before = np.concatenate(([0], folded[:-1]))
    next_ = np.concatenate((folded[1:], [0]))
    alone = (folded != 0) & (before == 0) & (next_ == 0)
    keys.append(owner[alone] + folded[alone])
    return distinct(np.concatenate(keys))


def tie_hashes(grams: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    """index.tie_hash of each gram: the low 48 bits of gram × _MIX (uint64 wraps above 2⁶⁴,
    which leaves the low bits as the exact product has them)."""
    return (grams.astype(np.uint64) * _MIX) & _MASK


def heaviest(
    keys: Keys, lighter: npt.NDArray[np.int64], rank: npt.NDArray[np.int64], count: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(owner, pair) of each owner's `count` heaviest pairs, as Weights.heaviest orders them:
    the pairs weighing as much as a rare one first, by their tie hash, then the lighter ones by
    their rank. `lighter` is sorted; `rank[i]` is the rank of `lighter[i]`. Owners < OWNERS.

    One sort of one 64-bit key: the owner in the top 15 bits, then a rare pair's 48-bit hash,
    or a lighter pair's rank above every hash (2⁴⁸ + rank)."""
    owners, grams = keys // KEY, keys % KEY
    if len(owners) and int(owners.max()) >= OWNERS:
        raise ValueError(f"owners must be below {OWNERS}")
    within = tie_hashes(grams)
    if len(lighter):
        at = np.minimum(np.searchsorted(lighter, grams), len(lighter) - 1)
        light = lighter[at] == grams
        within[light] = (rank[at[light]] + (1 << 48)).astype(np.uint64)
    order = np.argsort((owners.astype(np.uint64) << np.uint64(49)) | within)
    owners, grams = owners[order], grams[order]
    starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1])))
    lengths = np.diff(np.append(starts, len(owners)))
    place = np.arange(len(owners)) - np.repeat(starts, lengths)
    keep = place < count
    return owners[keep], grams[keep]

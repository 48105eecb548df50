"""The similar-matters index: each matter's rarest character pairs, and how common pairs are.

A pair's weight is its inverse document frequency, log((N + 1) / (df + 1)), clipped: every pair
found in fewer than FLOOR matters weighs the same (the most), so only the common pairs need a
count (SimilarGramCount, written by a full re-index). A matter keeps its SKETCH_SIZE heaviest
pairs (ties broken by a fixed hash of the pair, the same on both sides: among equally rare pairs
it is a bottom-k MinHash sketch); a petition finds its candidates as the matters that keep
some of its own heaviest pairs.

Two tables hold what the matters keep. `xinfang similar --reindex` counts the pairs again and
writes each pair's list of matters whole (SimilarPosting: one row a pair, the ids packed), and
empties the delta (SimilarGram: one row a pair and a matter), where the desk, a merge and a
small import index a matter since — never a posting list read, changed and written back (two
desks at once would lose one's matter). A look-up reads both (`postings`). A matter indexed
again keeps its old pairs in the lists until the next re-index, and a merged-away one its
whole entry: candidates only, each scored on its text and checked visible by the look-up.
"""

import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from operator import and_, mul
from threading import Lock

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from xinfang.intake.models import Registration, SimilarGram, SimilarGramCount, SimilarPosting
from xinfang.intake.similar import batch
from xinfang.intake.similar.text import grams

SKETCH_SIZE = 32  # pairs kept per matter (benchmarks/results/similar.md)
ID = np.dtype("<u4")  # a matter id in a posting list
TOTAL, TOKEN = 0, 1  # the rows of SimilarGramCount that are not pairs
_MIX = 0x9E3779B97F4A7C15  # a fixed odd multiplier: the tie-break hash
_MASK = 0xFFFFFFFFFFFF  # 48 bits: more than any gram (< BASE²), so no two grams tie


def floor_for(total: int) -> int:
    """Pairs in fewer matters than this all weigh the same (and are not counted)."""
    return max(2, total // 2000)


def tie_hash(gram: int) -> int:
    return (gram * _MIX) & _MASK


@dataclass
class Weights:
    total: int = 0
    token: int = -1
    common: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.floor = floor_for(self.total)
        self.rare = self._idf(self.floor)  # the weight of every pair rarer than the floor
        self.known = {gram: self._idf(max(df, self.floor)) for gram, df in self.common.items()}
        # the counted pairs lighter than the rare ones (the others weigh as much as a rare pair)
        self.lighter = frozenset(gram for gram, w in self.known.items() if w < self.rare)
        # their order in `heaviest`, once: a matter's are then sorted without a Python call each
        by_weight = sorted(self.lighter, key=lambda g: (-self.known[g], tie_hash(g)))
        self.rank = {gram: n for n, gram in enumerate(by_weight)}
        # the counted pairs' weights as arrays, for the look-up's scores of many texts at once
        self.known_grams = np.array(sorted(self.known), dtype=np.int64)
        self.known_weights = np.array([self.known[g] for g in self.known_grams.tolist()])

    def _idf(self, df: int) -> float:
        return max(math.log((self.total + 1) / (df + 1)), 0.0) + 0.05

    def matters_with(self, gram: int) -> int:
        """In how many matters a pair is at most (the floor for a pair rarer than it)."""
        return self.common.get(gram, self.floor)

    def weight(self, gram: int) -> float:
        return self.known.get(gram, self.rare)

    def weights_of(self, found: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """`weight` of each pair of an array."""
        out = np.full(len(found), self.rare)
        if len(self.known_grams) and len(found):
            at = np.minimum(np.searchsorted(self.known_grams, found), len(self.known_grams) - 1)
            hit = self.known_grams[at] == found
            out[hit] = self.known_weights[at[hit]]
        return out

    def total_weight(self, found: Iterable[int]) -> float:
        known, rare = self.known, self.rare
        return sum(known.get(gram, rare) for gram in found)

    def heaviest(self, found: Iterable[int], count: int) -> list[int]:
        """The `count` heaviest pairs of `found`, equally heavy ones by the tie-break hash:
        sorted(found, key=lambda g: (-self.weight(g), tie_hash(g)))[:count], computed without
        a Python call per pair where it can (a re-index asks it for every matter). No pair
        weighs more than a rare one, so those weighing as much come first, by their hash."""
        found = found if isinstance(found, set | frozenset) else set(found)
        top = found - self.lighter
        hashes = map(and_, map(mul, top, repeat(_MIX)), repeat(_MASK))
        first = [gram for _, gram in sorted(zip(hashes, top, strict=True))[:count]]
        if len(first) == count or len(top) == len(found):
            return first
        rest = sorted(found & self.lighter, key=self.rank.__getitem__)
        return first + rest[: count - len(first)]


_cache = Weights()
_lock = Lock()


def weights() -> Weights:
    """The pair weights of the last re-index, cached in the process until the next one."""
    global _cache
    marks = dict(
        SimilarGramCount.objects.filter(gram__in=(TOTAL, TOKEN)).values_list("gram", "matters")
    )
    total, token = marks.get(TOTAL, 0), marks.get(TOKEN, 0)
    if _cache.total == total and _cache.token == token:
        return _cache
    with _lock:
        common = dict(
            SimilarGramCount.objects.filter(gram__gt=TOKEN).values_list("gram", "matters")
        )
        _cache = Weights(total=total, token=token, common=common)
    return _cache


REINDEX_ABOVE = 20000  # an import touching more matters than this rebuilds the whole index


def index_matters(matter_ids: Iterable[int]) -> bool:
    """Index these matters again from their registrations (after a registration, an import, a
    merge), in the caller's transaction. Many at once (a big ledger import): the whole index is
    rebuilt, counting the pairs again, by a background task queued for when the caller's
    transaction commits (intake.tasks.reindex_similar) — the import neither waits for it nor
    holds the index's tables meanwhile; returns True then."""
    ids = sorted(set(matter_ids))
    if len(ids) > REINDEX_ABOVE:
        from xinfang.intake.tasks import reindex_similar_after_commit

        reindex_similar_after_commit()
        return True
    table = weights()
    with transaction.atomic():
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            SimilarGram.objects.filter(matter_id__in=chunk).delete()
            found: dict[int, set[int]] = {pk: set() for pk in chunk}
            rows = Registration.objects.filter(matter_id__in=chunk)
            for matter_id, content in rows.values_list("matter_id", "content"):
                found[matter_id] |= grams(content)
            SimilarGram.objects.bulk_create(
                [
                    SimilarGram(gram=gram, matter_id=pk)
                    for pk, pairs in found.items()
                    for gram in table.heaviest(pairs, SKETCH_SIZE)
                ],
                batch_size=2000,
            )
    return False


def _contents(size: int = 20000) -> Iterator[tuple[int, list[int], list[str]]]:
    """(first matter id, matter ids less it, contents) of the registrations with content, a
    batch of matter ids at a time (lists: the caller may write between batches, even COPY)."""
    rows = Registration.objects.exclude(content="")
    last = 0
    top = rows.order_by("-matter_id").values_list("matter_id", flat=True).first() or 0
    while last < top:
        chunk = rows.filter(matter_id__gt=last, matter_id__lte=last + size)
        owners: list[int] = []
        texts: list[str] = []
        for matter_id, content in chunk.values_list("matter_id", "content"):
            owners.append(matter_id - last)
            texts.append(content)
        if owners:
            yield last, owners, texts
        last += size


_NONE = np.empty(0, dtype=np.int64)


@dataclass
class ReindexResult:
    matters: int
    pairs_counted: int
    rows: int


def reindex() -> ReindexResult:
    """Count every pair again and rebuild every matter's sketch: one pass over the contents,
    their pairs kept as arrays (8 bytes a distinct pair of a matter: some 0.5 GB at 1,000,000
    registrations) for the sketches once the counts are known; the sketches then sorted by pair
    as one int64 each (0.25 GB) and written as each pair's list of matters (SimilarPosting, 4
    bytes a matter), the desk's rows (SimilarGram) emptied.

    One transaction from the read to the last row, the index's tables held from the start: the
    desk's and a merge's own re-index of a matter waits for it (PostgreSQL: a table lock; SQLite:
    the write lock the first DELETE takes), so no matter is indexed from contents read before
    a change and committed after it, or left without its rows."""
    with transaction.atomic():
        _hold_the_index()
        SimilarGram.objects.all().delete()
        SimilarPosting.objects.all().delete()
        SimilarGramCount.objects.all().delete()
        return _rebuild()


TABLES = (SimilarGram, SimilarPosting, SimilarGramCount)


def _hold_the_index() -> None:
    if connection.vendor == "postgresql":
        tables = ", ".join(model._meta.db_table for model in TABLES)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def _rebuild() -> ReindexResult:
    parts: list[tuple[int, batch.Keys]] = []
    seen: list[npt.NDArray[np.int64]] = []
    counted: list[npt.NDArray[np.int64]] = []
    total = 0
    for base, owners, texts in _contents():
        keys = batch.pair_keys(owners, texts)
        parts.append((base, keys))
        total += len(set(owners))
        pairs, counts = batch.counted(keys % batch.KEY)
        seen.append(pairs)
        counted.append(counts)
    floor = floor_for(total)
    common: dict[int, int] = {}
    distinct = _NONE  # every pair found, sorted
    if seen:
        every = np.concatenate(seen)
        order = np.argsort(every)
        every, times = every[order], np.concatenate(counted)[order]
        starts = np.flatnonzero(np.concatenate(([True], every[1:] != every[:-1])))
        distinct, df = every[starts], np.add.reduceat(times, starts)
        often = df >= floor
        common = dict(zip(distinct[often].tolist(), df[often].tolist(), strict=True))
        del every, times
    del seen, counted
    table = Weights(total=total, token=random.randrange(2, 2**31), common=common)
    lighter = np.array(sorted(table.rank), dtype=np.int64)
    rank = np.array([table.rank[g] for g in lighter.tolist()], dtype=np.int64)
    marks = [(TOTAL, total), (TOKEN, table.token), *table.common.items()]
    _insert(SimilarGramCount._meta.db_table, ("gram", "matters"), marks)
    # each pair's list of matters: the kept (pair, matter)s as one sorted key each, the pair's
    # place among the distinct pairs above the matter id (a sort of int64, not a lexsort)
    keys_ = []
    while parts:
        base, keys = parts.pop(0)
        by, kept = batch.heaviest(keys, lighter, rank, SKETCH_SIZE)
        del keys
        if len(by) and int(by[-1]) + base >= 1 << 32:  # by is sorted
            raise ValueError("a matter id past 2³² does not fit a posting list")
        keys_.append((np.searchsorted(distinct, kept) << 32) | (by + base))
    listed = np.sort(np.concatenate(keys_ or [_NONE]))
    del keys_
    rows = len(listed)
    ids = (listed & 0xFFFFFFFF).astype(ID)
    slots = listed >> 32
    del listed
    starts = np.flatnonzero(np.concatenate(([True], slots[1:] != slots[:-1]))) if rows else _NONE
    ends = np.append(starts[1:], rows)
    postings = (
        (int(distinct[slot]), ids[start:end].tobytes())
        for slot, start, end in zip(
            slots[starts].tolist(), starts.tolist(), ends.tolist(), strict=True
        )
    )
    _insert(SimilarPosting._meta.db_table, ("gram", "matters"), postings)
    return ReindexResult(matters=total, pairs_counted=len(table.common), rows=rows)


def postings(grams: list[int]) -> list[npt.NDArray[np.int64]]:
    """The matters that keep each of `grams` (in its order), sorted and distinct: its list of
    the last re-index together with the rows indexed since (SimilarGram). Stale entries
    included (see the module's docstring)."""
    found: dict[int, npt.NDArray[np.int64]] = {}
    added: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(grams))
        cursor.execute(
            f'SELECT gram, matters FROM "{SimilarPosting._meta.db_table}" WHERE gram IN ({marks})',
            grams,
        )
        for gram, blob in cursor.fetchall():
            found[gram] = np.frombuffer(blob, dtype=ID).astype(np.int64)
        cursor.execute(
            f'SELECT gram, matter_id FROM "{SimilarGram._meta.db_table}" WHERE gram IN ({marks})',
            grams,
        )
        for gram, matter_id in cursor.fetchall():
            added.setdefault(gram, []).append(matter_id)
    lists = []
    for gram in grams:
        listed = found.get(gram, _NONE)
        if gram in added:  # a matter in both once: np.union1d sorts and drops the repeats
            listed = np.union1d(listed, np.array(added[gram], dtype=np.int64))
        lists.append(listed)
    return lists


def kept_pairs() -> set[tuple[int, int]]:
    """Every (matter, pair) the index holds, its lists and its rows together (for tests and
    checks: it reads the whole index)."""
    found = set(SimilarGram.objects.values_list("matter_id", "gram"))
    for gram, blob in SimilarPosting.objects.values_list("gram", "matters"):
        found.update((pk, gram) for pk in np.frombuffer(blob, dtype=ID).tolist())
    return found


def _insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple[int | bytes, ...]]) -> None:
    """Many rows of integers (and bytes): COPY on PostgreSQL, executemany on SQLite."""
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        # sqlite3's own cursor takes the rows as they come, without a Python step per row
        cursor.cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

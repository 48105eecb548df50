"""Fast inserts of many rows: ids taken in one go, then executemany (SQLite) or COPY (PostgreSQL).

We write our own instead of bulk_create because building a million model instances costs
more than the whole import may take (see benchmarks/results/import_ledger.md).
"""

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.db import connection, models
from django.utils import timezone

from xinfang.core.beside import beside
from xinfang.core.sealed_fields import LookupHashField, SealedCharField, hash_fields
from xinfang.core.sealing import ID_PREFIX_LENGTH, ring


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys of `model`; call inside the transaction that inserts them."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the transaction holds the write lock, so nobody takes these ids meanwhile;
        # sqlite_sequence remembers ids of deleted rows, which AUTOINCREMENT never reuses.
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        start = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(start, row[0] if row else 0)
    return list(range(start + 1, start + 1 + count))


def db_datetime_text() -> Callable[[datetime], str]:
    """How this database reads an aware datetime given as text in a raw insert."""
    if connection.vendor == "sqlite":  # as Django stores it: naive UTC
        return lambda value: value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return lambda value: value.astimezone(UTC).isoformat(" ")


@contextmanager
def faster_writes() -> Iterator[None]:
    """A larger SQLite page cache while writing: index pages stay in memory instead of churning."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def sqlite_indexes_set_aside(table: str, *, when: bool = True) -> Iterator[None]:
    """SQLite, inside the transaction that fills `table`: its own indexes (not the primary key's
    nor a UNIQUE constraint's) dropped meanwhile and created again as they were at the end — a
    sorted build instead of a random insert into each index per row, many times faster once an
    index outgrows the page cache. The transaction holds SQLite's write lock from the DROP to the
    commit, and a rollback brings the indexes back. A UNIQUE index created again over duplicate
    rows fails, and with it the transaction (the importer reports an IntegrityError).
    Nothing happens on PostgreSQL (dropping an index would lock the table against readers till
    the commit) or when `when` is false (a small write into a big table: cheaper kept)."""
    if connection.vendor != "sqlite" or not when:
        yield
        return
    if not connection.in_atomic_block:  # a failure would leave the table without its indexes
        raise RuntimeError("sqlite_indexes_set_aside: call inside the transaction that writes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)


def doubles(model: type[models.Model], rows: int) -> bool:
    """Whether `rows` new rows at least double what `model`'s table holds: the bulk imports'
    one rule for rebuilding an index once instead of maintaining it row by row."""
    if rows == 0:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT COUNT(*) FROM (SELECT 1 FROM "{model._meta.db_table}" LIMIT %s) s', [rows + 1]
        )
        stored: int = cursor.fetchone()[0]
    return stored <= rows


@contextmanager
def sqlite_foreign_keys_unchecked() -> Iterator[None]:
    """Like loaddata: SQLite skips its per-row foreign-key lookups; the caller checks the ids.

    Call outside a transaction (inside one, SQLite ignores the switch and keeps checking).
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.constraint_checks_disabled():
        yield


class Inserter:
    """Inserts tuples of `fields` into `model`; every other column gets its default.

    Values of sealed fields (xinfang.core.sealed_fields) are given in clear: they are sealed
    here, and their look-up hashes written beside them, as a model's save would."""

    BATCH = 5000

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        now = timezone.now()
        given = [meta.get_field(name) for name in fields]
        hashes = hash_fields(model)
        at = {name: index for index, name in enumerate(fields)}
        missing = [h.source for h in hashes if h.source not in at]
        if missing:
            raise ValueError(f"{model.__name__}: sealed fields {missing} must be given")
        rest = [
            field
            for field in meta.concrete_fields
            if field.name not in fields and not field.primary_key and field not in hashes
        ]
        self.table = meta.db_table
        self.columns = [f.column for f in [*given, *hashes, *rest]]  # type: ignore[union-attr]
        self.tail = tuple(_default(field, now) for field in rest)
        self.sealed = [at[f.name] for f in given if isinstance(f, SealedCharField)]
        self.hashes = [(at[h.source], h, h.null) for h in hashes]
        # the positions of the values sealed or hashed (what sealed_beside sends its child)
        self.wanted = sorted({*self.sealed, *(i for i, _, _ in self.hashes)})

    def _hashers(self) -> list[tuple[int, Callable[[str | None], str], str | None]]:
        """(position, hash function, what an empty hash is stored as) of each hash field."""
        return [(i, _remembered(field), None if null else "") for i, field, null in self.hashes]

    def _sealed(self, rows: Iterable[tuple[Any, ...]]) -> Generator[tuple[Any, ...], None, None]:
        """Rows with their sealed values sealed and their hashes added, in this process
        (sealed_beside: the same in a child beside the insert)."""
        seals = _SealsAndHashes(self)
        return _merged(self, ((batch, seals(self._wanted_of(batch))) for batch in _batches(rows)))

    def _wanted_of(self, batch: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Each row's values to seal or hash (what sealed_beside sends its child)."""
        wanted = self.wanted
        return [tuple(row[i] for i in wanted) for row in batch]

    def insert(self, rows: Iterable[tuple[Any, ...]], *, expected: int = 0) -> int:
        """Insert `rows`; `expected`: about how many (from SEAL_BESIDE on, sealing and hashing
        run in a second process beside the insert: sealed_beside)."""
        tail = self.tail
        if not self.hashes:
            full: Generator[tuple[Any, ...], None, None] = (row + tail for row in rows)
        elif expected >= SEAL_BESIDE:
            full = sealed_beside(self, rows)
        else:
            full = self._sealed(rows)
        names = ", ".join(f'"{column}"' for column in self.columns)
        done = 0
        # closed however the insert ends: a child sealing beside it stops at once
        with closing(full), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{self.table}" ({names}) FROM STDIN') as copy:
                    for row in full:
                        copy.write_row(row)
                        done += 1
                return done
            marks = ", ".join(["%s"] * len(self.columns))
            sql = f'INSERT INTO "{self.table}" ({names}) VALUES ({marks})'
            while batch := list(islice(full, self.BATCH)):
                cursor.executemany(sql, batch)
                done += len(batch)
        return done


SEAL_BESIDE = 50_000  # rows from which an insert seals them in a second process


def sealed_beside(
    inserter: Inserter, rows: Iterable[tuple[Any, ...]]
) -> Generator[tuple[Any, ...], None, None]:
    """`inserter._sealed(rows)`, the sealing and hashing done beside the insert, a batch ahead
    (core.beside): only the values to seal or hash cross to the child, and only the sealed
    values and hashes come back."""
    computed = beside(_SealsAndHashes(inserter), _batches(rows), inserter._wanted_of)
    return _merged(inserter, computed)


def _batches(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    found = iter(rows)
    return iter(lambda: list(islice(found, Inserter.BATCH)), [])


def _merged(
    inserter: Inserter, computed: Generator[tuple[list[tuple[Any, ...]], Any], None, None]
) -> Generator[tuple[Any, ...], None, None]:
    """Each row of each batch with its sealed values put in place and its hashes and the other
    columns' defaults after it; `computed` closed at once when the caller stops."""
    sealed, tail = inserter.sealed, inserter.tail
    with closing(computed):
        for batch, results in computed:
            for row, (values, hashes) in zip(batch, results, strict=True):
                out = list(row)
                for i, value in zip(sealed, values, strict=True):
                    out[i] = value
                yield (*out, *hashes, *tail)


class _SealsAndHashes:
    """Each row's sealed values and hashes (None and "" stay as they are), from its wanted
    values: the one rule of Inserter._sealed, here or in the child of sealed_beside. The hash
    functions bound once (the ID-prefix memo spans the batches)."""

    def __init__(self, inserter: Inserter) -> None:
        self.inserter = inserter
        self.bound: tuple[Any, ...] | None = None

    def __call__(self, batch: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], ...]]:
        if self.bound is None:
            at = {column: place for place, column in enumerate(self.inserter.wanted)}
            hashed = [(at[i], f, none) for i, f, none in self.inserter._hashers()]
            self.bound = (ring().seal, [at[i] for i in self.inserter.sealed], hashed)
        seal_one, sealed, hashed = self.bound
        return [
            (
                tuple(seal_one(row[i]) if row[i] else row[i] for i in sealed),
                tuple(hash_of(row[i]) or none for i, hash_of, none in hashed),
            )
            for row in batch
        ]


def _remembered(field: LookupHashField) -> Callable[[str | None], str]:
    """The field's hash function; for an ID prefix, remembering the hash of each ASCII prefix
    (many people share their first 10–14 characters: an HMAC each otherwise). Local to one
    insert and capped; full numbers and phones are never kept."""
    hash_of = field.hasher()
    name, extra = field.KINDS[field.kind]
    if name != "id_prefix":
        return hash_of
    length = extra[0] if extra else ID_PREFIX_LENGTH
    memo: dict[str, str] = {}

    def remembered(value: str | None) -> str:
        if not value or not (value.isascii() and value.isalnum()):
            return hash_of(value)
        key = value[:length].upper()
        found = memo.get(key)
        if found is None:
            if len(memo) >= 100_000:
                memo.clear()
            found = memo[key] = hash_of(value)
        return found

    return remembered


def _default(field: Any, now: datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value: Any = now
    elif field.has_default():
        value = field.get_default()
    elif field.null:
        value = None
    elif field.blank and isinstance(field, models.CharField | models.TextField):
        value = ""
    else:
        raise ValueError(f"{field.model.__name__}.{field.name}: no value and no default")
    return field.get_db_prep_save(value, connection)

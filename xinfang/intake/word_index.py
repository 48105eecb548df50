"""The word index of the registrations' content: which registrations may hold a word, at once.

The grams of xinfang.intake.grams (every character, every pair of neighbouring characters, and
the 4-grams of runs of ASCII letters and digits):
- PostgreSQL: a GIN index on xf_grams(content) COLLATE "C", a text[] computed by an IMMUTABLE SQL
  function (`pg_grams`: the one spelling of it, which a query must repeat to use the index).
  An expression index keeps itself current on every INSERT, UPDATE and COPY.
- SQLite: an FTS5 table (tokenize 'ascii', one token per gram) over a view that gives each
  registration's gram text, kept current by triggers on INSERT, UPDATE OF content and DELETE.
  The view and the triggers call xf_gram_text, a Python function each connection registers
  (register_sqlite_function): a program without it (the sqlite3 shell) can read the database
  but cannot write registrations.

`HasGrams(word)` filters registrations to those holding every gram of the word: a superset of
those holding the word, so a search ANDs it with the content check (LIKE).
"""

from collections.abc import Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F
from django.db.models.sql.compiler import SQLCompiler

from xinfang.core.beside import beside
from xinfang.intake import grams

TABLE = "intake_registration"
PG_INDEX = "intake_registration_grams"
FTS = "intake_registration_grams"  # the SQLite FTS5 table
FTS_VIEW = "intake_registration_gram_text"
SQLITE_FUNCTION = "xf_gram_text"
SQLITE_TRIGGERS = ("intake_grams_ins", "intake_grams_del", "intake_grams_upd")


def pg_grams(content: str) -> str:
    """PostgreSQL: the indexed expression of the SQL `content`. COLLATE "C": GIN compares grams
    byte by byte, a third less of its build than under a locale's collation (0024)."""
    return f'({grams.GRAMS_FUNCTION}({content}) COLLATE "C")'


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created: the gram text function the SQLite view and triggers call."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 1, grams.gram_text, deterministic=True
        )


def _sqlite_triggers() -> list[str]:
    insert = f"INSERT INTO {FTS}(rowid, grams) VALUES (new.id, {SQLITE_FUNCTION}(new.content));"
    delete = (
        f"INSERT INTO {FTS}({FTS}, rowid, grams) "
        f"VALUES ('delete', old.id, {SQLITE_FUNCTION}(old.content));"
    )
    return [
        f"CREATE TRIGGER IF NOT EXISTS intake_grams_ins AFTER INSERT ON {TABLE} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS intake_grams_del AFTER DELETE ON {TABLE} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS intake_grams_upd AFTER UPDATE OF content ON {TABLE} "
        f"BEGIN {delete} {insert} END",
    ]


def install(conn: BaseDatabaseWrapper, *, build: bool) -> None:
    """Create the index (PostgreSQL: function and index; SQLite: view, FTS5 table, triggers);
    `build`: fill it from the registrations already stored (SQLite; PostgreSQL always builds).
    One transaction: a failure leaves no half-filled index that `installed` would call whole."""
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(grams.GRAMS_FUNCTION_SQL)
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} "
                f"USING gin ({pg_grams('content')})"
            )
            return
        cursor.execute(
            f"CREATE VIEW IF NOT EXISTS {FTS_VIEW} AS "
            f"SELECT id, {SQLITE_FUNCTION}(content) AS grams FROM {TABLE}"
        )
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(grams, "
            f"content='{FTS_VIEW}', content_rowid='id', tokenize='ascii', detail='none')"
        )
        for sql in _sqlite_triggers():
            cursor.execute(sql)
        if build:
            _sqlite_fill(cursor, after=0)


def uninstall(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {grams.GRAMS_FUNCTION}(text)")
            return
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
        cursor.execute(f"DROP VIEW IF EXISTS {FTS_VIEW}")


def installed(conn: BaseDatabaseWrapper) -> bool:
    """Whether the index and (SQLite) all its triggers exist."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT COUNT(*) FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
            return bool(cursor.fetchone()[0] == 1)
        names = [FTS, *SQLITE_TRIGGERS]
        marks = ", ".join("%s" for _ in names)
        cursor.execute(f"SELECT COUNT(*) FROM sqlite_master WHERE name IN ({marks})", names)
        return bool(cursor.fetchone()[0] == len(names))


def rebuild(conn: BaseDatabaseWrapper) -> None:
    """Build the index again from every registration (xinfang rebuild-word-index)."""
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(grams.GRAMS_FUNCTION_SQL)  # the tokeniser as this version has it
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_BUILD_MEMORY}'")
            cursor.execute(f"REINDEX INDEX {PG_INDEX}")
        else:
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('delete-all')")
            _sqlite_fill(cursor, after=0)


FILL_BATCH = 20000  # registrations read, tokenised and inserted together
FILL_HASH_BYTES = 64 << 20  # FTS5's memory for pending grams while filling (its default: 1 MB)


def _sqlite_fill(cursor: Any, *, after: int) -> None:
    """Insert the grams of every registration with an id above `after` into the FTS5 table, in id
    order (what the insert trigger does a row at a time): tokenised a batch at a time with numpy
    (grams.gram_texts), and with room for 64 MB of pending grams, so FTS5 writes a few large
    segments instead of merging hundreds of small ones (a third less of its time at 200,000)."""
    cursor.execute(f"SELECT v FROM {FTS}_config WHERE k = 'hashsize'")
    row = cursor.fetchone()
    before = row[0] if row else 1 << 20
    cursor.execute(f"INSERT INTO {FTS}({FTS}, rank) VALUES ('hashsize', %s)", [FILL_HASH_BYTES])
    try:
        _sqlite_fill_batches(cursor, after)
    finally:
        cursor.execute(f"INSERT INTO {FTS}({FTS}, rank) VALUES ('hashsize', %s)", [before])


def _sqlite_fill_batches(cursor: Any, after: int) -> None:

    def batches() -> Iterator[list[tuple[int, str]]]:
        last = after
        while True:
            cursor.execute(
                f"SELECT id, content FROM {TABLE} WHERE id > %s ORDER BY id LIMIT %s",
                [last, FILL_BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def contents(rows: list[tuple[int, str]]) -> list[str]:
        return [row[1] for row in rows]

    cursor.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE id > %s", [after])
    if cursor.fetchone()[0] > FILL_BATCH:  # more than one batch: tokenised beside, one ahead
        computed: Generator[tuple[list[tuple[int, str]], list[str]], None, None] = beside(
            grams.gram_texts, batches(), contents
        )
    else:
        computed = ((rows, grams.gram_texts(contents(rows))) for rows in batches())
    with closing(computed):
        for rows, texts in computed:
            cursor.executemany(
                f"INSERT INTO {FTS}(rowid, grams) VALUES (%s, %s)",
                [(row[0], text) for row, text in zip(rows, texts, strict=True)],
            )


# PostgreSQL builds the index anew after a bulk insert with this much memory (its default, 64 MB,
# makes a build of 1,000,000 registrations spill to disk many times over).
PG_BUILD_MEMORY = "1GB"


@contextmanager
def bulk_insert(conn: BaseDatabaseWrapper, rows: int) -> Iterator[None]:
    """Within one transaction, for a caller about to insert `rows` new registrations (and no
    other registration meanwhile): the index is brought up to date once at the end instead of
    a row at a time, from analytics.summary.BULK_ROWS rows on (the bulk imports' one threshold).

    - SQLite: the insert trigger is dropped; at the end the grams of every registration above
      the largest id stored before are inserted into the FTS5 table (_sqlite_fill: what the
      trigger would have inserted row by row, tokenised in batches and taken by FTS5 in id
      order) and the trigger is created again as it was. The
      update and delete triggers stay. This transaction holds SQLite's write lock from the
      DROP to its commit, so no other writer inserts meanwhile.
    - PostgreSQL, when the import at least doubles the registrations: the GIN index is dropped
      and created again at the end (a build sorts its entries in memory: many times faster
      than maintaining the index per row). DROP INDEX locks the table till the commit, so other
      sessions wait for a big first import to finish rather than see it half indexed. A
      smaller import keeps the index (rebuilding the stored rows would cost more).
    Either way nothing is left if the transaction rolls back, and the index then answers as if
    the rows had been inserted one by one (tests/test_word_search.py)."""
    from xinfang.analytics.summary import BULK_ROWS

    if rows < BULK_ROWS:
        yield
        return
    with transaction.atomic(using=conn.alias):
        if conn.vendor == "postgresql":
            with _pg_index_rebuilt(conn, rows):
                yield
            return
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                ["intake_grams_ins"],
            )
            row = cursor.fetchone()
            restore = row[0] if row else ""  # none: the index is not installed here
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {TABLE}")
            last = cursor.fetchone()[0]
            if restore:
                cursor.execute("DROP TRIGGER intake_grams_ins")
        yield
        if restore:
            with conn.cursor() as cursor:
                _sqlite_fill(cursor, after=last)
                cursor.execute(restore)


@contextmanager
def _pg_index_rebuilt(conn: BaseDatabaseWrapper, rows: int) -> Iterator[None]:
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} LIMIT %s) s", [rows + 1])
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
        row = cursor.fetchone()
        restore = row[0] if row and stored <= rows else ""
        if restore:
            cursor.execute(f"DROP INDEX {PG_INDEX}")
    yield
    if restore:
        # PostgreSQL builds no index on a table with checks pending: the foreign keys the
        # rows await at commit are checked now instead (SET CONSTRAINTS ALL IMMEDIATE, then
        # DEFERRED again: Django's own check_constraints)
        conn.check_constraints()
        with conn.cursor() as cursor:
            # till the transaction ends
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_BUILD_MEMORY}'")
            cursor.execute(restore)


def analyze(conn: BaseDatabaseWrapper) -> None:
    """Fresh statistics for the planner after a build (PostgreSQL keeps the grams' frequencies
    for the indexed expression; SQLite's FTS5 table needs none)."""
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")


def candidates(conn: BaseDatabaseWrapper, word: str, limit: int) -> int:
    """How many registrations hold every gram of `word` (a superset of those holding it), up
    to `limit`: read from the index alone, so it costs what `limit` entries cost (SQLite).

    PostgreSQL reads a GIN index's entries for a gram whole before it can stop at `limit` (a
    bitmap: 1,000,000 entries for a gram every registration holds), so its statistics answer
    first: when each gram is among the index's most common elements and in at least `limit`
    registrations by them, `limit` is answered without reading the index — an estimate that
    only decides which way a search goes, never what it finds."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            if _pg_common(cursor, grams.query_grams(word), limit):
                return limit
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {TABLE} WHERE "
                f"{pg_grams('content')} @> %s::text[] LIMIT %s) AS hit",
                [grams.query_grams(word), limit],
            )
        else:
            query = grams.fts_query(word)
            if query is None:  # nothing the index holds: every registration may hold it
                return limit
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %s LIMIT %s)",
                [query, limit],
            )
        return int(cursor.fetchone()[0])


def _pg_common(cursor: Any, query: list[str], limit: int) -> bool:
    """Whether PostgreSQL's statistics of the index's expression (ANALYZE) hold every gram of
    `query` in at least `limit` registrations (most_common_elems: the grams sampled often
    enough; a gram not among them is rarer than the rarest that is, or the statistics are
    missing: False, and the index is read)."""
    if not query:
        return False
    cursor.execute(
        "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
        "FROM pg_stats s JOIN pg_class c ON c.oid = to_regclass(%s) "
        "WHERE s.schemaname = current_schema() AND s.tablename = %s",
        [TABLE, PG_INDEX],
    )
    row = cursor.fetchone()
    if row is None or row[0] is None or row[2] is None or row[2] <= 0:
        return False
    frequency = dict(zip(row[0], row[1], strict=False))  # the freqs end with min, max, nulls
    return all(frequency.get(gram, 0) * row[2] >= limit for gram in query)


class HasGrams(Expression):
    """True for the registrations holding every gram of `word` (a superset of those holding
    the word itself): through the GIN index on PostgreSQL, the FTS5 table on SQLite."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word
        self.content: Any = F("content")
        self.pk: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.content, self.pk]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.content, self.pk = exprs

    def resolve_expression(self, *args: Any, **kwargs: Any) -> "HasGrams":
        clone = self.copy()
        clone.is_summary = kwargs.get("summarize", False)
        clone.content = self.content.resolve_expression(*args, **kwargs)
        clone.pk = self.pk.resolve_expression(*args, **kwargs)
        return clone

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        content, params = compiler.compile(self.content)
        return (
            f"{pg_grams(content)} @> %s::text[]",
            [*params, grams.query_grams(self.word)],
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        query = grams.fts_query(self.word)
        if query is None:  # nothing the index holds: every row may hold it
            return "1 = 1", []
        pk, params = compiler.compile(self.pk)
        return (
            f"{pk} IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s)",
            [*params, query],
        )

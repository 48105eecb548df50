"""The word index of the registrations' content: which registrations may hold a word, at once.

The grams of xinfang.intake.grams (every character and every pair of neighbouring characters):
- PostgreSQL: a GIN index on xf_grams(content), a text[] computed by an IMMUTABLE SQL function.
  An expression index keeps itself current on every INSERT, UPDATE and COPY.
- SQLite: an FTS5 table (tokenize 'ascii', one token per gram) over a view that gives each
  registration's gram text, kept current by triggers on INSERT, UPDATE OF content and DELETE.
  The view and the triggers call xf_gram_text, a Python function each connection registers
  (register_sqlite_function): a program without it (the sqlite3 shell) can read the database
  but cannot write registrations.

`HasGrams(word)` filters registrations to those holding every gram of the word: a superset of
those holding the word, so a search ANDs it with the content check (LIKE).
"""

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F
from django.db.models.sql.compiler import SQLCompiler

from xinfang.intake import grams

TABLE = "intake_registration"
PG_INDEX = "intake_registration_grams"
FTS = "intake_registration_grams"  # the SQLite FTS5 table
FTS_VIEW = "intake_registration_gram_text"
SQLITE_FUNCTION = "xf_gram_text"
SQLITE_TRIGGERS = ("intake_grams_ins", "intake_grams_del", "intake_grams_upd")


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
    `build`: fill it from the registrations already stored (SQLite; PostgreSQL always builds)."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(grams.GRAMS_FUNCTION_SQL)
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} "
                f"USING gin ({grams.GRAMS_FUNCTION}(content))"
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
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


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
    """Build the index again from every registration (xinfang rebuild_word_index)."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"REINDEX INDEX {PG_INDEX}")
        else:
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


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
            f"{grams.GRAMS_FUNCTION}({content}) @> %s::text[]",
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

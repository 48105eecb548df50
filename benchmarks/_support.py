"""Helpers shared by the benchmarks (not a benchmark itself)."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, transaction

ROOT = Path(__file__).resolve().parent.parent


def commit() -> str:
    """The commit a benchmark measures, for its results file (and whether the product's code
    differs from it)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "xinfang")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (
        " (with uncommitted changes)" if changed else ""
    )


@contextmanager
def scratch_reset() -> Iterator[None]:
    """One transaction in which a benchmark puts its scratch database back as built, deleting
    the audit rows its runs wrote — which the audit table's append-only triggers (core.chain)
    refuse otherwise: on PostgreSQL the triggers are off for this transaction only
    (`SET LOCAL session_replication_role = replica`, a superuser's setting), on SQLite the flush
    window of core.chain is open on this connection. Never for a database anyone keeps: the hash
    chain of what remains no longer shows the rows removed."""
    from xinfang.core import chain

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")
            yield
        else:
            with chain.flush_window(connection):
                yield


def raw_insert(cur: Any, table: str, columns: list[str], rows: list[Any]) -> None:
    """Raw INSERTs for speed, stored as the model stores them: sealed fields sealed, their look-up
    hashes computed, and every other column not named given its model default — so a column
    added later (intake_registration.outcome, the sealed phones) does not break the benchmark."""
    from django.apps import apps
    from django.db import connection

    from xinfang.core.sealed_fields import LookupHashField, SealedCharField

    (model,) = [m for m in apps.get_models() if m._meta.db_table == table]
    fields = {f.column: f for f in model._meta.concrete_fields}
    named = [fields[c] for c in columns]
    sealed = [i for i, f in enumerate(named) if isinstance(f, SealedCharField)]
    hashes = [
        (columns.index(fields[f.source].column), f)
        for f in model._meta.concrete_fields
        if isinstance(f, LookupHashField) and f.column not in columns
    ]
    extra = [
        f
        for f in model._meta.concrete_fields
        if f.column not in columns
        and not isinstance(f, LookupHashField)
        and not f.null
        and not f.primary_key
        and (f.has_default() or f.empty_strings_allowed)  # "" for a blank text column
    ]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
    hash_of = [(i, f.hasher(), f.null) for i, f in hashes]

    def stored(row: Any) -> tuple[Any, ...]:
        values = list(row)
        digests = []
        for i, digest, nullable in hash_of:
            value = digest(values[i])
            digests.append(None if value == "" and nullable else value)
        for i in sealed:
            values[i] = named[i].get_db_prep_save(values[i], connection)
        return (*values, *digests, *defaults)

    columns = [*columns, *(f.column for _, f in hashes), *(f.column for f in extra)]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    for start in range(0, len(rows), 20_000):
        cur.executemany(sql, [stored(row) for row in rows[start : start + 20_000]])

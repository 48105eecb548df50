"""Helpers shared by the benchmarks (not a benchmark itself). Importable before Django is set
up (`scratch_setup` runs before it): Django is imported inside the helpers that need it."""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def admin_sql(database_url: str, sql: str, *params: Any) -> Any:
    """`sql` through the server's maintenance database of a PostgreSQL URL (CREATE/DROP DATABASE,
    or a SELECT, whose rows are returned)."""
    import psycopg

    base = database_url.replace("postgres://", "postgresql://").rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        cursor = conn.execute(sql, params or None)
        return cursor.fetchall() if sql.lstrip().upper().startswith("SELECT") else None


@dataclass(frozen=True)
class Scratch:
    """A benchmark's scratch place: a temporary directory (XINFANG_DATA_DIR, and the SQLite
    file) and the database URL Django is set up with."""

    dir: str
    url: str

    @property
    def postgres(self) -> bool:
        return self.url.startswith("postgres")

    @property
    def db_name(self) -> str:
        return self.url.rsplit("/", 1)[1]


def scratch_setup(
    prefix: str,
    database_url: str = "",
    *,
    keep: bool = False,
    create: bool = True,
    data_dir: str = "",
    sqlite_name: str = "bench.sqlite3",
) -> Scratch:
    """Before django.setup(): a temporary directory for XINFANG_DATA_DIR (or `data_dir`, one a
    kept run printed), and the database — `database_url`, or the SQLite file `sqlite_name` in
    the directory. A PostgreSQL database is created afresh (dropped first; not with
    `create=False`, which reuses a kept one). Without `keep`, the directory and the PostgreSQL
    database are removed when the process ends."""
    scratch = data_dir or tempfile.mkdtemp(prefix=prefix)
    Path(scratch).mkdir(parents=True, exist_ok=True)
    if keep:
        print(f"Data kept in {scratch} (and the PostgreSQL database, if any).", file=sys.stderr)
    else:
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    place = Scratch(scratch, database_url or f"sqlite:///{scratch}/{sqlite_name}")
    os.environ["XINFANG_DATA_DIR"] = scratch
    os.environ["DATABASE_URL"] = place.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    if place.postgres and create:
        admin_sql(place.url, f'DROP DATABASE IF EXISTS "{place.db_name}"')
        admin_sql(place.url, f'CREATE DATABASE "{place.db_name}"')
    if place.postgres and not keep:
        # at exit, last registered first: Django's connection closes, then the database goes
        atexit.register(admin_sql, place.url, f'DROP DATABASE IF EXISTS "{place.db_name}"')
        atexit.register(_close_connections)
    return place


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


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
    from django.db import connection, transaction

    from xinfang.core import chain

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")
            yield
        else:
            with chain.flush_window(connection):
                yield


@contextmanager
def clock_scan_reset() -> Iterator[None]:
    """Put a clock-scan benchmark's database back as built: the caller's own rows (disputes …)
    inside the block, then no scans, alerts, notifications, automatic 督办单 (their audit events
    too, which scratch_reset lets go) or supervision on the matters; then fresh statistics."""
    from django.db import connection

    from xinfang.core.models import AuditEvent
    from xinfang.intake.models import Matter
    from xinfang.notifications.models import ClockAlert, ClockScan, Notification
    from xinfang.workflow.models import SupervisionNotice

    with scratch_reset():
        yield
        Notification.objects.all().delete()
        ClockAlert.objects.all().delete()
        ClockScan.objects.all().delete()
        SupervisionNotice.objects.filter(source="clock").delete()
        AuditEvent.objects.filter(action="workflow.supervision_raise").delete()
        Matter.objects.exclude(supervision_level="").update(
            supervision_level="", supervision_started_on=None, supervision_due=None
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def raw_insert(
    cur: Any, table: str, columns: list[str], rows: list[Any], *, copy: bool = False
) -> None:
    """Raw INSERTs for speed, stored as the model stores them: sealed fields sealed, their look-up
    hashes computed, and every other column not named given its model default — so a column
    added later (intake_registration.outcome, the sealed phones) does not break the benchmark.
    `copy` on PostgreSQL: one COPY instead (a statement-level trigger then runs once, as for the
    ledger importer's COPY, not once a row)."""
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
    if copy and connection.vendor == "postgresql":
        with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
            for row in rows:
                out.write_row(stored(row))
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    for start in range(0, len(rows), 20_000):
        cur.executemany(sql, [stored(row) for row in rows[start : start + 20_000]])

"""Helpers shared by the benchmarks (not a benchmark itself)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


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

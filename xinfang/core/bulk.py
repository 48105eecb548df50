"""Many rows updated by id at once, for the jobs that rewrite a column of every row (sealing
personal data, re-sealing it with a new key).

Django's bulk_update writes a CASE WHEN per row and column, and the sealed fields would try to
open the values given to them: this is plain SQL, one statement per batch on PostgreSQL (its
statement triggers fire once per batch, not once per row), a prepared statement run per row on
SQLite (in-process: nothing to save by joining them, and its row triggers fire per row anyway).
"""

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


def update_by_id(
    conn: BaseDatabaseWrapper,
    cursor: Any,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """UPDATE `table` SET `columns` from `rows`, each the new text values then the row's id."""
    if not rows:
        return
    if conn.vendor == "postgresql":
        sets = ", ".join(f'"{c}" = v."{c}"' for c in columns)
        arrays = ", ".join(["%s::bigint[]"] + ["%s::text[]"] * len(columns))
        names = ", ".join(["id"] + [f'"{c}"' for c in columns])
        cursor.execute(
            f'UPDATE "{table}" AS t SET {sets} FROM unnest({arrays}) AS v({names}) '
            "WHERE t.id = v.id",
            [[row[-1] for row in rows]] + [[row[i] for row in rows] for i in range(len(columns))],
        )
        return
    sets = ", ".join(f'"{c}" = %s' for c in columns)
    cursor.executemany(f'UPDATE "{table}" SET {sets} WHERE id = %s', rows)

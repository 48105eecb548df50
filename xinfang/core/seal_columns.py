"""Data migrations that seal the values already stored in columns that become sealed (and that
no search uses, so no look-up hash), and open them again backwards: `operation(table, columns)`.

Raw SQL, in batches by id: the sealed fields would try to open the plain values given here. A
value already sealed is left as it is when sealing, and a plain one when opening, so running
either twice changes nothing.
"""

from collections.abc import Callable, Iterator
from typing import Any

from django.db import migrations

from xinfang.core.bulk import update_by_id
from xinfang.core.sealing import SEALED, seal, unseal

BATCH = 2000


def rows_by_id(cursor: Any, table: str, columns: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """`table`'s id and `columns`, a batch of BATCH rows at a time in id order (resumable)."""
    last = 0
    names = ", ".join(f'"{c}"' for c in columns)
    while True:
        cursor.execute(
            f'SELECT id, {names} FROM "{table}" WHERE id > %s ORDER BY id LIMIT {BATCH}', [last]
        )
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _is_sealed(value: str | None) -> bool:
    return bool(value) and SEALED.match(value or "") is not None


def _rewrite(
    table: str, columns: list[str], change: Callable[[str], str], wanted: Callable[[str], bool]
) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        conn = schema_editor.connection
        with conn.cursor() as cursor:
            for rows in rows_by_id(cursor, table, columns):
                changes = [
                    [change(v) if v and wanted(v) else v for v in values] + [pk]
                    for pk, *values in rows
                    if any(v and wanted(v) for v in values)
                ]
                update_by_id(conn, cursor, table, columns, changes)

    return run


def operation(table: str, columns: list[str]) -> migrations.RunPython:
    """Seal the plain values of `columns` in `table`; backwards, open them."""
    return migrations.RunPython(
        _rewrite(table, columns, lambda v: seal(v) or v, lambda v: not _is_sealed(v)),
        _rewrite(table, columns, lambda v: unseal(v) or v, _is_sealed),
    )

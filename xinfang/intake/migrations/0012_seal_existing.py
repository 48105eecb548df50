"""Seal the phones and ID numbers already stored, and fill their look-up hashes; backwards, open
them again. Raw SQL: the sealed fields would try to open the plain values they are given here.
A value already sealed is left as it is, so running it twice changes nothing.

Each batch of rows is one UPDATE on PostgreSQL (xinfang.core.bulk), and the report summaries'
update trigger is off meanwhile (no summary reads a phone: analytics.summary.update_trigger_off):
row by row, with the trigger firing per statement, a million registrations took many minutes."""

from contextlib import nullcontext
from typing import Any

from django.db import migrations

from xinfang.analytics import summary
from xinfang.core.bulk import update_by_id
from xinfang.core.seal_columns import rows_by_id
from xinfang.core.sealing import SEALED, id_prefix_hash, lookup_hash, seal, unseal


# table: (sealed column, its exact hash, its prefix hash or None), …
TABLES = {
    "intake_petitioner": [
        ("id_number", "id_number_hash", "id_prefix_hash"),
        ("phone", "phone_hash", None),
    ],
    "intake_registration": [("petitioner_phone", "petitioner_phone_hash", None)],
}


def _quiet(connection: Any, table: str, columns: list[str]) -> Any:
    """The summaries' update trigger off while the registrations' phones change."""
    if table == summary.REG:
        return summary.update_trigger_off(connection, columns)
    return nullcontext()


def seal_all(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    for table, specs in TABLES.items():
        written, columns = [], []
        for column, exact, prefix in specs:
            written += [column, exact] + ([prefix] if prefix else [])
            columns.append(column)
        with _quiet(conn, table, written), conn.cursor() as cursor:
            for rows in rows_by_id(cursor, table, columns):
                changes = []
                for pk, *values in rows:
                    if all(not v or SEALED.match(v) for v in values):
                        continue
                    params: list[Any] = []
                    for (_, exact, prefix), value in zip(specs, values, strict=True):
                        plain = unseal(value) if value and SEALED.match(value) else value
                        # NULL, not "", for a person without an ID number (a unique index)
                        none = None if exact == "id_number_hash" else ""
                        params += [seal(plain), lookup_hash(plain) or none]
                        if prefix:
                            params.append(id_prefix_hash(plain))
                    changes.append([*params, pk])
                update_by_id(conn, cursor, table, written, changes)


def open_all(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    for table, specs in TABLES.items():
        columns = [column for column, _, _ in specs]
        with _quiet(conn, table, columns), conn.cursor() as cursor:
            for rows in rows_by_id(cursor, table, columns):
                changes = [
                    [unseal(v) if v and SEALED.match(v) else v for v in values] + [pk]
                    for pk, *values in rows
                    if any(v and SEALED.match(v) for v in values)
                ]
                update_by_id(conn, cursor, table, columns, changes)


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_sealed_personal_data")]

    operations = [migrations.RunPython(seal_all, open_all)]

"""Seal the phones and ID numbers already stored, and fill their look-up hashes; backwards, open
them again. Raw SQL: the sealed fields would try to open the plain values they are given here.
A value already sealed is left as it is, so running it twice changes nothing."""

from typing import Any

from django.db import migrations

from xinfang.core.sealing import SEALED, id_prefix_hash, lookup_hash, seal, unseal

BATCH = 2000

# table: (sealed column, its exact hash, its prefix hash or None), …
TABLES = {
    "intake_petitioner": [
        ("id_number", "id_number_hash", "id_prefix_hash"),
        ("phone", "phone_hash", None),
    ],
    "intake_registration": [("petitioner_phone", "petitioner_phone_hash", None)],
}


def _rows(cursor: Any, table: str, columns: list[str]) -> Any:
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


def seal_all(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        for table, specs in TABLES.items():
            sets, columns = [], []
            for column, exact, prefix in specs:
                sets += [f'"{column}" = %s', f'"{exact}" = %s']
                columns.append(column)
                if prefix:
                    sets.append(f'"{prefix}" = %s')
            sql = f'UPDATE "{table}" SET {", ".join(sets)} WHERE id = %s'
            for rows in _rows(cursor, table, columns):
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
                if changes:
                    cursor.executemany(sql, changes)


def open_all(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        for table, specs in TABLES.items():
            columns = [column for column, _, _ in specs]
            sql = f'UPDATE "{table}" SET {", ".join(f"{c!r} = %s" for c in columns)} WHERE id = %s'
            sql = sql.replace("'", '"')
            for rows in _rows(cursor, table, columns):
                changes = [
                    [unseal(v) if v and SEALED.match(v) else v for v in values] + [pk]
                    for pk, *values in rows
                    if any(v and SEALED.match(v) for v in values)
                ]
                if changes:
                    cursor.executemany(sql, changes)


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_sealed_personal_data")]

    operations = [migrations.RunPython(seal_all, open_all)]

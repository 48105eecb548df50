"""Keyed hashes of the first 11, 12, 13 and 14 characters of every stored ID number, beside the
10 of 0011, so that the desk finds people at each keystroke in SQL (Petitioner.objects.
id_number_starting), and the index by which it walks the most recent matters. Filled from the sealed numbers in batches (raw SQL: one UPDATE per batch on
PostgreSQL); backwards the columns simply go."""

from typing import Any

from django.db import migrations, models

import xinfang.core.sealed_fields
from xinfang.core.bulk import update_by_id
from xinfang.core.seal_columns import rows_by_id
from xinfang.core.sealing import SEALED, id_prefix_hash, unseal

LENGTHS = (11, 12, 13, 14)
COLUMNS = [f"id_prefix{n}_hash" for n in LENGTHS]


def fill(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        for rows in rows_by_id(cursor, "intake_petitioner", ["id_number"]):
            changes = []
            for pk, value in rows:
                if not value:
                    continue
                number = unseal(value) if SEALED.match(value) else value
                changes.append([*(id_prefix_hash(number, n) for n in LENGTHS), pk])
            update_by_id(conn, cursor, "intake_petitioner", COLUMNS, changes)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0018_fill_similar_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="petitioner",
            name="id_prefix11_hash",
            field=xinfang.core.sealed_fields.LookupHashField(
                blank=True, db_index=True, kind="id_prefix_11", source="id_number"
            ),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="id_prefix12_hash",
            field=xinfang.core.sealed_fields.LookupHashField(
                blank=True, db_index=True, kind="id_prefix_12", source="id_number"
            ),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="id_prefix13_hash",
            field=xinfang.core.sealed_fields.LookupHashField(
                blank=True, db_index=True, kind="id_prefix_13", source="id_number"
            ),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="id_prefix14_hash",
            field=xinfang.core.sealed_fields.LookupHashField(
                blank=True, db_index=True, kind="id_prefix_14", source="id_number"
            ),
        ),
        migrations.AddIndex(
            model_name="matter",
            index=models.Index(fields=["last_received_on", "id"], name="matter_recent"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

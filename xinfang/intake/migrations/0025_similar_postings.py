"""The similar-matters index as posting lists: a full re-index writes each character pair's list
of matters as one row (SimilarPosting), SimilarGram keeps what the desk indexes since.

Forwards: the lists filled by a re-index when there are matters (SimilarGram is emptied by it).
Backwards: every (pair, matter) of the lists written back to SimilarGram as rows, except those
of matters that are gone or were indexed again since (their SimilarGram rows are newer), then
the table dropped — the index as the code before this migration reads it."""

from typing import Any

import numpy as np
from django.db import migrations, models


def uncompressed(apps: Any, schema_editor: Any) -> None:
    """PostgreSQL: the lists stored as they are (no compression tried: sorted ids barely
    compress, and a look-up reads up to some megabytes of them)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE intake_similarposting ALTER COLUMN matters SET STORAGE EXTERNAL"
        )


def forwards(apps: Any, schema_editor: Any) -> None:
    if apps.get_model("intake", "Registration").objects.exclude(content="").exists():
        from xinfang.intake.similar.index import reindex

        reindex()


def backwards(apps: Any, schema_editor: Any) -> None:
    rows = apps.get_model("intake", "SimilarGram")
    existing = set(apps.get_model("intake", "Matter").objects.values_list("pk", flat=True))
    newer = set(rows.objects.values_list("matter_id", flat=True).distinct())
    keep = existing - newer
    listed = apps.get_model("intake", "SimilarPosting").objects.values_list("gram", "matters")
    for gram, blob in listed.iterator():
        ids = np.frombuffer(blob, dtype="<u4").tolist()
        rows.objects.bulk_create(
            [rows(gram=gram, matter_id=pk) for pk in ids if pk in keep], batch_size=2000
        )


class Migration(migrations.Migration):
    dependencies = [("intake", "0024_word_index_faster_build")]

    operations = [
        migrations.CreateModel(
            name="SimilarPosting",
            fields=[
                ("gram", models.BigIntegerField(primary_key=True, serialize=False)),
                ("matters", models.BinaryField()),
            ],
            options={
                "verbose_name": "相似事项倒排表",
                "verbose_name_plural": "相似事项倒排表",
            },
        ),
        migrations.RunPython(uncompressed, migrations.RunPython.noop),
        migrations.RunPython(forwards, backwards),
    ]

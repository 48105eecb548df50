"""SQLite: the word index filled again. Its tokeniser (xinfang.intake.grams.gram_text) dropped a
pair ending in a non-ASCII space (U+3000 …) and wrote its first character instead: FTS5's 'ascii'
tokeniser takes those spaces as token characters, so the tokens of such rows change, and the delete
trigger must give the tokens the insert wrote. PostgreSQL: nothing (its grams were right).
Backwards: nothing (the code that runs it is this one)."""

from typing import Any

from django.db import migrations

from xinfang.intake import word_index


def forwards(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor == "sqlite" and word_index.installed(connection):
        word_index.rebuild(connection)


class Migration(migrations.Migration):
    dependencies = [("intake", "0025_similar_postings")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""The word index of the registrations' content (xinfang.intake.grams): on PostgreSQL a GIN index
on the content's grams (an expression index: it keeps itself current); on SQLite an FTS5 table
kept by triggers. Built here for the rows already stored; backwards, dropped."""

from typing import Any

from django.db import migrations

from xinfang.intake import word_index


def forwards(apps: Any, schema_editor: Any) -> None:
    word_index.install(schema_editor.connection, build=True)


def backwards(apps: Any, schema_editor: Any) -> None:
    word_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("intake", "0016_similar_index")]

    operations = [migrations.RunPython(forwards, backwards)]

"""The word index takes the 4-grams of runs of ASCII letters and digits too (xinfang.intake
.grams): PostgreSQL's function replaced and its index built again, SQLite's FTS5 table rebuilt
(where the index is installed; 0022 has put this version's function in place already, 4-grams
and all). Backwards nothing: an index holding more grams than asked for still finds every
registration."""

from typing import Any

from django.db import migrations

from xinfang.intake import word_index


def forwards(apps: Any, schema_editor: Any) -> None:
    if word_index.installed(schema_editor.connection):
        word_index.rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("intake", "0022_faster_grams_function")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

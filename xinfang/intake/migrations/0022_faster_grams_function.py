"""PostgreSQL: the word index's function (xinfang.intake.grams.GRAMS_FUNCTION_SQL) computed in
linear time — the same grams for every text, so the GIN index built on it stays as it is.
Backwards, the earlier body. SQLite: nothing (its tokeniser is Python)."""

from typing import Any

from django.db import migrations

from xinfang.intake import grams

EARLIER = """
CREATE OR REPLACE FUNCTION xf_grams(content text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT substr(t, i, 1) AS g FROM (SELECT translate(content,
        'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS t) s,
      generate_series(1, length(t)) AS i
    UNION ALL
    SELECT substr(t, i, 2) FROM (SELECT translate(content,
        'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS t) s,
      generate_series(1, length(t) - 1) AS i
  ) grams
$$
"""


def _define(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("intake", "0021_person_lookup_indexes")]

    operations = [
        migrations.RunPython(_define(grams.GRAMS_FUNCTION_SQL), _define(EARLIER)),
    ]

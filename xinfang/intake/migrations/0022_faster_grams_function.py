"""PostgreSQL: the word index's function computed in linear time — the same grams for every text,
so the GIN index built on it stays as it is (0023 then adds the 4-grams of today's
xinfang.intake.grams.GRAMS_FUNCTION_SQL and rebuilds). Backwards, the earlier body. SQLite:
nothing (its tokeniser is Python). Both bodies are written out here: a migration keeps meaning
what it meant when it was written."""

from typing import Any

from django.db import migrations

LINEAR = """
CREATE OR REPLACE FUNCTION xf_grams(content text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT unnest(ARRAY[c, c || n]) AS g
    FROM (SELECT string_to_array(translate(content,
        'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), NULL) AS a) s,
      unnest(a, a[2:]) AS u(c, n)
  ) grams WHERE g IS NOT NULL
$$
"""

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
        migrations.RunPython(_define(LINEAR), _define(EARLIER)),
    ]

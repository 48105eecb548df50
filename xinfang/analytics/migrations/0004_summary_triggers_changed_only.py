"""The registrations' update trigger of the report summaries does nothing for an UPDATE that
changes no column a summary reads (sealing, re-sealing with a new key): analytics.summary."""

from typing import Any

from django.db import migrations


def changed_only(apps: Any, schema_editor: Any) -> None:
    from xinfang.analytics import summary

    summary.install(schema_editor.connection)


def every_update(apps: Any, schema_editor: Any) -> None:
    """Back to the triggers of 0003, which worked for every UPDATE (the same figures)."""
    from xinfang.analytics import summary

    summary.install(schema_editor.connection, changed_only=False)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_registrationmonthletter")]

    operations = [migrations.RunPython(changed_only, every_update)]

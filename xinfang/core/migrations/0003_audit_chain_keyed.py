"""The audit chain's hashes become keyed (HMAC-SHA256, xinfang.core.chain): an older chain is
ended with one keyed row, so that it keeps verifying and a later re-hash without the key shows."""

from django.db import migrations


def mark(apps, schema_editor):
    from xinfang.core import chain

    chain.keyed_mark(schema_editor.connection, apps.get_model("core", "AuditEvent"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_chain"),
    ]

    operations = [
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]

"""The similar-matters index of a database upgraded with matters already in it: filled here, so
that the desk, the API and `xinfang similar` answer at once (not only after `xinfang similar
--reindex`). Backwards, emptied (as it was before)."""

from typing import Any

from django.db import migrations

from xinfang.intake.similar import index


def forwards(apps: Any, schema_editor: Any) -> None:
    registrations = apps.get_model("intake", "Registration").objects.all()
    if registrations.exclude(content="").exists():
        index.reindex(registrations)


def backwards(apps: Any, schema_editor: Any) -> None:
    index.clear()


class Migration(migrations.Migration):
    dependencies = [("intake", "0017_registration_grams")]

    operations = [migrations.RunPython(forwards, backwards)]

"""The similar-matters index of a database upgraded with matters already in it: filled here, so
that the desk, the API and `xinfang similar` answer at once (not only after `xinfang similar
--reindex`). Backwards, emptied (as it was before). Since 0025 the re-index writes that
migration's table too, so 0025 fills the index (a database going past both fills it once)."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    """Filled by 0025 (the re-index of today's code writes a table made there)."""


def backwards(apps: Any, schema_editor: Any) -> None:
    apps.get_model("intake", "SimilarGram").objects.all().delete()
    apps.get_model("intake", "SimilarGramCount").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0017_registration_grams")]

    operations = [migrations.RunPython(forwards, backwards)]

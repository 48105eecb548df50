"""Load the nine default document templates; reversing removes the defaults again."""

from django.db import migrations

from xinfang.documents.default_templates import DEFAULT_TEMPLATES


def load(apps, schema_editor):
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    for kind, (title, body, footer) in DEFAULT_TEMPLATES.items():
        DocumentTemplate.objects.get_or_create(
            kind=kind, unit=None, defaults={"title": title, "body": body, "footer": footer}
        )


def unload(apps, schema_editor):
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    DocumentTemplate.objects.filter(unit__isnull=True, kind__in=list(DEFAULT_TEMPLATES)).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

"""The default 受理告知书 and 延期告知书 of databases made before this fix cited 第三十三条
(mediation) for the 60 days and the extension: cite 第三十四条. Templates a bureau rewrote keep
their text unless it still holds the old sentence; reversing restores the old sentence."""

from django.db import migrations

OLD = "根据《信访工作条例》第三十三条的规定"
NEW = "根据《信访工作条例》第三十四条的规定"


def _replace(apps, old: str, new: str) -> None:
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    for template in DocumentTemplate.objects.filter(
        kind__in=["accept", "extension"], body__contains=old
    ):
        template.body = template.body.replace(old, new)
        template.save(update_fields=["body"])


def forward(apps, schema_editor):
    _replace(apps, OLD, NEW)


def backward(apps, schema_editor):
    _replace(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_address_by_number")]

    operations = [migrations.RunPython(forward, backward)]

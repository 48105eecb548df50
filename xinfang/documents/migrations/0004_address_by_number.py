"""The default templates address one petitioner as 你 and several as 你们 ({{ 称谓 }})."""

from django.db import migrations

OLD, NEW = "你（你们）", "{{ 称谓 }}"


def forwards(apps, schema_editor):
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    for template in DocumentTemplate.objects.filter(unit__isnull=True, body__contains=OLD):
        template.body = template.body.replace(OLD, NEW)
        template.save(update_fields=["body"])


def backwards(apps, schema_editor):
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    for template in DocumentTemplate.objects.filter(unit__isnull=True, body__contains=NEW):
        template.body = template.body.replace(NEW, OLD)
        template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_number_per_printed_prefix")]
    operations = [migrations.RunPython(forwards, backwards)]

"""Every re-review hearing recorded before hearings were records becomes one (the pause's dates
stay in MatterWorkflow; the record follows them, xinfang.hearings.sync)."""

from django.db import migrations


def forwards(apps, schema_editor):
    MatterWorkflow = apps.get_model("workflow", "MatterWorkflow")
    Hearing = apps.get_model("hearings", "Hearing")
    have = set(Hearing.objects.filter(stage="rereview").values_list("matter_id", flat=True))
    rows = []
    for flow in MatterWorkflow.objects.filter(hearing_started_on__isnull=False).iterator():
        if flow.matter_id in have:
            continue
        rows.append(
            Hearing(
                matter_id=flow.matter_id,
                stage="rereview",
                status="held" if flow.hearing_ended_on else "in_progress",
                starts_on=flow.hearing_started_on,
                ends_on=flow.hearing_ended_on,
            )
        )
    Hearing.objects.bulk_create(rows, batch_size=1000)


def backwards(apps, schema_editor):
    pass  # the workflow's dates were never touched; the records go with the table


class Migration(migrations.Migration):
    dependencies = [("hearings", "0001_initial"), ("workflow", "0004_backdate_approvals")]
    operations = [migrations.RunPython(forwards, backwards)]

# A reception's 人次 (kept by a trigger), whether a 党政主要领导 received it, and the 交办日期
# stamped by the workflow: the report then counts receptions without reading registrations.

from django.db import migrations, models


FILL = [
    """UPDATE leaders_reception SET people = (
        SELECT g.people FROM intake_registration g WHERE g.id = leaders_reception.registration_id
    )""",
    """UPDATE leaders_reception SET with_principal = EXISTS (
        SELECT 1 FROM leaders_reception_leaders rl
        JOIN leaders_sessionleader sl ON sl.leader_id = rl.leader_id
        WHERE rl.reception_id = leaders_reception.id
          AND sl.session_id = leaders_reception.session_id AND sl.tier = 'principal'
    )""",
    # the matter's first 交办 / 转送 or decision from the session day on
    """UPDATE leaders_reception SET routed_on = (
        SELECT MIN(d) FROM (
            SELECT a.assigned_on AS d FROM workflow_assignment a
            JOIN intake_registration g ON g.matter_id = a.matter_id
            WHERE g.id = leaders_reception.registration_id
            UNION ALL
            SELECT m.decided_on AS d FROM intake_matter m
            JOIN intake_registration g ON g.matter_id = m.id
            WHERE g.id = leaders_reception.registration_id
        ) AS routings
        WHERE d >= (SELECT s.held_on FROM leaders_receptionsession s
                    WHERE s.id = leaders_reception.session_id)
    ) WHERE route_due IS NOT NULL AND routed_on IS NULL""",
]


def forwards(apps, schema_editor):
    from xinfang.leaders import triggers

    with schema_editor.connection.cursor() as cursor:
        for sql in FILL:
            cursor.execute(sql)
    triggers.install(schema_editor.connection)


def backwards(apps, schema_editor):
    from xinfang.leaders import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("leaders", "0001_initial"),
        ("workflow", "0002_workflow_assignments"),
    ]

    operations = [
        migrations.AddField(
            model_name="reception",
            name="people",
            field=models.PositiveIntegerField(default=1, verbose_name="人次"),
        ),
        migrations.AddField(
            model_name="reception",
            name="with_principal",
            field=models.BooleanField(default=False, verbose_name="党政主要领导接待"),
        ),
        migrations.AlterField(
            model_name="reception",
            name="routed_on",
            field=models.DateField(blank=True, null=True, verbose_name="交办日期"),
        ),
        migrations.RunPython(forwards, backwards),
    ]

"""The desk's person look-up from the index alone (selectors.person_matches): a registration's
(petitioner, matter) and (matter, petitioner), which take the place of the foreign keys' own
one-column indexes. The state says the foreign keys are no longer indexed by themselves; the
database drops their indexes by name, as Django made them — not by altering the fields, which
SQLite does by copying the whole table (refused, too, while a view reads it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0020_matter_many_replied"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(fields=["petitioner", "matter"], name="registration_person_matter"),
        ),
        migrations.AddIndex(
            model_name="registration",
            index=models.Index(fields=["matter", "petitioner"], name="registration_matter_person"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="registration",
                    name="matter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="registrations",
                        to="intake.matter",
                        verbose_name="信访事项",
                    ),
                ),
                migrations.AlterField(
                    model_name="registration",
                    name="petitioner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="registrations",
                        to="intake.petitioner",
                        verbose_name="信访人",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS intake_registration_matter_id_aa82480b",
                    "CREATE INDEX intake_registration_matter_id_aa82480b"
                    " ON intake_registration (matter_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS intake_registration_petitioner_id_21e8bb4d",
                    "CREATE INDEX intake_registration_petitioner_id_21e8bb4d"
                    " ON intake_registration (petitioner_id)",
                ),
            ],
        ),
    ]

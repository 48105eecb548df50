"""The ID number typed online and kept for the staff to check becomes a sealed column
(xinfang.core.sealing) and the numbers already stored are sealed; backwards, opened again."""

import xinfang.core.sealed_fields
from django.db import migrations

from xinfang.core import seal_columns


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_query_lock_per_client")]

    operations = [
        migrations.AlterField(
            model_name="portalsubmission",
            name="claimed_id_number",
            field=xinfang.core.sealed_fields.SealedCharField(
                blank=True, max_length=160, verbose_name="待核实身份证号"
            ),
        ),
        seal_columns.operation("portal_portalsubmission", ["claimed_id_number"]),
    ]

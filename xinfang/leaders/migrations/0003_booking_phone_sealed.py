"""A booking's phone becomes a sealed column (xinfang.core.sealing) and the phones already stored
are sealed; backwards, they are opened again before the column narrows."""

import xinfang.core.sealed_fields
from django.db import migrations

from xinfang.core import seal_columns


class Migration(migrations.Migration):
    dependencies = [("leaders", "0002_reception_stored_facts")]

    operations = [
        migrations.AlterField(
            model_name="booking",
            name="phone",
            field=xinfang.core.sealed_fields.SealedCharField(max_length=160, verbose_name="联系电话"),
        ),
        seal_columns.operation("leaders_booking", ["phone"]),
    ]

"""A staff member's phone (where SMS digests go) becomes a sealed column (xinfang.core.sealing)
and the phones already stored are sealed; backwards, opened again."""

import xinfang.core.sealed_fields
from django.db import migrations

from xinfang.core import seal_columns


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_enrolment_code")]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=xinfang.core.sealed_fields.SealedCharField(
                blank=True, max_length=160, verbose_name="手机号码"
            ),
        ),
        seal_columns.operation("accounts_user", ["phone"]),
    ]

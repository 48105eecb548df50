"""`xinfang rebuild-word-index`: build the word index of the registrations' content again from
every registration (xinfang.intake.word_index) — after a bulk load that went around it (a
restore, rows written with the index dropped, SQLite rows written by a program without
Xinfang's trigger function) or an upgrade that changed the tokeniser."""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from xinfang.intake import word_index
from xinfang.intake.models import Registration


class Command(BaseCommand):
    help = (
        "重建反映内容的检索索引（单字、相邻两字、数字字母的四字组）："
        "批量导入或升级之后运行；重建期间登记的写入需等待"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if word_index.installed(connection):
            word_index.rebuild(connection)
        else:  # dropped, or (SQLite) a trigger lost to a table rebuild: made whole and filled
            word_index.install(connection, build=True)
        word_index.analyze(connection)
        rows = Registration.objects.count()
        self.stdout.write(
            f"反映内容检索索引已重建：登记{rows}条，用时{time.monotonic() - started:.1f}秒"
        )

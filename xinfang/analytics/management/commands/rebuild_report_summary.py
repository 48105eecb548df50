"""xinfang rebuild-report-summary: compute the report's monthly summaries from scratch."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from xinfang.analytics import summary


class Command(BaseCommand):
    help = "从全部登记重新计算统计报表的月度汇总表（触发器已随每次写入维护，一般无需运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        summary.install(connection)  # the triggers too, should a table rebuild have dropped them
        for table, rows in summary.rebuild(connection).items():
            self.stdout.write(f"{table}: {rows}")

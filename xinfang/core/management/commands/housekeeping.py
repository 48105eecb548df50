"""xinfang housekeeping: expired sessions and idempotency keys removed, the audit anchor logged."""

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.core import housekeeping


class Command(BaseCommand):
    help = (
        "日常清理：删除过期会话和过期的接口幂等键，并把审计链最新哈希写入日志（期限扫描后自动运行）"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(housekeeping.summary(housekeeping.daily()))

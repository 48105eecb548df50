"""xinfang scan-clocks [--today YYYY-MM-DD] [--enqueue]: the clock scan, now or on the queue."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.workflow import tasks


class Command(BaseCommand):
    help = "期限扫描：预警、超期、自动督办和提醒（可重复运行，不会重复提醒）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按此日期扫描（YYYY-MM-DD），默认今天")
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台任务队列，由 db_worker 执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: date | None = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        if options["enqueue"]:
            result = tasks.scan_clocks.enqueue(today.isoformat() if today else None)
            self.stdout.write(f"期限扫描已放入后台任务队列（任务 {result.id}）")
            return
        self.stdout.write(tasks.run_daily(today).summary())

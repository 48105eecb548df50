"""`xinfang calendar-year YEAR FILE`: enter a year's holiday arrangement from the server, as
系统管理 → 节假日安排 does (the same reader and the same audited save), e.g. for a fresh install."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.errors import InputError
from xinfang.core.permissions import SYSTEM
from xinfang.workflow.calendar_entry import EXAMPLE, calendar_year_save, parse_year_text
from xinfang.workflow.models import CalendarYear, DayKind


class Command(BaseCommand):
    help = (
        "录入一年的节假日安排（与系统管理“节假日安排”相同的格式："
        "每行 日期或起日~止日 名称 休/班）。"
        f"文件示例：\n{EXAMPLE}"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("year", type=int, help="年份，如 2027")
        parser.add_argument("file", help="节假日安排文件（UTF-8 文本）")
        parser.add_argument("--note", default="", help="依据与说明，如国务院办公厅通知的名称")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        try:
            text = Path(options["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件：{exc}") from exc
        existing = CalendarYear.objects.filter(year=year).first()
        try:
            days = parse_year_text(text, year)
            saved = calendar_year_save(
                actor=SYSTEM, year=year, days=days, note=options["note"], calendar_year=existing
            )
        except InputError as exc:
            raise CommandError(exc.message) from exc
        verb = "已更新" if existing is not None else "已录入"
        off = sum(1 for d in days if d.kind == DayKind.HOLIDAY)
        self.stdout.write(
            f"{verb}{saved.year}年节假日安排：{off}天放假，{len(days) - off}天调休上班。"
        )

"""`xinfang export-meetings FILE`: the 会议台账, .csv or .xlsx, in the format its importer reads."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.casework.meeting_file import export_meetings
from xinfang.core.commandline import command_actor
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action


class Command(BaseCommand):
    help = "导出会议台账（按文件扩展名写CSV或.xlsx），格式与 import-meetings 相同"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="导出文件（.csv 或 .xlsx）")
        parser.add_argument("--user", help="以该用户的身份导出（只导出其可见的内容）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.EXPORT_LEDGER)
        path = Path(options["file"])
        try:
            count = export_meetings(path, actor=actor)
        except (XinfangError, OSError) as exc:
            raise CommandError(getattr(exc, "message", None) or f"无法写入 {path}：{exc}") from exc
        self.stdout.write(f"已导出{count}行会议台账到 {path}")

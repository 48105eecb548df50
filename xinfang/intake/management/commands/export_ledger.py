"""`xinfang export-ledger FILE`: every registration as a ledger (台账) file, .csv or .xlsx."""

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.commandline import command_actor, end_progress, progress_printer
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action
from xinfang.intake.ledger.exporter import ledger_export


class Command(BaseCommand):
    help = "导出台账（按文件扩展名写CSV或.xlsx），格式与导入相同；含个人信息，导出会记入审计"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="导出文件（.csv 或 .xlsx）")
        parser.add_argument("--user", help="以该用户的身份导出（只导出其可见的事项）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.EXPORT_LEDGER)
        path = Path(options["file"])
        progress = progress_printer(sys.stderr)
        try:
            count = ledger_export(actor=actor, path=path, progress=progress)
        except (XinfangError, OSError) as exc:
            end_progress(sys.stderr)
            raise CommandError(getattr(exc, "message", None) or f"无法写入 {path}：{exc}") from exc
        end_progress(sys.stderr)
        self.stdout.write(f"已导出{count}条登记到 {path}")

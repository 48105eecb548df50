"""`xinfang export-handed-down FILE`: the 交办积案清单 (.csv or .xlsx), as its importer reads it."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.casework.ledger import export_handed_down
from xinfang.core.commandline import command_actor
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action


class Command(BaseCommand):
    help = "导出交办积案清单（按文件扩展名写CSV或.xlsx），格式与 import-handed-down 相同"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="导出文件（.csv 或 .xlsx）")
        parser.add_argument("--user", help="以该用户的身份导出（只导出其可见的内容）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.EXPORT_LEDGER)
        path = Path(options["file"])
        try:
            count = export_handed_down(path, actor=actor)
        except (XinfangError, OSError) as exc:
            raise CommandError(getattr(exc, "message", None) or f"无法写入 {path}：{exc}") from exc
        self.stdout.write(f"已导出{count}行交办积案清单到 {path}")

"""`xinfang import-meetings FILE`: meetings held (会议台账: 联席会议, 会办会), checked whole."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.casework.meeting_file import import_meetings
from xinfang.core.commandline import command_actor, refuse
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action
from xinfang.intake.ledger.importer import LedgerRejectedError


class Command(BaseCommand):
    help = (
        "导入会议台账（CSV或.xlsx）：每行一次联席会议、会办会或专题会；"
        "先检查全部内容，有错则整份不导入并列出每个错误单元格"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="会议台账（.csv 或 .xlsx）")
        parser.add_argument(
            "--partial", action="store_true", help="只导入正确的行，有错的行写入退回文件"
        )
        parser.add_argument("--rejects", help="退回文件（默认：文件名加 .rejects.csv）")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--org", help="新设联席会议的牵头单位编码（默认：组织树的根）")
        parser.add_argument("--user", help="以该用户的身份导入（默认：系统）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.IMPORT_LEDGER)
        if options["rejects"] and not options["partial"]:
            raise CommandError("--rejects 只能与 --partial 一起使用")
        try:
            result = import_meetings(
                Path(options["file"]),
                actor=actor,
                org=options["org"],
                partial=options["partial"],
                rejects_path=Path(options["rejects"]) if options["rejects"] else None,
                dry_run=options["dry_run"],
            )
        except LedgerRejectedError as exc:
            raise refuse(self.stderr, exc.problems, exc.message) from exc
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        for problem in result.problems:
            self.stderr.write(str(problem))
        self.stdout.write(result.text())

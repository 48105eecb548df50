"""`xinfang import-ledger FILE`: check a ledger (台账) whole, then import it (contract A)."""

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.commandline import command_actor, end_progress, progress_printer, refuse
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action
from xinfang.intake.ledger.importer import LedgerRejectedError, ledger_import


class Command(BaseCommand):
    help = "导入台账（CSV或.xlsx）：先检查全部内容，有错则整份不导入并列出每个错误单元格"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="台账文件（.csv 或 .xlsx）")
        parser.add_argument(
            "--partial", action="store_true", help="只导入正确的行，有错的行写入退回文件"
        )
        parser.add_argument("--rejects", help="退回文件（默认：台账文件名加 .rejects.csv）")
        parser.add_argument(
            "--update", action="store_true", help="登记编号已存在且内容不同时，按文件更新"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--user", help="以该用户的身份导入（默认：服务器操作员）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.IMPORT_LEDGER)
        if options["rejects"] and not options["partial"]:
            raise CommandError("--rejects 只能与 --partial 一起使用")
        progress = progress_printer(sys.stderr)
        try:
            summary = ledger_import(
                actor=actor,
                path=Path(options["file"]),
                partial=options["partial"],
                rejects_path=Path(options["rejects"]) if options["rejects"] else None,
                update=options["update"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except LedgerRejectedError as exc:
            end_progress(sys.stderr)
            raise refuse(self.stderr, exc.problems, exc.message) from exc
        except XinfangError as exc:
            end_progress(sys.stderr)
            raise CommandError(exc.message) from exc
        end_progress(sys.stderr)
        for problem in summary.problems:  # partial mode: the rows left out, and why
            self.stderr.write(str(problem))
        self.stdout.write(summary.text())

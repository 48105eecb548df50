"""`xinfang import-org FILE`: load or update the organisation tree (contract A2)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.commandline import command_actor, refuse
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action
from xinfang.organisation.importer import OrgFileRejectedError, org_import


class Command(BaseCommand):
    help = "导入或更新组织机构（CSV或.xlsx：编码、名称、上级编码、类型），行序不限"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="组织机构文件（.csv 或 .xlsx）")
        parser.add_argument("--user", help="以该用户的身份导入（默认：服务器操作员）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.MANAGE_ORGANISATION)
        try:
            summary = org_import(actor=actor, path=Path(options["file"]))
        except OrgFileRejectedError as exc:
            raise refuse(self.stderr, exc.problems, exc.message) from exc
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(summary.text())

"""`xinfang apply-merges FILE [--user U]`: merge the groups marked in a reviewed propose-merges
file (xinfang.workflow.merge_file): the whole file checked first, then every marked group
merged through the workflow service in one transaction, each merge audited; `xinfang unmerge`
undoes one."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from xinfang.core.commandline import command_actor, refuse
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action
from xinfang.workflow.merge_file import apply_marked


class Command(BaseCommand):
    help = (
        "按审核后的 propose-merges 文件合并标为“合并”的各组事项"
        "（先检查整个文件，有误则不做任何更改）"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="审核后的CSV文件（或另存的.xlsx）")
        parser.add_argument("--user", help="以该用户的身份合并")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.MERGE_MATTERS)
        path = Path(options["file"])
        try:
            results = apply_marked(path, actor=actor)
        except XinfangError as exc:
            raise refuse(self.stderr, exc.message.splitlines(), "文件有误，未合并任何事项") from exc
        absorbed = sum(len(result.merges) for result in results)
        for result in results:
            numbers = "、".join(merge.absorbed_number for merge in result.merges)
            self.stdout.write(f"{numbers} 并入 {result.kept.number}")
        self.stdout.write(
            f"已合并{len(results)}组，{absorbed}件事项并入保留事项（纯件数减少{absorbed}件）；"
            "撤销某一合并：xinfang unmerge 并入的事项编号"
        )

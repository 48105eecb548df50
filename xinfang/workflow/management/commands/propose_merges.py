"""`xinfang propose-merges FILE [--user U]`: the matters of the history that look like one matter,
in groups with their evidence, written to FILE for a person to review (nothing is merged here;
`xinfang apply-merges FILE` merges the groups the reviewer marked)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.commandline import command_actor
from xinfang.core.permissions import Action
from xinfang.intake.similar.index import reindex
from xinfang.intake.similar.repeats import propose_groups
from xinfang.workflow.merge_file import write_proposals


class Command(BaseCommand):
    help = (
        "列出历史数据中看似同一事项的各组事项（纯件数偏高的原因），每组附依据，写入CSV文件供人工"
        "审核；不合并任何事项"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="写入的CSV文件（UTF-8，可用Excel打开）")
        parser.add_argument("--user", help="以该用户的身份查找（只列其可合并的事项）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["user"], Action.MERGE_MATTERS)
        path = Path(options["file"])
        # an import does not keep the index: the history is compared as it stands now
        reindex()
        groups = propose_groups(actor=actor)
        try:
            rows = write_proposals(path, groups)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {path}：{exc.strerror}") from exc
        matters = sum(len(group.members) - 1 for group in groups)
        blocked = sum(1 for group in groups if group.problems)
        self.stdout.write(
            f"找到{len(groups)}组看似同一事项的事项（共{rows}件；全部合并则纯件数减少{matters}件），"
            f"已写入 {path}。"
            + (f"其中{blocked}组按现有规则不能合并（见该组保留事项的“说明”）。" if blocked else "")
            + "\n请逐组审核：要合并的组，在该组各行的“合并”一栏填“是”"
            "（不合并的事项留空），“保留”一栏标出保留的事项；然后运行 "
            f"xinfang apply-merges {path}"
        )

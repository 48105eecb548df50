"""`xinfang audit verify` and `xinfang audit anchor`: the audit history's hash chain."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.core import chain


class Command(BaseCommand):
    help = "审计记录哈希链：verify 从头校验整条链，指出第一条不符的记录；anchor 把最新哈希写入日志"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("verify", help="校验整条审计链（不符时退出码非零）")
        sub.add_parser("anchor", help="把最新一条审计记录的哈希写入日志（每日锚点）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "anchor":
            pk, digest = chain.anchor()
            self.stdout.write(f"审计链锚点：最新记录 {pk or '无'}，哈希 {digest or '无'}")
            return
        checked = chain.verify()
        if checked.broken is not None:
            raise CommandError(
                f"审计链断裂：{checked.broken}。此前 {checked.rows} 条记录完好"
                f"（最后一条完好记录 {checked.last_id or '无'}）"
            )
        self.stdout.write(
            f"审计链完好：共 {checked.rows} 条记录，最新记录 {checked.last_id or '无'}，"
            f"哈希 {checked.last_hash or '无'}"
        )

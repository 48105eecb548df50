"""xinfang rotate-data-key: re-seal stored phones and ID numbers with the newest data key."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.core import rekey
from xinfang.core.commandline import progress_printer
from xinfang.core.sealing import KEYS_VARIABLE, SealingError, keys_derived, new_key


class Command(BaseCommand):
    help = (
        f"用 {KEYS_VARIABLE} 的第一个（最新）密钥重新加密已存的电话和身份证号；"
        "分批提交，中断后再运行即从未完成处继续，重复运行不改变任何数据"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="每批行数（默认2000）")
        parser.add_argument(
            "--new-key", action="store_true", help="只打印一个新的随机密钥（不改动数据）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        if options["batch"] < 1:
            raise CommandError("--batch 须为正整数")
        if keys_derived():
            self.stderr.write(
                f"注意：未设置 {KEYS_VARIABLE}，使用由 SECRET_KEY 推出的开发密钥（仅供开发和演示）"
            )
        try:
            result = rekey.rotate(batch=options["batch"], progress=progress_printer(sys.stderr))
        except SealingError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        # each table named as its model is (信访人, 接访预约, 用户…): the models list them once
        names = {m._meta.db_table: str(m._meta.verbose_name) for m, _ in rekey.sealed_columns()}
        for table, counts in result.items():
            old = "，".join(f"{kid} {n}" for kid, n in sorted(counts.old_keys.items()))
            self.stdout.write(
                f"{names.get(table, table)}：重新加密 {counts.resealed} 个值"
                + (f"（旧密钥 {old}）" if old else "")
                + f"，已是最新密钥 {counts.current} 个，空值 {counts.empty} 个"
            )
        if all(not counts.resealed for counts in result.values()):
            self.stdout.write("所有值都已用最新密钥加密：旧密钥可以从列表中删去")
        else:
            self.stdout.write("完成：所有值现已用最新密钥加密，旧密钥可以从列表中删去")

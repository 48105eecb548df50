"""`xinfang similar [--top N] [--user U] [--all]`: petitions as JSON lines in, their most similar
matters as JSON lines out — the look-up of the registrar's desk (xinfang.intake.similar.lookup).
`xinfang similar --reindex` rebuilds the index whole."""

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.commandline import command_actor
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import Action
from xinfang.intake.similar.index import reindex
from xinfang.intake.similar.lookup import Scope, probe_from, similar_matters


class Command(BaseCommand):
    help = (
        "相似事项：从标准输入逐行读入JSON（content、name、phone、id_number、address、place、"
        "category，均可缺），每行输出一行JSON：最相似的事项、0–1的相似度和理由"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--top", type=int, default=5, help="每条列出的事项数（默认5）")
        parser.add_argument("--user", help="以该用户的身份查找（只找其可见的事项）")
        parser.add_argument(
            "--all", action="store_true", help="在全部历史中查找（默认：在办和近期的事项）"
        )
        parser.add_argument(
            "--reindex", action="store_true", help="重建相似事项索引（重新统计字对频次）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reindex"]:
            result = reindex()
            self.stdout.write(
                f"相似事项索引已重建：事项{result.matters}件，索引{result.rows}行，"
                f"常见字对{result.pairs_counted}个"
            )
            return
        if not 1 <= options["top"] <= 100:
            raise CommandError("--top 应为1到100之间的整数")
        actor = command_actor(options["user"], Action.VIEW_MATTER)
        scope = Scope.ALL if options["all"] else Scope.DESK
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            self.stdout.write(
                json.dumps(
                    self._one(actor, line, number, scope, options["top"]), ensure_ascii=False
                )
            )

    def _one(self, actor: Any, line: str, number: int, scope: Scope, top: int) -> dict[str, Any]:
        try:
            data = json.loads(line)
        except ValueError:
            return {"line": number, "error": "不是一行JSON"}
        if not isinstance(data, dict):
            return {"line": number, "error": "每行应为一个JSON对象"}
        try:
            probe = probe_from(data)
            found = similar_matters(actor=actor, probe=probe, top=top, scope=scope, where="command")
        except XinfangError as exc:
            return {"line": number, "error": exc.message}
        return {"line": number, "matches": [match.as_json() for match in found]}

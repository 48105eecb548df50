"""`xinfang suggest`: one petition per line as JSON in, the top categories and units out.

Input lines are those of `xinfang similar` ({"content", "name", "phone", "id_number", "place",
"category"}, any may be missing; only the content and the place are read here). Each output line:
{"categories": [{"id", "name", "confidence"}, …], "units": [...], "source": "model"|"rules"|"none"}.
"""

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.intake.suggestions import TOP, suggest


def petition_text(petition: dict[str, Any]) -> str:
    """What the suggestion reads: the content, and the place when one is given."""
    return " ".join(str(petition.get(k) or "") for k in ("content", "place")).strip()


class Command(BaseCommand):
    help = "读取每行一个 JSON 的信访内容，输出建议的内容分类和责任单位（各前三位及置信度）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="输入文件（默认标准输入）")
        parser.add_argument("--top", type=int, default=TOP, help="每项输出前几位（默认3）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            with Path(options["file"]).open(encoding="utf-8") as source:
                self.answer(source, options["top"])
        else:
            self.answer(sys.stdin, options["top"])

    def answer(self, source: Iterable[str], top: int) -> None:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                petition = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CommandError(f"第{number}行不是 JSON：{exc.msg}") from exc
            if not isinstance(petition, dict):
                raise CommandError(f"第{number}行应为 JSON 对象")
            out = suggest(petition_text(petition), top=max(top, 1)).as_dict()
            out.pop("trained_at")
            self.stdout.write(json.dumps(out, ensure_ascii=False))

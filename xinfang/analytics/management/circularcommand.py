"""What `xinfang leader-circular` and `xinfang dispute-circular` share: a month's circular of a
unit (--month, --org, --format, --output, --issue-no), refused in Chinese, written as Word, JSON
or text."""

import json
from argparse import ArgumentParser
from pathlib import Path
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.analytics.counting.scope import org_for_report
from xinfang.core.errors import XinfangError
from xinfang.leaders.circular import parse_month

FORMATS = ("docx", "json", "text")


class CircularCommand(BaseCommand):
    """Subclasses name the module of their circular, which has `build_circular` (the figures),
    `circular_docx` (the Word file) and `render_circular_text` (the text)."""

    circular: ModuleType

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Checked in handle(), so that a missing or bad value is refused in Chinese.
        parser.add_argument("--month", help="月份，例如 2026-03")
        parser.add_argument("--org", help="单位编码、名称或简称（默认：组织机构的顶级单位）")
        parser.add_argument("--format", default="docx", help="docx（默认）、json 或 text")
        parser.add_argument("--output", help="输出文件（docx 必填；json、text 默认输出到标准输出）")
        parser.add_argument("--issue-no", help="期号（默认留【待填写】）")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = (options["format"] or "").lower()
        if fmt not in FORMATS:
            raise CommandError(f"格式“{options['format']}”无效，应为 docx、json 或 text")
        if not options["month"]:
            raise CommandError("请用 --month 指定月份，例如 2026-03")
        output = Path(options["output"]) if options["output"] else None
        if fmt == "docx" and output is None:
            raise CommandError("docx 格式须用 --output 指定输出文件")
        issue = options["issue_no"]
        if issue is not None and not (issue.isascii() and issue.isdigit() and int(issue) > 0):
            raise CommandError(f"期号“{issue}”无效，应为正整数")
        try:
            month = parse_month(options["month"])
            org = org_for_report(options["org"])
            result = self.circular.build_circular(
                org=org, month=month, issue_no=int(issue) if issue else None
            )
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        try:
            if fmt == "docx":
                assert output is not None
                output.write_bytes(self.circular.circular_docx(result))
                return
            content = (
                json.dumps(result, ensure_ascii=False, indent=2) + "\n"
                if fmt == "json"
                else self.circular.render_circular_text(result)
            )
            if output is None:
                self.stdout.write(content, ending="")
            else:
                output.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}：{exc.strerror}") from exc

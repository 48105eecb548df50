"""`xinfang briefing`: the 信访工作简报 draft of a unit for a period, as JSON, prose or Word."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.analytics.briefing import briefing_docx, build_briefing, render_briefing_text
from xinfang.analytics.counting import org_for_report
from xinfang.analytics.management.commands.report import COMPARISONS
from xinfang.analytics.periods import Period, parse_day
from xinfang.core.errors import XinfangError

FORMATS = ("json", "text", "docx")
MAX_ISSUE_NO = 9999


class Command(BaseCommand):
    help = "信访工作简报：总体情况、新出现的热点、超期未办结事项、需要督办的单位，下步工作待填写"

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Checked in handle(), so that a missing or bad value is refused in Chinese.
        parser.add_argument("--start", help="开始日期 YYYY-MM-DD（含）")
        parser.add_argument("--end", help="结束日期 YYYY-MM-DD（含）")
        parser.add_argument("--org", help="单位编码（默认：组织机构的顶级单位）")
        parser.add_argument("--format", default="json", help="json（默认）、text 或 docx")
        parser.add_argument("--output", help="输出文件（docx 必填；text、json 默认输出到标准输出）")
        parser.add_argument(
            "--compare", default="yoy", help="比较期间：yoy 同比（默认）或 pop 环比"
        )
        parser.add_argument("--issue-no", help="期号（正整数，例如 12 即“第12期”）")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = (options["format"] or "").lower()
        if fmt not in FORMATS:
            raise CommandError(f"格式“{options['format']}”无效，应为 json、text 或 docx")
        comparison = COMPARISONS.get(options["compare"] or "")
        if comparison is None:
            raise CommandError(
                f"比较方式“{options['compare']}”无效，应为 yoy（同比）或 pop（环比）"
            )
        for name, word in (("start", "开始"), ("end", "结束")):
            if not options[name]:
                raise CommandError(f"请用 --{name} 指定{word}日期（YYYY-MM-DD）")
        issue_no = self._issue_no(options["issue_no"])
        output = Path(options["output"]) if options["output"] else None
        if fmt == "docx" and output is None:
            raise CommandError("docx 格式须用 --output 指定输出文件")
        try:
            period = Period(
                parse_day(options["start"], field="start"), parse_day(options["end"], field="end")
            )
            org = org_for_report(options["org"])
            briefing = build_briefing(
                node=org,
                period=period,
                comparison=comparison,  # type: ignore[arg-type]
                reader=None,  # the console: everything under the unit
                today=timezone.localdate(),
                issue_no=issue_no,
            )
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        if fmt == "json":
            self._emit(json.dumps(briefing, ensure_ascii=False, indent=2) + "\n", output)
        elif fmt == "text":
            self._emit(render_briefing_text(briefing), output)
        else:
            assert output is not None
            try:
                output.write_bytes(briefing_docx(briefing))
            except OSError as exc:
                raise CommandError(f"无法写入文件 {output}：{exc.strerror}") from exc

    def _issue_no(self, value: str | None) -> int | None:
        if value is None:
            return None
        text = value.strip()
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ISSUE_NO:
            raise CommandError(f"期号“{value}”无效，应为1至{MAX_ISSUE_NO}的整数")
        return int(text)

    def _emit(self, content: str, output: Path | None) -> None:
        if output is None:
            self.stdout.write(content, ending="")
            return
        try:
            output.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}：{exc.strerror}") from exc

"""`xinfang report`: the report of contracts B, C and D, as JSON, Chinese prose, Excel or Word."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.analytics.counting import build_report, org_for_report
from xinfang.analytics.periods import Period, parse_day
from xinfang.core.errors import XinfangError

FORMATS = ("json", "text", "xlsx", "docx")
COMPARISONS = {"yoy": "yoy", "同比": "yoy", "pop": "pop", "环比": "pop"}


class Command(BaseCommand):
    help = "统计报表：按单位及其下级、按期间统计，含同比（或环比）、各项比率与法治化考核得分"

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Checked in handle(), so that a missing or bad value is refused in Chinese.
        parser.add_argument("--start", help="开始日期 YYYY-MM-DD（含）")
        parser.add_argument("--end", help="结束日期 YYYY-MM-DD（含）")
        parser.add_argument("--org", help="单位编码（默认：组织机构的顶级单位）")
        parser.add_argument("--format", default="json", help="json（默认）、text、xlsx 或 docx")
        parser.add_argument("--output", help="输出文件（json、text 默认输出到标准输出）")
        parser.add_argument(
            "--compare", default="yoy", help="比较期间：yoy 同比（默认）或 pop 环比"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = (options["format"] or "").lower()
        if fmt not in FORMATS:
            raise CommandError(f"格式“{options['format']}”无效，应为 json、text、xlsx 或 docx")
        comparison = COMPARISONS.get(options["compare"] or "")
        if comparison is None:
            raise CommandError(
                f"比较方式“{options['compare']}”无效，应为 yoy（同比）或 pop（环比）"
            )
        for name, word in (("start", "开始"), ("end", "结束")):
            if not options[name]:
                raise CommandError(f"请用 --{name} 指定{word}日期（YYYY-MM-DD）")
        output = Path(options["output"]) if options["output"] else None
        if fmt in ("xlsx", "docx") and output is None:
            raise CommandError(f"{fmt} 格式须用 --output 指定输出文件")
        try:
            period = Period(
                parse_day(options["start"], field="start"), parse_day(options["end"], field="end")
            )
            org = org_for_report(options["org"])
            report = build_report(org=org, period=period, comparison=comparison)  # type: ignore[arg-type]
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        if fmt == "json":
            self._emit(json.dumps(report, ensure_ascii=False, indent=2) + "\n", output)
        elif fmt == "text":
            from xinfang.analytics.text import render_text

            self._emit(render_text(report), output)
        else:
            assert output is not None
            self._write_binary(fmt, report, output)

    def _emit(self, content: str, output: Path | None) -> None:
        if output is None:
            self.stdout.write(content, ending="")
            return
        try:
            output.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}：{exc.strerror}") from exc

    def _write_binary(self, fmt: str, report: dict[str, Any], output: Path) -> None:
        try:
            if fmt == "xlsx":
                from xinfang.analytics.workbook import write_workbook

                write_workbook(report, output)
            else:
                from xinfang.analytics.worddoc import write_docx

                write_docx(report, output)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}：{exc.strerror}") from exc
        except XinfangError as exc:  # e.g. no CJK font for the charts: say so, in Chinese
            raise CommandError(exc.message) from exc

"""`xinfang report`: the report of contracts B, C and D, as JSON, Chinese prose, Excel or Word."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.analytics.counting.report import build_report
from xinfang.analytics.management.reportargs import (
    add_report_arguments,
    emit,
    read_report_arguments,
)
from xinfang.core.errors import XinfangError

FORMATS = ("json", "text", "xlsx", "docx")


class Command(BaseCommand):
    help = "统计报表：按单位及其下级、按期间统计，含同比（或环比）、各项比率与法治化考核得分"

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_report_arguments(parser, FORMATS, "输出文件（json、text 默认输出到标准输出）")

    def handle(self, *args: Any, **options: Any) -> None:
        ask = read_report_arguments(options, FORMATS, file_formats=("xlsx", "docx"))
        try:
            report = build_report(org=ask.org, period=ask.period, comparison=ask.comparison)
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        if ask.fmt == "json":
            emit(self.stdout, json.dumps(report, ensure_ascii=False, indent=2) + "\n", ask.output)
        elif ask.fmt == "text":
            from xinfang.analytics.text import render_text

            emit(self.stdout, render_text(report), ask.output)
        else:
            assert ask.output is not None
            self._write_binary(ask.fmt, report, ask.output)

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

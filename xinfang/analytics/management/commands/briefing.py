"""`xinfang briefing`: the 信访工作简报 draft of a unit for a period, as JSON, prose or Word."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.analytics.briefing import briefing_docx, build_briefing, render_briefing_text
from xinfang.analytics.management.reportargs import (
    add_report_arguments,
    emit,
    read_report_arguments,
)
from xinfang.core.errors import XinfangError
from xinfang.core.permissions import SYSTEM

FORMATS = ("json", "text", "docx")
MAX_ISSUE_NO = 9999


class Command(BaseCommand):
    help = "信访工作简报：总体情况、新出现的热点、超期未办结事项、需要督办的单位，下步工作待填写"

    def add_arguments(self, parser: ArgumentParser) -> None:
        output = "输出文件（docx 必填；text、json 默认输出到标准输出）"
        add_report_arguments(parser, FORMATS, output)
        parser.add_argument("--issue-no", help="期号（正整数，例如 12 即“第12期”）")

    def handle(self, *args: Any, **options: Any) -> None:
        ask = read_report_arguments(options, FORMATS, file_formats=("docx",))
        issue_no = self._issue_no(options["issue_no"])
        try:
            briefing = build_briefing(
                node=ask.org,
                period=ask.period,
                comparison=ask.comparison,
                reader=SYSTEM,  # the console: everything under the unit
                today=timezone.localdate(),
                issue_no=issue_no,
            )
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        if ask.fmt == "json":
            emit(self.stdout, json.dumps(briefing, ensure_ascii=False, indent=2) + "\n", ask.output)
        elif ask.fmt == "text":
            emit(self.stdout, render_briefing_text(briefing), ask.output)
        else:
            assert ask.output is not None
            try:
                ask.output.write_bytes(briefing_docx(briefing))
            except OSError as exc:
                raise CommandError(f"无法写入文件 {ask.output}：{exc.strerror}") from exc

    def _issue_no(self, value: str | None) -> int | None:
        if value is None:
            return None
        text = value.strip()
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ISSUE_NO:
            raise CommandError(f"期号“{value}”无效，应为1至{MAX_ISSUE_NO}的整数")
        return int(text)

"""`xinfang assess`: the quarterly assessment (季考评) of handling units and leader packages."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xinfang.analytics.assessment import (
    build_assessment,
    parse_quarter,
    render_assessment_text,
    write_assessment_workbook,
)
from xinfang.analytics.counting.scope import org_for_report
from xinfang.core.errors import XinfangError

FORMATS = ("json", "text", "xlsx")


class Command(BaseCommand):
    help = "季度考评：承办单位（按期办结、满意率、督办、退回、抽查扣分）与领导包案的得分和排名"

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Checked in handle(), so that a missing or bad value is refused in Chinese.
        parser.add_argument("--quarter", help="季度，例如 2026Q3")
        parser.add_argument("--org", help="单位编码、名称或简称（默认：组织机构的顶级单位）")
        parser.add_argument("--format", default="json", help="json（默认）、text 或 xlsx")
        parser.add_argument("--output", help="输出文件（json、text 默认输出到标准输出）")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = (options["format"] or "").lower()
        if fmt not in FORMATS:
            raise CommandError(f"格式“{options['format']}”无效，应为 json、text 或 xlsx")
        if not options["quarter"]:
            raise CommandError("请用 --quarter 指定季度，例如 2026Q3")
        output = Path(options["output"]) if options["output"] else None
        if fmt == "xlsx" and output is None:
            raise CommandError("xlsx 格式须用 --output 指定输出文件")
        try:
            quarter = parse_quarter(options["quarter"])
            org = org_for_report(options["org"])
            result = build_assessment(org=org, quarter=quarter)
        except XinfangError as exc:
            raise CommandError(exc.message) from exc
        try:
            if fmt == "xlsx":
                assert output is not None
                write_assessment_workbook(result, output)
                return
            content = (
                json.dumps(result, ensure_ascii=False, indent=2) + "\n"
                if fmt == "json"
                else render_assessment_text(result)
            )
            if output is None:
                self.stdout.write(content, ending="")
            else:
                output.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}：{exc.strerror}") from exc

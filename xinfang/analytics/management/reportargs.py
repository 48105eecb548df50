"""What `xinfang report` and `xinfang briefing` share: a unit, a period, a comparison, a format and
an output file — read from the command line and refused in Chinese — and writing the output."""

from argparse import ArgumentParser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from xinfang.analytics.counting.scope import org_for_report
from xinfang.analytics.periods import Comparison, Period, parse_day
from xinfang.core.errors import XinfangError
from xinfang.organisation.models import OrgUnit

COMPARISONS: dict[str, Comparison] = {"yoy": "yoy", "同比": "yoy", "pop": "pop", "环比": "pop"}


@dataclass(frozen=True)
class ReportRequest:
    fmt: str
    comparison: Comparison
    period: Period
    org: OrgUnit
    output: Path | None


def add_report_arguments(parser: ArgumentParser, formats: tuple[str, ...], output: str) -> None:
    # Checked in read_report_arguments(), so that a missing or bad value is refused in Chinese.
    parser.add_argument("--start", help="开始日期 YYYY-MM-DD（含）")
    parser.add_argument("--end", help="结束日期 YYYY-MM-DD（含）")
    parser.add_argument("--org", help="单位编码、名称或简称（默认：组织机构的顶级单位）")
    choices = "、".join(formats)
    parser.add_argument("--format", default=formats[0], help=f"{choices}（默认 {formats[0]}）")
    parser.add_argument("--output", help=output)
    parser.add_argument("--compare", default="yoy", help="比较期间：yoy 同比（默认）或 pop 环比")


def read_report_arguments(
    options: dict[str, Any], formats: tuple[str, ...], *, file_formats: tuple[str, ...]
) -> ReportRequest:
    fmt = (options["format"] or "").lower()
    if fmt not in formats:
        raise CommandError(f"格式“{options['format']}”无效，应为 {'、'.join(formats)}")
    comparison = COMPARISONS.get(options["compare"] or "")
    if comparison is None:
        raise CommandError(f"比较方式“{options['compare']}”无效，应为 yoy（同比）或 pop（环比）")
    for name, word in (("start", "开始"), ("end", "结束")):
        if not options[name]:
            raise CommandError(f"请用 --{name} 指定{word}日期（YYYY-MM-DD）")
    output = Path(options["output"]) if options["output"] else None
    if fmt in file_formats and output is None:
        raise CommandError(f"{fmt} 格式须用 --output 指定输出文件")
    try:
        period = Period(
            parse_day(options["start"], field="start"), parse_day(options["end"], field="end")
        )
        org = org_for_report(options["org"])
    except XinfangError as exc:
        raise CommandError(exc.message) from exc
    return ReportRequest(fmt, comparison, period, org, output)


def emit(stdout: OutputWrapper, content: str, output: Path | None) -> None:
    """Text to standard output, or to the file."""
    if output is None:
        stdout.write(content, ending="")
        return
    try:
        output.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"无法写入文件 {output}：{exc.strerror}") from exc

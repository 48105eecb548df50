"""The report's charts as PNG images (matplotlib, Agg): monthly trend, channel × level, categories.

Every number drawn comes from `build_report` output: the channel × level and category charts
from the report itself, the monthly trend from one report per month of its period (`monthly`).
Chinese is drawn with Debian's Noto Sans CJK (package fonts-noto-cjk), found at run time;
without it the charts would show boxes, so a missing font is refused with a clear message.
"""

import shutil
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: draw into memory only

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from xinfang.analytics.tables import LABELS
from xinfang.core.errors import XinfangError
from xinfang.intake.choices import Channel, Level

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK")
DEBIAN_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TOP_CATEGORIES = 10
MAX_TREND_MONTHS = 36  # a longer period gets no monthly trend (one report per month)
DPI = 150


class ChartFontMissingError(XinfangError):
    pass


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """The Noto Sans CJK file: from matplotlib's font list, else fontconfig, else Debian's path."""
    for entry in font_manager.fontManager.ttflist:
        if entry.name in CJK_FAMILIES and Path(entry.fname).exists():
            return Path(entry.fname)
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if "NotoSansCJK" in found.replace(" ", "") and Path(found).exists():
            return Path(found)
    if DEBIAN_FONT.exists():
        return DEBIAN_FONT
    raise ChartFontMissingError(
        "未找到中文字体 Noto Sans CJK，无法绘制统计图（图中汉字会显示为方框）。"
        "请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk）后重试"
    )


@lru_cache(maxsize=1)
def _family() -> str:
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def _cjk(draw: Callable[..., bytes]) -> Callable[..., bytes]:
    """Draw with the CJK font (texts take the family when they are made, so around it all)."""

    def drawn(*args: Any) -> bytes:
        # the CJK font has no U+2212 minus sign
        with matplotlib.rc_context({"font.family": [_family()], "axes.unicode_minus": False}):
            return draw(*args)

    drawn.__doc__ = draw.__doc__
    return drawn


def _figure(width: float = 7.5, height: float = 3.8) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height), dpi=DPI)  # not pyplot: nothing global to close
    return fig, fig.add_subplot()


def _png(fig: Figure) -> bytes:
    buffer = BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def report_months(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months of [start, end], the first and last cut to the period."""
    months: list[tuple[date, date]] = []
    first = start
    while first <= end:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append((first, min(end, following - timedelta(days=1))))
        first = following
    return months


@_cjk
def trend_chart(monthly: list[dict[str, Any]]) -> bytes:
    """批次 and 人次 per month, this year and the same months of last year (each month's 同比)."""
    fig, ax = _figure()
    labels = [f"{date.fromisoformat(r['period']['start']).month}月" for r in monthly]
    xs = list(range(len(monthly)))
    series = (
        ("本期批次", [r["totals"]["batches"] for r in monthly], "-", "o", "#c0392b"),
        ("同期批次", [r["totals"]["previous"]["batches"] for r in monthly], "--", "o", "#e6a19a"),
        ("本期人次", [r["totals"]["people"] for r in monthly], "-", "s", "#2471a3"),
        ("同期人次", [r["totals"]["previous"]["people"] for r in monthly], "--", "s", "#9cc3e0"),
    )
    for label, values, style, marker, colour in series:
        ax.plot(xs, values, linestyle=style, marker=marker, color=colour, label=label)
        for x, v in zip(xs, values, strict=True):
            if label.startswith("本期"):
                ax.annotate(str(v), (x, v), textcoords="offset points", xytext=(0, 5), ha="center")
    ax.set_xticks(xs, labels)
    ax.set_title("月度信访量走势（登记批次、人次）")
    ax.set_ylabel("数量")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no half batches
    top = max([v for _, values, *_ in series for v in values] + [1])
    ax.set_ylim(bottom=0, top=top * 1.2)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=4, fontsize=8, frameon=False)
    return _png(fig)


@_cjk
def channel_level_chart(report: dict[str, Any]) -> bytes:
    """Batches by channel, each bar stacked by level (from the `channel,level` breakdown)."""
    fig, ax = _figure()
    rows = report["breakdowns"]["channel,level"]
    channels = list(Channel.values)
    colours = ("#922b21", "#d35400", "#f1c40f", "#5d8aa8")
    bottoms = [0] * len(channels)
    for level, colour in zip(Level.values, colours, strict=False):
        values = [
            sum(r["batches"] for r in rows if r["channel"] == c and r["level"] == level)
            for c in channels
        ]
        ax.bar(
            range(len(channels)),
            values,
            bottom=bottoms,
            color=colour,
            label=LABELS["level"][level],
        )
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, total in enumerate(bottoms):
        ax.annotate(str(total), (x, total), textcoords="offset points", xytext=(0, 3), ha="center")
    ax.set_xticks(range(len(channels)), [LABELS["channel"][c] for c in channels])
    ax.set_title("各渠道登记批次（按层级）")
    ax.set_ylabel("批次")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0, top=max([*bottoms, 1]) * 1.15)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title="层级", fontsize=8, frameon=False)
    return _png(fig)


@_cjk
def category_chart(report: dict[str, Any]) -> bytes:
    """The largest categories by batches (the rest summed as 其余分类), horizontal bars."""
    rows = sorted(report["breakdowns"]["category"], key=lambda r: -r["batches"])
    rows = [r for r in rows if r["batches"]]
    shown = [(r["category"] or "未分类", r["batches"]) for r in rows[:TOP_CATEGORIES]]
    rest = sum(r["batches"] for r in rows[TOP_CATEGORIES:])
    if rest:
        shown.append(("其余分类", rest))
    fig, ax = _figure(height=max(2.5, 0.42 * len(shown) + 1.2))
    names = [name for name, _ in reversed(shown)]
    values = [v for _, v in reversed(shown)]
    ax.barh(range(len(values)), values, color="#2e86c1")
    for y, v in enumerate(values):
        ax.annotate(str(v), (v, y), textcoords="offset points", xytext=(3, 0), va="center")
    ax.set_yticks(range(len(names)), names)
    ax.set_title("内容分类（登记批次）")
    ax.set_xlabel("批次")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0, right=max([*values, 1]) * 1.15)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def report_charts(
    report: dict[str, Any], monthly: list[dict[str, Any]] | None
) -> list[tuple[str, bytes | None]]:
    """(title, PNG or None when there is nothing to draw) for each chart of the draft."""
    totals = report["totals"]
    has_rows = bool(totals["batches"])
    categories = any(r["batches"] for r in report["breakdowns"]["category"])
    charts: list[tuple[str, bytes | None]] = []
    if monthly is not None:
        charts.append(("月度走势", trend_chart(monthly) if monthly else None))
    charts.append(("渠道与层级", channel_level_chart(report) if has_rows else None))
    charts.append(("内容分类", category_chart(report) if categories else None))
    return charts

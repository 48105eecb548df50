"""矛盾纠纷排查化解通报: the month's circular of disputes found and settled, by unit and level,
who reported (报送 / 零报告 / 未报送), and the items awaiting feedback — as data and as a Word
draft with the red masthead, like the 简报 and the leaders' 月通报.

Counting is not done twice: found, settled, escalated, petitions and 重排 by level and unit are
the report's B2 `disputes` figures (counting.prevention.dispute_figures) for the month; the
reporting units are the month page's (村社区 and 街道乡镇 of the subtree, active). Items
awaiting feedback: disputes listed in the month's reports that are still open (化解中) and have
no feedback on that report. Only numbers, units and dispute numbers: never people.
"""

from datetime import date
from io import BytesIO
from typing import Any

from django.db.models import Count
from django.utils import timezone

from xinfang.analytics.counting.prevention import dispute_figures
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.preventiontext import dispute_sentence
from xinfang.core.errors import InputError
from xinfang.disputes.choices import DisputeLevel, DisputeStatus, Risk
from xinfang.disputes.models import Feedback, MonthlyReport
from xinfang.leaders.circular import TO_FILL, Month, issue_text
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.selectors import subtree

TITLE = "矛盾纠纷排查化解工作通报"
# the units that screen each month and report (the month page's rule)
REPORTING_KINDS = (UnitKind.STREET, UnitKind.VILLAGE)
UNIT_FIGURES = ("found", "settled", "escalated", "petitions", "rescreened")


def _reporting(org: OrgUnit, month: date) -> dict[str, Any]:
    units = list(subtree(org).filter(active=True, kind__in=REPORTING_KINDS).order_by("path"))
    reports = {
        r.unit_id: r
        for r in MonthlyReport.objects.filter(unit__in=units, month=month).annotate(
            items=Count("disputes")
        )
    }
    submitted, zero, missing = [], [], []
    for unit in units:
        report = reports.get(unit.pk)
        if report is None:
            missing.append(unit.name)
        elif report.zero:
            zero.append(unit.name)
        else:
            submitted.append({"unit": unit.name, "items": report.items})
    return {"expected": len(units), "submitted": submitted, "zero": zero, "missing": missing}


def _awaiting_rows(units: Any, month: date) -> list[dict[str, Any]]:
    reports = MonthlyReport.objects.filter(unit__in=units, month=month, zero=False)
    answered = set(
        Feedback.objects.filter(report__in=reports).values_list("report_id", "dispute_id")
    )
    through = MonthlyReport.disputes.through
    out = []
    for report_id, unit_name, dispute in (
        (link.monthlyreport_id, link.monthlyreport.unit.name, link.dispute)
        for link in through.objects.filter(monthlyreport__in=reports)
        .select_related("monthlyreport__unit", "dispute__place", "dispute__owner_unit")
        .order_by("dispute__found_on", "dispute__number")
    ):
        if dispute.status != DisputeStatus.OPEN or (report_id, dispute.pk) in answered:
            continue
        out.append(
            {
                "number": dispute.number,
                "reported_by": unit_name,
                "place": dispute.place.name,
                "level": DisputeLevel(dispute.level).label,
                "owner": dispute.owner_unit.name,
                "risk": Risk(dispute.risk).label,
                "found_on": dispute.found_on.isoformat(),
            }
        )
    return out


def build_circular(
    *, org: OrgUnit, month: Month, issue_no: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """The month's circular of `org`'s subtree."""
    today = today or timezone.localdate()
    period = month.period
    if period.start > today:
        raise InputError(f"{month.label}尚未开始，不能生成通报", field="month")
    figures = dispute_figures(Scope.of(org), period.start, period.end)
    return {
        "title": TITLE,
        "issue_no": issue_no,
        "issuer": org.name,
        "date": today.isoformat(),
        "month": f"{month.year:04d}-{month.month:02d}",
        "month_label": month.label,
        "period": period.as_dict(),
        "org": org.code,
        "org_name": org.name,
        "figures": figures,
        "reporting": _reporting(org, period.start),
        "awaiting_feedback": _awaiting_rows(subtree(org).values("pk"), period.start),
    }


# --- prose and Word ------------------------------------------------------------------------------


def _cn(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def headline(c: dict[str, Any]) -> str:
    return f"关于{c['month_label']}矛盾纠纷排查化解情况的通报"


def _unit_name(u: dict[str, Any]) -> str:
    return f"{u['name']}（本级）" if u["own"] else u["name"]


def _unit_line(u: dict[str, Any]) -> str:
    return (
        f"{_unit_name(u)}：排查{u['found']}件，化解{u['settled']}件，升级{u['escalated']}件，"
        f"转信访{u['petitions']}件，重排{u['rescreened']}件。"
    )


def _reporting_lines(r: dict[str, Any], month: str) -> list[str]:
    lines = [
        f"{month}应报送月排查的单位{r['expected']}个，"
        f"已报送{len(r['submitted']) + len(r['zero'])}个"
        f"（其中零报告{len(r['zero'])}个），未报送{len(r['missing'])}个。"
    ]
    if r["submitted"]:
        lines.append(
            "报送纠纷清单的："
            + "、".join(f"{s['unit']}（{s['items']}件）" for s in r["submitted"])
            + "。"
        )
    if r["zero"]:
        lines.append("零报告的：" + "、".join(r["zero"]) + "。")
    if r["missing"]:
        lines.append("未报送的：" + "、".join(r["missing"]) + "，请于下月5日前补报。")
    return lines


def _feedback_lines(items: list[dict[str, Any]]) -> list[str]:
    if not items:
        return ["本月报送的纠纷均已化解、转入信访程序或已反馈。"]
    lines = [f"以下{len(items)}件纠纷尚未化解，请责任单位反馈化解进展："]
    for n, item in enumerate(items, start=1):
        lines.append(
            f"{n}. 纠纷{item['number']}（{item['place']}，{_cn(item['found_on'])}排查，"
            f"风险{item['risk']}）：现在{item['level']}层级，由{item['owner']}办理，"
            f"{item['reported_by']}报送。"
        )
    return lines


def sections(c: dict[str, Any]) -> list[tuple[str, list[str]]]:
    f = c["figures"]
    units = [u for u in f["by_unit"] if any(u[k] for k in UNIT_FIGURES)]
    return [
        ("一、总体情况", [f"{c['month_label']}，{dispute_sentence(f)}"]),
        (
            "二、各单位排查化解情况",
            [_unit_line(u) for u in units] or ["本月各单位无排查化解的纠纷。"],
        ),
        ("三、月排查报送情况", _reporting_lines(c["reporting"], c["month_label"])),
        ("四、需反馈的事项", _feedback_lines(c["awaiting_feedback"])),
        ("五、下步工作", [TO_FILL]),
    ]


def render_circular_text(c: dict[str, Any]) -> str:
    lines = [c["title"], issue_text(c), f"{c['issuer']}  {_cn(c['date'])}", "", headline(c), ""]
    for heading, paragraphs in sections(c):
        lines.append(heading)
        lines.extend(paragraphs)
    return "\n".join(lines) + "\n"


UNIT_COLUMNS = [("单位", 46), ("排查", 22), ("化解", 22), ("升级", 22), ("转信访", 22),
                ("重排", 22)]  # fmt: skip


def circular_docx(c: dict[str, Any]) -> bytes:
    """An A4 Word draft: red masthead, 第N期, 小标宋 headline, 仿宋 body, the units' table."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Mm, Pt, RGBColor

    from xinfang.analytics.briefing import RED, _rule_below
    from xinfang.documents.word import TITLE_FONT, TITLE_SIZE, font, official_page, para
    from xinfang.leaders.circular import _table

    doc = official_page()
    doc.core_properties.title = f"{c['title']}{issue_text(c)}"
    doc.core_properties.author = c["issuer"]
    masthead = para(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    masthead.paragraph_format.line_spacing = Pt(60)
    font(masthead, c["title"], name=TITLE_FONT, size=Pt(30))
    masthead.runs[-1].font.color.rgb = RGBColor.from_string(RED)
    font(para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), issue_text(c))
    line = para(doc)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
    font(line, f"{c['issuer']}编印\t{_cn(c['date'])}")
    _rule_below(line)
    para(doc)
    font(para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), headline(c), name=TITLE_FONT, size=TITLE_SIZE)
    para(doc)
    units = [u for u in c["figures"]["by_unit"] if any(u[k] for k in UNIT_FIGURES)]
    for heading, paragraphs in sections(c):
        font(para(doc, indent=True), heading, name="黑体")
        if heading.startswith("二、") and units:  # the table stands for the per-unit lines
            rows = [
                [
                    f"{u['name']}（本级）" if u["own"] else u["name"],
                    *(str(u[k]) for k in UNIT_FIGURES),
                ]
                for u in units
            ]
            _table(doc, UNIT_COLUMNS, rows)
            continue
        for text in paragraphs:
            font(para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True), text)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()

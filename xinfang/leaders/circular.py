"""月通报: the month's circular of leader receptions and packages, by leader and by unit — as data
and as a Word draft with the red masthead 「领导接访包案工作通报」.

What belongs to the node, and when a package stood resolved, are counting.leaderwork's rules
(the report's B2 figures), reused here, not counted twice. For the month M:
- 接访: sessions held in M (not cancelled); a leader's 人次 is one per session they sat at; the
  groups a leader received (批次, 人次 = the registration's people) and their outcomes.
- 包案, per 包案领导 and per 责任单位: begun in M (包案日期 in M); resolved in M (stood resolved at
  the end of M and not at the end of the month before); open at the end of M (一包到底, whenever
  begun); 回流 in M (PackageReflow.on in M); 未报进展: packages open now and at the end of M
  whose note for M is missing (services.months_missing, the month-by-month rule of 月督查).
No petitioner's name, phone or content is read: the circular speaks of leaders, units, numbers.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from xinfang.analytics.counting.leaderwork import (
    owned_packages,
    resolved_at_q,
    scoped_receptions,
    scoped_sessions,
)
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import Period
from xinfang.core.errors import InputError
from xinfang.leaders.choices import LeaderTier, ReceptionOutcome
from xinfang.leaders.models import Leader, Package, PackageReflow, Reception, SessionLeader
from xinfang.leaders.services import months_missing
from xinfang.organisation.models import OrgUnit

TITLE = "领导接访包案工作通报"
TO_FILL = "【待填写】"
OUTCOMES: list[str] = list(ReceptionOutcome.values)
PACKAGE_FIGURES = ("begun", "resolved", "open", "reflows", "missing_notes")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def period(self) -> Period:
        first = date(self.year, self.month, 1)
        after = (first + timedelta(days=32)).replace(day=1)
        return Period(first, after - timedelta(days=1))

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def parse_month(value: str | None) -> Month:
    """ "2026-03"; refused in Chinese otherwise."""
    raw = (value or "").strip()
    parts = raw.split("-")
    if (
        len(parts) == 2
        and all(p.isascii() and p.isdigit() for p in parts)
        and len(parts[0]) == 4
        and 1990 <= int(parts[0]) <= 2100
        and 1 <= int(parts[1]) <= 12
    ):
        return Month(int(parts[0]), int(parts[1]))
    raise InputError(f"月份“{raw}”无效，应写作年-月，例如2026-03", field="month")


def _leader_label(leader: Leader) -> str:
    return f"{leader.name}（{leader.post}）" if leader.post else leader.name


def _reception_figures(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    sessions = scoped_sessions(scope, today=today).filter(held_on__range=(period.start, period.end))
    receptions = scoped_receptions(scope, today=today).filter(
        session__held_on__range=(period.start, period.end)
    )
    rows: dict[int, dict[str, Any]] = {}

    def row(leader_id: int) -> dict[str, Any]:
        return rows.setdefault(
            leader_id,
            {
                "sessions": 0,
                "batches": 0,
                "people": 0,
                "outcomes": dict.fromkeys(OUTCOMES, 0),
            },
        )

    for g in (
        SessionLeader.objects.filter(session__in=sessions)
        .values("leader_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        row(g["leader_id"])["sessions"] = g["n"]
    through = Reception.leaders.through
    for g in (
        through.objects.filter(reception__in=receptions)
        .values("leader_id", outcome=F("reception__outcome"))
        .annotate(batches=Count("reception_id"), people=Sum("reception__people"))
        .order_by()
    ):
        r = row(g["leader_id"])
        r["batches"] += g["batches"]
        r["people"] += g["people"] or 0
        r["outcomes"][g["outcome"]] += g["batches"]
    leaders = Leader.objects.in_bulk(list(rows))
    by_leader = [
        {
            "leader": leaders[pk].name,
            "label": _leader_label(leaders[pk]),
            "tier": LeaderTier(leaders[pk].tier).label,
            **figures,
        }
        for pk, figures in rows.items()
    ]
    by_leader.sort(key=lambda r: (-r["sessions"], -r["batches"], r["leader"]))
    totals = {
        "sessions": sessions.count(),
        "participations": sum(r["sessions"] for r in by_leader),
        "batches": receptions.count(),
        "people": receptions.aggregate(n=Sum("people"))["n"] or 0,
        "outcomes": {
            o: receptions.filter(outcome=o).count() for o in OUTCOMES
        },  # a group received by two leaders is one group here
    }
    return {"totals": totals, "by_leader": by_leader}


def _package_figures(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    s, e = period.start, period.end
    packages = owned_packages(scope).filter(started_on__lte=e)
    flagged = packages.annotate(
        at_end=_flag(resolved_at_q(e)), before=_flag(resolved_at_q(s - timedelta(days=1)))
    )
    by: dict[str, dict[Any, dict[str, int]]] = {"leader": {}, "unit": {}}

    def add(kind: str, key: Any, figure: str, n: int) -> None:
        cell = by[kind].setdefault(key, dict.fromkeys(PACKAGE_FIGURES, 0))
        cell[figure] += n

    counts = {
        "begun": Count("id", filter=Q(started_on__gte=s)),
        "resolved": Count("id", filter=Q(at_end=True, before=False)),
        "open": Count("id", filter=Q(at_end=False)),
    }
    for kind, field in (("leader", "leader_id"), ("unit", "responsible_unit_id")):
        for g in flagged.values(key=F(field)).annotate(**counts).order_by():
            for figure in counts:
                add(kind, g["key"], figure, g[figure])
    reflows = PackageReflow.objects.filter(
        package__in=owned_packages(scope), on__range=(s, e)
    ).select_related("package")
    for reflow in reflows:
        add("leader", reflow.package.leader_id, "reflows", 1)
        add("unit", reflow.package.responsible_unit_id, "reflows", 1)
    # open now and at the end of M, with no note for M (months_missing as of the next month)
    after = e + timedelta(days=1)
    missing: list[dict[str, Any]] = []
    for package in flagged.filter(at_end=False).select_related("leader", "responsible_unit"):
        if s in months_missing(package, min(after, _first_of_next(today))):
            add("leader", package.leader_id, "missing_notes", 1)
            add("unit", package.responsible_unit_id, "missing_notes", 1)
            missing.append(_package_ref(package))
    leaders = Leader.objects.in_bulk([k for k in by["leader"] if k is not None])
    units = OrgUnit.objects.in_bulk([k for k in by["unit"] if k is not None])
    by_leader: list[dict[str, Any]] = [
        {"leader": leaders[k].name, "label": _leader_label(leaders[k]), **v}
        for k, v in by["leader"].items()
    ]
    by_unit: list[dict[str, Any]] = [
        {"unit": units[k].name if k is not None else "未定责任单位", **v}
        for k, v in by["unit"].items()
    ]
    by_leader.sort(key=lambda r: (-r["open"], r["leader"]))
    by_unit.sort(key=lambda r: (-r["open"], r["unit"]))
    totals = {f: sum(r[f] for r in by_leader) for f in PACKAGE_FIGURES}
    reflowed = [_package_ref(r.package) | {"on": r.on.isoformat()} for r in reflows]
    missing.sort(key=lambda r: r["number"])
    return {
        "totals": totals,
        "by_leader": by_leader,
        "by_unit": by_unit,
        "reflowed": sorted(reflowed, key=lambda r: (r["on"], r["number"])),
        "missing_notes": missing,
    }


def _first_of_next(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _package_ref(package: Package) -> dict[str, Any]:
    unit = package.responsible_unit
    return {
        "number": package.number,
        "leader": package.leader.name,
        "unit": unit.name if unit is not None else "",
    }


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def build_circular(
    *, org: OrgUnit, month: Month, issue_no: int | None = None, today: date | None = None
) -> dict[str, Any]:
    """The month's circular of `org`'s subtree (the console's: accusations counted too)."""
    today = today or timezone.localdate()
    period = month.period
    if period.start > today:
        raise InputError(f"{month.label}尚未开始，不能生成通报", field="month")
    scope = Scope.of(org)
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
        "receptions": _reception_figures(scope, period, today),
        "packages": _package_figures(scope, period, today),
    }


# --- prose and Word ------------------------------------------------------------------------------


def issue_text(circular: dict[str, Any]) -> str:
    n = circular["issue_no"]
    return f"第{n}期" if n else f"第{TO_FILL}期"


def _outcome_text(outcomes: dict[str, int]) -> str:
    return "、".join(f"{ReceptionOutcome(o).label}{outcomes[o]}批" for o in OUTCOMES)


def sections(c: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The circular's headed paragraphs (the tables go under the first line of 一、二、三)."""
    r, p = c["receptions"]["totals"], c["packages"]["totals"]
    month = c["month_label"]
    one = [
        f"{month}，共开展领导接访活动{r['sessions']}次，领导参与接访{r['participations']}人次，"
        f"接待群众来访{r['batches']}批{r['people']}人次，其中{_outcome_text(r['outcomes'])}。"
    ]
    for row in c["receptions"]["by_leader"]:
        one.append(
            f"{row['label']}参与接访{row['sessions']}次，接待群众来访{row['batches']}批"
            f"{row['people']}人次（{_outcome_text(row['outcomes'])}）。"
        )
    two = [
        f"{month}，新增领导包案{p['begun']}件，化解{p['resolved']}件，月末在包{p['open']}件，"
        f"回流{p['reflows']}件，未按月报送进展{p['missing_notes']}件。"
    ]
    for row in c["packages"]["by_leader"]:
        two.append(_package_line(row["label"], row))
    three = [_package_line(row["unit"], row, unit=True) for row in c["packages"]["by_unit"]] or [
        "本月无责任单位包案事项。"
    ]
    four = []
    for item in c["packages"]["reflowed"]:
        four.append(
            f"包案{item['number']}（{item['leader']}包案，{item['unit'] or '未定责任单位'}负责）"
            f"于{_cn(item['on'])}回流。"
        )
    for item in c["packages"]["missing_notes"]:
        four.append(
            f"包案{item['number']}（{item['leader']}包案，{item['unit'] or '未定责任单位'}负责）"
            f"未报送{month}进展情况。"
        )
    return [
        ("一、领导接访情况", one),
        ("二、领导包案情况", two),
        ("三、责任单位包案情况", three),
        ("四、回流和未报进展的包案", four or ["本月无回流包案，包案进展均已按月报送。"]),
        ("五、下步工作", [TO_FILL]),
    ]


def _package_line(name: str, row: dict[str, Any], *, unit: bool = False) -> str:
    head = f"{name}负责" if unit else f"{name}"
    return (
        f"{head}：新增包案{row['begun']}件，化解{row['resolved']}件，月末在包{row['open']}件，"
        f"回流{row['reflows']}件，未报进展{row['missing_notes']}件。"
    )


def _cn(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def headline(c: dict[str, Any]) -> str:
    return f"关于{c['month_label']}领导接访包案工作情况的通报"


def render_circular_text(c: dict[str, Any]) -> str:
    lines = [c["title"], issue_text(c), f"{c['issuer']}  {_cn(c['date'])}", "", headline(c), ""]
    for heading, paragraphs in sections(c):
        lines.append(heading)
        lines.extend(paragraphs)
    return "\n".join(lines) + "\n"


RECEPTION_COLUMNS = [("接访领导", 40), ("层级", 18), ("接访次数", 16), ("接待批次", 16),
                     ("接待人次", 16), ("当场解决", 14), ("限期解决", 14), ("教育疏导", 11),
                     ("有待研判", 11)]  # fmt: skip
PACKAGE_COLUMNS = [("", 46), ("新增", 22), ("化解", 22), ("月末在包", 22), ("回流", 22),
                   ("未报进展", 22)]  # fmt: skip


def _table(doc: Any, columns: list[tuple[str, int]], rows: list[list[str]]) -> None:
    """A grid on the 156 mm 版心, 小五 text, bold header (as the 简报's overdue table)."""
    from docx.shared import Mm, Pt

    grid = doc.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    grid.autofit = False
    for column, (_, width) in zip(grid.columns, columns, strict=True):
        column.width = Mm(width)
    for number, values in enumerate([[h for h, _ in columns], *rows]):
        cells = grid.rows[0].cells if number == 0 else grid.add_row().cells
        for cell, value, (_, width) in zip(cells, values, columns, strict=True):
            cell.width = Mm(width)
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(9)
            run.font.bold = number == 0


def _package_cells(name: str, row: dict[str, Any]) -> list[str]:
    return [name, *(str(row[f]) for f in PACKAGE_FIGURES)]


def circular_docx(c: dict[str, Any]) -> bytes:
    """The circular as an A4 Word draft: red masthead, 第N期, 小标宋 headline, 仿宋 body, tables."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Mm, Pt, RGBColor

    from xinfang.analytics.briefing import RED, _rule_below
    from xinfang.documents.word import TITLE_FONT, TITLE_SIZE, font, official_page, para

    doc = official_page()
    doc.core_properties.title = f"{c['title']}{issue_text(c)}"
    doc.core_properties.author = c["issuer"]
    masthead = para(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    masthead.paragraph_format.line_spacing = Pt(60)
    font(masthead, c["title"], name=TITLE_FONT, size=Pt(36))
    masthead.runs[-1].font.color.rgb = RGBColor.from_string(RED)
    font(para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), issue_text(c))
    line = para(doc)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(156), WD_TAB_ALIGNMENT.RIGHT)
    font(line, f"{c['issuer']}编印\t{_cn(c['date'])}")
    _rule_below(line)
    para(doc)
    font(para(doc, align=WD_ALIGN_PARAGRAPH.CENTER), headline(c), name=TITLE_FONT, size=TITLE_SIZE)
    para(doc)
    tables: dict[str, tuple[list[tuple[str, int]], list[list[str]]]] = {
        "一、": (
            RECEPTION_COLUMNS,
            [
                [
                    r["label"],
                    r["tier"],
                    str(r["sessions"]),
                    str(r["batches"]),
                    str(r["people"]),
                    *(str(r["outcomes"][o]) for o in OUTCOMES),
                ]
                for r in c["receptions"]["by_leader"]
            ],
        ),
        "二、": (
            [("包案领导", 46), *PACKAGE_COLUMNS[1:]],
            [_package_cells(r["label"], r) for r in c["packages"]["by_leader"]],
        ),
        "三、": (
            [("责任单位", 46), *PACKAGE_COLUMNS[1:]],
            [_package_cells(r["unit"], r) for r in c["packages"]["by_unit"]],
        ),
    }
    for heading, paragraphs in sections(c):
        font(para(doc, indent=True), heading, name="黑体")
        table = tables.get(heading[:2])
        if table is not None and table[1]:  # the table stands for the per-row sentences
            if not heading.startswith("三、"):
                font(para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True), paragraphs[0])
            _table(doc, *table)
            paragraphs = []
        for text in paragraphs:
            font(para(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True), text)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()

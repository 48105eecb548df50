"""季考评: the quarterly assessment of handling units and of leader packages, with ranking.

Nothing is counted here: the figures per unit are counting.units' and those per leader and unit
of the packages counting.packages', in the database (GROUP BY unit or leader), with the report's
deadline rule (a deadline that falls on a rest day moves to the next working day; an item counts
in the period its deadline falls in; nothing dated after the period's end counts). This module
scores, ranks and prints them, and records 抽查扣分.

Handling units (承办单位): every unit in the node's subtree (the node included) with an item in
the quarter Q, each scored out of 100 by default, the weights being settings
(XINFANG["ASSESSMENT_WEIGHTS"]):

- 按期办结 (on_time): matters 交办 or 转送 to the unit whose handling deadline (延期至, else
  办理期限, else 处理日期 + HANDLE_DAYS) falls in Q; on time when replied by it (and by the end
  of Q). The unit is the one that had the matter at the end of Q (counting.unit_at_end: its
  assignment active then; 责任单位 for a matter the workflow never routed): routing after Q
  does not change Q's figures, and a matter returned by then and not yet reassigned is no
  unit's.
- 满意率 (satisfaction): among those matters replied in Q and evaluated (by the end of Q),
  满意 + 基本满意.
- 督办 (supervision): 督办单 against the unit (被督办单位) whose 督办期限 falls in Q; met when
  closed as 已化解 or 已办结 by the deadline (and by the end of Q); 未化解, late and still open
  ones are not. Counted from the notices only: an imported ledger has no notices.
- Each of these three scores weight × num / den (three decimals, half up); a component with
  no item in Q (den 0) scores its full weight: a unit is not marked down for work it was not
  given.
- 退回 (returns): returns the unit made in Q. A return is a fault only when the bureau, by the
  end of Q, assigned the matter to the same unit again (the return was not accepted); a matter
  reassigned to another unit was rightly returned, and one not yet reassigned is pending. Each
  fault deducts `return_fault` points.
- 抽查扣分 (spot checks): the points of SpotCheckDeduction rows dated in Q are deducted.
- 补录 (late_entries): steps the unit's staff entered in Q with a day before the backdating window,
  each approved by a 督查, or with a day in the window that met a clock whose deadline had passed
  when it was entered (counting.entries) — shown beside the score, not deducted.
- Total = the three scores − deductions, never below 0; ranked largest first, 1, 2, 2, 4.

Leader packages (领导包案), from the packages themselves (xinfang.leaders), per 包案领导 and per
责任单位, over the packages that belong to the node (counting.leaderwork.owned_packages: the
leader's unit or the 责任单位 in the subtree) and were in hand in Q (begun by the end of Q, not
resolved before Q began):
- 按期化解 (on time): packages whose 定办结时限 falls in Q; on time when resolved (化解日期) on or
  before it — read from the history, so a later 回流 does not undo it. A package reopened by a
  回流 in Q is in hand in Q.
- 回流: PackageReflow dated in Q.
- 未报进展: months of Q without the month's progress note (leaders.services.months_missing, as of
  the end of Q or today), one per package and month.
- Score = package_on_time × num / den (full when nothing fell due) − package_reflow per 回流 −
  package_missing_note per missing note, never below 0; ranked largest first, ties sharing.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.analytics.counting.packages import package_figures
from xinfang.analytics.counting.ranks import competition_rank
from xinfang.analytics.counting.settings import assessment_weights
from xinfang.analytics.counting.units import UnitFigures
from xinfang.analytics.figures import THREE_DECIMALS, half_up, pct, weighted_score
from xinfang.analytics.models import SpotCheckDeduction
from xinfang.analytics.periods import Period
from xinfang.analytics.tables import Cell, Table
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import may_record_spot_check_for, may_record_spot_checks
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit

COMPONENTS = ("on_time", "satisfaction", "supervision")
MAX_SPOT_CHECK_POINTS = Decimal("100")
QUARTER_RE = re.compile(r"^\s*(\d{4})\s*[Qq]\s*([1-4])\s*$")
QUARTER_WORDS = ("一", "二", "三", "四")


# --- quarters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def period(self) -> Period:
        first = 3 * self.number - 2
        last = date(self.year + (self.number == 4), (3 * self.number) % 12 + 1, 1)
        return Period(date(self.year, first, 1), date.fromordinal(last.toordinal() - 1))

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{QUARTER_WORDS[self.number - 1]}季度"


def parse_quarter(value: str | None) -> Quarter:
    """ "2026Q3" (or "2026q3"); refused in Chinese otherwise."""
    found = QUARTER_RE.match(value or "")
    if not found or not 1990 <= int(found.group(1)) <= 2100:
        raise InputError(
            f"季度“{value or ''}”无效，应写作年份加Q加季度（1至4），例如2026Q3", field="quarter"
        )
    return Quarter(int(found.group(1)), int(found.group(2)))


# --- spot-check deductions -----------------------------------------------------------------------


def validate_spot_check(
    *, unit: OrgUnit | None, checked_on: date | None, points: Any, reason: str
) -> tuple[Decimal, str]:
    """The cleaned points and reason, or an InputError naming the field (form and service)."""
    if unit is None:
        raise InputError("请选择被扣分单位", field="unit")
    if checked_on is None:
        raise InputError("请填写抽查日期", field="checked_on")
    if checked_on > timezone.localdate():
        raise InputError("抽查日期不能晚于今天", field="checked_on")
    try:
        value = Decimal(str(points))
    except (ArithmeticError, ValueError):
        raise InputError("扣分应为数字，例如0.5", field="points") from None
    if not value.is_finite() or value <= 0 or value > MAX_SPOT_CHECK_POINTS:
        raise InputError(f"扣分应大于0且不超过{MAX_SPOT_CHECK_POINTS}分", field="points")
    if value != value.quantize(Decimal("0.01")):
        raise InputError("扣分最多保留两位小数", field="points")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("请填写扣分事由（抽查发现的不规范之处）", field="reason")
    return value, reason


@transaction.atomic
def spot_check_record(
    *,
    actor: User,
    unit: OrgUnit,
    checked_on: date,
    points: Any,
    reason: str,
    matter: Matter | None = None,
    into: SpotCheckDeduction | None = None,
) -> SpotCheckDeduction:
    """抽查扣分: record points off a unit's 季考评 for what a spot check found; one audit event.

    Supervisors (within their own unit's subtree) and administrators record them. `into`: an
    unsaved instance to fill (the admin's), else a new one.
    """
    if not may_record_spot_checks(actor):
        raise PermissionRefusedError("只有督查人员或系统管理员可以录入抽查扣分")
    value, reason = validate_spot_check(
        unit=unit, checked_on=checked_on, points=points, reason=reason
    )
    if not may_record_spot_check_for(actor, unit):
        raise PermissionRefusedError(f"{unit}不在本单位管辖范围内，不能录入其抽查扣分")
    row = into if into is not None else SpotCheckDeduction()
    row.unit, row.checked_on, row.points, row.reason = unit, checked_on, value, reason
    row.matter, row.recorded_by = matter, actor
    row.save()
    audit_record(
        actor=actor,
        action="analytics.spot_check_record",
        obj=row,
        matter=matter,
        data={
            "unit": unit.code,
            "checked_on": checked_on.isoformat(),
            "points": str(value),
            "reason": reason,
        },
    )
    return row


# --- the assessment ------------------------------------------------------------------------------


def _ratio(num: int, den: int, weight: Decimal) -> dict[str, Any]:
    score = weight.quantize(THREE_DECIMALS) if den == 0 else weighted_score(num, den, weight)
    return {"num": num, "den": den, "pct": pct(num, den), "score": str(score)}


class Assessor(UnitFigures):
    def __init__(self, node: OrgUnit, period: Period, quarter: Quarter | None = None) -> None:
        """Any period can be assessed; `quarter` names a 季考评 (the figures: counting.units)."""
        super().__init__(node, period)
        self.quarter = quarter

    def unit_rows(self, weights: dict[str, Decimal]) -> list[dict[str, Any]]:
        on_time, satisfaction = self.on_time(), self.satisfaction()
        supervision, outcomes = self.supervision()
        returns, spots = self.returns(), self.spot_checks()
        late = self.late_entries()
        ids = set(on_time) | set(satisfaction) | set(supervision) | set(returns) | set(spots)
        units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
        rows = []
        for uid in ids:
            unit = units[uid]
            figures = {"on_time": on_time, "satisfaction": satisfaction, "supervision": supervision}
            row: dict[str, Any] = {"unit": unit.code, "name": unit.name}
            total = Decimal("0")
            for part in COMPONENTS:
                cell = figures[part].get(uid, {"num": 0, "den": 0})
                row[part] = _ratio(cell["num"], cell["den"], weights[part])
                total += Decimal(row[part]["score"])
            row["supervision"]["outcomes"] = outcomes.get(
                uid, {"resolved": 0, "concluded": 0, "unresolved": 0, "open": 0}
            )
            ret = returns.get(uid, {"total": 0, "faults": 0, "justified": 0, "pending": 0})
            ret_points = weights["return_fault"] * ret["faults"]
            row["returns"] = ret | {"deduction": str(ret_points.quantize(THREE_DECIMALS))}
            spot = spots.get(uid, {"count": 0, "points": Decimal("0")})
            spot_points = Decimal(spot["points"] or 0)
            row["spot_checks"] = {
                "count": spot["count"],
                "deduction": str(spot_points.quantize(THREE_DECIMALS)),
            }
            row["late_entries"] = late.get(uid, 0)  # shown, not scored: the 督查 approved each
            total = max(Decimal("0"), total - ret_points - spot_points)  # 扣完为止
            row["total"] = str(half_up(total, THREE_DECIMALS))
            rows.append(row)
        scores = [_thousandths(r["total"]) for r in rows]
        for row in rows:
            row["rank"] = competition_rank(_thousandths(row["total"]), scores)
        rows.sort(key=lambda r: (r["rank"][0], r["unit"]))
        return rows

    def package_rows(self, weights: dict[str, Decimal]) -> dict[str, list[dict[str, Any]]]:
        """Leader packages by 包案领导 and by 责任单位 (the module's first lines say how)."""
        from xinfang.leaders.models import Leader

        figures = package_figures(self.node, self.period)
        leaders = Leader.objects.select_related("unit").in_bulk(list(figures["leader"]))
        units = OrgUnit.objects.in_bulk([k for k in figures["unit"] if k is not None])
        by_leader = [
            {"leader": leaders[k].name, "post": leaders[k].post, "unit": leaders[k].unit.name}
            | _package_score(v, weights)
            for k, v in figures["leader"].items()
        ]
        by_unit = [
            {"unit": units[k].code if k is not None else "", "name": _unit_name(units.get(k))}
            | _package_score(v, weights)
            for k, v in figures["unit"].items()
        ]
        for rows, name in ((by_leader, "leader"), (by_unit, "name")):
            scores = [_thousandths(r["score"]) for r in rows]
            for row in rows:
                row["rank"] = competition_rank(_thousandths(row["score"]), scores)
            rows.sort(key=lambda r: (r["rank"][0], r[name]))
        return {"leaders": by_leader, "package_units": by_unit}

    def build(self) -> dict[str, Any]:
        if self.quarter is None:
            raise ValueError("a 季考评 is built for a quarter")
        weights = assessment_weights()
        return {
            "quarter": self.quarter.code,
            "quarter_label": self.quarter.label,
            "period": self.period.as_dict(),
            "org": self.node.code,
            "org_name": self.node.name,
            "weights": {k: str(v) for k, v in weights.items()},
            "units": self.unit_rows(weights),
            **self.package_rows(weights),
        }


def _unit_name(unit: OrgUnit | None) -> str:
    return unit.name if unit is not None else "未定责任单位"


def _package_score(c: dict[str, int], weights: dict[str, Decimal]) -> dict[str, Any]:
    ratio = _ratio(c["on_time"], c["due"], weights["package_on_time"])
    off = (
        weights["package_reflow"] * c["reflows"]
        + weights["package_missing_note"] * (c["missing_notes"])
    )
    score = max(Decimal("0"), Decimal(ratio["score"]) - off)
    return c | {"pct": ratio["pct"], "score": str(half_up(score, THREE_DECIMALS))}


def _thousandths(figure: str) -> int:
    """A printed figure ("87.500", "96.0") as an integer, so that ranks follow what is printed."""
    return int(Decimal(figure) * 1000)


def build_assessment(*, org: OrgUnit, quarter: Quarter) -> dict[str, Any]:
    """The quarter's assessment of the units and leader packages under `org`, in one snapshot."""
    with transaction.atomic():
        return Assessor(org, quarter.period, quarter).build()


# --- what the command prints ---------------------------------------------------------------------


def _weight(value: str) -> str:
    return f"{Decimal(value).normalize():f}"


def assessment_tables(result: dict[str, Any]) -> list[Table]:
    """The two ranking tables (units, leader packages), from the assessment's JSON only."""

    units: list[list[Cell]] = [
        [
            r["rank"][0],
            r["name"],
            r["on_time"]["num"],
            r["on_time"]["den"],
            r["on_time"]["pct"],
            r["on_time"]["score"],
            r["satisfaction"]["num"],
            r["satisfaction"]["den"],
            r["satisfaction"]["pct"],
            r["satisfaction"]["score"],
            r["supervision"]["num"],
            r["supervision"]["den"],
            r["supervision"]["score"],
            r["returns"]["total"],
            r["returns"]["faults"],
            r["returns"]["deduction"],
            r["spot_checks"]["count"],
            r["spot_checks"]["deduction"],
            r["late_entries"],
            r["total"],
        ]
        for r in result["units"]
    ]
    unit_header = [
        "名次",
        "承办单位",
        "按期办结",
        "到期应办结",
        "按期办结率(%)",
        "按期办结得分",
        "满意",
        "参评",
        "满意率(%)",
        "满意率得分",
        "督办按期化解办结",
        "督办到期",
        "督办得分",
        "退回",
        "不当退回",
        "退回扣分",
        "抽查扣分次数",
        "抽查扣分",
        "补录",
        "总分",
    ]
    leaders: list[list[Cell]] = [
        [
            r["rank"][0],
            r["leader"],
            r["post"],
            r["packages"],
            r["on_time"],
            r["due"],
            r["pct"],
            r["reflows"],
            r["missing_notes"],
            r["score"],
        ]
        for r in result["leaders"]
    ]
    package_header = [
        "在办包案",
        "按期化解",
        "到期应化解",
        "按期化解率(%)",
        "回流",
        "未报进展",
        "得分",
    ]
    leader_header = ["名次", "包案领导", "职务", *package_header]
    package_units: list[list[Cell]] = [
        [
            r["rank"][0],
            r["name"],
            r["packages"],
            r["on_time"],
            r["due"],
            r["pct"],
            r["reflows"],
            r["missing_notes"],
            r["score"],
        ]
        for r in result["package_units"]
    ]
    return [
        Table("承办单位考评排名", unit_header, units),
        Table("领导包案考评排名", leader_header, leaders),
        Table("包案责任单位考评排名", ["名次", "责任单位", *package_header], package_units),
    ]


def _unit_parts(r: dict[str, Any]) -> str:
    """One unit's figures as the bureau writes them; parts with nothing in them said briefly."""
    ot, sat, sup = r["on_time"], r["satisfaction"], r["supervision"]
    ret, spot, out = r["returns"], r["spot_checks"], sup["outcomes"]
    parts = [
        f"到期应办结{ot['den']}件，按期办结{ot['num']}件，按期办结率{ot['pct']}%，得{ot['score']}分"
        if ot["den"]
        else f"无到期应办结事项，得{ot['score']}分",
        f"参评{sat['den']}件，满意（含基本满意）{sat['num']}件，满意率{sat['pct']}%，"
        f"得{sat['score']}分"
        if sat["den"]
        else f"无参评事项，得{sat['score']}分",
        f"督办到期{sup['den']}件，按期化解办结{sup['num']}件（已化解{out['resolved']}件、"
        f"已办结{out['concluded']}件、未化解{out['unresolved']}件、未办结{out['open']}件），"
        f"得{sup['score']}分"
        if sup["den"]
        else f"无到期督办事项，得{sup['score']}分",
    ]
    if ret["total"]:
        parts.append(
            f"退回{ret['total']}件，其中不当退回{ret['faults']}件、退回有理{ret['justified']}件、"
            f"待重新交办{ret['pending']}件，扣{ret['deduction']}分"
        )
    if r["late_entries"]:
        parts.append(f"补录办理步骤{r['late_entries']}个")
    if spot["count"]:
        parts.append(f"抽查扣分{spot['count']}次，扣{spot['deduction']}分")
    return "；".join(parts) + "。"


def _package_parts(r: dict[str, Any]) -> str:
    due = (
        f"到期应化解{r['due']}件，按期化解{r['on_time']}件，按期化解率{r['pct']}%"
        if r["due"]
        else "无到期应化解包案"
    )
    return (
        f"得{r['score']}分。在办包案{r['packages']}件，{due}；回流{r['reflows']}件，"
        f"未按月报送进展{r['missing_notes']}件次。"
    )


def render_assessment_text(result: dict[str, Any]) -> str:
    w = result["weights"]
    lines = [
        f"{result['quarter_label']}信访工作考评情况",
        "",
        result["org_name"],
        "",
        "一、承办单位季度考评排名",
        (
            f"（计分办法：按期办结率×{_weight(w['on_time'])}分、满意率×{_weight(w['satisfaction'])}分、"
            f"督办按期化解办结率×{_weight(w['supervision'])}分，无到期事项的项目得满分；"
            f"不当退回每件扣{_weight(w['return_fault'])}分，抽查扣分按录入分值扣减，扣完为止。）"
        ),
    ]
    if not result["units"]:
        lines.append("本季度无承办单位考评事项。")
    for r in result["units"]:
        lines.append(f"第{r['rank'][0]}名 {r['name']}，总分{r['total']}分。" + _unit_parts(r))
    lines += [
        "",
        "二、领导包案季度排名",
        (
            f"（计分办法：按期化解率×{_weight(w['package_on_time'])}分，无到期包案的得满分；"
            f"回流每件扣{_weight(w['package_reflow'])}分，未按月报送进展每件次扣"
            f"{_weight(w['package_missing_note'])}分，扣完为止。）"
        ),
    ]
    if not result["leaders"]:
        lines.append("本季度无在办的领导包案。")
    for r in result["leaders"]:
        lines.append(f"第{r['rank'][0]}名 {r['leader']}，" + _package_parts(r))
    lines += ["", "三、包案责任单位季度排名"]
    if not result["package_units"]:
        lines.append("本季度无在办的领导包案。")
    for r in result["package_units"]:
        lines.append(f"第{r['rank'][0]}名 {r['name']}，" + _package_parts(r))
    return "\n".join(lines) + "\n"


def write_assessment_workbook(result: dict[str, Any], path: Any) -> None:
    """One sheet per ranking table, formatted to print as the report's workbook is."""

    from xinfang.analytics.workbook import write_tables

    caption = f"{result['org_name']} {result['quarter_label']}"
    write_tables(path, caption, assessment_tables(result), max_width=30)

"""THE counting package: contract B of ledger-and-report.md, for any node and any period.

Everything the product reports (CLI, JSON, text, Excel, Word, pages) calls `build_report`;
nothing counts anywhere else. The database does the counting (GROUP BY over registrations and
matters); Python only adds up the grouped rows, a few thousand at most, never the rows themselves.

Registrations of the whole calendar months of a period are read from monthly summaries kept by
database triggers (xinfang.analytics.summary); those of a partial month at either end from the
registrations themselves. `build_report(use_summary=False)` reads the rows alone (the tests hold
both equal).

Decisions the contract leaves open, written down here:
- Belonging: a registration belongs to its 问题属地, a matter to the locality of its first
  registration (Matter.locality). A node counts itself and its subtree. An empty 问题属地
  belongs to the root; with several roots, to the first created (`unlocated_root_id`), so that
  it is counted once, not under every root.
- A matter counts in P when any of its registrations was received in P (wherever that one
  belongs); it is first-time when its first registration was received in P.
- Breakdown rows count registrations (batches, people). `unit` is the matter's handling unit as
  it stood at the end of the period (`unit_at_end`: the unit of the assignment active then;
  Matter.responsible_unit for a matter the workflow never routed, such as a ledger import), the
  unit itself, not its subtree; rows without one have `"unit": null`. Routing after the period
  does not change its report. `locality` rows are the node's direct children, each with its
  subtree, plus the node itself for what is registered directly at it. `category` is the
  registration's own category (its path).
- Rows of channel, level, form and purpose list every code of the vocabulary (so tables keep
  their shape); the other breakdowns list only rows with a figure in either period.
- Rank (contract C) is present when the node has siblings of its own kind (a district among the
  city's districts): totals and the rows of channel, level, form, their combinations, category,
  purpose and unit rank the node among them for the same row, and so does the node's own
  `locality` row (what is registered directly at the node against what is registered directly
  at each sibling). A child's `locality` row has no counterpart under a sibling and carries no
  `rank`; it carries `place`, the child among the node's children of its kind ("列全区第2位").
  Unit rows carry `place` too: the unit among the units of the breakdown (责任单位排名). Ranks
  are by batches and people; matters are not ranked. Competition ranking, largest first: 1, 2,
  2, 4.
- Clock items (及时受理, 按期办结, the supervision part of the score) count in the period in which
  their deadline falls. Every deadline, given (延期至, 办理期限, 督办期限) or computed (+15, +60),
  moves to the next working day by the calendar of xinfang.workflow.calendar; a year missing from
  it raises CalendarMissingError rather than guess.
- Nothing dated after the end of P counts: a decision, reply, evaluation or resolution after it
  does not make an item compliant; a supervision or package begun after it is not counted.
- 满意率 / 参评率: over matters whose reply was delivered in P; an evaluation with no date counts
  (it is not dated after P).

Where each figure is counted (modules of this package):
- scope.py: the node, its subtree and siblings (Scope), `org_for_report`, `unit_at_end`.
- ranges.py: period buckets and whole/partial months of a query; settings.py: the domain settings.
- cubes.py: registrations (批次, 人次) grouped by period, locality and breakdown fields.
- breakdowns.py: totals and breakdown rows with 同比/环比 and rank (also B2's street × level,
  `locality,channel,level`); ranks.py: the rank rule.
- letters.py: B2 `letters`, the letters by 来信类型, 初信/重信 and 求决类初信.
- matters.py: matters (件), first-time matters; PostgreSQL's one scan of the matters, each
  figure a digit of one grouped key (families.py: the digits, each a few exclusive conditions).
- clocks.py: 及时受理, 按期办结, 督办 clock items (`grouped_clock`, also per unit).
- rates.py: 满意率, 参评率, 一次性化解率, 督办化解率 and the 法治化 score; B2's 办结率, 息访率,
  初信初访一次性化解率, 重复信访率, 依法分类占比, 网上信访占比, `reviews`, 督办 by kind, the
  法治化 rank, and the matters behind each figure (its own head says how each counts).
- report.py: ReportBuilder, `build_report`, `monthly_totals`.
- units.py: handling units' 按期办结, 满意, 督办, 退回, 抽查扣分 (季考评, 简报's units).
- entries.py: 补录 (steps a 督查 let be dated before the backdating window), counted by when they
  were entered: on the node's matters (the report's `late_entries`) and per unit (季考评).
- packages.py: leader packages per 包案领导 and 责任单位 (季考评); overdue.py: 超期未办结事项.
- leaderwork.py: B2 `receptions` (领导接访) and `packages` (包案), and the rows behind each figure.
- prevention.py: B2 `hearings`, `meetings`, `handed_down` and `disputes`, and their rows (their
  sentences are words, not counts: xinfang.analytics.preventiontext).
"""

from xinfang.analytics.counting.clocks import AddDays, clock_base_range, grouped_clock, tally_clock
from xinfang.analytics.counting.cubes import Cube
from xinfang.analytics.counting.matters import SATISFIED
from xinfang.analytics.counting.ranges import Ranges, bucketed, split_months
from xinfang.analytics.counting.ranks import competition_rank
from xinfang.analytics.counting.report import ReportBuilder, build_report, monthly_totals
from xinfang.analytics.counting.scope import Scope, org_for_report, unit_at_end
from xinfang.analytics.counting.settings import domain_limit, rule_of_law_weights

__all__ = [
    "SATISFIED",
    "AddDays",
    "Cube",
    "Ranges",
    "ReportBuilder",
    "Scope",
    "bucketed",
    "build_report",
    "clock_base_range",
    "competition_rank",
    "domain_limit",
    "grouped_clock",
    "monthly_totals",
    "org_for_report",
    "rule_of_law_weights",
    "split_months",
    "tally_clock",
    "unit_at_end",
]

"""Which node a report is about, what belongs to it, and a matter's handling unit at a day."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, When

from xinfang.core.errors import InputError
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.organisation.selectors import unit_named
from xinfang.workflow.models import Assignment

# --- the organisation node, its scope and its siblings ---------------------------------------


def org_for_report(named: str | None) -> OrgUnit:
    """The node a report is about: the unit named by code, name or short name (as the ledger
    names units: organisation.selectors.unit_named), else the single root of the tree."""
    if named and named.strip():
        return unit_named(named, field="org")
    roots = list(OrgUnit.objects.filter(parent__isnull=True)[:2])
    if len(roots) != 1:
        raise InputError(
            "组织机构有多个顶级单位或尚未导入，请用 --org 指定单位编码或名称", field="org"
        )
    return roots[0]


@dataclass
class Scope:
    """The node, the unit whose subtree the queries read (its parent when it has siblings)."""

    node: OrgUnit
    siblings: list[OrgUnit]  # the node and its siblings of its kind, when there are several
    children: list[OrgUnit]  # the node's direct children
    paths: dict[int, list[int]]  # unit id -> ids from the root down to it
    single_root: bool
    unlocated_root: int | None = None  # the root an empty 问题属地 belongs to (unlocated_root_id)
    # counted for a reader who may not see 检举控告 (领导, 督查): such rows are left out entirely,
    # or a small node and a short period would single one accusation out
    hide_accusations: bool = False
    _places: dict[int | None, tuple[bool, int | None, int | None]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(cls, node: OrgUnit, *, hide_accusations: bool = False) -> "Scope":
        siblings: list[OrgUnit] = []
        if node.parent_id is not None:
            siblings = list(OrgUnit.objects.filter(parent_id=node.parent_id, kind=node.kind))
            if len(siblings) < 2:
                siblings = []
        read = node.parent if siblings and node.parent is not None else node
        paths = {
            pk: [int(x) for x in path.strip("/").split("/")]
            for pk, path in OrgUnit.objects.filter(path__startswith=read.path).values_list(
                "id", "path"
            )
        }
        children = list(OrgUnit.objects.filter(parent=node))
        roots = list(OrgUnit.objects.filter(parent__isnull=True).order_by("id").values_list("id"))
        return cls(
            node=node,
            siblings=siblings,
            children=children,
            paths=paths,
            single_root=len(roots) == 1,
            unlocated_root=roots[0][0] if roots else None,
            hide_accusations=hide_accusations,
        )

    @property
    def read_root(self) -> OrgUnit:
        return self.node.parent if self.siblings and self.node.parent else self.node

    def locality_q(self, field: str, *, whole: bool, purpose: str = "purpose") -> Q:
        """Rows whose unit lies in the node's subtree (`whole`: the parent's, for ranking)."""
        unit = self.read_root if whole else self.node
        # registrations and matters both name their purpose `purpose`
        hidden = ~Q(**{purpose: Purpose.ACCUSATION}) if self.hide_accusations else Q()
        if unit.parent_id is None and self.single_root:
            return hidden  # the whole tree: no locality filter to pay for
        q = Q(**{f"{field}__in": OrgUnit.objects.filter(path__startswith=unit.path).values("id")})
        if unit.pk == self.unlocated_root:  # an empty 问题属地 belongs to the (first) root
            q |= Q(**{f"{field}__isnull": True})
        return q & hidden

    def ancestor_at(self, unit_id: int | None, depth: int) -> int | None:
        if unit_id is None:  # an empty 问题属地: the root it belongs to, counted once
            return self.unlocated_root if depth == 0 else None
        path = self.paths.get(unit_id)
        if path is None or len(path) <= depth:
            return None
        return path[depth]

    def placed(self, unit_id: int | None) -> tuple[bool, int | None, int | None]:
        """(in the node, the sibling, the child) of a unit, worked out once per unit: a report
        asks them of every grouped row."""
        found = self._places.get(unit_id)
        if found is None:
            depth = self.node.depth
            at_depth = self.ancestor_at(unit_id, depth)
            mine = at_depth == self.node.pk
            child = (self.ancestor_at(unit_id, depth + 1) or self.node.pk) if mine else None
            found = self._places[unit_id] = (mine, at_depth if self.siblings else None, child)
        return found

    def in_node(self, unit_id: int | None) -> bool:
        return self.placed(unit_id)[0]

    def sibling_of(self, unit_id: int | None) -> int | None:
        return self.placed(unit_id)[1]

    def child_of(self, unit_id: int | None) -> int | None:
        """The node's child the unit lies under, or the node itself for what is at the node."""
        return self.placed(unit_id)[2]


# --- the handling unit as of a day ------------------------------------------------------------


def unit_at_end(end: date, matter: str = "pk") -> Case:
    """The matter's handling unit as it stood at the end of `end` (an ORM expression).

    The unit of the assignment (交办/转送, xinfang.workflow.models.Assignment) active then: given
    on or before `end` and not returned by then (returned_on after `end`, or not at all); the
    latest such one should routing have overlapped. A matter the workflow never routed (a ledger
    import, or a unit named at registration) keeps Matter.responsible_unit. A routed matter with
    no assignment active then (returned and not yet reassigned, or routed only later) has none:
    routing after the period does not change a past report. `matter`: the field of the queryset's
    rows holding the matter's id ("pk" on matters). `_UNIT_AT_END_SQL` is the same rule in SQL.
    """
    assignments = Assignment.objects.filter(matter_id=OuterRef(matter))
    active = (
        assignments.filter(assigned_on__lte=end)
        .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=end))
        .order_by("-id")
        .values("unit_id")[:1]
    )
    responsible = "responsible_unit_id" if matter == "pk" else f"{matter[:-3]}__responsible_unit_id"
    return Case(
        When(Exists(assignments), then=Subquery(active)),
        default=F(responsible),
        output_field=IntegerField(),
    )


# Rows `r` (columns bucket and matter_id) with their matter's unit at the end of their bucket's
# period, as `unit_at_end` says: one grouped pass over the assignments instead of a probe per row.
_UNIT_AT_END_SQL = (
    "LEFT JOIN {matter} um ON um.id = r.matter_id "
    "LEFT JOIN (SELECT matter_id, "
    "MAX(CASE WHEN assigned_on <= %s AND (returned_on IS NULL OR returned_on > %s) "
    "THEN id END) a0, "
    "MAX(CASE WHEN assigned_on <= %s AND (returned_on IS NULL OR returned_on > %s) "
    "THEN id END) a1 "
    "FROM {assignment} GROUP BY matter_id) ua ON ua.matter_id = r.matter_id "
    "LEFT JOIN {assignment} u0 ON u0.id = ua.a0 LEFT JOIN {assignment} u1 ON u1.id = ua.a1"
)
_UNIT_AT_END_COLUMN = (
    "CASE WHEN ua.matter_id IS NULL THEN um.responsible_unit_id "
    "WHEN r.bucket = 0 THEN u0.unit_id ELSE u1.unit_id END"
)


def unit_at_end_join(cur_end: date, prev_end: date) -> tuple[str, str, list[Any]]:
    """(joins, unit column, params) for registration rows `r` of a report's two periods."""
    sql = _UNIT_AT_END_SQL.format(
        matter=connection.ops.quote_name(Matter._meta.db_table),
        assignment=connection.ops.quote_name(Assignment._meta.db_table),
    )
    return sql, _UNIT_AT_END_COLUMN, [cur_end, cur_end, prev_end, prev_end]

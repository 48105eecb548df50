"""Totals and breakdown rows (channel, level, form, category, …) with 同比 and rank."""

from collections.abc import Iterable
from typing import Any

from xinfang.analytics.counting.cubes import CLF, CP, FIGURES, Cube, Figures, Key, RegistrationCubes
from xinfang.analytics.counting.matters import MatterCounts
from xinfang.analytics.counting.ranks import competition_rank
from xinfang.analytics.figures import change
from xinfang.intake.choices import Channel, Form, Level, Purpose
from xinfang.intake.models import Category
from xinfang.organisation.models import OrgUnit

BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "channel": ("channel",),
    "level": ("level",),
    "form": ("form",),
    "channel,level": ("channel", "level"),
    "channel,level,form": ("channel", "level", "form"),
    "category": ("category",),
    "purpose": ("purpose",),
    "locality": ("locality",),
    "unit": ("unit",),
    "locality,channel,level": ("locality", "channel", "level"),
}
VOCABULARIES: dict[str, list[str]] = {
    "channel": list(Channel.values),
    "level": list(Level.values),
    "form": list(Form.values),
    "purpose": list(Purpose.values),
}


def _vocab_order(fields: tuple[str, ...], key: Key) -> tuple[int, ...]:
    return tuple(
        VOCABULARIES[f].index(v) if v in VOCABULARIES[f] else 99
        for f, v in zip(fields, key, strict=True)
    )


def _by_size(cube: Cube) -> list[Key]:
    """Row keys, largest current batches first, then previous, then key."""
    return sorted(
        cube.row_keys(),
        key=lambda k: (
            -cube.get(0, None, k)["batches"],
            -cube.get(1, None, k)["batches"],
            str(k),
        ),
    )


class Breakdowns(RegistrationCubes, MatterCounts):
    """The rows of contract C: totals and every breakdown, each with its change and rank."""

    def _with_change(self, row: dict[str, Any], cur: Figures, prev: Figures) -> dict[str, Any]:
        row.update(cur)
        row["previous"] = dict(prev)
        row["change"] = {k: change(cur[k], prev[k]) for k in cur}
        return row

    def _rank(self, cube: Cube, key: Key, owners: Iterable[int], me: int | None) -> dict[str, Any]:
        owners = list(owners)
        ranks = {}
        for figure in FIGURES:
            values = {o: cube.get(0, o, key)[figure] for o in owners}
            mine = values.get(me, 0) if me is not None else 0
            ranks[figure] = competition_rank(mine, values.values())
        return ranks

    def totals(self) -> dict[str, Any]:
        node_cube, sib_cube = self._registration_cube(CLF, lambda g: ())
        matters, firsts = self._matter_counts()
        cur = node_cube.get(0, None, ()) | {
            "matters": matters[0][None],
            "first_matters": firsts[0][None],
        }
        prev = node_cube.get(1, None, ()) | {
            "matters": matters[1][None],
            "first_matters": firsts[1][None],
        }
        row = self._with_change({}, cur, prev)
        if self.scope.siblings:
            row["rank"] = self._rank(
                sib_cube, (), [s.pk for s in self.scope.siblings], self.node.pk
            )
        return row

    def breakdowns(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        sib_ids = [s.pk for s in self.scope.siblings]
        node_clf, sib_clf = self._registration_cube(
            CLF, lambda g: (g["channel"], g["level"], g["form"])
        )

        def project(cube: Cube, idx: tuple[int, ...]) -> Cube:
            projected = Cube()
            for (bucket, owner, key), fig in cube.cells.items():
                projected.add(bucket, owner, tuple(key[i] for i in idx), **fig)
            return projected

        for name, idx in (
            ("channel", (0,)),
            ("level", (1,)),
            ("form", (2,)),
            ("channel,level", (0, 1)),
            ("channel,level,form", (0, 1, 2)),
        ):
            fields = BREAKDOWNS[name]
            node_cube, sib_cube = project(node_clf, idx), project(sib_clf, idx)
            if len(fields) == 1:
                keys: list[Key] = [(v,) for v in VOCABULARIES[fields[0]]]
            elif name == "channel,level":
                keys = [(c, lv) for c in VOCABULARIES["channel"] for lv in VOCABULARIES["level"]]
            else:
                keys = sorted(node_cube.row_keys(), key=lambda k: _vocab_order(fields, k))
            out[name] = [
                self._row(dict(zip(fields, key, strict=True)), node_cube, sib_cube, key, sib_ids)
                for key in keys
            ]

        # category: the registration's own category, shown by its path
        node_cat, sib_cat = self._registration_cube(CP, lambda g: (g["category_id"],))
        paths = dict(Category.objects.values_list("id", "path"))
        out["category"] = [
            self._row(
                {"category": paths.get(k[0]) if k[0] else None}, node_cat, sib_cat, k, sib_ids
            )
            for k in _by_size(node_cat)
        ]

        node_pur, sib_pur = self._registration_cube(CP, lambda g: (g["purpose"] or None,))
        keys = [(v,) for v in VOCABULARIES["purpose"]]
        keys += [(None,)] if (None,) in node_pur.row_keys() else []
        out["purpose"] = [self._row({"purpose": k[0]}, node_pur, sib_pur, k, sib_ids) for k in keys]

        out["locality"] = self._locality_rows()
        out["unit"] = self._unit_rows()
        out["locality,channel,level"] = self._locality_level_rows()
        return out

    def _row(
        self, head: dict[str, Any], node: Cube, sib: Cube, key: Key, sib_ids: list[int]
    ) -> dict[str, Any]:
        row = self._with_change(head, node.get(0, None, key), node.get(1, None, key))
        if sib_ids:
            row["rank"] = self._rank(sib, key, sib_ids, self.node.pk)
        return row

    def _locality_rows(self) -> list[dict[str, Any]]:
        """The node's own row (what is registered directly at it), then a row per child.

        Contract C's `rank` (the node's place among its siblings for the same row) is given
        where it means something: on the node's own row, what is registered directly at the node
        against what is registered directly at each sibling. A child's row has no counterpart
        under a sibling (another district has no 东风街道), so it carries no `rank`; it carries
        `place` instead: the child's place among the node's children of its kind, the
        "列全区第2位" of a district's report.
        """
        cube = self._locality_cube()
        own = Cube()  # registered directly at each sibling
        if self.scope.siblings:
            sib_ids = {s.pk for s in self.scope.siblings}
            for g in self._groups(CLF):
                if g["locality_id"] in sib_ids:
                    own.add(g["bucket"], g["locality_id"], (), g["batches"], g["people"] or 0)
        rows = []
        for unit in [self.node, *sorted(self.scope.children, key=lambda u: (u.sort_order, u.code))]:
            key = (unit.pk,)
            cur, prev = cube.get(0, unit.pk, key), cube.get(1, unit.pk, key)
            if not any(cur.values()) and not any(prev.values()):
                continue
            row = self._with_change({"locality": unit.code, "name": unit.name}, cur, prev)
            if unit.pk == self.node.pk:
                if self.scope.siblings:
                    row["rank"] = self._rank(own, (), sorted(sib_ids), self.node.pk)
            else:
                kin = [c.pk for c in self.scope.children if c.kind == unit.kind]
                if len(kin) > 1:
                    row["place"] = {
                        f: competition_rank(cur[f], (cube.get(0, k, (k,))[f] for k in kin))
                        for f in FIGURES
                    }
            rows.append(row)
        return rows

    def _locality_level_rows(self) -> list[dict[str, Any]]:
        """Each child of the node by channel and level, from the CLF groups already read (seed
        000's "马群街道进京上访11批37人次"): rows with a figure in either period, by channel and
        level, then the child's batches and people, largest first, then the tree's order. What
        is registered directly at the node is no child's and is left out; no rank or place."""
        cube = Cube()
        for g in self._groups(CLF):
            child = self.scope.child_of(g["locality_id"])
            if child is not None and child != self.node.pk:
                key = (child, g["channel"], g["level"])
                cube.add(g["bucket"], None, key, g["batches"], g["people"] or 0)
        children = {u.pk: u for u in self.scope.children}

        def order(key: Key) -> tuple[Any, ...]:
            cur, unit = cube.get(0, None, key), children[key[0]]
            vocab = _vocab_order(("channel", "level"), key[1:])
            return (*vocab, -cur["batches"], -cur["people"], unit.sort_order, unit.code)

        rows = []
        for key in sorted(cube.row_keys(), key=order):
            unit = children[key[0]]
            head = {"locality": unit.code, "name": unit.name, "channel": key[1], "level": key[2]}
            rows.append(self._with_change(head, cube.get(0, None, key), cube.get(1, None, key)))
        return rows

    def _unit_rows(self) -> list[dict[str, Any]]:
        """A row per handling unit (as it stood at the period's end), the largest first.

        `rank` (contract C, when the node has siblings): the node's place among its siblings by
        the registrations of matters that unit handles in each sibling's area. `place`: the
        unit's place among the units of the breakdown (责任单位排名), when there are several.
        """
        node_cube, sib_cube = self._registration_cube(("unit",), lambda g: (g["unit"],))
        keys = _by_size(node_cube)
        found = OrgUnit.objects.filter(pk__in=[k[0] for k in keys if k[0]])
        names = {u.pk: (u.code, u.name) for u in found}
        named = [k for k in keys if k[0]]
        sib_ids = [s.pk for s in self.scope.siblings]
        rows = []
        for key in keys:
            uid = key[0]
            code, label = names.get(uid, (None, "未指定")) if uid else (None, "未指定")
            row = self._row({"unit": code, "name": label}, node_cube, sib_cube, key, sib_ids)
            if uid and len(named) > 1:
                row["place"] = {
                    f: competition_rank(
                        node_cube.get(0, None, key)[f],
                        (node_cube.get(0, None, k)[f] for k in named),
                    )
                    for f in FIGURES
                }
            rows.append(row)
        return rows

"""Reading the organisation tree."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from xinfang.core.errors import InputError
from xinfang.organisation.models import OrgUnit

NEAR_UNITS = 8  # candidates named in an error


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)


def subtree_ids(unit: OrgUnit) -> list[int]:
    return list(subtree(unit).values_list("id", flat=True))


def unit_keys(rows: Iterable[tuple[int, str, str, str]]) -> dict[str, int | None]:
    """(id, code, name, short name) rows -> id by code, name or short name; a name two units
    share -> None (ask for the code). Codes win over names. The one rule by which people name a
    unit: the ledger's 问题属地/责任单位 cells and the commands' --org."""
    rows = list(rows)
    keys: dict[str, int | None] = {}
    for pk, _code, name, short in rows:
        for key in {name, short} - {""}:
            keys[key] = None if key in keys and keys[key] != pk else pk
    for pk, code, _name, _short in rows:
        keys[code] = pk  # codes win over names
    return keys


def unit_lookup() -> dict[str, OrgUnit | None]:
    """Code and unambiguous name -> unit; an ambiguous name maps to None."""
    units = OrgUnit.objects.in_bulk()
    keys = unit_keys((u.pk, u.code, u.name, u.short_name) for u in units.values())
    return {key: units[pk] if pk else None for key, pk in keys.items()}


def unit_named(value: str, *, field: str = "org") -> OrgUnit:
    """The unit `value` names by code, name or short name (unit_keys' rule), or a Chinese
    InputError listing the candidates: the units sharing the name, or those whose name has it."""
    value = value.strip()
    matching = Q(code=value) | Q(name=value) | Q(short_name=value)
    rows = list(OrgUnit.objects.filter(matching).values_list("id", "code", "name", "short_name"))
    keys = unit_keys(rows)
    found = keys.get(value)
    if found:
        return OrgUnit.objects.get(pk=found)
    if value in keys:  # a name several units share
        shared = OrgUnit.objects.filter(matching).select_related("parent").order_by("code")
        raise InputError(
            f"名称“{value}”在组织树中不唯一，请改用单位编码：{_listed(shared)}", field=field
        )
    near = (
        OrgUnit.objects.filter(Q(name__contains=value) | Q(short_name__contains=value))
        .select_related("parent")
        .order_by("depth", "code")[: NEAR_UNITS + 1]
        if value
        else OrgUnit.objects.none()
    )
    hint = f"；名称相近的单位：{_listed(near)}" if near else ""
    raise InputError(f"没有编码为“{value}”的单位，也没有以此为名称或简称的单位{hint}", field=field)


def _listed(units: Iterable[OrgUnit]) -> str:
    """“320102（南京市 玄武区）、…”: each unit's code with its parent's name and its own."""
    units = list(units)
    shown = [
        f"{u.code}（{u.parent.name + ' ' if u.parent else ''}{u.name}）" for u in units[:NEAR_UNITS]
    ]
    more = "等" if len(units) > NEAR_UNITS else ""
    return "、".join(shown) + more


def unlocated_root_id() -> int | None:
    """The root an empty 问题属地 belongs to (contract B: "the root when empty").

    With one root, that root. With several (two cities imported side by side), the first one
    created (lowest id), as the portal files what it receives there: counted once, under one root,
    listed by one root's bureau — the same answer for the reports, the lists and the permissions.
    """
    found = OrgUnit.objects.filter(parent__isnull=True).order_by("id").values_list("id").first()
    return found[0] if found else None


def holds_unlocated(unit: OrgUnit) -> bool:
    """Whether matters with no 问题属地 lie in `unit`'s area (one root's; no query below a root)."""
    return unit.parent_id is None and unit.pk == unlocated_root_id()

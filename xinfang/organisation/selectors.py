"""Reading the organisation tree."""

from django.db.models import QuerySet

from xinfang.organisation.models import OrgUnit


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)


def subtree_ids(unit: OrgUnit) -> list[int]:
    return list(subtree(unit).values_list("id", flat=True))


def unit_lookup() -> dict[str, OrgUnit | None]:
    """Code and unambiguous name -> unit; an ambiguous name maps to None."""
    table: dict[str, OrgUnit | None] = {}
    units = list(OrgUnit.objects.all())
    for unit in units:
        for key in {unit.name, unit.short_name} - {""}:
            table[key] = None if key in table and table[key] != unit else unit
    for unit in units:
        table[unit.code] = unit  # codes win over names
    return table


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

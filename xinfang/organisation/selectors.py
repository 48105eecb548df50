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

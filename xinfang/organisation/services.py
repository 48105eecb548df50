"""Writing the organisation tree: every unit's path and depth are kept here."""

from django.db import transaction

from xinfang.organisation.models import OrgUnit, UnitKind


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: UnitKind | str,
    parent: OrgUnit | None = None,
    short_name: str = "",
    is_discipline_organ: bool = False,
    sort_order: int = 0,
) -> OrgUnit:
    unit = OrgUnit.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        short_name=short_name,
        is_discipline_organ=is_discipline_organ,
        sort_order=sort_order,
    )
    _set_path(unit)
    unit.save(update_fields=["path", "depth"])
    return unit


def rebuild_paths() -> None:
    """Recompute every path from the parent links (after an import or a move)."""
    units = {u.pk: u for u in OrgUnit.objects.all()}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units.values():
        children.setdefault(unit.parent_id, []).append(unit)
    changed: list[OrgUnit] = []
    stack: list[tuple[OrgUnit, str, int]] = [(u, "/", 0) for u in children.get(None, [])]
    while stack:
        unit, prefix, depth = stack.pop()
        path = f"{prefix}{unit.pk}/"
        if unit.path != path or unit.depth != depth:
            unit.path, unit.depth = path, depth
            changed.append(unit)
        stack.extend((child, path, depth + 1) for child in children.get(unit.pk, []))
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=500)


def _set_path(unit: OrgUnit) -> None:
    prefix = unit.parent.path if unit.parent else "/"
    unit.path = f"{prefix}{unit.pk}/"
    unit.depth = unit.parent.depth + 1 if unit.parent else 0

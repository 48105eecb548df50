"""机关代字 and 落款: the administrator's, or derived from the unit's name until one is entered.

No two units print the same 代字 (two units with one 代字 would print the same 文号 on different
documents): an entered 代字 is refused when another unit prints it (IssuerPrefix.clean), and a
derived one takes more of the unit's name until no other unit prints it. Units are served in the
order they were created, so the unit that was there first keeps its short 代字 and adding a unit
never changes another's. Numbers are counted per printed 代字 (xinfang.documents.kinds), so even
a 代字 that moves from one unit to another never prints a number twice.
"""

from collections.abc import Iterator

from xinfang.documents.models import IssuerPrefix
from xinfang.organisation.models import OrgUnit, UnitKind

_LEVEL_WORDS = ("区", "市", "县")  # "区住房和城乡建设局": the level word says nothing of the unit
_BUREAU_KINDS = (UnitKind.CITY, UnitKind.DISTRICT)


def _han(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def _stem(unit: OrgUnit) -> str:
    """The unit's name without a leading bare level word: 区住房和城乡建设局 → 住房和城乡建设局."""
    name = _han(unit.short_name or unit.name)
    if len(name) > 2 and name.startswith(_LEVEL_WORDS):
        name = name[1:]
    return name


def _place(unit: OrgUnit, parents: dict[int, OrgUnit]) -> str:
    """Where a 信访 unit sits: 青山区信访局 → 青山区; 区信访局 under 青山区 → 青山区."""
    own = _han(unit.short_name or unit.name).split("信访")[0]
    if (own[1:] if own[:1] in _LEVEL_WORDS else own) != "":
        return own
    above = parents.get(unit.parent_id) if unit.parent_id else None
    while above is not None and above.kind not in _BUREAU_KINDS:
        above = parents.get(above.parent_id) if above.parent_id else None
    return _han(above.name) if above is not None else own


def _candidates(unit: OrgUnit, parents: dict[int, OrgUnit]) -> Iterator[str]:
    """The unit's 代字 from shortest to longest: the bureau (a city or district, or a 信访 unit)
    its place's first characters + 信 (青信, 青山信, ...), any other unit the first characters of
    its name (东风, 东风街, 东风街道); then its parent's first character before them; then
    its id."""
    name = _stem(unit)
    if not name:
        yield "信"
    elif unit.kind in _BUREAU_KINDS or "信访" in name:
        place = _place(unit, parents) if "信访" in name else name
        for n in range(1, len(place) + 1):
            yield f"{place[:n]}信"
        yield from (name[:n] for n in range(3, len(name) + 1))
    else:
        yield from (name[:n] for n in range(min(2, len(name)), len(name) + 1))
    parent = parents.get(unit.parent_id) if unit.parent_id else None
    if parent is not None and _stem(parent):
        yield f"{_stem(parent)[0]}{name}"
    yield f"{name}{unit.pk or ''}"


def default_prefix(unit: OrgUnit, taken: frozenset[str] | set[str] = frozenset()) -> str:
    """The unit's derived 代字: its first candidate no other unit prints (青山区信访局 → 青信)."""
    parents: dict[int, OrgUnit] = {}
    above = unit.parent if unit.parent_id else None
    while above is not None:
        parents[above.pk] = above
        above = above.parent if above.parent_id else None
    return _first_free(unit, parents, taken)


def _first_free(
    unit: OrgUnit, parents: dict[int, OrgUnit], taken: frozenset[str] | set[str]
) -> str:
    last = ""
    for candidate in _candidates(unit, parents):
        if candidate not in taken:
            return candidate
        last = candidate
    return last  # unreachable in practice: the last candidate carries the unit's id


def current_prefixes() -> dict[int, str]:
    """Every unit's 代字 as it prints now: entered ones first, then derived in order of creation."""
    entered = dict(IssuerPrefix.objects.values_list("unit_id", "prefix"))
    units = list(
        OrgUnit.objects.only("id", "name", "short_name", "kind", "parent_id").order_by("id")
    )
    by_id = {u.pk: u for u in units}
    taken = set(entered.values())
    out = dict(entered)
    for unit in units:
        if unit.pk in entered:
            continue
        prefix = _first_free(unit, by_id, taken)
        taken.add(prefix)
        out[unit.pk] = prefix
    return out


def prefix_of(unit: OrgUnit) -> str:
    row = IssuerPrefix.objects.filter(unit=unit).first()
    return row.prefix if row else current_prefixes()[unit.pk]


def default_organ_name(unit: OrgUnit) -> str:
    """青山区 (where the bureau's officers sit) signs as 青山区信访局; 区住建局 under 青山区 as
    青山区住建局: a name that starts with its level word borrows the parent's name."""
    name = unit.name
    if unit.kind in (UnitKind.CITY, UnitKind.DISTRICT) and "信访" not in name:
        return f"{name}信访局"
    parent = unit.parent
    if (
        len(name) > 2
        and name.startswith(_LEVEL_WORDS)
        and parent is not None
        and parent.kind in (UnitKind.CITY, UnitKind.DISTRICT)
        and parent.name.endswith(name[0])
    ):
        return f"{parent.name}{name[1:]}"
    return name


def organ_name_of(unit: OrgUnit) -> str:
    row = IssuerPrefix.objects.filter(unit=unit).first()
    return row.organ_name if row and row.organ_name else default_organ_name(unit)

"""机关代字 and 落款: the administrator's, or derived from the unit's name until one is entered."""

from xinfang.documents.models import IssuerPrefix
from xinfang.organisation.models import OrgUnit, UnitKind

_LEVEL_WORDS = ("区", "市", "县")  # "区住房和城乡建设局": the level word says nothing of the unit


def default_prefix(unit: OrgUnit) -> str:
    """The bureau (a city or district unit, or any 信访 unit): its first character + 信, as
    青山区信访局 writes 青信; any other unit: the first two characters (东风街道 → 东风)."""
    name = "".join(ch for ch in (unit.short_name or unit.name) if "\u4e00" <= ch <= "\u9fff")
    if len(name) > 2 and name.startswith(_LEVEL_WORDS):
        name = name[1:]
    if not name:
        return "信"
    if unit.kind in (UnitKind.CITY, UnitKind.DISTRICT) or "信访" in name:
        return f"{name[0]}信"
    return name[:2]


def prefix_of(unit: OrgUnit) -> str:
    row = IssuerPrefix.objects.filter(unit=unit).first()
    return row.prefix if row else default_prefix(unit)


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

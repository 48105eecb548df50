"""Leader work from and to files: the reception ledger (A3) and packages from the ledger (A)."""

from xinfang.leaders.ledger.export import export_receptions
from xinfang.leaders.ledger.packages import PackageCounts, packages_from_ledger
from xinfang.leaders.ledger.receptions import ReceptionImportResult, import_receptions

__all__ = [
    "PackageCounts",
    "ReceptionImportResult",
    "export_receptions",
    "import_receptions",
    "packages_from_ledger",
]

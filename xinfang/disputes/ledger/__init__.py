"""Disputes from and to files: the dispute ledger (A4)."""

from xinfang.disputes.ledger.export import export_disputes
from xinfang.disputes.ledger.importer import DisputeImportResult, import_disputes

__all__ = ["DisputeImportResult", "export_disputes", "import_disputes"]

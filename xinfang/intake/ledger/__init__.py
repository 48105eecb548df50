"""The ledger (台账) file: its columns, reading, checking, importing and exporting (contract A)."""

"""Django's `flush` (empties every table of the database), allowed to empty the audit table too.

The audit table's triggers refuse to change or remove its rows; emptying the whole database —
what the tests do between transactional cases, and what `flush` is for — is let through on this
connection only, for the duration of the command (see xinfang/core/chain.py).
"""

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from xinfang.core import chain


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        conn = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with chain.flush_window(conn):
            super().handle(**options)

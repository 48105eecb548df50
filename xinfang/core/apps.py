"""Core app configuration."""

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _keep_audit_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After any migration: the audit table's triggers are there (SQLite drops a table's triggers
    when a migration rebuilds the table); if they were not, put them back."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from xinfang.core import chain

    conn = connections[using]
    if ("core", "0002_audit_chain") not in MigrationRecorder(conn).applied_migrations():
        return
    if not chain.installed(conn):
        chain.install(conn)


class CoreConfig(AppConfig):
    name = "xinfang.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from xinfang.core import chain, checks  # noqa: F401 (checks: registers the deploy check)

        connection_created.connect(chain.register_sqlite_function)
        post_migrate.connect(_keep_audit_triggers, sender=self)

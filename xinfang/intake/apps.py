"""Intake app configuration."""

from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _keep_word_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After any migration: the word index is whole (SQLite drops a table's triggers when a
    migration rebuilds the table; then the FTS5 table may have missed rows, so it is rebuilt)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from xinfang.intake import word_index

    conn = connections[using]
    if ("intake", "0017_registration_grams") not in MigrationRecorder(conn).applied_migrations():
        return
    if not word_index.installed(conn):
        word_index.install(conn, build=True)


class IntakeConfig(AppConfig):
    name = "xinfang.intake"
    label = "intake"
    verbose_name = "登记"

    def ready(self) -> None:
        from xinfang.intake import word_index

        connection_created.connect(word_index.register_sqlite_function)
        post_migrate.connect(_keep_word_index, sender=self)

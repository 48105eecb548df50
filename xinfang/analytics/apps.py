from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _keep_summary_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After any migration: the summaries' triggers are there (SQLite drops a table's triggers
    when a migration rebuilds the table); if they were not, put them back and rebuild."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from xinfang.analytics import summary

    conn = connections[using]
    applied = MigrationRecorder(conn).applied_migrations()
    if ("analytics", "0002_report_month_summaries") not in applied:
        return
    if not summary.installed(conn):
        summary.install(conn)
        summary.rebuild(conn)


class AnalyticsConfig(AppConfig):
    name = "xinfang.analytics"
    label = "analytics"
    verbose_name = "统计分析"

    def ready(self) -> None:
        post_migrate.connect(_keep_summary_triggers, sender=self)

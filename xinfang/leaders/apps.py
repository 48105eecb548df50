from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _keep_people_trigger(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After any migration the reception 人次 trigger is there (a SQLite table rebuild drops it);
    if it was not, put it back and bring the copies up to date."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from xinfang.leaders import triggers

    conn = connections[using]
    if ("leaders", "0002_reception_stored_facts") not in MigrationRecorder(
        conn
    ).applied_migrations():
        return
    if not triggers.installed(conn):
        triggers.install(conn)
        with conn.cursor() as cursor:
            cursor.execute(
                "UPDATE leaders_reception SET people = (SELECT r.people FROM intake_registration r"
                " WHERE r.id = leaders_reception.registration_id)"
            )


class LeadersConfig(AppConfig):
    name = "xinfang.leaders"
    verbose_name = "领导接访与包案"

    def ready(self) -> None:
        post_migrate.connect(_keep_people_trigger, sender=self)

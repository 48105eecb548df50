"""A reception's 人次 kept equal to its registration's 人数 by the database itself.

Reception.people copies Registration.people so that the report counts 人次 without reading the
registrations (a join over a million rows); a trigger on the registrations keeps the copy true on
every write path (the services, the importer's --update, hand repairs), as the report's monthly
summaries are kept (analytics.summary). SQLite drops a table's triggers when a migration rebuilds
it: leaders.apps puts it back after every migration.
"""

from django.db.backends.base.base import BaseDatabaseWrapper

NAME = "leaders_reception_people"

_PG = [
    f"""CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE leaders_reception SET people = NEW.people WHERE registration_id = NEW.id;
    RETURN NULL;
END $$""",
    f"DROP TRIGGER IF EXISTS {NAME} ON intake_registration",
    f"""CREATE TRIGGER {NAME} AFTER UPDATE OF people ON intake_registration FOR EACH ROW
WHEN (OLD.people IS DISTINCT FROM NEW.people) EXECUTE FUNCTION {NAME}()""",
]
_SQLITE = [
    f"DROP TRIGGER IF EXISTS {NAME}",
    f"""CREATE TRIGGER {NAME} AFTER UPDATE OF people ON intake_registration
WHEN OLD.people IS NOT NEW.people BEGIN
    UPDATE leaders_reception SET people = NEW.people WHERE registration_id = NEW.id;
END""",
]


def install(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        for sql in _PG if conn.vendor == "postgresql" else _SQLITE:
            cursor.execute(sql)


def uninstall(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {NAME} ON intake_registration")
            cursor.execute(f"DROP FUNCTION IF EXISTS {NAME}()")
        else:
            cursor.execute(f"DROP TRIGGER IF EXISTS {NAME}")


def installed(conn: BaseDatabaseWrapper) -> bool:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [NAME])
        else:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [NAME]
            )
        return cursor.fetchone() is not None

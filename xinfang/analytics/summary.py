"""The report's monthly summaries of registrations, kept by the database itself.

Four tables (models RegistrationMonthCLF, RegistrationMonthCP, RegistrationMonthUnit,
RegistrationMonthLetter) hold, per calendar month and 问题属地, the batches (rows) and people (sum
of 人数) of the registrations by channel × level × form, by category × purpose, by the matter's
责任单位, and of the letters alone by 来信类型 × 初信/重信 × purpose. counting.cubes reads
them for the whole months of a report's periods (a year with 同比 reads some 150,000 summary rows
instead of a million registrations) and the registrations themselves for the days of a partial
month at either end.

They are kept exact by triggers installed by the analytics migration, in the transaction of the
write, whoever writes: the registration services, the ledger importer (PostgreSQL COPY or SQLite
executemany), the admin, an UPDATE or DELETE by hand:
- on intake_registration INSERT, UPDATE and DELETE: the rows' figures are added (and, for the
  old row, taken away) under their keys;
- on intake_matter UPDATE of responsible_unit: the matter's registrations move from the old
  unit's cells to the new one's;
- PostgreSQL, on TRUNCATE of intake_registration: the summaries are emptied.
PostgreSQL: statement-level triggers over the transition tables (one grouped upsert per
statement, so that a COPY of a million rows costs one grouped pass). SQLite: row-level triggers.
An UPDATE that changes none of the columns the summaries read (DEPENDS: sealing a phone,
re-sealing with a new key) moves no figure, and the update triggers do nothing for it: SQLite's
fires only `AFTER UPDATE OF` those columns and only when one of them differs; PostgreSQL allows
no column list on a trigger with transition tables, so its function first asks whether any row
changed one of them and returns at once when none did (analytics migration 0004).
`rebuild()` (`xinfang rebuild-report-summary`) computes them from scratch; a test compares the
report read from them with the report computed from the registrations alone.
"""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from xinfang.intake.choices import Purpose

ACCUSATION = Purpose.ACCUSATION.value
REG = "intake_registration"
MATTER = "intake_matter"
PREFIX = "analytics_regmonth"  # trigger and function names


@dataclass(frozen=True)
class Summary:
    table: str
    keys: tuple[str, ...]  # the summary's key columns after month and locality
    exprs: tuple[str, ...]  # each key as SQL over a registration row `r` and its matter `m`
    where: str = "true"  # which registrations the summary counts, SQL over `r`


SUMMARIES = (
    Summary(
        "analytics_registrationmonthclf",
        ("channel", "level", "form", "accusation"),
        ("r.channel", "r.level", "r.form", f"(r.purpose = '{ACCUSATION}')"),
    ),
    Summary(
        "analytics_registrationmonthcp",
        ("category", "purpose"),
        ("COALESCE(r.category_id, 0)", "r.purpose"),
    ),
    Summary(
        "analytics_registrationmonthunit",
        ("unit", "accusation"),
        ("COALESCE(m.responsible_unit_id, 0)", f"(r.purpose = '{ACCUSATION}')"),
    ),
    Summary(
        "analytics_registrationmonthletter",
        ("kind", "first", "purpose"),
        ("r.letter_kind", "r.is_first", "r.purpose"),
        "r.channel = 'letter'",
    ),
)
UNIT = SUMMARIES[2]


def _depends(summaries: tuple[Summary, ...]) -> tuple[str, ...]:
    """The registration columns `summaries` read: month, locality, people, their keys' columns."""
    text = " ".join(e for s in summaries for e in (*s.exprs, s.where))
    columns = {"received_on", "locality_id", "people", *re.findall(r"\br\.(\w+)", text)}
    if "m." in text:  # the unit is the matter's: a registration moved to another matter
        columns.add("matter_id")
    return tuple(sorted(columns))


DEPENDS = _depends(SUMMARIES)
BEFORE_LETTERS = SUMMARIES[:3]  # the summaries of analytics migration 0002 (its reverse)


def _month(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"strftime('%Y-%m-01', {column})"


def _columns(s: Summary) -> str:
    return ", ".join(("month", "locality", *s.keys, "batches", "people"))


def _key_exprs(s: Summary, vendor: str) -> list[str]:
    return [_month(vendor, "r.received_on"), "COALESCE(r.locality_id, 0)", *s.exprs]


def _upsert(s: Summary, source: str, vendor: str = "postgresql") -> str:
    keys = ", ".join(("month", "locality", *s.keys))
    # SQLite takes no alias in a trigger; its bare column names are the existing row's
    alias, t = (" AS t", "t.") if vendor == "postgresql" else ("", "")
    return (
        f"INSERT INTO {s.table}{alias} ({_columns(s)}) {source} ON CONFLICT ({keys}) DO UPDATE "
        f"SET batches = {t}batches + excluded.batches, people = {t}people + excluded.people"
    )


def _grouped(s: Summary, vendor: str, rows: list[tuple[str, int]]) -> str:
    """SELECT the keys and signed figures of `rows` (FROM clauses giving `r` and `m`), grouped."""
    exprs = _key_exprs(s, vendor)
    width = len(exprs)
    parts = [
        f"SELECT {', '.join(f'{e} AS k{i}' for i, e in enumerate(exprs))}, "
        f"{sign} AS sign, r.people AS people FROM {source} WHERE {s.where}"
        for source, sign in rows
    ]
    ks = ", ".join(f"k{i}" for i in range(width))
    return (
        f"SELECT {ks}, SUM(sign), SUM(sign * people) FROM ({' UNION ALL '.join(parts)}) x "
        f"WHERE true GROUP BY {ks} ORDER BY {ks}"
    )


def _reg_source(table: str, s: Summary) -> str:
    if any("m." in e for e in s.exprs):  # only the unit needs the matter
        return f"{table} r LEFT JOIN {MATTER} m ON m.id = r.matter_id"
    return f"{table} r"


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_unchanged(summaries: tuple[Summary, ...]) -> str:
    """plpgsql: return when every updated row kept its id and all the columns the summaries read
    (an UPDATE maps rows one to one and ids are unique: then old and new count the same). EXCEPT,
    not a join: the transition tables have no index, and a join over them ran as a nested loop
    (0.7 s for 2,000 rows)."""
    cols = ", ".join(("id", *_depends(summaries)))
    return (
        f"IF NOT EXISTS (SELECT {cols} FROM old_rows EXCEPT SELECT {cols} FROM new_rows) THEN\n"
        "RETURN NULL;\nEND IF;\n"
    )


def _pg_install(summaries: tuple[Summary, ...], changed_only: bool) -> list[str]:
    out = []
    events = {
        "ins": ("INSERT", "NEW TABLE AS new_rows", [("new_rows", 1)]),
        "del": ("DELETE", "OLD TABLE AS old_rows", [("old_rows", -1)]),
        "upd": (
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            [("old_rows", -1), ("new_rows", 1)],
        ),
    }
    for name, (event, referencing, rows) in events.items():
        body = ";\n".join(
            _upsert(s, _grouped(s, "postgresql", [(_reg_source(t, s), sign) for t, sign in rows]))
            for s in summaries
        )
        guard = _pg_unchanged(summaries) if changed_only and name == "upd" else ""
        out.append(
            f"CREATE OR REPLACE FUNCTION {PREFIX}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{guard}{body};\nRETURN NULL;\nEND $$"
        )
        out.append(
            f"CREATE TRIGGER {PREFIX}_{name} AFTER {event} ON {REG} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}_{name}()"
        )
    # TRUNCATE fires no row or statement trigger of DELETE: the summaries are emptied with it
    emptied = "; ".join(f"DELETE FROM {s.table}" for s in summaries)
    out.append(
        f"CREATE OR REPLACE FUNCTION {PREFIX}_trunc() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{emptied};\nRETURN NULL;\nEND $$"
    )
    out.append(
        f"CREATE TRIGGER {PREFIX}_trunc AFTER TRUNCATE ON {REG} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}_trunc()"
    )
    # a matter's 责任单位 changed: its registrations move from the old unit's cells to the new
    moved = []
    for side, sign in (("o", -1), ("n", 1)):
        exprs = [_month("postgresql", "r.received_on"), "COALESCE(r.locality_id, 0)"]
        exprs += [f"COALESCE({side}.responsible_unit_id, 0)", f"(r.purpose = '{ACCUSATION}')"]
        moved.append(
            f"SELECT {', '.join(f'{e} AS k{i}' for i, e in enumerate(exprs))}, {sign} AS sign, "
            f"r.people AS people FROM old_m o JOIN new_m n ON n.id = o.id "
            f"JOIN {REG} r ON r.matter_id = o.id "
            "WHERE o.responsible_unit_id IS DISTINCT FROM n.responsible_unit_id"
        )
    source = (
        f"SELECT k0, k1, k2, k3, SUM(sign), SUM(sign * people) "
        f"FROM ({' UNION ALL '.join(moved)}) x WHERE true "
        "GROUP BY k0, k1, k2, k3 ORDER BY k0, k1, k2, k3"
    )
    out.append(
        f"CREATE OR REPLACE FUNCTION {PREFIX}_unit() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{_upsert(UNIT, source)};\nRETURN NULL;\nEND $$"
    )
    out.append(
        f"CREATE TRIGGER {PREFIX}_unit AFTER UPDATE ON {MATTER} "
        "REFERENCING OLD TABLE AS old_m NEW TABLE AS new_m "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}_unit()"
    )
    return out


def _pg_uninstall() -> list[str]:
    out = [f"DROP TRIGGER IF EXISTS {PREFIX}_{n} ON {REG}" for n in ("ins", "del", "upd", "trunc")]
    out.append(f"DROP TRIGGER IF EXISTS {PREFIX}_unit ON {MATTER}")
    names = ("ins", "del", "upd", "unit", "trunc")
    out += [f"DROP FUNCTION IF EXISTS {PREFIX}_{n}()" for n in names]
    return out


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_row(s: Summary, row: str, sign: int) -> str:
    """The upsert of one registration row (NEW or OLD) into summary `s` with `sign`."""
    exprs = [e.replace("r.", f"{row}.") for e in _key_exprs(s, "sqlite")]
    exprs = [
        e.replace(
            "m.responsible_unit_id",
            f"(SELECT responsible_unit_id FROM {MATTER} WHERE id = {row}.matter_id)",
        )
        for e in exprs
    ]
    source = f"SELECT {', '.join(exprs)}, {sign}, {sign} * {row}.people"
    source += f" WHERE {s.where.replace('r.', f'{row}.')}"
    if sign < 0:
        # taking away from an emptied summary (a test database's flush empties the summaries
        # before the registrations) would leave negative cells: only an empty summary is skipped
        source += f" AND EXISTS (SELECT 1 FROM {s.table})"
    return _upsert(s, source, "sqlite")


def _sqlite_install(summaries: tuple[Summary, ...], changed_only: bool) -> list[str]:
    out = []
    cols = _depends(summaries)
    update = f"UPDATE ON {REG}"
    if changed_only:  # only an UPDATE naming and changing a column the summaries read
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in cols)
        update = f"UPDATE OF {', '.join(cols)} ON {REG} WHEN {changed}"
    for name, event, rows in (
        ("ins", f"INSERT ON {REG}", [("NEW", 1)]),
        ("del", f"DELETE ON {REG}", [("OLD", -1)]),
        ("upd", update, [("OLD", -1), ("NEW", 1)]),
    ):
        body = "".join(f"{_sqlite_row(s, row, sign)};\n" for row, sign in rows for s in summaries)
        out.append(f"CREATE TRIGGER {PREFIX}_{name} AFTER {event} BEGIN\n{body}END")
    moves = []
    for row, sign in (("OLD", -1), ("NEW", 1)):
        exprs = [_month("sqlite", "r.received_on"), "COALESCE(r.locality_id, 0)"]
        exprs += [f"COALESCE({row}.responsible_unit_id, 0)", f"(r.purpose = '{ACCUSATION}')"]
        guard = f" AND EXISTS (SELECT 1 FROM {UNIT.table})" if sign < 0 else ""
        moves.append(
            _upsert(
                UNIT,
                f"SELECT {', '.join(exprs)}, {sign} * COUNT(*), {sign} * SUM(r.people) "
                f"FROM {REG} r WHERE r.matter_id = NEW.id{guard} GROUP BY 1, 2, 3, 4",
                "sqlite",
            )
        )
    out.append(
        f"CREATE TRIGGER {PREFIX}_unit AFTER UPDATE OF responsible_unit_id ON {MATTER} "
        "WHEN OLD.responsible_unit_id IS NOT NEW.responsible_unit_id BEGIN\n"
        + "".join(f"{m};\n" for m in moves)
        + "END"
    )
    return out


def _sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {PREFIX}_{n}" for n in ("ins", "del", "upd", "unit")]


# --- install, rebuild ------------------------------------------------------------------------


def install(
    conn: BaseDatabaseWrapper,
    summaries: tuple[Summary, ...] = SUMMARIES,
    *,
    changed_only: bool = True,
) -> None:
    """Create the triggers keeping `summaries` (the analytics migrations); `changed_only=False`
    gives the update trigger of migrations 0002–0003, which worked for every UPDATE."""
    pg = conn.vendor == "postgresql"
    install_for = _pg_install if pg else _sqlite_install
    statements = install_for(summaries, changed_only)
    with conn.cursor() as cursor:
        for sql in _pg_uninstall() if conn.vendor == "postgresql" else _sqlite_uninstall():
            cursor.execute(sql)
        for sql in statements:
            cursor.execute(sql)


TRIGGERS = tuple(f"{PREFIX}_{n}" for n in ("ins", "del", "upd", "unit"))


def installed(conn: BaseDatabaseWrapper) -> bool:
    """Whether all the triggers exist."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            names = [*TRIGGERS, f"{PREFIX}_trunc"]
            cursor.execute(
                "SELECT COUNT(DISTINCT tgname) = %s FROM pg_trigger WHERE tgname = ANY(%s)",
                [len(names), names],
            )
            return bool(cursor.fetchone()[0])
        marks = ", ".join("%s" for _ in TRIGGERS)
        cursor.execute(
            f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
            list(TRIGGERS),
        )
        return bool(cursor.fetchone()[0] == len(TRIGGERS))


@contextmanager
def update_trigger_off(conn: BaseDatabaseWrapper, columns: Iterable[str]) -> Iterator[None]:
    """Within one transaction, the registrations' update trigger off while the caller updates
    only `columns`, none of which a summary reads (refused otherwise): such an UPDATE moves no
    figure, so the summaries stay exact. For a migration sealing a million rows, whatever
    version of the trigger it finds."""
    touched = sorted(set(columns) & set(DEPENDS))
    if touched:
        raise ValueError(f"the summaries read {touched}: their trigger must stay on")
    name = f"{PREFIX}_upd"
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                # its function emptied rather than ALTER TABLE … DISABLE TRIGGER: no lock on
                # the table, and allowed with deferred checks pending; other transactions keep
                # seeing the function as it was, and it is put back before the commit
                cursor.execute(
                    "SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.proname = %s", [name]
                )
                row = cursor.fetchone()
                restore = row[0] if row else ""
                if restore:
                    cursor.execute(
                        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                        "AS $$ BEGIN RETURN NULL; END $$"
                    )
            else:  # SQLite cannot disable a trigger: dropped, and created again as it was
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name]
                )
                row = cursor.fetchone()
                restore = row[0] if row else ""
                if restore:
                    cursor.execute(f"DROP TRIGGER {name}")
        yield
        if restore:
            with conn.cursor() as cursor:
                cursor.execute(restore)


# From this many new registrations on, a bulk insert on SQLite rebuilds their months instead of
# running the insert trigger per row (three upserts a row: +45 % on a ledger import). Below it
# the rebuild of whole months (some 40,000 registrations each at 1,000,000) would cost more.
# The word index's bulk path (intake.word_index.bulk_insert) starts at the same number.
BULK_ROWS = 5000


@contextmanager
def bulk_insert(conn: BaseDatabaseWrapper, rows: int) -> Iterator[set[date | str]]:
    """Within one transaction, for a caller about to insert `rows` registrations: it adds the
    登记日期 of every registration it inserts (a date or its ISO text) to the set yielded.
    On SQLite, from BULK_ROWS rows on, the registrations' insert trigger is dropped meanwhile;
    at the end the months of those days are rebuilt from the registrations (rebuild_months)
    and the trigger created again as it was, before the transaction ends, so the summaries
    equal a rebuild. Updates and deletes
    meanwhile keep their triggers (a row they move out of a rebuilt month is taken away there
    and counted again by the rebuild). Nothing is lost to a writer on another connection: SQLite
    lets one transaction write at a time, and this one holds the write lock from the DROP to
    its commit; what others committed before is in the registrations the rebuild reads.
    PostgreSQL keeps its trigger: one grouped upsert per COPY statement (+5–8 %), and no lock
    on the table that dropping or disabling a trigger would take."""
    days: set[date | str] = set()
    name = f"{PREFIX}_ins"
    restore = ""
    with transaction.atomic(using=conn.alias):
        if conn.vendor == "sqlite" and rows >= BULK_ROWS:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name]
                )
                row = cursor.fetchone()
                restore = row[0] if row else ""  # none: the summaries are not kept here
                if restore:
                    cursor.execute(f"DROP TRIGGER {name}")
        yield days
        if restore:
            rebuild_months(conn, days)
            with conn.cursor() as cursor:
                cursor.execute(restore)


def _month_ranges(days: Iterable[date | str]) -> list[tuple[date, date]]:
    """The months of `days` as [first day, first day of the next month) ranges, runs of
    consecutive months joined."""

    def next_month(m: date) -> date:
        return date(m.year + m.month // 12, m.month % 12 + 1, 1)

    ranges: list[tuple[date, date]] = []
    dates = {date.fromisoformat(d) if isinstance(d, str) else d for d in set(days)}
    for month in sorted({d.replace(day=1) for d in dates}):
        if ranges and ranges[-1][1] == month:
            ranges[-1] = (ranges[-1][0], next_month(month))
        else:
            ranges.append((month, next_month(month)))
    return ranges


def rebuild_months(
    conn: BaseDatabaseWrapper,
    days: Iterable[date | str],
    summaries: tuple[Summary, ...] = SUMMARIES,
) -> None:
    """Compute the summaries' cells of the months of `days` from the registrations again (call
    inside the transaction that wrote them); other months are left as they are."""
    ranges = _month_ranges(days)
    if not ranges:
        return
    months = " OR ".join("(month >= %s AND month < %s)" for _ in ranges)
    received = " OR ".join("(r.received_on >= %s AND r.received_on < %s)" for _ in ranges)
    params = [d for pair in ranges for d in pair]
    with conn.cursor() as cursor:
        for s in summaries:
            cursor.execute(f"DELETE FROM {s.table} WHERE {months}", params)
            _fill(cursor, s, conn.vendor, f"({received})", params)


def _fill(cursor: Any, s: Summary, vendor: str, where: str = "true", params: Any = ()) -> None:
    """Insert the cells of summary `s` counted from the registrations that meet `where`."""
    exprs = _key_exprs(s, vendor)
    groups = ", ".join(str(i) for i in range(1, len(exprs) + 1))
    cursor.execute(
        f"INSERT INTO {s.table} ({_columns(s)}) SELECT {', '.join(exprs)}, COUNT(*), "
        f"SUM(r.people) FROM {_reg_source(REG, s)} WHERE {where} AND {s.where} GROUP BY {groups}",
        params,
    )


def uninstall(conn: BaseDatabaseWrapper) -> None:
    statements = _pg_uninstall() if conn.vendor == "postgresql" else _sqlite_uninstall()
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def rebuild(
    conn: BaseDatabaseWrapper | None = None, summaries: tuple[Summary, ...] = SUMMARIES
) -> dict[str, int]:
    """Empty the summaries and compute them from the registrations (one transaction)."""
    conn = conn or connection
    counts = {}
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":  # the rebuild reads every registration: hash, not sort
            cursor.execute("SET LOCAL work_mem = '256MB'")
        for s in summaries:
            cursor.execute(f"DELETE FROM {s.table}")
            _fill(cursor, s, conn.vendor)
            cursor.execute(f"SELECT COUNT(*) FROM {s.table}")
            counts[s.table] = cursor.fetchone()[0]
    return counts

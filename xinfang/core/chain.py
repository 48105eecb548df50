"""The audit history as a hash chain, kept append-only by the database.

Every audit row carries `row_hash` = HMAC-SHA256, keyed from the environment (sealing.audit_key:
XINFANG_AUDIT_KEY, else derived from the look-up key or SECRET_KEY, never stored in the
database), of the previous row's hash and of the row's own content (time, actor, action,
object, matter, data, address), and `prev_hash`, the previous row's hash ("" for the first row).
Rows are chained in id order. `verify()` walks the chain and names the first row that does not
match; `anchor()` writes the latest hash to the log once a day (the clock scan calls it), so
that even cutting the newest rows off shows against an older log.

The key is what makes a re-hash show: someone who can drop the triggers, change a row and
compute the hashes again from it cannot compute keyed ones without the key. Rows written before
the chain was keyed carry a plain SHA-256 (the first scheme); they still verify, but only as the
chain's beginning: a plain row after a keyed one is a row re-hashed without the key, and a chain
with rows and no keyed row at all was re-hashed whole (the migration that brought the key ends an
older chain with a keyed row, `keyed_mark`). Each row's scheme is told by which hash it matches.

Appends never fork the chain: each append takes the chain's lock first and holds it until its
transaction ends — on PostgreSQL a transaction-level advisory lock, on SQLite the database's
write lock (transactions begin IMMEDIATE, see settings). Two transactions that both write audit
rows therefore commit their audit rows one after the other.

The database refuses to change history (triggers installed by core's migration 0002):

- PostgreSQL: UPDATE and DELETE of an audit row are always refused; TRUNCATE of the table is
  refused unless the session has set `xinfang.audit_flush` to `on`, which only our `flush`
  command does (it empties the *whole* database — what tests between transactional cases do).
  Whoever can set that and truncate owns the table and could drop the triggers anyway; what they
  cannot do without trace is change or remove single rows: the chain shows it.
- SQLite: UPDATE is always refused; DELETE is refused unless this process has opened the flush
  window on that connection (a function registered on each connection; the sqlite3 shell has no
  such function, so a DELETE there is refused too). SQLite has no roles: whoever can write the
  file can drop the triggers, and again the chain shows what they changed.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

logger = logging.getLogger("xinfang.audit")

TABLE = "core_auditevent"
LOCK_KEY = 0x78696E66_61756474  # "xinfaudt": the chain's PostgreSQL advisory lock
FLUSH_SETTING = "xinfang.audit_flush"
SQLITE_FLUSH_FUNCTION = "xinfang_audit_flush"
REFUSED = "审计记录只能追加，不能修改或删除"

_flush_open: ContextVar[bool] = ContextVar("xinfang_audit_flush", default=False)


# -- the hash ------------------------------------------------------------------------------


def normal_ip(ip: str | None) -> str | None:
    """The address as the database gives it back (PostgreSQL's inet prints it this way)."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


def content(
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    matter_id: int | None,
    data: Any,
    ip: str | None,
) -> str:
    """One row's content as canonical JSON: the same text before the insert and after a read."""
    when = at.astimezone(UTC).isoformat(timespec="microseconds")
    plain = json.loads(json.dumps(data if data is not None else {}))
    return json.dumps(
        [when, actor_id, action, object_type, str(object_id), matter_id, plain, normal_ip(ip)],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def plain_link(prev_hash: str, text: str) -> str:
    """The first scheme's hash (rows written before the chain was keyed): anyone can compute it."""
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


def link(prev_hash: str, text: str, key: bytes | None = None) -> str:
    """A row's hash: HMAC-SHA256 with the audit key of the previous hash and the row's content."""
    from xinfang.core.sealing import audit_key

    message = f"{prev_hash}\n{text}".encode()
    return hmac.new(key or audit_key(), message, hashlib.sha256).hexdigest()


def _content_of(event: Any) -> str:
    return content(
        event.at,
        event.actor_id,
        event.action,
        event.object_type,
        event.object_id,
        event.matter_id,
        event.data,
        event.ip,
    )


# -- appending -----------------------------------------------------------------------------


def lock(conn: BaseDatabaseWrapper) -> None:
    """Take the chain's lock until the transaction ends (call inside transaction.atomic)."""
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    # SQLite: the transaction began IMMEDIATE and holds the database's only write lock.


def last_hash(conn: BaseDatabaseWrapper) -> str:
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT row_hash FROM {TABLE} ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def seal(events: Sequence[Any], using: str) -> None:
    """Give each new event its place in the chain (call inside the transaction that inserts
    them, before the insert). The events are chained in the order given, which is their id order."""
    if not events:
        return
    conn = connections[using]
    lock(conn)
    prev = last_hash(conn)
    key = _key()
    for event in events:
        event.ip = normal_ip(event.ip)
        event.prev_hash = prev
        event.row_hash = prev = link(prev, _content_of(event), key)


def _key() -> bytes:
    from xinfang.core.sealing import audit_key

    return audit_key()


# -- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first row that does not match."""

    id: int
    at: datetime
    action: str
    reason: str

    def __str__(self) -> str:
        when = timezone.localtime(self.at)
        return f"第 {self.id} 号审计记录（{when:%Y-%m-%d %H:%M:%S}，{self.action}）{self.reason}"


@dataclass(frozen=True)
class Checked:
    rows: int
    last_id: int | None
    last_hash: str
    broken: Break | None


FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "matter_id",
    "data",
    "ip",
    "prev_hash",
    "row_hash",
)


RE_HASHED = "只有无密钥的旧式哈希，却排在有密钥的记录之后：此条起的记录被改动后重新计算过哈希"
CHANGED = "的内容与其哈希不符：被改动过"
NOTHING_KEYED = (
    "：整条链没有一条有密钥的记录——链被改动后整条重新计算过哈希"
    "（或 XINFANG_AUDIT_KEY 与写入时不同）"
)


def verify(using: str = "default", chunk: int = 5000) -> Checked:
    """Walk the chain from the first row; stop at the first row whose link or content does not
    match (a row changed, removed or inserted behind the database's back), or that carries only
    the keyless hash after a keyed row (changed, then the chain re-hashed from it)."""
    from xinfang.core.models import AuditEvent

    key = _key()
    prev, rows, last_id, keyed = "", 0, None, 0
    first: tuple[int, datetime, str] | None = None
    query = AuditEvent.objects.using(using).order_by("id").values_list(*FIELDS)
    for row in query.iterator(chunk_size=chunk):
        pk, at, actor, action, otype, oid, matter, data, ip, prev_hash, row_hash = row
        first = first or (pk, at, action)
        if prev_hash != prev:
            reason = (
                "所记前一条的哈希与前一条不符：其前有记录被删除、插入或改动"
                if rows
                else "不是链的第一条：其前的记录被删除"
            )
            return Checked(rows, last_id, prev, Break(pk, at, action, reason))
        text = content(at, actor, action, otype, oid, matter, data, ip)
        if row_hash == link(prev_hash, text, key):
            keyed += 1
        elif row_hash != plain_link(prev_hash, text):
            reason = CHANGED if keyed else f"{CHANGED}（或 XINFANG_AUDIT_KEY 与写入时不同）"
            return Checked(rows, last_id, prev, Break(pk, at, action, reason))
        elif keyed:
            return Checked(rows, last_id, prev, Break(pk, at, action, RE_HASHED))
        prev, rows, last_id = row_hash, rows + 1, pk
    if rows and not keyed:
        assert first is not None
        return Checked(0, None, "", Break(*first, NOTHING_KEYED))
    return Checked(rows, last_id, prev, None)


def keyed_mark(conn: BaseDatabaseWrapper, model: Any) -> None:
    """The migration that keys the chain: an older chain (plain hashes only) is ended with a
    keyed row, so that from then on a chain without keyed rows is one re-hashed whole."""
    from xinfang.core.sealing import audit_key

    rows = model.objects.using(conn.alias)
    if not rows.exists():
        return  # a new database: its first row is keyed
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    prev = last_hash(conn)
    event = model(
        at=timezone.now(),
        actor=None,
        action="audit.chain_keyed",
        object_type="core.auditevent",
        object_id="",
        matter=None,
        data={"scheme": "hmac-sha256", "plain_rows": rows.count()},
        ip=None,
    )
    event.prev_hash = prev
    event.row_hash = link(prev, _content_of(event), audit_key())
    event.save(using=conn.alias)


def anchor(using: str = "default") -> tuple[int | None, str]:
    """Write the latest row and hash to the log (the daily anchor); returns them."""
    from xinfang.core.models import AuditEvent

    latest = AuditEvent.objects.using(using).order_by("-id").values_list("id", "row_hash").first()
    pk, digest = latest if latest else (None, "")
    logger.info("审计链锚点 %s：最新记录 %s，哈希 %s", timezone.localdate(), pk, digest)
    return pk, digest


# -- the database's refusal ----------------------------------------------------------------


@contextmanager
def flush_window(conn: BaseDatabaseWrapper) -> Iterator[None]:
    """Let this connection empty the audit table (the whole-database flush of tests)."""
    token = _flush_open.set(True)
    pg = conn.vendor == "postgresql"
    if pg:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [FLUSH_SETTING])
    try:
        yield
    finally:
        _flush_open.reset(token)
        if pg and conn.connection is not None:
            with conn.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', false)", [FLUSH_SETTING])


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created: the function the SQLite DELETE trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FLUSH_FUNCTION, 0, lambda: 1 if _flush_open.get() else 0
        )


_PG_FUNCTION = "xinfang_audit_append_only"
PG_TRIGGERS = ("core_audit_no_change", "core_audit_no_truncate")
SQLITE_TRIGGERS = ("core_audit_no_update", "core_audit_no_delete")


def _install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n"
            f"  IF TG_OP = 'TRUNCATE' AND current_setting('{FLUSH_SETTING}', true) = 'on' THEN\n"
            f"    RETURN NULL;\n"
            f"  END IF;\n"
            f"  RAISE EXCEPTION '{REFUSED}（%）', TG_OP;\n"
            f"END $$",
            f"CREATE TRIGGER core_audit_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()",
            f"CREATE TRIGGER core_audit_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()",
        ]
    return [
        f"CREATE TRIGGER core_audit_no_update BEFORE UPDATE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}（UPDATE）'); END",
        f"CREATE TRIGGER core_audit_no_delete BEFORE DELETE ON {TABLE} "
        f"WHEN NOT {SQLITE_FLUSH_FUNCTION}() "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}（DELETE）'); END",
    ]


def _uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}" for name in PG_TRIGGERS),
            f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()",
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def install(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        for sql in [*_uninstall_sql(conn.vendor), *_install_sql(conn.vendor)]:
            cursor.execute(sql)


def uninstall(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        for sql in _uninstall_sql(conn.vendor):
            cursor.execute(sql)


def installed(conn: BaseDatabaseWrapper) -> bool:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT COUNT(*) FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid = %s::regclass AND tgname = ANY(%s)",
                [TABLE, list(PG_TRIGGERS)],
            )
            return bool(cursor.fetchone()[0] == len(PG_TRIGGERS))
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)",
            list(SQLITE_TRIGGERS),
        )
        return bool(cursor.fetchone()[0] == len(SQLITE_TRIGGERS))


def backfill(conn: BaseDatabaseWrapper, model: Any) -> None:
    """Chain the rows written before the chain existed (migration; the triggers come after)."""
    prev = ""
    batch: list[Any] = []
    for event in model.objects.using(conn.alias).order_by("id").iterator(chunk_size=2000):
        event.ip = normal_ip(event.ip)
        event.prev_hash = prev
        event.row_hash = prev = link(prev, _content_of(event))
        batch.append(event)
        if len(batch) >= 2000:
            model.objects.using(conn.alias).bulk_update(batch, ["ip", "prev_hash", "row_hash"])
            batch = []
    if batch:
        model.objects.using(conn.alias).bulk_update(batch, ["ip", "prev_hash", "row_hash"])

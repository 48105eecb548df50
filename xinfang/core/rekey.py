"""Re-sealing stored personal data with the newest data key (`xinfang rotate-data-key`).

Every sealed column of every model (xinfang.core.sealed_fields) is read in batches by id; a value
sealed with an older key of XINFANG_DATA_KEYS is opened and sealed again with the first. Each
batch commits on its own, so a run that stops can simply be started again: values already under
the newest key are counted and left alone, and a second run changes nothing. A batch is one
UPDATE on PostgreSQL (xinfang.core.bulk); the report summaries' triggers do nothing for it (they
watch other columns: analytics.summary). The look-up hashes
are not touched (their key, XINFANG_LOOKUP_KEY, is another). When a run reports nothing left
under an old key, that key can be removed from the variable.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction

from xinfang.core.bulk import update_by_id
from xinfang.core.models import AuditEvent
from xinfang.core.sealed_fields import SealedCharField
from xinfang.core.sealing import SEALED, KeyRing, SealingError, ring


@dataclass
class Counts:
    resealed: int = 0
    current: int = 0
    empty: int = 0
    old_keys: dict[str, int] = field(default_factory=dict)  # key id -> values re-sealed

    def as_dict(self) -> dict[str, object]:
        return {
            "resealed": self.resealed,
            "current": self.current,
            "empty": self.empty,
            "old_keys": self.old_keys,
        }


def sealed_columns() -> list[tuple[type[models.Model], list[str]]]:
    """Each model with sealed fields, and their columns."""
    out = []
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]
        if columns:
            out.append((model, columns))
    return out


def rotate(
    *, batch: int = 2000, progress: Callable[[str, int], None] | None = None
) -> dict[str, Counts]:
    """Re-seal everything not under the newest key; counts per table; one audit row."""
    keys = ring()
    result: dict[str, Counts] = {}
    for model, columns in sealed_columns():
        table = model._meta.db_table
        counts = result[table] = Counts()
        names = ", ".join(f'"{c}"' for c in columns)
        last = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                # locked while re-sealed: a save meanwhile waits instead of being overwritten
                lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
                cursor.execute(
                    f'SELECT id, {names} FROM "{table}" WHERE id > %s ORDER BY id LIMIT %s{lock}',
                    [last, batch],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                changes = []
                for pk, *values in rows:
                    new = [_reseal(keys, value, counts) for value in values]
                    if new != values:
                        changes.append([*new, pk])
                update_by_id(connection, cursor, table, columns, changes)
            if progress:
                progress(table, counts.resealed + counts.current + counts.empty)
    AuditEvent.objects.create(
        actor=None,  # the server's console: no user
        action="personal_data.rotate_key",
        object_type="core.sealing",
        object_id=keys.current,
        data={"key": keys.current, "tables": {t: c.as_dict() for t, c in result.items()}},
    )
    return result


def _reseal(keys: KeyRing, value: str | None, counts: Counts) -> str | None:
    if not value:
        counts.empty += 1
        return value
    if not SEALED.match(value):
        raise SealingError("该字段存的不是加密值：请先运行 xinfang migrate 加密已有数据")
    kid = value.partition(".")[0]
    if kid == keys.current:
        counts.current += 1
        return value
    resealed = keys.seal(keys.open(value))
    counts.resealed += 1
    counts.old_keys[kid] = counts.old_keys.get(kid, 0) + 1
    return resealed

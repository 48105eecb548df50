"""Daily housekeeping, run after every clock scan (and by `xinfang housekeeping`):

- expired sessions removed (Django's `clearsessions`): an expired portal session no longer keeps
  a query code and secret on the server;
- API idempotency keys older than XINFANG["IDEMPOTENCY_KEY_HOURS"] (default 24) removed — a retry
  comes within minutes; the registration it made stays;
- the portal's query-code lock rows untouched for a day and no longer locked;
- the audit chain's anchor: its latest hash written to the log (core/chain.py).
"""

from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from xinfang.core import chain


def idempotency_hours() -> int:
    return int(getattr(settings, "XINFANG", {}).get("IDEMPOTENCY_KEY_HOURS", 24))


def clear_sessions() -> int:
    """Expired sessions removed; how many (database sessions; other engines clean themselves)."""
    now = timezone.now()
    expired = (
        Session.objects.filter(expire_date__lt=now).count()
        if settings.SESSION_ENGINE.endswith(".db")
        else 0
    )
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return expired


def clear_idempotency_keys() -> int:
    from xinfang.api.models import IdempotencyKey

    cutoff = timezone.now() - timedelta(hours=idempotency_hours())
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def daily() -> dict[str, Any]:
    from xinfang.portal.services import query_locks_clear

    sessions = clear_sessions()
    keys = clear_idempotency_keys()
    locks = query_locks_clear()
    last_id, digest = chain.anchor()
    return {
        "sessions": sessions,
        "idempotency_keys": keys,
        "query_locks": locks,
        "audit_last": last_id,
        "hash": digest,
    }


def summary(done: dict[str, Any]) -> str:
    return (
        f"清理：过期会话 {done['sessions']} 个，过期幂等键 {done['idempotency_keys']} 个；"
        f"审计链锚点：最新记录 {done['audit_last'] or '无'}"
    )

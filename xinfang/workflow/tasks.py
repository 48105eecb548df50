"""Background work of the workflow, through Django's tasks API (django-tasks).

The clock scan runs daily: `xinfang scan-clocks --enqueue` (from cron or a timer) puts it on the
queue for `xinfang db_worker`; `xinfang scan-clocks` runs it at once.
"""

from datetime import date
from typing import Any

from django_tasks import task

from xinfang.workflow import clockscan


@task()
def scan_clocks(today: str | None = None) -> dict[str, Any]:
    """期限扫描 for `today` (ISO date; default today in China); returns the counts."""
    from xinfang.core import housekeeping

    day = date.fromisoformat(today) if today else None
    counts = clockscan.scan_clocks(day).as_dict()
    housekeeping.daily()  # expired sessions and idempotency keys, the audit anchor
    return counts

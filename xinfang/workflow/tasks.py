"""Background work of the workflow, through Django's tasks API (django-tasks).

The clock scan runs daily: `xinfang scan-clocks --enqueue` (from cron or a timer) puts it on the
queue for `xinfang db_worker`; `xinfang scan-clocks` runs it at once. After it: housekeeping, the
day's hotspots kept (counting.hotspots.scan_hotspots) and notified, and the suggestion model's
retraining put on the queue when it is due.
"""

from datetime import date
from typing import Any

from django_tasks import task

from xinfang.workflow import clockscan


@task()
def scan_clocks(today: str | None = None) -> dict[str, Any]:
    """期限扫描 for `today` (ISO date; default today in China); returns the counts."""
    from xinfang.analytics.counting.hotspots import scan_hotspots
    from xinfang.analytics.hotspot_alerts import raise_hotspot_alerts
    from xinfang.core import housekeeping
    from xinfang.intake.tasks import enqueue_training_if_due

    day = date.fromisoformat(today) if today else None
    counts = clockscan.scan_clocks(day).as_dict()
    housekeeping.daily()  # expired sessions and idempotency keys, the audit anchor
    counts["hotspots"] = scan_hotspots(day)  # kept for the dashboard and the 简报
    counts["hotspot_notifications"] = raise_hotspot_alerts(day)
    enqueue_training_if_due()  # the suggestion model, weekly (SUGGESTION_RETRAIN_DAYS)
    return counts

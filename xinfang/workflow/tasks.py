"""Background work of the workflow, through Django's tasks API (django-tasks).

The clock scan runs daily: `xinfang scan-clocks --enqueue` (from cron or a timer) puts it on the
queue for `xinfang db_worker`; `xinfang scan-clocks` runs it at once. After it: housekeeping, the
day's hotspots kept (counting.hotspots.scan_hotspots) and notified, and the suggestion model's
retraining put on the queue when it is due.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django_tasks import task

from xinfang.workflow import clockscan


@dataclass
class DailyRun:
    """What the daily scan did: the clock scan's result and what runs after it."""

    scan: clockscan.ScanResult
    housekeeping: dict[str, Any]
    hotspots: int
    hotspot_notifications: int
    training_enqueued: bool

    def as_dict(self) -> dict[str, Any]:
        return self.scan.as_dict() | {
            "hotspots": self.hotspots,
            "hotspot_notifications": self.hotspot_notifications,
        }

    def summary(self) -> str:
        from xinfang.core import housekeeping

        lines = [
            self.scan.summary(),
            housekeeping.summary(self.housekeeping),
            f"热点：{self.hotspots}个（供统计分析和简报）",
            f"热点提醒：新增{self.hotspot_notifications}条",
        ]
        if self.training_enqueued:
            lines.append("分类建议模型已到重新训练时间，已放入后台任务队列")
        return "\n".join(lines)


def run_daily(day: date | None = None) -> DailyRun:
    """The daily scan, in its one order: the clocks, housekeeping, the day's hotspots kept and
    notified, the suggestion model's retraining queued when due. The command and the task both
    call this."""
    from xinfang.analytics.counting.hotspots import scan_hotspots
    from xinfang.analytics.hotspot_alerts import raise_hotspot_alerts
    from xinfang.core import housekeeping
    from xinfang.intake.tasks import enqueue_training_if_due

    scan = clockscan.scan_clocks(day)
    done = housekeeping.daily()  # expired sessions and idempotency keys, the audit anchor
    hotspots = scan_hotspots(day)  # kept for the dashboard and the 简报
    alerts = raise_hotspot_alerts(day)
    training = enqueue_training_if_due()  # the suggestion model, weekly (SUGGESTION_RETRAIN_DAYS)
    return DailyRun(scan, done, hotspots, alerts, training)


@task()
def scan_clocks(today: str | None = None) -> dict[str, Any]:
    """期限扫描 for `today` (ISO date; default today in China); returns the counts."""
    return run_daily(date.fromisoformat(today) if today else None).as_dict()

"""A hotspot that reaches HOTSPOT_ALERT_PETITIONERS different petitioners is notified to the
bureau (core.permissions.hotspot_recipients), once a year per problem; run by the daily scan,
after counting.hotspots.scan_hotspots has kept the day's hotspots."""

import hashlib
from collections import defaultdict
from datetime import date

from django.utils import timezone

from xinfang.analytics.counting.hotspots import Hotspot, node_hotspots
from xinfang.core.config import domain_limit
from xinfang.core.permissions import hotspot_recipients
from xinfang.notifications.models import Notification, NotificationKind


def alert_key(spot: Hotspot, today: date) -> str:
    digest = hashlib.sha256(f"{spot.core}|{spot.category}".encode()).hexdigest()[:16]
    return f"hotspot:{today.year}:{digest}"


def alert_text(spot: Hotspot, days: int) -> str:
    what = f"{spot.subject}（{spot.category}）" if spot.category else spot.subject
    trend = "，仍在上升" if spot.growing else ""
    return (
        f"热点：{what}相关问题近{days}天已有{spot.petitioners}名不同信访人反映，"
        f"涉及事项{len(spot.matters)}件{trend}，请关注。"
    )[:200]


def raise_hotspot_alerts(today: date | None = None) -> int:
    """Notifications made (a problem already notified this year is not notified again)."""
    today = today or timezone.localdate()
    least = domain_limit("HOTSPOT_ALERT_PETITIONERS")
    days = domain_limit("HOTSPOT_WINDOW_DAYS")
    groups = defaultdict(list)  # the same unit and role see the same hotspots
    for user in hotspot_recipients():
        groups[(user.org_unit_id, user.role)].append(user)
    now = timezone.now()
    made = []
    for users in groups.values():
        reader = users[0]
        assert reader.org_unit is not None
        for spot in node_hotspots(reader=reader, node=reader.org_unit):
            if spot.petitioners < least:
                continue
            for user in users:
                made.append(
                    Notification(
                        recipient=user,
                        matter_id=spot.matters[0][0],
                        kind=NotificationKind.HOTSPOT,
                        text=alert_text(spot, days),
                        key=alert_key(spot, today),
                        created_at=now,
                    )
                )
    before = Notification.objects.filter(kind=NotificationKind.HOTSPOT).count()
    Notification.objects.bulk_create(made, ignore_conflicts=True)
    return Notification.objects.filter(kind=NotificationKind.HOTSPOT).count() - before

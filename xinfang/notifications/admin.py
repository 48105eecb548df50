"""The clock scan's run log for administrators, read only (what ran when, and what it did)."""

from typing import Any

from django.http import HttpRequest

from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.notifications.models import ClockScan


class ClockScanAdmin(AuditedAdmin):
    list_display = [
        "today",
        "started_at",
        "finished_at",
        "warnings",
        "overdue",
        "notices",
        "notifications",
        "messages",
        "missing_years",
    ]
    ordering = ["-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin_site.register(ClockScan, ClockScanAdmin)

"""Reading a user's notifications: only their own, and only about matters they may still see."""

from django.db.models import F, Q, QuerySet

from xinfang.accounts.models import User
from xinfang.core.permissions import visible_matters
from xinfang.notifications.models import Notification

PAGE_SIZE = 100


def my_notifications(user: User) -> QuerySet[Notification]:
    """Unread first, newest first; a matter the user may no longer see drops out."""
    if not user.is_authenticated:
        return Notification.objects.none()
    seen = visible_matters(user).values("pk")
    return (
        Notification.objects.filter(recipient=user)
        .filter(Q(matter__isnull=True) | Q(matter_id__in=seen))
        .select_related("matter", "alert")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
    )


def unread_count(user: User) -> int:
    """How many unread notifications the user has (for the navigation badge)."""
    if not user.is_authenticated:
        return 0
    return my_notifications(user).filter(read_at__isnull=True).count()

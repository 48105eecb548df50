"""Marking notifications read: a user touches only their own."""

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.errors import PermissionRefusedError
from xinfang.notifications.models import Notification
from xinfang.notifications.selectors import my_notifications


@transaction.atomic
def notification_read(*, actor: User, pk: int) -> Notification:
    """标为已读 one notification of the actor's; a second call keeps the first time."""
    # through the reader's own list: a matter they may no longer see is not named back to them
    found = my_notifications(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if found is None:
        raise PermissionRefusedError("该提醒不存在或不属于您")
    if found.read_at is None:
        found.read_at = timezone.now()
        found.save(update_fields=["read_at"])
    return found


@transaction.atomic
def notifications_read_all(*, actor: User) -> int:
    """全部标为已读; how many were unread."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )

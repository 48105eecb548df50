"""SMS and e-mail digests of a scan's new notifications: one message per user and channel.

A digest names at most DIGEST_ITEMS matters by number, clock and deadline — nothing about the
petitioner or the petition. SMS goes to staff with a 手机号码 (User.phone, set in 系统管理),
e-mail to those with an address; others get the in-app notification only.
"""

import logging

from django.db.models import Count

from xinfang.accounts.models import User
from xinfang.notifications.backends import backend, notify_settings
from xinfang.notifications.models import ClockScan, Notification

log = logging.getLogger("xinfang.notifications")
SUBJECT = "信访业务系统提醒"


def digest_text(items: list[Notification], total: int) -> str:
    """The words of one digest: the first notifications by matter number, clock and deadline."""
    parts = []
    for n in items:
        if n.alert is not None and n.matter is not None:
            parts.append(f"{n.matter.number}{n.text}（期限{n.alert.deadline:%Y-%m-%d}）")
        else:
            parts.append(n.text)
    more = f"等{total}条" if total > len(items) else f"共{total}条"
    return f"【信访提醒】{'；'.join(parts)}，{more}。详情请登录信访业务系统查看。"


def phone_of(user: User) -> str:
    return str(getattr(user, "phone", "") or "")


def send_digests(run: ClockScan) -> int:
    """Send each recipient of `run`'s notifications one SMS and one e-mail; how many went out."""
    per_user = dict(
        Notification.objects.filter(scan=run)
        .order_by()
        .values_list("recipient")
        .annotate(n=Count("id"))
        .values_list("recipient", "n")
    )
    if not per_user:
        return 0
    size = int(notify_settings()["DIGEST_ITEMS"])
    channels = {"sms": backend("sms"), "email": backend("email")}
    sent = 0
    for user in User.objects.filter(pk__in=list(per_user), is_active=True).order_by("pk"):
        to = {"sms": phone_of(user), "email": user.email.strip()}
        if not any(to.values()):
            continue
        items = list(
            Notification.objects.filter(scan=run, recipient=user)
            .select_related("alert", "matter")
            .order_by("alert__deadline", "id")[:size]
        )
        text = digest_text(items, per_user[user.pk])
        for channel, address in to.items():
            if not address:
                continue
            try:
                channels[channel].send(address, SUBJECT, text)
                sent += 1
            except Exception:  # one failed message must not stop the others
                log.exception("提醒发送失败：%s → %s", channel, address)
    return sent

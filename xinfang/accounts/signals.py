"""Logins, failed logins and logouts written to the product's audit (never a password)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record


@receiver(user_logged_in, dispatch_uid="xinfang.accounts.audit_login")
def audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action="user.login", obj=user, data={"username": user.username})


@receiver(user_logged_out, dispatch_uid="xinfang.accounts.audit_logout")
def audit_logout(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None:  # the session had no user: nobody logged out
        return
    audit_record(actor=user, action="user.logout", obj=user, data={"username": user.username})


@receiver(user_login_failed, dispatch_uid="xinfang.accounts.audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # the username tried (Django has already masked the password); the address is the row's ip
    tried = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username=tried).first() if tried else None
    audit_record(
        actor=None,
        action="user.login_failed",
        obj=user or User(username=tried),
        data={
            "username": tried,
            "known_user": user is not None,
            # axes' handler runs first (its app is listed first) and marks a locked request
            "locked": bool(getattr(request, "axes_locked_out", False)),
        },
    )

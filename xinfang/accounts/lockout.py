"""Staff login lockout (django-axes): an account, and an address, locked after repeated failures."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinfang.core.audit import audit_record

LOCKED_MESSAGE = (
    "登录失败次数过多，该账号或本机地址已被暂时锁定。"
    "请{minutes}分钟后再试，或请系统管理员解除锁定。"
)


def account_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def address_limit() -> int:
    """0: no lock by address (behind a proxy that hides the clients' addresses)."""
    return int(settings.XINFANG_LOGIN_FAILURES_PER_ADDRESS)


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _failures(attempts: Any) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class LoginAttempts(AxesDatabaseHandler):
    """axes' database handler with a limit of its own for an address: an office behind one
    address may make more typing mistakes among its staff than one person may make."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            _failures(attempts) for attempts in self.get_user_attempts(request, credentials)
        )
        if address_limit() and by_address >= address_limit():
            # axes compares one number with one limit: an address over its own limit locks
            return max(by_account, account_limit())
        return by_account

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """A successful login clears that account's failures only: clearing the address's would
        let anyone with one good account wipe the count of the accounts they are guessing."""
        username = (credentials or {}).get("username") or getattr(request.user, "username", None)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return int(count)


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked account or address before the password is checked. A login without a
    request (the test client, the shell) has no address and is not an attempt from outside."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """The login page again, saying in Chinese why and for how long (HTTP 429)."""
    message = LOCKED_MESSAGE.format(minutes=lockout_minutes())
    return render(
        request,
        "registration/login.html",
        {"locked_message": message, "next": request.POST.get("next", "")},
        status=429,
    )


# --- what the admin sees and lifts in /manage/ -------------------------------------------


def _live(attempts: Any) -> Any:
    return attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)


def _sum_over(field: str) -> Any:
    """The live failures of the row's account (or address), for annotating a queryset."""
    same = _live(AccessAttempt.objects.filter(**{field: OuterRef(field)}))
    total = same.values(field).annotate(n=Sum("failures_since_start")).values("n")
    return Coalesce(Subquery(total), 0)


def with_lock_state(attempts: Any) -> Any:
    """Attempt records annotated with the live failures of their account and of their address."""
    return attempts.annotate(
        account_failures=_sum_over("username"), address_failures=_sum_over("ip_address")
    )


def users_with_failures(users: Any) -> Any:
    """Users annotated with `login_failures`, their live failed logins (from any address)."""
    same = _live(AccessAttempt.objects.filter(username=OuterRef("username")))
    total = same.values("username").annotate(n=Sum("failures_since_start")).values("n")
    return users.annotate(login_failures=Coalesce(Subquery(total), 0))


def account_is_locked(failures: int) -> bool:
    return failures >= account_limit()


def address_is_locked(failures: int) -> bool:
    return bool(address_limit()) and failures >= address_limit()


def lockout_lift(*, actor: Any, username: str | None = None, ip_address: str | None = None) -> int:
    """The admin lifts the lock of an account, or of an address (its failures are forgotten);
    audited with the number of attempt records removed."""
    if not username and not ip_address:
        return 0
    with transaction.atomic():
        attempts = AccessAttempt.objects.filter(
            (Q(username=username) if username else Q(pk__in=[]))
            | (Q(ip_address=ip_address) if ip_address else Q(pk__in=[]))
        )
        failures = _failures(attempts)
        count, _ = attempts.delete()
        if count:
            audit_record(
                actor=actor,
                action="user.login_unlock",
                obj=_subject(username),
                data={"username": username, "ip_address": ip_address, "failures": failures},
            )
    return int(count)


def _subject(username: str | None) -> Any:
    from xinfang.accounts.models import User

    user = User.objects.filter(username=username).first() if username else None
    return user or User(username=username or "")

"""Administering users: their role and their unit; login locks seen and lifted; a lost phone's
two-factor sign-in reset; the 开通码 of a first enrolment issued (on creating the account, on a
reset, or by the action) and shown to the administrator once."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.accounts import lockout
from xinfang.accounts.models import LoginAttempt, User
from xinfang.accounts.second_factor import (
    ENROLMENT_CODE_HOURS,
    enrolment_code_issue,
    has_second_factor,
    second_factor_reset,
)
from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.core.permissions import requires_second_factor


class XinfangUserAdmin(AuditedAdmin, UserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "org_unit",
        "is_active",
        "login_locked",
        "two_factor",
        "last_login",
    )
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    actions = ["lift_login_lock", "reset_two_factor", "issue_enrolment_code"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份", {"fields": ("display_name", "role", "org_unit", "email", "phone")}),
        ("状态", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"fields": ("username", "display_name", "role", "org_unit", "password1", "password2")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = lockout.users_with_failures(super().get_queryset(request))
        app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return users.annotate(has_two_factor=Exists(app))

    @admin.display(description="登录锁定")
    def login_locked(self, user: User) -> str:
        failures = getattr(user, "login_failures", 0)
        return "已锁定" if lockout.account_is_locked(failures) else ""

    @admin.display(description="双因素认证")
    def two_factor(self, user: User) -> str:
        if getattr(user, "has_two_factor", False):
            return "已启用"
        return "未设置" if requires_second_factor(user) else "无需"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and requires_second_factor(obj):
            self._show_codes(request, [obj])

    @admin.action(description="重置所选用户的双因素认证（手机丢失），并签发开通码")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = list(queryset)
        reset = [
            user.username
            for user in users
            if second_factor_reset(actor=request.user, user=user)  # type: ignore[arg-type]
        ]
        self.message_user(
            request,
            f"已重置双因素认证：{'、'.join(reset)}（下次登录时凭开通码重新设置手机验证器）"
            if reset
            else "所选用户没有已设置的双因素认证。",
            messages.SUCCESS,
        )
        self._show_codes(request, [u for u in users if requires_second_factor(u)])

    @admin.action(description="为所选用户签发开通码（首次设置双因素认证用）")
    def issue_enrolment_code(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = list(queryset)
        enrolled = [u.username for u in users if has_second_factor(u)]
        if enrolled:
            self.message_user(
                request,
                f"{'、'.join(enrolled)} 已启用双因素认证，未签发开通码（手机丢失请先重置）",
                messages.WARNING,
            )
        self._show_codes(
            request, [u for u in users if requires_second_factor(u) and u.username not in enrolled]
        )

    def _show_codes(self, request: HttpRequest, users: list[User]) -> None:
        """New 开通码 for `users`, shown to the administrator here once (only hashes are kept)."""
        codes = [
            f"{u.username}：{enrolment_code_issue(actor=request.user, user=u)}"  # type: ignore[arg-type]
            for u in users
        ]
        if codes:
            self.message_user(
                request,
                f"开通码（只显示这一次，{ENROLMENT_CODE_HOURS}小时内有效，请当面或另行告知本人）："
                + "；".join(codes),
                messages.WARNING,
            )

    @admin.action(description="解除所选用户的登录锁定")
    def lift_login_lock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        lifted = [
            user.username
            for user in queryset
            if lockout.lockout_lift(actor=request.user, username=user.username)
        ]
        self.message_user(
            request,
            f"已解除登录锁定：{'、'.join(lifted)}" if lifted else "所选用户没有登录锁定。",
            messages.SUCCESS,
        )


class LoginAttemptAdmin(AuditedAdmin):
    """Failed logins per account and address: 已锁定 until the lock time passes or the admin
    lifts it (an action, audited); nobody edits or adds these records."""

    list_display = ("account", "address", "failures", "last_failure", "state")
    search_fields = ("username", "ip_address")
    ordering = ("-attempt_time",)
    actions = ["lift_account", "lift_address"]
    fields = ("account", "address", "failures", "last_failure")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoginAttempt]:
        return lockout.with_lock_state(super().get_queryset(request))

    @admin.display(description="用户名", ordering="username")
    def account(self, attempt: LoginAttempt) -> str:
        return attempt.username or ""

    @admin.display(description="地址", ordering="ip_address")
    def address(self, attempt: LoginAttempt) -> str:
        return attempt.ip_address or ""

    @admin.display(description="失败次数", ordering="failures_since_start")
    def failures(self, attempt: LoginAttempt) -> int:
        return attempt.failures_since_start

    @admin.display(description="最近一次", ordering="attempt_time")
    def last_failure(self, attempt: LoginAttempt) -> Any:
        return attempt.attempt_time

    @admin.display(description="状态")
    def state(self, attempt: LoginAttempt) -> str:
        parts = []
        if lockout.account_is_locked(getattr(attempt, "account_failures", 0)):
            parts.append("账号已锁定")
        if lockout.address_is_locked(getattr(attempt, "address_failures", 0)):
            parts.append("地址已锁定")
        return "、".join(parts) or "未锁定"

    @admin.action(description="解除所选记录的账号锁定")
    def lift_account(self, request: HttpRequest, queryset: QuerySet[LoginAttempt]) -> None:
        names = {a.username for a in queryset if a.username}
        for name in sorted(names):
            lockout.lockout_lift(actor=request.user, username=name)
        self.message_user(request, f"已解除账号锁定：{'、'.join(sorted(names))}", messages.SUCCESS)

    @admin.action(description="解除所选记录的地址锁定")
    def lift_address(self, request: HttpRequest, queryset: QuerySet[LoginAttempt]) -> None:
        addresses = {a.ip_address for a in queryset if a.ip_address}
        for address in sorted(addresses):
            lockout.lockout_lift(actor=request.user, ip_address=address)
        self.message_user(
            request, f"已解除地址锁定：{'、'.join(sorted(addresses))}", messages.SUCCESS
        )


admin_site.register(User, XinfangUserAdmin)
admin_site.register(LoginAttempt, LoginAttemptAdmin)

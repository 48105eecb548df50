"""A user's own account: changing one's password; two-factor sign-in (enrol, verify)."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from xinfang.accounts import second_factor as sf
from xinfang.accounts.lockout import lockout_response
from xinfang.accounts.middleware import is_verified, second_factor_url
from xinfang.accounts.models import RecoveryCodes, User
from xinfang.core.audit import audit_record
from xinfang.core.permissions import requires_second_factor


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the new password and its audit row, or neither
            form.save()
            audit_record(
                actor=user,
                action="user.password_change",
                obj=user,
                data={"username": user.username, "secret_fields_changed": ["password"]},
            )
        update_session_auth_hash(request, user)  # this session stays logged in
        messages.success(request, "密码已修改。")
        return redirect("home")
    if request.method == "POST" and form.has_error("old_password", "password_incorrect"):
        # a wrong old password is a failed login: audited, and counted by the same lockout
        # (axes), else a hijacked session could guess the password here without limit
        user_login_failed.send(
            sender=__name__, credentials={"username": user.username}, request=request
        )
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return lockout_response(request, None)
    return render(request, "accounts/password_change.html", {"form": form})


def _next(request: HttpRequest) -> str:
    """Where to go once confirmed: the page first asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else reverse("home")


@never_cache
@sensitive_post_parameters("code")
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    nxt = _next(request)
    if not requires_second_factor(user) or is_verified(request):
        return redirect(nxt)
    if not sf.has_second_factor(user):
        return redirect(second_factor_url(request, nxt))
    error = ""
    if request.method == "POST":
        outcome = sf.second_factor_verify(user=user, code=request.POST.get("code", ""))
        if outcome.ok:
            otp_login(request, outcome.device)
            request.session.cycle_key()  # a new session id for the confirmed login
            left = sf.recovery_codes_left(user)
            if isinstance(outcome.device, RecoveryCodes) and left <= 3:
                messages.warning(
                    request, f"恢复码只剩{left}个：请联系系统管理员重置双因素认证后重新设置。"
                )
            return redirect(nxt)
        error = outcome.message
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"next": nxt, "error": error},
    )


@never_cache
@sensitive_post_parameters("code", "enrolment_code")
@login_required
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """First the 开通码 the administrator handed over; only then the app's secret, for this
    session alone; then the app's first code confirms it."""
    user = request.user
    assert isinstance(user, User)
    nxt = _next(request)
    if not requires_second_factor(user) or is_verified(request):
        return redirect(nxt)
    if sf.has_second_factor(user):
        # never a second app through this page: one who has an app confirms with it
        return redirect(second_factor_url(request, nxt))
    device_id = request.session.get(sf.ENROLMENT_SESSION_KEY)
    error = ""
    if request.method == "POST" and "enrolment_code" in request.POST:
        redeemed = sf.enrolment_code_redeem(user=user, code=request.POST["enrolment_code"])
        if redeemed.ok:
            assert redeemed.device is not None
            request.session[sf.ENROLMENT_SESSION_KEY] = redeemed.device.pk
            return redirect(f"{reverse('accounts:two_factor_enrol')}?{urlencode({'next': nxt})}")
        error = redeemed.message
    elif request.method == "POST":
        outcome = sf.enrol_confirm(
            user=user, code=request.POST.get("code", ""), device_id=device_id
        )
        if outcome.ok:
            request.session.pop(sf.ENROLMENT_SESSION_KEY, None)
            otp_login(request, outcome.device)
            request.session.cycle_key()
            # shown here once, never stored in plain: a reload does not show them again
            return render(
                request,
                "accounts/two_factor_recovery_codes.html",
                {"codes": outcome.recovery_codes, "next": nxt},
            )
        error = outcome.message
    device = sf.enrolment_device(user, device_id)
    if device is None:  # no code redeemed in this session: no secret to show, the code is asked
        return render(
            request,
            "accounts/two_factor_enrol.html",
            {"next": nxt, "error": error, "hours": sf.ENROLMENT_CODE_HOURS},
        )
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "next": nxt,
            "error": error,
            "qr": sf.qr_svg(device),
            "secret": sf.secret_text(device),
        },
    )

"""Two-factor sign-in: enrolling a phone app (TOTP), confirming a login with its code or a one-time
recovery code, the throttle on wrong codes and the admin's reset — each audited.

The first enrolment needs what the administrator hands over besides the password: a one-time
开通码 (`enrolment_code_issue`, when the account is made or its two-factor sign-in reset), so
whoever first holds a password cannot set up their own phone app for it. The code is asked
before any secret is shown; redeeming it makes the app's secret, bound to that session only.

Who must is core.permissions.requires_second_factor; the pages are in accounts.views, the gate in
accounts.middleware. The codes themselves are never written anywhere: recovery codes are kept as
salted SHA-256 hashes (80 random bits each: no offline guessing), audit rows name only the method.
"""

import hashlib
import hmac
import math
import re
import secrets
from base64 import b32encode
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.accounts.models import EnrolmentCode, RecoveryCode, RecoveryCodes, User
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, may

RECOVERY_CODE_COUNT = 10
# 16 characters of 31 (no 0/o, 1/l/i to misread): about 79 bits each
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16
APP_NAME = "手机验证器"

WRONG_CODE = "验证码不正确，请重新输入。"

ENROLMENT_CODE_HOURS = 72  # long enough to reach the user over a weekend, short enough to lapse
ENROLMENT_CODE_TRIES = 5  # wrong tries before a code is void (80 random bits: not to be guessed)
ENROLMENT_SESSION_KEY = "xinfang_enrol_device"  # the app being set up, this session's only


@dataclass
class Outcome:
    ok: bool
    message: str = ""
    device: Device | None = None
    recovery_codes: list[str] = field(default_factory=list)


# --- reading ------------------------------------------------------------------------------------


def has_second_factor(user: User) -> bool:
    """Whether the user has a confirmed phone app (else the enrolment page comes first)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(
        device__user=user, device__confirmed=True, used_at__isnull=True
    ).count()


def enrolment_device(user: User, device_id: Any) -> TOTPDevice | None:
    """The phone app this session is setting up (made when its 开通码 was redeemed): the same
    secret (and QR code) until it is confirmed, so a reload does not invalidate what was
    scanned; None when the session redeemed no code (or another redemption replaced it)."""
    if not isinstance(device_id, int):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=False, pk=device_id).first()


def secret_text(device: TOTPDevice) -> str:
    """The secret as the apps ask for it when typed by hand: base32, in groups of four."""
    raw = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (made here: nothing goes to the network)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)


# --- enrolment and verification ------------------------------------------------------------------


def enrol_confirm(*, user: User, code: str, device_id: Any) -> Outcome:
    """The first code from the app this session set up (`device_id`) confirms it; ten recovery
    codes are made and returned (to be shown once). Wrong codes count towards the same throttle
    as at login."""
    code = _digits(code)
    if not code:
        return Outcome(False, "请输入手机验证器上显示的6位验证码。")
    with transaction.atomic():
        if has_second_factor(user):
            return Outcome(False, "已启用双因素认证，请直接验证。")
        mine = device_id if isinstance(device_id, int) else None
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, pk=mine)
            .first()
        )
        if device is None:
            return Outcome(False, "设置已过期，请重新输入系统管理员提供的开通码。")
        refused = _throttled(device)
        if refused:
            _audit_fail(user, stage="enrol", method="totp", device=device, throttled=True)
            return Outcome(False, refused)
        if not device.verify_token(code):  # counts the failure on the device
            _audit_fail(user, stage="enrol", method="totp", device=device)
            return Outcome(False, WRONG_CODE)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_make(user)
        audit_record(
            actor=user,
            action="auth.second_factor.enrol",
            obj=user,
            data={"username": user.username, "recovery_codes": len(codes)},
        )
    return Outcome(True, device=device, recovery_codes=codes)


def second_factor_verify(*, user: User, code: str) -> Outcome:
    """A login confirmed by the app's 6-digit code or by an unused recovery code. After n wrong
    codes in a row nothing is checked for 2^(n-1) seconds (the count is kept on the app's device,
    for both kinds of code, and cleared only by a right one)."""
    if not code.strip():
        return Outcome(False, "请输入验证码。")
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is None:
            return Outcome(False, "尚未启用双因素认证。")
        digits = _digits(code)
        method = "totp" if re.fullmatch(r"\d{6,8}", digits) else "recovery"
        refused = _throttled(totp)
        if refused:
            _audit_fail(user, stage="verify", method=method, device=totp, throttled=True)
            return Outcome(False, refused)
        device: Device | None
        if method == "totp":
            device = totp
            ok = totp.verify_token(digits)  # resets or counts the throttle itself
        else:
            device = RecoveryCodes.objects.filter(user=user, confirmed=True).first()
            ok = device is not None and device.verify_token(code)
            if ok:
                totp.throttle_reset()
            else:
                totp.throttle_increment()
        if not ok:
            _audit_fail(user, stage="verify", method=method, device=totp)
            return Outcome(False, WRONG_CODE)
        data: dict[str, Any] = {"username": user.username, "method": method}
        if method == "recovery":
            data["recovery_codes_left"] = recovery_codes_left(user)
        audit_record(actor=user, action="auth.second_factor.ok", obj=user, data=data)
    return Outcome(True, device=device)


def second_factor_reset(*, actor: Actor, user: User) -> int:
    """The admin removes a user's phone app and recovery codes (a lost phone): the user enrols
    anew at the next page they open, and sessions confirmed by the old app are no longer.
    Audited with the number of devices removed; returns it."""
    if not may(actor, Action.MANAGE_USERS):
        raise PermissionRefusedError("您没有管理用户的权限")
    with transaction.atomic():
        apps, _ = TOTPDevice.objects.filter(user=user).delete()
        recovery = RecoveryCodes.objects.filter(user=user)
        codes = RecoveryCode.objects.filter(device__in=recovery).count()
        sets, _ = recovery.delete()
        if apps or sets:
            audit_record(
                actor=actor,
                action="auth.second_factor.reset",
                obj=user,
                data={"username": user.username, "apps": apps, "recovery_codes": codes},
            )
    return int(apps)


# --- the enrolment code (开通码) ---------------------------------------------------------------


def enrolment_code_issue(*, actor: Actor, user: User) -> str:
    """A new 开通码 for `user`'s first enrolment (any earlier one goes), valid for
    ENROLMENT_CODE_HOURS; stored hashed, returned once for the administrator to hand over.
    Audited without the code."""
    if not may(actor, Action.MANAGE_USERS):
        raise PermissionRefusedError("您没有管理用户的权限")
    if has_second_factor(user):
        raise InputError(
            f"{user.username} 已启用双因素认证；手机丢失时先重置，重置后再签发开通码",
            field="user",
        )
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    salt = secrets.token_hex(16)
    expires = timezone.now() + timedelta(hours=ENROLMENT_CODE_HOURS)
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=user).delete()
        EnrolmentCode.objects.create(
            user=user, salt=salt, digest=_digest(salt, raw), expires_at=expires
        )
        audit_record(
            actor=actor,
            action="auth.second_factor.enrolment_code",
            obj=user,
            data={"username": user.username, "expires_at": expires.isoformat()},
        )
    return _grouped(raw)


CODE = "enrolment_code"  # the audit's name for a 开通码


def _lapsed(row: EnrolmentCode | None) -> str:
    return "none" if row is None else "expired"


def enrolment_code_redeem(*, user: User, code: str) -> Outcome:
    """The 开通码 the administrator handed over, before any secret is shown: a right one is used
    up and a new phone app (unconfirmed) is made for the caller's session to set up; a wrong,
    expired or missing one is refused and audited, and ENROLMENT_CODE_TRIES wrong ones void it."""
    raw = re.sub(r"[\s-]", "", code).lower()
    if not raw:
        return Outcome(False, "请输入系统管理员提供的开通码。")
    void = "开通码无效或已过期，请联系系统管理员重新签发。"
    with transaction.atomic():
        if has_second_factor(user):
            return Outcome(False, "已启用双因素认证，请直接验证。")
        row = EnrolmentCode.objects.select_for_update().filter(user=user).first()
        if row is None or row.expires_at <= timezone.now():
            if row is not None:
                row.delete()
            _audit_fail(user, stage="enrol", method=CODE, reason=_lapsed(row))
            return Outcome(False, void)
        if not hmac.compare_digest(row.digest, _digest(row.salt, raw)):
            row.failures += 1
            if row.failures >= ENROLMENT_CODE_TRIES:
                row.delete()
                _audit_fail(
                    user, stage="enrol", method=CODE, reason="voided", failures=row.failures
                )
                return Outcome(False, "开通码输错次数过多，已作废，请联系系统管理员重新签发。")
            row.save(update_fields=["failures"])
            _audit_fail(user, stage="enrol", method=CODE, reason="wrong", failures=row.failures)
            return Outcome(False, "开通码不正确，请核对后重新输入。")
        row.delete()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
        audit_record(
            actor=user,
            action="auth.second_factor.enrolment_code_used",
            obj=user,
            data={"username": user.username},
        )
    return Outcome(True, device=device)


# --- recovery codes ------------------------------------------------------------------------------


def _recovery_codes_make(user: User) -> list[str]:
    """Ten new codes (any old ones go), stored hashed; the plain codes are returned once."""
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(user=user, name="恢复码", confirmed=True)
    codes = []
    rows = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        salt = secrets.token_hex(16)
        rows.append(RecoveryCode(device=device, salt=salt, digest=_digest(salt, raw)))
        codes.append(_grouped(raw))
    RecoveryCode.objects.bulk_create(rows)
    return codes


def recovery_code_use(device: RecoveryCodes, token: str) -> bool:
    """Accepts an unused code of this device once (hyphens, spaces and case do not matter)."""
    raw = re.sub(r"[\s-]", "", token).lower()
    if len(raw) != _RECOVERY_LENGTH:
        return False
    with transaction.atomic():
        for code in device.codes.select_for_update().filter(used_at__isnull=True):
            if hmac.compare_digest(code.digest, _digest(code.salt, raw)):
                code.used_at = timezone.now()
                code.save(update_fields=["used_at"])
                return True
    return False


def _grouped(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _digest(salt: str, raw: str) -> str:
    return hashlib.sha256(f"{salt}:{raw}".encode()).hexdigest()


# --- the throttle and the audit of failures ---------------------------------------------------


def _digits(code: str) -> str:
    return re.sub(r"\s", "", code)


def _throttled(device: TOTPDevice) -> str:
    """'' when a code may be checked now; else the Chinese message saying how long to wait."""
    allowed, info = device.verify_is_allowed()
    if allowed or not info or "locked_until" not in info:
        return ""
    seconds = max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))
    wait = f"{seconds}秒" if seconds < 120 else f"{math.ceil(seconds / 60)}分钟"
    return f"验证码错误次数过多，请{wait}后再试；如手机丢失，请联系系统管理员重置。"


def _audit_fail(
    user: User,
    *,
    stage: str,
    method: str,
    device: TOTPDevice | None = None,
    throttled: bool = False,
    **more: Any,
) -> None:
    """A wrong, refused or throttled code: the app's count of failures (or, for a 开通码, its
    own count and the reason), never the code."""
    data: dict[str, Any] = {"username": user.username, "stage": stage, "method": method}
    if device is not None:
        data |= {"throttled": throttled, "failures": device.throttling_failure_count}
    audit_record(actor=user, action="auth.second_factor.fail", obj=user, data=data | more)

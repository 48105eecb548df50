"""Two-factor sign-in in tests: a user's phone app, and the code it shows (RFC 6238, from the
device's secret, as any authenticator app computes it)."""

import time
from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.accounts.models import User


def phone_app(user: User) -> TOTPDevice:
    """The user's confirmed phone app (TOTP), made once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="tests", confirmed=True)


def code_from_secret(secret_text: str, at: float | None = None) -> str:
    """What an app set up by typing the enrolment page's secret shows (now, or at `at`)."""
    raw = secret_text.replace(" ", "").upper()
    key = b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def app_code(device: TOTPDevice) -> str:
    """The next code of the app the server will take: a code is accepted once, so a second
    login within the same 30 seconds uses the app's next step (within the tolerance), and
    waits for it when even that was used."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step)
    t = max(now_t + device.drift - device.tolerance, device.last_t + 1)
    if t > now_t + device.drift + device.tolerance:
        start = (t - device.drift - device.tolerance) * device.step + device.t0
        time.sleep(max(0.0, start - time.time()) + 0.05)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = t * device.step + device.t0 + 1
    return f"{totp.token():06d}"

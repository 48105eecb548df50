"""Issue 13, item 3: the first two-factor enrolment needs what the administrator hands over — a
one-time 开通码 issued when the account is made or its two-factor sign-in reset — so whoever
first holds a password cannot set up a phone app for it. The code is asked before any secret is
shown, kept only as a salted hash, expires, and is void after a few wrong tries."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import District
from tests.test_trust_two_factor import (  # noqa: F401  (the fixture turns the real flow on)
    ENROL,
    _test_logins_pass_the_second_factor,
    enrolled,
    events,
    sign_in,
    verified,
)
from tests.two_factor_support import code_from_secret, phone_app
from xinfang.accounts.models import EnrolmentCode
from xinfang.accounts.second_factor import (
    ENROLMENT_CODE_TRIES,
    enrolment_code_issue,
    has_second_factor,
)
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db


def _secret(client: Client) -> str | None:
    found = re.search(r"data-secret>([A-Z2-7 ]+)<", client.get(ENROL).content.decode())
    return found.group(1) if found else None


def test_a_password_alone_sees_no_secret_and_sets_up_nothing(district: District) -> None:
    officer = district.users["officer"]
    client = sign_in("officer")
    page = client.get(ENROL).content.decode()
    assert "开通码" in page and "data-secret" not in page and "<svg" not in page
    assert not TOTPDevice.objects.filter(user=officer).exists()
    # a code typed without a redeemed 开通码 confirms nothing
    response = client.post(ENROL, {"code": "123456"})
    assert "请重新输入系统管理员提供的开通码" in response.content.decode()
    response = client.post(ENROL, {"enrolment_code": "abcd-efgh-jkmn-pqrs"})
    assert "开通码无效或已过期" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert client.get("/")["Location"].startswith(ENROL)
    (fail,) = events("auth.second_factor.fail")
    assert fail.data["method"] == "enrolment_code" and fail.data["reason"] == "none"


def test_the_admins_code_opens_the_enrolment_once(district: District) -> None:
    officer = district.users["officer"]
    code = enrolment_code_issue(actor=SYSTEM, user=officer)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", code)
    # only a hash is kept, and the audit names no code
    row = EnrolmentCode.objects.get(user=officer)
    kept = f"{row.salt}{row.digest}" + str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert code not in kept and code.replace("-", "") not in kept
    client = sign_in("officer")
    # spaces and capitals as a person may type it
    typed = code.upper().replace("-", " ")
    response = client.post(ENROL, {"enrolment_code": typed, "next": "/workflow/queues/"})
    assert response["Location"] == f"{ENROL}?next=%2Fworkflow%2Fqueues%2F"
    assert not EnrolmentCode.objects.filter(user=officer).exists()  # used up
    secret = _secret(client)
    assert secret is not None and _secret(client) == secret  # the same secret on a reload
    # another session with the same password (and the used code) sees no secret
    other = sign_in("officer")
    assert _secret(other) is None
    assert "开通码无效或已过期" in other.post(ENROL, {"enrolment_code": code}).content.decode()
    assert _secret(client) == secret  # and spoiled nothing for the session that redeemed it
    response = client.post(ENROL, {"code": code_from_secret(secret), "next": "/"})
    assert response.status_code == 200 and has_second_factor(officer)
    assert [e.action for e in events("auth.second_factor.enrolment_code_used")] == [
        "auth.second_factor.enrolment_code_used"
    ]


def test_wrong_codes_void_it_and_an_expired_one_is_refused(district: District) -> None:
    officer = district.users["officer"]
    code = enrolment_code_issue(actor=SYSTEM, user=officer)
    client = sign_in("officer")
    for n in range(1, ENROLMENT_CODE_TRIES):
        response = client.post(ENROL, {"enrolment_code": "abcd-efgh-jkmn-pqrs"})
        assert "开通码不正确" in response.content.decode()
        assert EnrolmentCode.objects.get(user=officer).failures == n
    response = client.post(ENROL, {"enrolment_code": "abcd-efgh-jkmn-pqrs"})
    assert "已作废" in response.content.decode()
    # now even the right code is refused: the admin issues a new one
    assert "开通码无效" in client.post(ENROL, {"enrolment_code": code}).content.decode()
    assert _secret(client) is None
    reasons = [e.data["reason"] for e in events("auth.second_factor.fail")]
    assert reasons == ["wrong"] * (ENROLMENT_CODE_TRIES - 1) + ["voided", "none"]

    code = enrolment_code_issue(actor=SYSTEM, user=officer)
    EnrolmentCode.objects.filter(user=officer).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert "已过期" in client.post(ENROL, {"enrolment_code": code}).content.decode()
    assert events("auth.second_factor.fail")[-1].data["reason"] == "expired"
    assert _secret(client) is None
    # a new code replaces any earlier one
    first = enrolment_code_issue(actor=SYSTEM, user=officer)
    second = enrolment_code_issue(actor=SYSTEM, user=officer)
    assert "开通码不正确" in client.post(ENROL, {"enrolment_code": first}).content.decode()
    assert client.post(ENROL, {"enrolment_code": second}).status_code == 302
    assert _secret(client) is not None


def test_only_the_admin_issues_and_not_for_one_with_an_app(district: District) -> None:
    officer = district.users["officer"]
    with pytest.raises(PermissionRefusedError):
        enrolment_code_issue(actor=district.users["supervisor"], user=officer)
    with pytest.raises(PermissionRefusedError):
        enrolment_code_issue(actor=None, user=officer)  # type: ignore[arg-type]
    phone_app(officer)
    with pytest.raises(InputError, match="已启用双因素认证"):
        enrolment_code_issue(actor=district.users["admin"], user=officer)
    assert not EnrolmentCode.objects.exists()


def test_the_admin_site_shows_the_code_once_on_creating_and_resetting(district: District) -> None:
    admin = verified("admin", district)
    response = admin.post(
        "/manage/accounts/user/add/",
        {
            "username": "newofficer",
            "display_name": "新经办人",
            "role": "officer",
            "org_unit": district.district.pk,
            "password1": "Xinfang-Officer-2026",
            "password2": "Xinfang-Officer-2026",
        },
        follow=True,
    )
    found = re.search(r"newofficer：([a-z2-9-]{19})", response.content.decode())
    assert found is not None, response.content.decode()
    client = sign_in_as("newofficer", "Xinfang-Officer-2026")
    assert client.post(ENROL, {"enrolment_code": found.group(1)}).status_code == 302
    enrolled(client, district.users["admin"].__class__.objects.get(username="newofficer"))
    # the reset of a lost phone hands over a new code
    officer = district.users["officer"]
    enrolled(sign_in("officer"), officer)
    response = admin.post(
        "/manage/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [officer.pk], "index": 0},
        follow=True,
    )
    found = re.search(r"officer：([a-z2-9-]{19})", response.content.decode())
    assert found is not None and not has_second_factor(officer)
    client = sign_in("officer")
    assert client.post(ENROL, {"enrolment_code": found.group(1)}).status_code == 302
    assert _secret(client) is not None
    # and the action issues one to a user whose code lapsed (none to one with an app)
    response = admin.post(
        "/manage/accounts/user/",
        {"action": "issue_enrolment_code", "_selected_action": [officer.pk], "index": 0},
        follow=True,
    )
    assert re.search(r"officer：([a-z2-9-]{19})", response.content.decode())


def sign_in_as(username: str, password: str) -> Client:
    client = Client()
    response = client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR="10.3.3.4"
    )
    assert response.status_code == 302 and "/login/" not in response["Location"]
    return client


def test_the_console_hands_over_a_code_with_each_reset(district: District) -> None:
    admin_user = district.users["admin"]
    phone_app(admin_user)
    out = StringIO()
    call_command("reset_two_factor", "admin", stdout=out)
    found = re.search(r"新的开通码：([a-z2-9-]{19})", out.getvalue())
    assert found is not None
    client = sign_in("admin")
    assert client.post(ENROL, {"enrolment_code": found.group(1)}).status_code == 302
    assert _secret(client) is not None
    # a user who never set one up gets a fresh code too (the earlier one is void)
    out = StringIO()
    call_command("reset_two_factor", "officer", stdout=out)
    assert "尚未设置" in out.getvalue() and "新的开通码" in out.getvalue()
    # a role that gives no second factor needs none
    out = StringIO()
    call_command("reset_two_factor", "leader", stdout=out)
    assert "开通码" not in out.getvalue()

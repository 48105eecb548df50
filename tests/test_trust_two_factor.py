"""Issue 13, item 3: two-factor sign-in (TOTP, django-otp) for every role that may reveal personal
data or manage — through the real login form: a password alone opens no staff page; enrolment
with a code computed from the page's secret; ten recovery codes, each good once; wrong codes
throttled and audited; the admin's reset; 领导 and 督查 are not asked."""

import re
from datetime import timedelta
from io import StringIO
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import LazySettings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, District
from tests.route_expectations import EXPECTATIONS
from tests.two_factor_support import app_code, code_from_secret, phone_app
from xinfang.accounts.models import RecoveryCode, RecoveryCodes, Role, User
from xinfang.accounts.second_factor import enrolment_code_issue
from xinfang.core.env import env_choice
from xinfang.core.errors import PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM, requires_second_factor

ENROL = "/account/two-factor/enrol/"
VERIFY = "/account/two-factor/"


@pytest.fixture(autouse=True)
def _test_logins_pass_the_second_factor() -> None:
    """This file turns the real flow on: no test login is marked as confirmed (conftest's)."""


def sign_in(username: str, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(
        "/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.3.3.3"
    )
    assert response.status_code == 302 and "/login/" not in response["Location"]
    return client


def enrolled(client: Client, user: User) -> list[str]:
    """Sets up the phone app through the enrolment page — the 开通码 an admin issued first, when
    this session has not given one — and returns the recovery codes shown."""
    page = client.get(ENROL).content.decode()
    if "data-secret" not in page:
        code = enrolment_code_issue(actor=SYSTEM, user=user)
        assert client.post(ENROL, {"enrolment_code": code})["Location"].startswith(ENROL)
        page = client.get(ENROL).content.decode()
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page)
    assert secret is not None
    response = client.post(ENROL, {"code": code_from_secret(secret.group(1)), "next": "/"})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    return codes


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# Staff pages from the route table that the officer (who must) may open, and /manage/ for the
# admin: with a password alone each of them sends to the second factor.
OFFICER_PAGES = sorted(
    {
        case.url
        for cases in EXPECTATIONS.values()
        for case in cases
        if case.method == "GET"
        and "{" not in case.url
        and "officer" in case.allowed
        and not case.url.startswith(("/api/", "/open311/", "/portal/", "/login/", "/account/two"))
        and case.url not in ("/healthz", "/favicon.ico")
    }
)


def test_the_sample_of_pages_is_broad() -> None:
    assert len(OFFICER_PAGES) >= 20
    assert {"/", "/intake/register/", "/workflow/queues/", "/account/password/"} <= set(
        OFFICER_PAGES
    )


# --- who is asked --------------------------------------------------------------------------------


# typed from the rule: those who may reveal personal data or manage; not 领导 or 督查
MUST = {
    "registrar": True,
    "officer": True,
    "street_a_staff": True,
    "discipline_staff": True,
    "admin": True,
    "leader": False,
    "supervisor": False,
}


@pytest.mark.parametrize(("who", "must"), MUST.items())
def test_who_must_give_a_second_factor(district: District, who: str, must: bool) -> None:
    assert requires_second_factor(district.users[who]) is must


def test_nobody_is_asked_with_the_setting_off(district: District, settings: LazySettings) -> None:
    settings.XINFANG_TWO_FACTOR = "off"
    assert not any(requires_second_factor(user) for user in district.users.values())
    client = sign_in("officer")
    assert client.get("/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_the_system_and_nobody_are_not_asked() -> None:
    assert not requires_second_factor(SYSTEM)
    assert not requires_second_factor(None)


def test_the_setting_refuses_anything_but_required_or_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XINFANG_TWO_FACTOR", "optional")
    with pytest.raises(ImproperlyConfigured, match="required/off"):
        env_choice("XINFANG_TWO_FACTOR", "required", ("required", "off"))
    monkeypatch.setenv("XINFANG_TWO_FACTOR", "Off")
    assert env_choice("XINFANG_TWO_FACTOR", "required", ("required", "off")) == "off"


def test_check_deploy_warns_when_it_is_off(settings: LazySettings) -> None:
    from django.core.checks import run_checks

    def ids() -> set[str]:
        return {m.id for m in run_checks(include_deployment_checks=True) if m.id}

    assert "accounts.W001" not in ids()
    settings.XINFANG_TWO_FACTOR = "off"
    assert "accounts.W001" in ids()


@pytest.mark.parametrize("who", ["leader", "supervisor"])
def test_roles_that_need_not_are_not_asked(district: District, who: str) -> None:
    client = sign_in(who)
    assert client.get("/").status_code == 200
    assert client.get("/workflow/queues/").status_code == 200
    verify = client.get(VERIFY)
    assert verify.status_code == 302 and verify["Location"] == "/"
    assert client.get(ENROL)["Location"] == "/"
    assert not TOTPDevice.objects.exists()


# --- a password alone ---------------------------------------------------------------------------


def test_a_password_alone_opens_no_staff_page(district: District) -> None:
    client = sign_in("officer")
    for url in OFFICER_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{ENROL}?next={quote(url, safe='')}", url
    # a form sent without the second factor: refused the same way, nothing done
    response = client.post("/intake/register/", {"content": "x"})
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_an_admin_with_a_password_alone_does_not_reach_manage(district: District) -> None:
    client = sign_in("admin")
    for url in ("/manage/", "/manage/accounts/user/", "/manage/core/auditevent/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(ENROL), url


def test_htmx_requests_get_a_whole_page_redirect(district: District) -> None:
    client = sign_in("officer")
    phone_app(district.users["officer"])  # has an app: to the verify page
    response = client.get(
        "/notifications/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/workflow/queues/"},
    )
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Fworkflow%2Fqueues%2F"


def test_the_public_parts_and_logout_stay_open(district: District) -> None:
    client = sign_in("officer")
    assert client.get("/portal/").status_code == 200
    assert client.get("/healthz").status_code == 200
    # the API never takes a session login: with or without the second factor it is refused
    assert client.get("/api/v1/matters/").status_code == 401
    assert client.post("/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/login/")


# --- enrolment ------------------------------------------------------------------------------------


def test_enrolment_with_a_code_from_the_secret(district: District) -> None:
    officer = district.users["officer"]
    client = sign_in("officer")
    code = enrolment_code_issue(actor=SYSTEM, user=officer)
    client.post(ENROL, {"enrolment_code": code})
    page = client.get(ENROL)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    assert "<svg" in html and "设置双因素认证" in html
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", html)
    assert secret is not None
    # the same secret on a reload (what was scanned stays valid)
    assert secret.group(1) in client.get(ENROL).content.decode()
    assert TOTPDevice.objects.filter(user=officer, confirmed=False).count() == 1

    wrong = client.post(ENROL, {"code": "000000" if secret else ""})
    if "双因素认证已启用" not in wrong.content.decode():  # 000000 is the right code 1 in 10^6
        assert "验证码不正确" in wrong.content.decode()
        (fail,) = events("auth.second_factor.fail")
        assert fail.actor == officer and fail.data["stage"] == "enrol"
        assert "000000" not in str(fail.data)
        assert client.get("/").status_code == 302  # still not confirmed
        TOTPDevice.objects.filter(user=officer).update(
            throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
        )

    codes = enrolled(client, officer)
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed
    (enrol,) = events("auth.second_factor.enrol")
    assert enrol.actor == officer and enrol.data["recovery_codes"] == 10
    # the codes are kept only as hashes
    stored = list(RecoveryCode.objects.filter(device__user=officer))
    assert len(stored) == 10 and len({c.digest for c in stored}) == 10
    everything = str(list(RecoveryCode.objects.values_list("salt", "digest")))
    everything += str(list(AuditEvent.objects.values_list("data", flat=True)))
    for code in codes:
        assert code not in everything and code.replace("-", "") not in everything
    # now every page opens, and the enrolment page shows nothing again
    for url in OFFICER_PAGES:
        response = client.get(url)
        assert not response.get("Location", "").startswith("/account/two-factor/"), url
    assert client.get(ENROL)["Location"] == "/"
    assert client.get("/").status_code == 200


def test_one_with_an_app_cannot_enrol_another(district: District) -> None:
    officer = district.users["officer"]
    app = phone_app(officer)
    client = sign_in("officer")
    assert client.get("/")["Location"] == f"{VERIFY}?next=%2F"
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    client.post(ENROL, {"code": "123456"})
    assert list(TOTPDevice.objects.filter(user=officer)) == [app]


# --- verifying a login --------------------------------------------------------------------------


def test_the_next_login_asks_for_the_apps_code(district: District) -> None:
    officer = district.users["officer"]
    enrolled(sign_in("officer"), officer)
    client = sign_in("officer")
    response = client.get("/workflow/queues/")
    assert response["Location"] == f"{VERIFY}?next=%2Fworkflow%2Fqueues%2F"
    assert "双因素认证" in client.get(response["Location"]).content.decode()
    app = TOTPDevice.objects.get(user=officer)
    code = app_code(app)
    done = client.post(VERIFY, {"code": code, "next": "/workflow/queues/"})
    assert done.status_code == 302 and done["Location"] == "/workflow/queues/"
    assert client.get("/workflow/queues/").status_code == 200
    ok = events("auth.second_factor.ok")[-1]
    assert ok.actor == officer and ok.data["method"] == "totp" and code not in str(ok.data)
    # the same code a second time, in another session: refused (a code is good once)
    again = sign_in("officer")
    refused = again.post(VERIFY, {"code": code})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert again.get("/").status_code == 302


def test_next_never_leaves_the_site(district: District) -> None:
    app = phone_app(district.users["officer"])
    client = sign_in("officer")
    done = client.post(VERIFY, {"code": app_code(app), "next": "https://evil.example/"})
    assert done.status_code == 302 and done["Location"] == "/"


def test_a_recovery_code_works_once(district: District) -> None:
    officer = district.users["officer"]
    codes = enrolled(sign_in("officer"), officer)
    client = sign_in("officer")
    typed = " " + codes[3].upper().replace("-", " ") + " "  # case, spaces: as one might type it
    done = client.post(VERIFY, {"code": typed, "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.get("/").status_code == 200
    ok = events("auth.second_factor.ok")[-1]
    assert ok.data == {"username": "officer", "method": "recovery", "recovery_codes_left": 9}
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1

    again = sign_in("officer")
    refused = again.post(VERIFY, {"code": codes[3]})
    assert "验证码不正确" in refused.content.decode()
    assert again.get("/").status_code == 302
    fail = events("auth.second_factor.fail")[-1]
    assert fail.data["method"] == "recovery" and codes[3] not in str(fail.data)
    # another code still works (after the throttle's second has passed)
    TOTPDevice.objects.filter(user=officer).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    assert again.post(VERIFY, {"code": codes[4]})["Location"] == "/"


def _back(user: User, seconds: int) -> None:
    """Travel: the last wrong code was `seconds` ago."""
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=seconds)
    )


def test_wrong_codes_are_throttled_and_audited(district: District) -> None:
    officer = district.users["officer"]
    app = phone_app(officer)
    client = sign_in("officer")
    right = app_code(app)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    first = client.post(VERIFY, {"code": wrong})
    assert "验证码不正确" in first.content.decode()
    # at once the right code is not even checked: 1 second to wait after one failure
    held = client.post(VERIFY, {"code": right})
    assert held.status_code == 200
    assert "验证码错误次数过多，请1秒后再试" in held.content.decode()
    assert client.get("/").status_code == 302
    # n failures in a row: 2^(n-1) seconds (1, 2, 4, 8); each failure and refusal audited
    for n in range(2, 5):
        _back(officer, 2 ** (n - 2))
        assert "验证码不正确" in client.post(VERIFY, {"code": wrong}).content.decode()
    assert "请8秒后再试" in client.post(VERIFY, {"code": right}).content.decode()
    # a new password login does not clear the count
    other = sign_in("officer")
    assert "请8秒后再试" in other.post(VERIFY, {"code": right}).content.decode()
    fails = events("auth.second_factor.fail")
    assert [(e.data["throttled"], e.data["failures"]) for e in fails] == [
        (False, 1),
        (True, 1),
        (False, 2),
        (False, 3),
        (False, 4),
        (True, 4),
        (True, 4),
    ]
    assert all(e.actor == officer and e.data["stage"] == "verify" for e in fails)
    assert all(right not in str(e.data) and wrong not in str(e.data) for e in fails)
    # once the wait has passed the right code works and the count starts again
    _back(officer, 9)
    assert client.post(VERIFY, {"code": app_code(app)})["Location"] == "/"
    app.refresh_from_db()
    assert app.throttling_failure_count == 0


def test_a_long_run_of_wrong_codes_waits_minutes(district: District) -> None:
    officer = district.users["officer"]
    app = phone_app(officer)
    TOTPDevice.objects.filter(pk=app.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    page = sign_in("officer").post(VERIFY, {"code": app_code(app)}).content.decode()
    assert "请9分钟后再试" in page  # 2^9 = 512 seconds


# --- the admin's reset ---------------------------------------------------------------------------


def verified(who: str, district: District) -> Client:
    client = sign_in(who)
    app = phone_app(district.users[who])
    assert client.post(VERIFY, {"code": app_code(app)})["Location"] == "/"
    return client


def test_the_admin_resets_a_lost_phone(district: District) -> None:
    officer = district.users["officer"]
    enrolled(officer_session := sign_in("officer"), officer)
    assert officer_session.get("/").status_code == 200
    admin = verified("admin", district)
    users = admin.get("/manage/accounts/user/").content.decode()
    assert "双因素认证" in users and "已启用" in users and "无需" in users
    response = admin.post(
        "/manage/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [officer.pk], "index": 0},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not RecoveryCodes.objects.filter(user=officer).exists()
    assert not RecoveryCode.objects.filter(device__user=officer).exists()
    (reset,) = events("auth.second_factor.reset")
    assert reset.actor == district.users["admin"] and reset.object_id == str(officer.pk)
    assert reset.data == {"username": "officer", "apps": 1, "recovery_codes": 10}
    # the session the old app confirmed is confirmed no more: it sets up a new app
    assert officer_session.get("/")["Location"] == f"{ENROL}?next=%2F"
    enrolled(officer_session, officer)
    assert officer_session.get("/").status_code == 200


def test_only_the_admin_resets(district: District) -> None:
    officer = district.users["officer"]
    phone_app(officer)
    with pytest.raises(PermissionRefusedError):
        from xinfang.accounts.second_factor import second_factor_reset

        second_factor_reset(actor=district.users["supervisor"], user=officer)
    assert TOTPDevice.objects.filter(user=officer).exists()
    assert not events("auth.second_factor.reset")


def test_the_console_resets_as_the_system(district: District) -> None:
    phone_app(district.users["admin"])
    out = StringIO()
    call_command("reset_two_factor", "admin", stdout=out)
    assert "已重置 admin 的双因素认证" in out.getvalue()
    (reset,) = events("auth.second_factor.reset")
    assert reset.actor is None and reset.data["username"] == "admin"
    out = StringIO()
    call_command("reset_two_factor", "admin", stdout=out)
    assert "尚未设置" in out.getvalue() and len(events("auth.second_factor.reset")) == 1


def test_a_role_change_to_one_that_must_asks_at_the_next_page(district: District) -> None:
    leader = district.users["leader"]
    client = sign_in("leader")
    assert client.get("/").status_code == 200
    User.objects.filter(pk=leader.pk).update(role=Role.OFFICER)
    response: Any = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


# --- in a browser ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_enrolment_and_login_in_a_browser(
    chromium: Any, live_server: Any, district: District
) -> None:
    from tests.browser_support import DESK, PHONE, Shots, login

    shots = Shots("two_factor")
    base = live_server.url
    desk = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/account/two-factor/enrol/\?next=.*"))
    shots(page, "enrolment-code")
    page.get_by_label("开通码").fill(
        enrolment_code_issue(actor=SYSTEM, user=district.users["officer"])
    )
    page.get_by_role("button", name="下一步").click()
    page.locator(".qr svg").wait_for()  # the click only starts the POST: wait for its page
    shots(page, "enrol")
    secret = page.locator("[data-secret]").inner_text()
    page.get_by_label("验证码").fill(code_from_secret(secret))
    page.get_by_role("button", name="完成设置").click()
    page.locator(".recovery-codes li").first.wait_for()
    assert page.locator(".recovery-codes li").count() == 10
    shots(page, "recovery-codes")
    page.get_by_role("link", name="我已保存恢复码，继续").click()
    page.wait_for_url(f"{base}/")
    desk.close()

    phone = chromium.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/account/two-factor/\?next=.*"))
    page.get_by_label("验证码").fill("12")
    page.get_by_role("button", name="验证").click()
    page.get_by_text("验证码不正确").wait_for()
    shots(page, "verify-wrong-code-phone")
    phone.close()

    # the shared helper of the browser walks goes through the same pages
    other = chromium.new_context(viewport=DESK, locale="zh-CN")
    page = other.new_page()
    _back(district.users["officer"], 5)
    login(page, base, "officer", PASSWORD)
    assert page.url == f"{base}/"
    other.close()

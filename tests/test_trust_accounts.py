"""Issue 13, item 3: staff accounts — lockout per account and per address (lifted by the admin),
passwords of 12 characters and more, logins in the audit, one's own password page, and
`xinfang create-admin` instead of a `createsuperuser` that lands as 登记员 without a unit."""

import getpass
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, District
from tests.two_factor_support import app_code
from xinfang.accounts.models import LoginAttempt, Role, User
from xinfang.core import chain
from xinfang.core.models import AuditEvent

GOOD_NEW = "qiuju-wenshu-2026"


def _post_login(username: str, password: str, address: str, client: Client | None = None) -> Any:
    client = client or Client()
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(response: Any) -> bool:
    return response.status_code == 302 and "/login/" not in response["Location"]


def _admin() -> Client:
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    return client


# --- lockout ------------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(district: District) -> None:
    # each guess from another address: the account's own count locks it
    for n in range(30):
        assert _post_login("officer", f"wrong-{n}", f"10.0.1.{n + 1}").status_code in (200, 429)
    response = _post_login("officer", PASSWORD, "10.0.2.1")
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录失败次数过多" in page and "系统管理员解除锁定" in page
    assert not _logged_in(response)
    # another account from the same addresses is not affected
    assert _logged_in(_post_login("registrar", PASSWORD, "10.0.1.1"))


def test_thirty_failures_from_one_address_lock_the_address(district: District) -> None:
    # many accounts guessed from one address: none reaches its own limit, the address does
    for n in range(30):
        _post_login(f"guess{n % 10}", "wrong-password", "10.9.9.9")
    response = _post_login("officer", PASSWORD, "10.9.9.9")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    # the account itself is not locked: from elsewhere it logs in
    assert _logged_in(_post_login("officer", PASSWORD, "10.9.9.10"))


def test_a_few_typing_mistakes_do_not_lock_and_a_login_clears_them(district: District) -> None:
    for _ in range(4):
        _post_login("officer", "wrong-password", "10.0.0.5")
    assert _logged_in(_post_login("officer", PASSWORD, "10.0.0.5"))
    assert not LoginAttempt.objects.filter(username="officer").exists()
    for _ in range(4):  # counted from zero again
        _post_login("officer", "wrong-password", "10.0.0.5")
    assert _logged_in(_post_login("officer", PASSWORD, "10.0.0.5"))


def test_test_client_logins_never_count(district: District) -> None:
    # client.login() passes no request: no address, no attempt from outside
    client = Client()
    for _ in range(10):
        assert not client.login(username="officer", password="wrong-password")
    assert client.login(username="officer", password=PASSWORD)
    assert not LoginAttempt.objects.exists()


def test_the_admin_sees_the_lock_and_lifts_it(district: District) -> None:
    for n in range(6):
        _post_login("officer", f"wrong-{n}", "10.0.3.1")
    assert _post_login("officer", PASSWORD, "10.0.3.2").status_code == 429
    admin = _admin()
    listing = admin.get("/manage/accounts/loginattempt/").content.decode()
    assert "登录失败与锁定" in listing and "账号已锁定" in listing and "officer" in listing
    users = admin.get("/manage/accounts/user/").content.decode()
    assert "已锁定" in users
    officer = district.users["officer"]
    response = admin.post(
        "/manage/accounts/user/",
        {"action": "lift_login_lock", "_selected_action": [officer.pk], "index": 0},
    )
    assert response.status_code == 302
    assert _logged_in(_post_login("officer", PASSWORD, "10.0.3.2"))
    event = AuditEvent.objects.get(action="user.login_unlock")
    assert event.actor == district.users["admin"]
    assert event.object_id == str(officer.pk)
    assert event.data["username"] == "officer" and event.data["failures"] >= 6


def test_the_admin_lifts_an_address_lock(district: District) -> None:
    for n in range(25):
        _post_login(f"guess{n}", "wrong-password", "10.7.7.7")
    assert _post_login("officer", PASSWORD, "10.7.7.7").status_code == 429
    admin = _admin()
    assert "地址已锁定" in admin.get("/manage/accounts/loginattempt/").content.decode()
    row = LoginAttempt.objects.filter(ip_address="10.7.7.7").first()
    assert row is not None
    admin.post(
        "/manage/accounts/loginattempt/",
        {"action": "lift_address", "_selected_action": [row.pk], "index": 0},
    )
    assert not LoginAttempt.objects.filter(ip_address="10.7.7.7").exists()
    assert _logged_in(_post_login("officer", PASSWORD, "10.7.7.7"))
    assert AuditEvent.objects.get(action="user.login_unlock").data["ip_address"] == "10.7.7.7"


def test_other_roles_do_not_see_the_locks(district: District) -> None:
    client = Client()
    assert client.login(username="officer", password=PASSWORD)
    response = client.get("/manage/accounts/loginattempt/")
    assert response.status_code == 302 and "/manage/login/" in response["Location"]


# --- password rules ---------------------------------------------------------------------------


def test_the_admin_cannot_set_a_weak_password(district: District) -> None:
    admin = _admin()
    response = admin.post(
        "/manage/accounts/user/add/",
        {
            "username": "ducha",
            "display_name": "督查甲",
            "role": Role.SUPERVISOR,
            "org_unit": district.district.pk,
            "usable_password": "true",
            "password1": "ducha123",
            "password2": "ducha123",
        },
    )
    assert response.status_code == 200
    assert "密码长度太短" in response.content.decode()
    assert not User.objects.filter(username="ducha").exists()
    clerk = district.users["registrar"]
    reset = admin.post(
        f"/manage/accounts/user/{clerk.pk}/password/",
        {"password1": "ducha123", "password2": "ducha123"},
    )
    assert reset.status_code == 200 and "密码长度太短" in reset.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()


def test_the_admin_sets_a_long_password(district: District) -> None:
    response = _admin().post(
        "/manage/accounts/user/add/",
        {
            "username": "ducha",
            "display_name": "督查甲",
            "role": Role.SUPERVISOR,
            "org_unit": district.district.pk,
            "usable_password": "true",
            "password1": GOOD_NEW,
            "password2": GOOD_NEW,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="ducha").check_password(GOOD_NEW)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("duchaduchaducha", "密码不能包含用户名"),  # Django's similarity check let it through
        ("my-DUCHA-password", "密码不能包含用户名"),
        ("abcabcabcabcab", "重复组成"),  # a 3-character unit, with a cut last one
        ("qwertqwertqwert", "重复组成"),
        ("zzzzzzzzzzzzzz", "重复组成"),
    ],
)
def test_a_password_holding_the_username_or_a_repeated_unit_is_refused(
    district: District, password: str, message: str
) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password(password, User(username="ducha"))
    assert any(message in text for text in refused.value.messages)


def test_the_passwords_in_use_still_pass(district: District) -> None:
    from django.contrib.auth.password_validation import validate_password

    from xinfang.demo.services import DEMO_LOGINS, DEMO_PASSWORD

    for login in DEMO_LOGINS:
        validate_password(DEMO_PASSWORD, User(username=login.username))
    for password in ("Zhang-Juzhang-2026", GOOD_NEW, "abcdefabcdefx"):
        validate_password(password, User(username="chief"))
    # a short username is not looked for: "ab" is in far too many passwords
    validate_password("lab-notebook-2026", User(username="ab"))


# --- one's own password -----------------------------------------------------------------------


def test_the_user_name_in_the_navigation_opens_the_password_page(district: District) -> None:
    client = Client()
    assert client.login(username="officer", password=PASSWORD)
    home = client.get("/").content.decode()
    assert 'href="/account/password/"' in home
    page = client.get("/account/password/")
    assert page.status_code == 200
    assert "修改密码" in page.content.decode() and "旧密码" in page.content.decode()


def test_a_weak_new_password_is_refused_on_the_change_page(district: District) -> None:
    client = Client()
    assert client.login(username="officer", password=PASSWORD)
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "ducha123", "new_password2": "ducha123"},
    )
    assert response.status_code == 200
    assert "密码长度太短" in response.content.decode()
    officer = User.objects.get(username="officer")
    assert officer.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


def test_a_wrong_old_password_is_refused(district: District) -> None:
    client = Client()
    assert client.login(username="officer", password=PASSWORD)
    response = client.post(
        "/account/password/",
        {"old_password": "not-my-password", "new_password1": GOOD_NEW, "new_password2": GOOD_NEW},
    )
    assert response.status_code == 200
    assert User.objects.get(username="officer").check_password(PASSWORD)


def test_wrong_old_passwords_are_audited_and_lock_the_account_like_failed_logins(
    district: District,
) -> None:
    from xinfang.accounts.lockout import account_limit

    client = Client()
    assert client.login(username="officer", password=PASSWORD)
    wrong = {"new_password1": GOOD_NEW, "new_password2": GOOD_NEW}
    for n in range(account_limit() - 1):
        response = client.post(
            "/account/password/", {"old_password": f"guess-{n}", **wrong}, REMOTE_ADDR="10.0.7.1"
        )
        assert response.status_code == 200
    rows = AuditEvent.objects.filter(action="user.login_failed", data__username="officer")
    assert rows.count() == account_limit() - 1
    response = client.post(
        "/account/password/", {"old_password": "last-guess", **wrong}, REMOTE_ADDR="10.0.7.1"
    )
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert rows.count() == account_limit()
    # the session is logged out, and the account locked even for the right password
    assert "/login/" in client.get("/account/password/")["Location"]
    assert _post_login("officer", PASSWORD, "10.0.7.2").status_code == 429
    assert User.objects.get(username="officer").check_password(PASSWORD)


def test_changing_ones_password_keeps_the_session_and_is_audited(district: District) -> None:
    client = Client()
    assert client.login(username="officer", password=PASSWORD)
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": GOOD_NEW, "new_password2": GOOD_NEW},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200  # still logged in
    officer = User.objects.get(username="officer")
    assert officer.check_password(GOOD_NEW)
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.actor == officer and event.object_id == str(officer.pk)
    assert GOOD_NEW not in str(event.data) and PASSWORD not in str(event.data)


def test_the_password_page_needs_a_login(district: District) -> None:
    response = Client().get("/account/password/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the audit of logins ----------------------------------------------------------------------


def test_login_failed_login_and_logout_are_audited(district: District) -> None:
    client = Client()
    failed = _post_login("officer", "wrong-secret-1", "10.1.2.3", client)
    assert failed.status_code == 200
    unknown = _post_login("nobody-here", "wrong-secret-2", "10.1.2.3", client)
    assert unknown.status_code == 200
    assert _logged_in(_post_login("officer", PASSWORD, "10.1.2.4", client))
    client.post("/logout/", REMOTE_ADDR="10.1.2.4")
    officer = district.users["officer"]

    failures = list(AuditEvent.objects.filter(action="user.login_failed").order_by("id"))
    assert [(e.data["username"], e.ip, e.actor) for e in failures] == [
        ("officer", "10.1.2.3", None),
        ("nobody-here", "10.1.2.3", None),
    ]
    assert failures[0].object_id == str(officer.pk) and failures[0].data["known_user"]
    assert not failures[1].data["known_user"]
    login = AuditEvent.objects.get(action="user.login")
    assert login.actor == officer and login.ip == "10.1.2.4"
    logout = AuditEvent.objects.get(action="user.logout")
    assert logout.actor == officer and logout.ip == "10.1.2.4"
    everything = str(list(AuditEvent.objects.values_list("data", flat=True)))
    for secret in ("wrong-secret-1", "wrong-secret-2", PASSWORD):
        assert secret not in everything


def test_a_refused_login_while_locked_is_audited_as_locked(district: District) -> None:
    for n in range(5):
        _post_login("officer", f"wrong-{n}", "10.4.4.4")
    _post_login("officer", PASSWORD, "10.4.4.5")
    last = AuditEvent.objects.filter(action="user.login_failed").order_by("id").last()
    assert last is not None and last.data["locked"] is True and last.ip == "10.4.4.5"
    assert not AuditEvent.objects.filter(action="user.login").exists()


def test_a_role_change_by_the_admin_is_audited(district: District) -> None:
    """The one role-change test (the audit tests' twin was folded in here)."""
    clerk = district.users["registrar"]
    response = _admin().post(
        f"/manage/accounts/user/{clerk.pk}/change/",
        {
            "username": clerk.username,
            "display_name": clerk.display_name,
            "role": Role.OFFICER,
            "org_unit": district.district.pk,
            "email": "",
            "phone": "",
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="user.change", object_id=str(clerk.pk))
    assert event.actor == district.users["admin"]
    assert event.data["changes"]["role"] == [Role.REGISTRAR, Role.OFFICER]
    assert User.objects.get(pk=clerk.pk).role == Role.OFFICER
    assert chain.verify().broken is None  # the change's row sits in the chain


# --- the first administrator ------------------------------------------------------------------


def test_create_admin_makes_a_working_administrator(district: District) -> None:
    out = StringIO()
    call_command(
        "create_admin",
        username="chief",
        name="张局长",
        unit="320101",
        password_stdin=True,
        stdin=StringIO("Zhang-Juzhang-2026\n"),
        stdout=out,
    )
    chief = User.objects.get(username="chief")
    assert chief.role == Role.ADMIN and chief.org_unit == district.district
    assert chief.display_name == "张局长" and chief.check_password("Zhang-Juzhang-2026")
    assert "已创建系统管理员 chief" in out.getvalue()
    event = AuditEvent.objects.get(action="user.create", object_id=str(chief.pk))
    assert event.data["role"] == Role.ADMIN and "Zhang-Juzhang-2026" not in str(event.data)
    client = Client()
    assert _logged_in(_post_login("chief", "Zhang-Juzhang-2026", "10.5.5.5", client))
    # an administrator sets up a phone app before /manage/ opens (test_trust_two_factor.py)
    enrol = client.get("/manage/")
    assert enrol["Location"] == "/account/two-factor/enrol/?next=%2Fmanage%2F"
    assert client.get(enrol["Location"]).status_code == 200
    # with the 开通码 create-admin printed once (the password alone sets up no phone app)
    found = re.search(r"开通码：([a-z2-9-]+)", out.getvalue())
    assert found is not None
    client.post("/account/two-factor/enrol/", {"enrolment_code": found.group(1)})
    app = TOTPDevice.objects.get(user=chief)
    client.post("/account/two-factor/enrol/", {"code": app_code(app), "next": "/manage/"})
    assert client.get("/manage/").status_code == 200


def test_create_admin_asks_twice_without_echo(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(
        [
            "ducha123",
            "Zhang-Juzhang-2026",
            "Zhang-Juzhang-2027",
            "Zhang-Juzhang-2026",
            "Zhang-Juzhang-2026",
        ]
    )
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    err = StringIO()
    call_command(
        "create_admin",
        username="chief",
        name="张局长",
        unit="320101",
        stderr=err,
        stdout=StringIO(),
    )
    assert "密码长度太短" in err.getvalue() and "两次输入的密码不一致" in err.getvalue()
    assert User.objects.get(username="chief").check_password("Zhang-Juzhang-2026")


@pytest.mark.parametrize(
    ("password", "unit", "message"),
    [
        ("ducha123", "320101", "密码长度太短"),
        ("123456789012345", "320101", "只包含数字"),
        ("Zhang-Juzhang-2026", "999999", "没有代码为“999999”的单位"),
    ],
)
def test_create_admin_refuses_with_nothing_written(
    district: District, password: str, unit: str, message: str
) -> None:
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_admin",
            username="chief",
            name="张局长",
            unit=unit,
            password_stdin=True,
            stdin=StringIO(password + "\n"),
        )
    assert message in str(refused.value)
    assert not User.objects.filter(username="chief").exists()


def test_create_admin_refuses_a_taken_username(district: District) -> None:
    with pytest.raises(CommandError, match="已被使用"):
        call_command(
            "create_admin",
            username="officer",
            name="重名",
            unit="320101",
            password_stdin=True,
            stdin=StringIO("Zhang-Juzhang-2026\n"),
        )
    assert User.objects.get(username="officer").role == Role.OFFICER


def test_createsuperuser_points_to_create_admin(district: District) -> None:
    with pytest.raises(CommandError, match="xinfang create-admin"):
        call_command("createsuperuser", interactive=False, username="root", email="")
    assert not User.objects.filter(username="root").exists()

"""Browser tests: Playwright for Python driving Debian's chromium against the live test server.

Never a downloaded browser: the tests use /usr/bin/chromium (or XINFANG_CHROMIUM), which `.ci/run`
installs with apt-get. Where it is missing they are skipped with the reason — except under CI,
where a missing browser is a failure. Screenshots are kept under test-artifacts/browser/<db>/.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

CHROMIUM = os.environ.get("XINFANG_CHROMIUM", "/usr/bin/chromium")
_REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("XINFANG_ARTIFACTS_DIR", _REPO / "test-artifacts"))
PHONE = {"width": 390, "height": 844}  # a common phone's CSS viewport
DESK = {"width": 1366, "height": 900}


def _one_request_at_a_time_on_sqlite() -> None:
    # The live server's request threads share the tests' in-memory SQLite connection: a page and
    # its type-ahead at once collide ("cannot open savepoint - SQL statements in progress") and a
    # walk times out now and then. On SQLite the server answers one request at a time (Django's
    # single-threaded server closes each connection, so the browser never waits on a keep-alive).
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class OneAtATime(WSGIServer):
        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)  # the server thread itself holds the override

    if connection.vendor == "sqlite":
        LiveServerThread.server_class = OneAtATime


_one_request_at_a_time_on_sqlite()


def _require_browser() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"没有找到浏览器 {CHROMIUM}：apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    _require_browser()
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls (set-up and
    # checks) are ordinary blocking calls between browser steps, which Django must be told is fine.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of one walk, kept as test artefacts."""

    def __init__(self, walk: str) -> None:
        self.dir = ARTIFACTS / "browser" / connection.vendor / walk
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, page: Any, name: str) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{re.sub(r'[^0-9A-Za-z_-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/(?!login/).*"))
    second_factor(page, username)


def second_factor(page: Any, username: str) -> None:
    """For a role that must give a second factor, the real pages: the first login sets up the
    phone app (a 开通码 issued as the admin would, then a code computed from the secret the
    enrolment page shows); a later login types
    the app's current code. Other roles are already through."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.two_factor_support import app_code, code_from_secret

    if "/account/two-factor/enrol/" in page.url:
        from xinfang.accounts.models import User
        from xinfang.accounts.second_factor import enrolment_code_issue
        from xinfang.core.permissions import SYSTEM

        user = User.objects.get(username=username)
        page.get_by_label("开通码").fill(enrolment_code_issue(actor=SYSTEM, user=user))
        page.get_by_role("button", name="下一步").click()
        secret = page.locator("[data-secret]").inner_text()
        page.get_by_label("验证码").fill(code_from_secret(secret))
        page.get_by_role("button", name="完成设置").click()
        page.get_by_role("link", name="我已保存恢复码，继续").click()
    elif "/account/two-factor/" in page.url:
        app = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("验证码").fill(app_code(app))
        page.get_by_role("button", name="验证").click()
    else:
        return
    page.wait_for_url(re.compile(r"^(?!.*/account/two-factor/).*$"))


def pick(box: Any, typed: str) -> None:
    """Choose in a type-ahead picker (static/js/picker.js) as the desk does: type, then Enter
    takes the first match (a whole name typed is its own first match)."""
    # in a form htmx has just loaded the label names the <select> until picker.js sets up its box
    box.and_(box.page.locator("input")).wait_for()
    box.fill(typed)
    box.press("Enter")

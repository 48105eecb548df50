"""Issue 13, item 6 (deployment): production settings from the environment pass
`check --deploy` with no warning while bin/demo stays on plain http; expired sessions and API
idempotency keys are cleaned after every clock scan."""

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import District
from xinfang.api.models import IdempotencyKey
from xinfang.core import housekeeping

ROOT = Path(__file__).resolve().parent.parent
# production seals personal data with keys of its own (xinfang/core/sealing.py)
KEYS = {
    "XINFANG_DATA_KEYS": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    "XINFANG_LOOKUP_KEY": "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=",
}


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    base.pop("DATABASE_URL", None)
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process
    base["XINFANG_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "xinfang", *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_without_a_warning(tmp_path: Path) -> None:
    done = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        XINFANG_HTTPS="1",
        XINFANG_SECRET_KEY="k" * 20 + "-production-secret-0123456789-abcdefghijklmnop",
        XINFANG_ALLOWED_HOSTS="xinfang.example.gov.cn",
        **KEYS,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_without_the_data_keys(tmp_path: Path) -> None:
    for missing in KEYS:
        env = {k: v for k, v in KEYS.items() if k != missing}
        done = _run(["check"], tmp_path, XINFANG_HTTPS="1", **env)
        assert done.returncode != 0
        assert "须设置 XINFANG_DATA_KEYS 和 XINFANG_LOOKUP_KEY" in done.stderr


def test_check_deploy_warns_while_the_keys_are_derived_from_the_secret_key(tmp_path: Path) -> None:
    done = _run(["check", "--deploy"], tmp_path)
    assert "core.W001" in done.stdout + done.stderr
    keyed = _run(["check", "--deploy"], tmp_path, **KEYS)
    assert "core.W001" not in keyed.stdout + keyed.stderr


PRINT = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'xinfang.settings'; django.setup();"
    "from django.conf import settings as s;"
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,"
    " s.CSRF_COOKIE_SECURE, getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
)


def _settings(tmp_path: Path, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    base["XINFANG_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", PRINT],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_without_https_the_demo_stays_on_plain_http(tmp_path: Path) -> None:
    assert _settings(tmp_path) == "False 0 False False None"


def test_https_turns_everything_on_and_each_part_can_be_turned_down(tmp_path: Path) -> None:
    assert _settings(tmp_path, XINFANG_HTTPS="1", **KEYS) == "True 31536000 True True None"
    proxied = _settings(
        tmp_path, XINFANG_HTTPS="1", XINFANG_PROXY_SSL="1", XINFANG_HSTS_SECONDS="600", **KEYS
    )
    assert proxied == "True 600 True True ('HTTP_X_FORWARDED_PROTO', 'https')"


def _session(expire_in: timedelta) -> str:
    store = SessionStore()
    store["portal_code"] = "A1B2C3"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expire_in
    )
    return str(store.session_key)


@pytest.mark.django_db
def test_housekeeping_removes_expired_sessions_and_old_idempotency_keys(district: District) -> None:
    old = _session(timedelta(days=-1))
    live = _session(timedelta(days=1))
    system = district.users["registrar"]
    stale = IdempotencyKey.objects.create(user=system, key="k-old", fingerprint="0" * 64)
    fresh = IdempotencyKey.objects.create(user=system, key="k-new", fingerprint="1" * 64)
    IdempotencyKey.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    IdempotencyKey.objects.filter(pk=fresh.pk).update(
        created_at=timezone.now() - timedelta(hours=23)
    )

    done = housekeeping.daily()

    assert done["sessions"] == 1 and done["idempotency_keys"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert not Session.objects.filter(session_key=old).exists()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-new"]


@pytest.mark.django_db
def test_the_clock_scan_runs_the_housekeeping(district: District) -> None:
    _session(timedelta(days=-1))
    out = io.StringIO()
    call_command("scan_clocks", stdout=out)
    assert "过期会话 1 个" in out.getvalue()
    assert not Session.objects.exists()

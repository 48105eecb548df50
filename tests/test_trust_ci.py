"""Issue 13, item 7: under CI a PostgreSQL that does not answer fails the run instead of
skipping the race tests silently."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEAD = "postgres://postgres@127.0.0.1:1/test"  # nothing listens on port 1


def _probe(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "XINFANG_REQUIRE_POSTGRES")}
    return subprocess.run(
        ["bash", str(ROOT / "bin" / "pg-check"), DEAD],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


def test_ci_fails_when_postgres_does_not_answer() -> None:
    done = _probe(CI="true")
    assert done.returncode == 1
    assert "CI" in done.stderr and "PostgreSQL" in done.stderr


def test_required_by_the_variable_too() -> None:
    assert _probe(XINFANG_REQUIRE_POSTGRES="1").returncode == 1


def test_outside_ci_the_run_is_skipped_and_said_so() -> None:
    done = _probe()
    assert done.returncode == 2
    assert "SKIPPED" in done.stdout


def test_ci_run_and_bin_test_use_the_probe() -> None:
    text = (ROOT / "bin" / "test").read_text()
    assert "bin/pg-check" in text
    assert 'CI:-}" = true' in text


def _test_db_name(**env: str) -> str:
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.DATABASES['default']['TEST']['NAME'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "xinfang.settings", **env},
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_test_database_name_is_postgresql_s_only(tmp_path: Path) -> None:
    """bin/test runs both suites with one environment: XINFANG_TEST_DB_NAME names PostgreSQL's
    test database, while SQLite's stays in memory (a name made it a file in the working
    directory, unlike CI)."""
    named = {"XINFANG_TEST_DB_NAME": "test_someone", "XINFANG_DATA_DIR": str(tmp_path)}
    pg = "postgres://postgres@127.0.0.1:5432/test"
    assert _test_db_name(DATABASE_URL=pg, **named) == "test_someone"
    assert _test_db_name(DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3", **named) == "None"

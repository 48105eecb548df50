"""The README is the manual: a setting read from the environment or a command of ours that it does
not mention fails here."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "xinfang"
README = (ROOT / "README.md").read_text(encoding="utf-8")

ENV_READ = re.compile(
    r"""env_\w+\(\s*["']([A-Z][A-Z0-9_]+)["']|environ(?:\.get)?\(\s*["']([A-Z][A-Z0-9_]+)["']|environ\[\s*["']([A-Z][A-Z0-9_]+)["']\]"""
)
# variables that belong to other programs, not to our configuration
NOT_OURS = {"DJANGO_SETTINGS_MODULE"}


def _env_variables() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for match in ENV_READ.finditer(path.read_text(encoding="utf-8")):
            found.update(name for name in match.groups() if name)
    return found - NOT_OURS


def _our_commands() -> set[str]:
    return {
        path.stem.replace("_", "-")
        for path in PACKAGE.glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    }


def test_the_scan_finds_what_it_looks_for() -> None:
    # guards the two scans below against silently matching nothing
    assert {"DATABASE_URL", "XINFANG_DATA_DIR", "XINFANG_HANDLE_DAYS"} <= _env_variables()
    assert {"import-ledger", "export-ledger", "load-demo"} <= _our_commands()


@pytest.mark.parametrize("name", sorted(_env_variables()))
def test_every_environment_variable_is_documented(name: str) -> None:
    assert f"`{name}`" in README, f"README 的配置表缺少环境变量 {name}"


@pytest.mark.parametrize("command", sorted(_our_commands()))
def test_every_command_is_documented(command: str) -> None:
    assert f"`xinfang {command}" in README, f"README 缺少命令 xinfang {command}"

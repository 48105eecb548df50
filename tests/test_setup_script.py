"""bin/setup's check for the Chinese fonts answers the same every time (it said "missing" about
half the time: `fc-list | grep -q` under `set -o pipefail`, fc-list killed by SIGPIPE)."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _font_check() -> str:
    text = (ROOT / "bin/setup").read_text(encoding="utf-8")
    start = text.index("need_apt=()")
    end = text.index("if [ ${#need_apt[@]}")
    return text[start:end]


def test_the_font_check_finds_the_fonts_every_time(tmp_path: Path) -> None:
    # an fc-list with the CJK font first and much after it: grep -q would stop at once
    fake = tmp_path / "fc-list"
    fake.write_text(
        "#!/bin/sh\necho '/usr/share/fonts/NotoSansCJK-Regular.ttc: Noto Sans CJK SC'\n"
        "seq 1 200000 | sed 's|^|/usr/share/fonts/other|'\n"
    )
    fake.chmod(0o755)
    script = f'set -euo pipefail\n{_font_check()}\necho "missing:${{need_apt[*]:-}}"\n'
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    for _ in range(20):
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "missing:"
    fake.write_text("#!/bin/sh\nseq 1 1000\n")  # no CJK font: it is asked for
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "missing:fonts-noto-cjk"


def test_no_script_pipes_into_grep_q_under_pipefail() -> None:
    for script in sorted((ROOT / "bin").iterdir()):
        lines = script.read_text(encoding="utf-8").splitlines()
        if any("pipefail" in line for line in lines):
            code = [line for line in lines if not line.lstrip().startswith("#")]
            assert not [c for c in code if re.search(r"\|\s*grep\s+-\w*q", c)], script.name


def test_every_variable_the_scripts_read_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for script in ("demo", "setup", "test"):
        text = (ROOT / "bin" / script).read_text(encoding="utf-8")
        for name in set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):[-=]", text)):
            assert f"`{name}`" in readme or f"{name}=" in readme, (script, name)

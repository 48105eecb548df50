"""benchmarks/matter_list.py runs (small mode): it broke when intake_registration.outcome became
NOT NULL after it was written and again when phones were sealed; its whole-page search timed a
400."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_matter_list_benchmark_runs_in_small_mode(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # its own scratch SQLite file
    done = subprocess.run(
        [sys.executable, "benchmarks/matter_list.py", "--registrations", "3000", "--runs", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = dict(re.findall(r"^\| ([^|]+?) \| (.+) \|$", done.stdout, re.MULTILINE))
    # 3000 registrations make 2100 matters (7 in 10): page 1 is full, and a deeper page exists
    assert rows["no filter, page 1"].startswith("50 | ")
    assert any(label.startswith("no filter, page ") and "keyset" in label for label in rows)
    # phones and ID numbers are stored sealed with their look-up hashes: a search finds them
    for search in ("search: ID number", "search: phone"):
        assert int(rows[search].split(" | ")[0]) >= 1, rows[search]
    for page in ("list, no filter", "list, street + visit", "list, search by phone"):
        median = float(rows[page].split(" | ")[0])
        assert 0 < median < 10_000, (page, rows[page])

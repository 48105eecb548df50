"""propose-merges on the demo's history (issue 15 item 3): it finds the repeats the generator
planted (xinfang.demo.repeats) and nothing it did not plant."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.test_merges import groups_of, read_groups
from xinfang.demo.generator import DEFAULT_SEED
from xinfang.demo.ledger import LedgerMaker
from xinfang.demo.live import open_window

END = date(2025, 6, 30)
SIZE = 1500
# (the earlier matter, the one that repeats it, who wrote it again), as planted for SIZE and END
PLANTED = [
    ("SX-2023-000086", "SX-2023-000184", "本人"),
    ("SX-2023-000133", "SX-2023-000203", "本人"),
    ("SX-2023-000177", "SX-2023-000237", "本人"),
    ("SX-2023-000143", "SX-2024-000067", "本人"),
    ("SX-2023-000247", "SX-2024-000071", "本人"),
    ("SX-2023-000234", "SX-2024-000099", "本人"),
    ("SX-2024-000128", "SX-2024-000193", "本人"),
    ("SX-2024-000206", "SX-2024-000228", "邻居"),
    ("SX-2024-000158", "SX-2024-000248", "本人"),
    ("SX-2024-000197", "SX-2024-000297", "本人"),
    ("SX-2024-000083", "SX-2024-000312", "本人"),
    ("SX-2024-000341", "SX-2024-000419", "本人"),
    ("SX-2024-000160", "SX-2024-000422", "本人"),
    ("SX-2024-000351", "SX-2024-000490", "邻居"),
    ("SX-2024-000336", "SX-2025-000029", "本人"),
    ("SX-2024-000295", "SX-2025-000081", "本人"),
    ("SX-2025-000124", "SX-2025-000131", "邻居"),
]


def test_the_generator_plants_these_repeats() -> None:
    maker = LedgerMaker(
        seed=DEFAULT_SEED, end=END, registrations=SIZE, open_window=open_window(END)
    )
    rows = list(maker.rows())
    assert [(p.original, p.repeat, p.who) for p in maker.planter.planted] == PLANTED
    people = {row[1]: (row[7], row[8], row[11], row[12], row[13]) for row in rows}
    for original, repeat, who in PLANTED:
        # the same place, category and purpose; the same person, or a neighbour without an ID
        assert people[original][2:] == people[repeat][2:]
        if who == "本人":
            assert people[original][:2] == people[repeat][:2]
        else:
            assert people[original][0] != people[repeat][0] and people[repeat][1] == ""


@pytest.mark.django_db
def test_propose_merges_finds_the_planted_repeats_and_nothing_else(tmp_path: Path) -> None:
    call_command("load_demo", registrations=SIZE, end=END.isoformat(), stdout=StringIO())
    path = str(tmp_path / "合并建议.csv")
    call_command("propose_merges", path, stdout=StringIO())
    found = sorted(sorted(group) for group in groups_of(path))
    assert found == sorted(sorted([original, repeat]) for original, repeat, _ in PLANTED)
    header, rows = read_groups(path)
    reasons = {row[header.index("事项编号")]: row[header.index("依据")] for row in rows}
    for original, repeat, who in PLANTED:  # the evidence stands on the row that is not kept
        assert ("身份证号相同" in reasons[original] + reasons[repeat]) == (who == "本人")

"""propose-merges on the demo's history (issue 15 item 3): it finds the repeats the generator
planted (xinfang.demo.repeats) and nothing it did not plant."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.test_merges import groups_of, mark, read_groups
from xinfang.demo.generator import DEFAULT_SEED
from xinfang.demo.ledger import LedgerMaker
from xinfang.demo.live import open_window
from xinfang.intake.models import Matter
from xinfang.workflow.models import MatterMerge

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
    ("SX-2024-000206", "SX-2024-000228", "家属"),
    ("SX-2024-000239", "SX-2024-000310", "家属"),
    ("SX-2024-000275", "SX-2024-000363", "家属"),
    ("SX-2024-000353", "SX-2024-000411", "本人"),
    ("SX-2024-000341", "SX-2024-000419", "家属"),
    ("SX-2024-000316", "SX-2024-000428", "本人"),
    ("SX-2024-000351", "SX-2024-000490", "家属"),
    ("SX-2024-000308", "SX-2025-000022", "家属"),
]


def test_the_generator_plants_these_repeats() -> None:
    maker = LedgerMaker(
        seed=DEFAULT_SEED, end=END, registrations=SIZE, open_window=open_window(END)
    )
    rows = list(maker.rows())
    assert [(p.original, p.repeat, p.who) for p in maker.planter.planted] == PLANTED
    # 信访人, 身份证号, 联系电话, 住址; 问题属地, 内容分类, 信访目的; 反映内容
    first = {row[1]: (row[7:11], row[11:14], row[14]) for row in reversed(rows)}
    for original, repeat, who in PLANTED:
        (person, place, text), (again, same_place, other_text) = first[original], first[repeat]
        assert place == same_place and text != other_text
        if who == "本人":
            assert person == again
        else:  # one of the household: the surname and address, a phone of their own, no ID
            assert again[0][0] == person[0][0] and again[0] != person[0]
            assert again[1] == "" and again[2] != person[2] and again[3] == person[3]


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
        both = reasons[original] + reasons[repeat]
        assert ("身份证号相同" in both) == (who == "本人") and "住址相同" in both
    # one group cannot merge as proposed: the kept matter (a leader's package) was sorted by law
    # (依法分类), the other replied; every other group merges, and 14 matters go
    notes: dict[str, str] = {}
    for row in rows:
        label = row[header.index("组号")]
        notes[label] = notes.get(label, "") + row[header.index("说明")]
    blocked = sorted(label for label, note in notes.items() if "不能合并" in note)
    assert blocked == ["4"] and "办理进度超过保留事项" in notes["4"]
    before = Matter.objects.count()
    marked = mark(path, set(notes) - set(blocked), out=str(tmp_path / "已审核.csv"))
    call_command("apply_merges", marked, stdout=StringIO())
    assert Matter.objects.count() == before - 14
    assert MatterMerge.objects.filter(undone_at__isnull=True).count() == 14

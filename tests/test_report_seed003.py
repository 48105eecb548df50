"""Seed 003 reproduced: the district's Jan–Sep 2024 report, counted from rows the project made.

`tests.analytics_fixtures` builds a city of eight districts and imports a ledger of single
registrations and matters with their dates through the real importer; no figure is typed in.
The report of 青山区 for 2024-01-01..2024-09-30 must then give seed 003's figures.

Where seed 003 disagrees with itself or with arithmetic, the product prints the correct figure:
- "共发生登记信访事项689批901人次" cannot hold together with "走访登记237批461人次": the other
  452 registrations would carry 440 people, fewer than one each. The data set keeps the 689
  registrations and gives the 452 non-visit ones one person each: 689批913人次, and against
  594批816人次 the change is 上升16.0% and 上升11.9% (not the seed's 10.4%).
- 赴省 102 against 42 batches is 上升142.9% (102/42 = 2.42857…), not 142.8%; 179 against 84
  people is 上升113.1% (2.13095…), not 111.7%.
- "化解率96%" is printed with its decimal: 96.0%.
- "登记16批17人次（截止目前是21批22人次）": the five 进京 rows of October lie after the period
  and do not count (nothing dated after the end of P counts).
- The rule-of-law supervision part counts "日常督办到期" items (21) while seed 003 also names 29
  日常督办 and 41 集中督办 matters; the product keeps one supervision per matter, so the 21
  items whose 督办期限 falls in the period are among the 41 central ones begun in it.
- 劝返 and 领导接访 figures are not registrations and are not reproduced; the score's own rank
  ("全市第4位", B2's `rule_of_law.rank`) comes from three districts the fixture makes meet
  every clock.
The figures that agree — visits by level with 同比, collective visits, 进京 人次 fifth in the
city, 24 of 25 packages, 36 of 41 central supervisions, 2.229 from 112/114, 136/142 and 15/21 —
are asserted exactly.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.analytics_fixtures import load_seed003
from tests.analytics_support import report, row_of
from tests.conftest import ensure_default_categories


@pytest.mark.django_db
def test_seed003_report_reproduces_the_consistent_figures(tmp_path: Path) -> None:
    ensure_default_categories()
    load_seed003(tmp_path)
    rep = report("339102", "2024-01-01", "2024-09-30")

    assert rep["period"] == {"start": "2024-01-01", "end": "2024-09-30"}
    assert rep["previous_period"] == {"start": "2023-01-01", "end": "2023-09-30"}
    totals = rep["totals"]
    assert (totals["batches"], totals["previous"]["batches"]) == (689, 594)
    assert (totals["people"], totals["previous"]["people"]) == (913, 816)
    assert totals["change"]["batches"] == "上升16.0%"
    assert totals["change"]["people"] == "上升11.9%"
    assert totals["first_matters"] == 114

    visit = row_of(rep, "channel", channel="visit")
    assert (visit["batches"], visit["people"]) == (237, 461)
    assert visit["previous"] == {"batches": 148, "people": 338}
    assert visit["change"] == {"batches": "上升60.1%", "people": "上升36.4%"}

    national = row_of(rep, "channel,level", channel="visit", level="national")
    assert (national["batches"], national["people"]) == (16, 17)
    assert national["previous"] == {"batches": 15, "people": 16}
    assert national["change"] == {"batches": "上升6.7%", "people": "上升6.3%"}
    assert national["rank"]["people"] == [5, 8]  # "人次由多至少列全市第5位"

    provincial = row_of(rep, "channel,level", channel="visit", level="provincial")
    assert (provincial["batches"], provincial["people"]) == (102, 179)
    assert provincial["previous"] == {"batches": 42, "people": 84}
    assert provincial["change"] == {"batches": "上升142.9%", "people": "上升113.1%"}
    collective = row_of(
        rep, "channel,level,form", channel="visit", level="provincial", form="collective"
    )
    assert (collective["batches"], collective["people"]) == (4, 39)

    city = row_of(rep, "channel,level", channel="visit", level="city")
    assert (city["batches"], city["people"]) == (59, 138)
    collective = row_of(rep, "channel,level,form", channel="visit", level="city", form="collective")
    assert (collective["batches"], collective["people"]) == (5, 42)

    rates = rep["rates"]
    assert rates["package_resolution"] == {"num": 24, "den": 25, "pct": "96.0"}
    assert rates["supervision_resolution"]["by_level"]["中央"] == {
        "num": 36,
        "den": 41,
        "pct": "87.8",
    }
    law = rep["rule_of_law"]
    assert law["acceptance"] == {"num": 112, "den": 114, "weight": 1.2, "score": "1.179"}
    assert law["handling"] == {"num": 136, "den": 142, "weight": 0.5, "score": "0.479"}
    assert law["supervision"] == {"num": 15, "den": 21, "weight": 0.8, "score": "0.571"}
    assert law["total"] == "2.229"
    assert law["rank"] == [4, 8]  # "1-9月份总得分2.229分，全市第4位"
    assert rates["timely_acceptance"] == {"num": 112, "den": 114, "pct": "98.2"}
    assert rates["on_time_reply"] == {"num": 136, "den": 142, "pct": "95.8"}

    # The command prints the same report, as JSON and as prose.
    args = ["report", "--start", "2024-01-01", "--end", "2024-09-30", "--org", "339102"]
    out = StringIO()
    call_command(*args, stdout=out)
    assert json.loads(out.getvalue()) == rep
    out = StringIO()
    call_command(*args, "--format", "text", stdout=out)
    text = out.getvalue()
    assert "共发生登记信访事项689批913人次，较去年同期594批816人次" in text
    assert "一是进京走访。登记16批17人次，同比去年15批16人次" in text
    assert "人次由多至少列全市第5位" in text
    assert "化解率96.0%" in text
    assert "112÷114×1.2=1.179分" in text and "总得分2.229分，全市第4位。" in text
    assert "【待填写：存在的问题及原因分析】" in text and "【待填写：下一步工作打算】" in text

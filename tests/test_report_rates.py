"""B2's rates, reviews, supervision by kind and the 法治化 rank, against figures counted by hand.

Every matter below is imported through the ledger importer (one, 督办 of a kind, through the
workflow); the comments say why each one counts where it does.
"""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from django.test import Client

from tests.analytics_support import Ledger, report
from tests.conftest import TZ, District, register
from tests.views_support import client_for
from xinfang.analytics.tables import report_tables
from xinfang.analytics.text import render_text
from xinfang.intake.choices import SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.organisation.models import UnitKind
from xinfang.organisation.services import unit_create
from xinfang.workflow import supervision as sv
from xinfang.workflow.calendar import next_working_day
from xinfang.workflow.supervision_rules import SupervisionKind

pytestmark = pytest.mark.django_db

HANDLED = {"处理方式": "受理"}


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> Ledger:
    return Ledger(tmp_path)


def load_october(ledger: Ledger, district: District) -> None:
    """The matters of October 2024 (P = 2024-10-01 .. 2024-10-31) and around it."""
    # --- handling items: deadline (办理期限, else 处理日期 + 60, moved to a working day) in P
    # M1: 08-03 + 60 = 10-02, inside National Day (10-01..10-07): due 10-08, replied that day
    ledger.add("2024-07-20", 事项编号="M1", 处理日期="2024-08-03", 答复日期="2024-10-08", **HANDLED)
    # M2: due 10-15, replied late on 10-20 (done for 办结率, not on time, not one-shot)
    ledger.add(
        "2024-08-01",
        事项编号="M2",
        处理方式="交办",
        处理日期="2024-08-05",
        办理期限="2024-10-15",
        答复日期="2024-10-20",
        督办级别="市",
        督办日期="2024-10-09",
        督办期限="2024-10-24",
        化解日期="2024-10-22",
    )
    # M3: on time, but the petitioner came back on 09-10: not one-shot
    ledger.add(
        "2024-08-10", 事项编号="M3", 处理日期="2024-08-12", 办理期限="2024-10-25",
        答复日期="2024-10-24", **HANDLED,
    )  # fmt: skip
    ledger.add("2024-09-10", 事项编号="M3")
    # M4: on time, but 复查 asked on 10-30 (a review request in P)
    ledger.add(
        "2024-08-15", 事项编号="M4", 处理日期="2024-08-20", 办理期限="2024-10-28",
        答复日期="2024-10-10", 复查申请日期="2024-10-30", **HANDLED,
    )  # fmt: skip
    # M5: its window spans the end of P — due 11-05, replied 10-30: November's, not October's
    ledger.add(
        "2024-09-02", 事项编号="M5", 处理日期="2024-09-02", 办理期限="2024-11-05",
        答复日期="2024-10-30", **HANDLED,
    )  # fmt: skip
    # M6: due 10-31, never replied; came back on 10-20 (a repeat registration in P)
    ledger.add("2024-08-20", 事项编号="M6", 处理日期="2024-08-21", 办理期限="2024-10-31", **HANDLED)
    ledger.add("2024-10-20", 事项编号="M6")
    # --- 息访: replies whose day + 90 falls in P (replied 07-03 .. 08-02)
    # S1: replied 07-03 (+90 = 10-01), nobody came back; its 复查 decided 10-09, 复核 asked 10-20
    ledger.add(
        "2024-05-06", 事项编号="S1", 处理日期="2024-05-06", 答复日期="2024-07-03",
        复查申请日期="2024-07-20", 复查答复日期="2024-10-09", 复核申请日期="2024-10-20",
        **HANDLED,
    )  # fmt: skip
    # S2: replied 07-15, came back 09-01: not settled
    ledger.add("2024-05-10", 事项编号="S2", 处理日期="2024-05-10", 答复日期="2024-07-15", **HANDLED)
    ledger.add("2024-09-01", 事项编号="S2")
    # S3: replied 08-02 (+90 = 10-31), came back 11-05, after its window: settled
    ledger.add("2024-05-20", 事项编号="S3", 处理日期="2024-05-20", 答复日期="2024-08-02", **HANDLED)
    ledger.add("2024-11-05", 事项编号="S3")
    # S4: replied 08-05, + 90 = 11-03: the window spans the end of P, November's
    ledger.add("2024-05-21", 事项编号="S4", 处理日期="2024-05-21", 答复日期="2024-08-05", **HANDLED)
    # --- first-time matters in P: N1 routed 依法分类 in P, N2 only after it
    ledger.add(
        "2024-10-09", 事项编号="N1", 渠道="网上信访", 处理方式="依法分类", 处理日期="2024-10-10"
    )
    ledger.add("2024-10-12", 事项编号="N2", 渠道="来信", 处理方式="依法分类", 处理日期="2024-11-02")
    ledger.load()
    # C1: 集中督办 raised through the workflow in P, not settled
    c1 = register(district, locality=district.street_b, when=datetime(2024, 9, 20, 9, 0, tzinfo=TZ))
    sv.supervision_raise(
        actor=district.users["supervisor"],
        matter=c1,
        version=c1.version,
        level=SupervisionLevel.CITY,
        kind=SupervisionKind.CONCENTRATED,
        reason="集中督办受理办理不规范信访事项",
        on=date(2024, 10, 10),
    )


def test_b2_rates_of_a_month_counted_by_hand(ledger: Ledger, district: District) -> None:
    assert next_working_day(date(2024, 10, 2)) == date(2024, 10, 8)
    load_october(ledger, district)
    rep = report("320101", "2024-10-01", "2024-10-31")
    rates = rep["rates"]
    # due in October: M1, M2, M3, M4, M6; replied by 10-31: M1-M4; on time: M1, M3, M4
    assert rates["completion"] == {"num": 4, "den": 5, "pct": "80.0"}
    assert rates["on_time_reply"] == {"num": 3, "den": 5, "pct": "60.0"}
    # one-shot: M1 alone (M2 late, M3 came back, M4 asked for review, M6 not replied)
    assert rates["first_time_resolution"] == {"num": 1, "den": 5, "pct": "20.0"}
    # windows ending in October: S1, S2, S3; settled S1, S3
    assert rates["settled"] == {"num": 2, "den": 3, "pct": "66.7"}
    # registrations in October: N1 (online), N2, M6's return: 1 repeat, 1 online of 3
    assert rep["totals"]["batches"] == 3
    assert rates["repeat"] == {"num": 1, "den": 3, "pct": "33.3"}
    assert rates["online_share"] == {"num": 1, "den": 3, "pct": "33.3"}
    # first-time matters in October: N1, N2; routed 依法分类 by 10-31: N1
    assert rates["legal_channel_share"] == {"num": 1, "den": 2, "pct": "50.0"}
    assert rep["reviews"] == {
        "review": {"received": 1, "accepted": 1, "declined": 0, "withdrawn": 0, "decided": 1},
        "rereview": {
            "received": 1,
            "accepted": 1,
            "declined": 0,
            "withdrawn": 0,
            "decided": 0,
        },
    }
    sup = rates["supervision_resolution"]
    assert sup["by_kind"] == {
        "常规督办": {"num": 1, "den": 1, "pct": "100.0"},
        "集中督办": {"num": 0, "den": 1, "pct": "0.0"},
    }
    assert sup["by_level"]["市"] == {"num": 1, "den": 2, "pct": "50.0"}
    assert "rank" not in rep["rule_of_law"]  # the city has one district: nothing to rank among

    # November holds what spans October's end: M5 (due 11-05, replied 10-30), S4 (+90 = 11-03)
    november = report("320101", "2024-11-01", "2024-11-30")["rates"]
    assert november["completion"] == {"num": 1, "den": 1, "pct": "100.0"}
    assert november["first_time_resolution"] == {"num": 1, "den": 1, "pct": "100.0"}
    assert november["settled"] == {"num": 1, "den": 1, "pct": "100.0"}
    # a street: 东风街道 holds nothing of this (every ledger row is the district's own, C1 西湖's)
    west = report("32010102", "2024-10-01", "2024-10-31")["rates"]["supervision_resolution"]
    assert west["by_kind"]["集中督办"] == {"num": 0, "den": 1, "pct": "0.0"}
    assert west["by_kind"]["常规督办"] == {"num": 0, "den": 0, "pct": "0.0"}


def test_29_february_counts_in_february_and_its_60_days_end_on_29_april(
    ledger: Ledger,
) -> None:
    # decided 02-29 + 60 = 04-29 (a Monday): counting 29 February makes it not 04-30
    ledger.add("2024-02-29", 事项编号="L1", 处理日期="2024-02-29", 答复日期="2024-04-29", **HANDLED)
    ledger.add(
        "2024-02-10", 事项编号="L2", 渠道="网上信访", 处理方式="依法分类", 处理日期="2024-02-29"
    )
    ledger.add("2024-02-20", 事项编号="L2", 渠道="网上信访")
    ledger.load()
    feb = report("320101", "2024-02-01", "2024-02-29")["rates"]
    assert feb["repeat"] == {"num": 1, "den": 3, "pct": "33.3"}
    assert feb["online_share"] == {"num": 2, "den": 3, "pct": "66.7"}
    assert feb["legal_channel_share"] == {"num": 1, "den": 2, "pct": "50.0"}
    assert report("320101", "2024-04-01", "2024-04-28")["rates"]["completion"]["den"] == 0
    april = report("320101", "2024-04-01", "2024-04-30")["rates"]
    assert april["completion"] == {"num": 1, "den": 1, "pct": "100.0"}
    assert april["first_time_resolution"] == {"num": 1, "den": 1, "pct": "100.0"}


def test_three_registrations_whose_first_and_last_cannot_tell(ledger: Ledger) -> None:
    """A matter's first and last registration dates decide most matters of 息访 and 一次性化解
    (rates.py); these have a third registration in between that decides them. P = October."""
    # 息访 (replied 07-03 .. 08-02: + 90 in October). T1: replied 07-03, back 08-01 (within
    # its 90 days) and 11-20: not settled. T2: replied 07-04, back 10-05 (after 10-02) and 11-20:
    # settled.
    ledger.add("2024-05-06", 事项编号="T1", 处理日期="2024-05-06", 答复日期="2024-07-03", **HANDLED)
    ledger.add("2024-08-01", 事项编号="T1")
    ledger.add("2024-11-20", 事项编号="T1")
    ledger.add("2024-05-07", 事项编号="T2", 处理日期="2024-05-07", 答复日期="2024-07-04", **HANDLED)
    ledger.add("2024-10-05", 事项编号="T2")
    ledger.add("2024-11-20", 事项编号="T2")
    # 一次性化解 (08-03 + 60 = 10-02, in National Day: due 10-08, replied that day, on time).
    # U1: back 10-15 (in P) and 11-20: not one-shot. U2: back 11-10 and 11-20, after P: one-shot.
    ledger.add("2024-07-20", 事项编号="U1", 处理日期="2024-08-03", 答复日期="2024-10-08", **HANDLED)
    ledger.add("2024-10-15", 事项编号="U1")
    ledger.add("2024-11-20", 事项编号="U1")
    ledger.add("2024-07-21", 事项编号="U2", 处理日期="2024-08-03", 答复日期="2024-10-08", **HANDLED)
    ledger.add("2024-11-10", 事项编号="U2")
    ledger.add("2024-11-20", 事项编号="U2")
    ledger.load()
    rates = report("320101", "2024-10-01", "2024-10-31")["rates"]
    assert rates["settled"] == {"num": 1, "den": 2, "pct": "50.0"}
    assert rates["on_time_reply"] == {"num": 2, "den": 2, "pct": "100.0"}
    assert rates["first_time_resolution"] == {"num": 1, "den": 2, "pct": "50.0"}


def test_nothing_to_divide_keeps_num_and_den_and_no_percentage(ledger: Ledger) -> None:
    ledger.add("2024-03-05")
    ledger.load()
    rates = report("320101", "2024-06-01", "2024-06-30")["rates"]
    for key in ("completion", "settled", "first_time_resolution", "repeat", "online_share"):
        assert rates[key] == {"num": 0, "den": 0, "pct": None}, key
    assert rates["legal_channel_share"] == {"num": 0, "den": 0, "pct": None}


def load_three_districts(ledger: Ledger, district: District) -> None:
    """Acceptance items of March 2024 (received + 15 in March): 320101 1 of 2 (0.600),
    320102 2 of 2 (1.200), 320103 none (0.000)."""
    for code, name in (("320102", "北区"), ("320103", "南区")):
        unit_create(code=code, name=name, kind=UnitKind.DISTRICT, parent=district.city)
    ledger.add("2024-02-20", 处理方式="受理", 处理日期="2024-02-21")  # due 03-06, on time
    ledger.add("2024-02-21")  # due 03-07, never decided
    ledger.add("2024-02-22", locality="320102", 处理方式="受理", 处理日期="2024-02-23")
    # 02-23 + 15 = Saturday 03-09: due Monday 03-11, decided 03-08
    ledger.add("2024-02-23", locality="320102", 处理方式="受理", 处理日期="2024-03-08")
    ledger.load()


def test_rule_of_law_rank_among_the_districts(ledger: Ledger, district: District) -> None:
    load_three_districts(ledger, district)
    ours = report("320101", "2024-03-01", "2024-03-31")["rule_of_law"]
    assert (ours["total"], ours["rank"]) == ("0.600", [2, 3])
    north = report("320102", "2024-03-01", "2024-03-31")["rule_of_law"]
    assert (north["total"], north["rank"]) == ("1.200", [1, 3])
    assert report("320103", "2024-03-01", "2024-03-31")["rule_of_law"]["rank"] == [3, 3]


def test_the_rates_reviews_and_rank_sentences(ledger: Ledger, district: District) -> None:
    load_october(ledger, district)
    # the parts' numbers (（八）) move as other sections come and go: the text after them
    text = render_text(report("320101", "2024-10-01", "2024-10-31"))
    lines = [line.split("）", 1)[-1] for line in text.splitlines()]
    assert (
        "信访事项办理质效情况。2024年10月，到期应办结5件，已办结4件，办结率80.0%；"
        "答复满90日3件，其间未再信访2件，息访率66.7%；初信初访事项到期5件，一次性化解1件，"
        "初信初访一次性化解率20.0%；登记信访3批次，其中重复信访1批次，重复信访率33.3%；"
        "依法分类处理1件，占初次信访事项2件的50.0%；网上信访1批次，占信访总量的33.3%。"
    ) in lines
    assert (
        "复查复核情况。2024年10月，收到复查申请1件，受理1件，作出复查意见1件；"
        "收到复核申请1件，受理1件，作出复核意见0件。"
    ) in lines


def test_nothing_due_reads_no_due_items_never_zero_percent(ledger: Ledger) -> None:
    ledger.add("2024-03-05")
    ledger.load()
    text = render_text(report("320101", "2024-06-01", "2024-06-30"))
    line = next(x for x in text.splitlines() if "信访事项办理质效情况" in x)
    assert line.endswith(
        "2024年6月，办结率：无到期事项；息访率：无到期事项；初信初访一次性化解率：无到期事项；"
        "重复信访率：无信访登记；依法分类处理占比：无初次信访事项；网上信访占比：无信访登记。"
    )
    assert "2024年6月，未收到复查、复核申请，未作出复查、复核意见。" in text
    assert "督办信访事项共0件，无到期事项。" in text
    assert "及时受理率：无到期事项；按期办结率：无到期事项；参评率、满意率：无答复事项。" in text
    assert "0.0%" not in text  # nothing anywhere is 0 of 0 written as a percentage
    rates = next(
        t
        for t in report_tables(report("320101", "2024-06-01", "2024-06-30"))
        if t.title == "各项比率"
    )
    assert ["办结率", 0, 0, "无到期事项"] in rates.rows


def test_the_rule_of_law_sentence_names_the_rank(ledger: Ledger, district: District) -> None:
    load_three_districts(ledger, district)
    rep = report("320101", "2024-03-01", "2024-03-31")
    law = next(x for x in render_text(rep).splitlines() if "法治化考核推进情况" in x)
    assert "2024年3月总得分0.600分，全市第2位。其中：应受理件数为2件，按规定受理件数1件，" in law
    table = next(t for t in report_tables(rep) if t.title == "法治化考核")
    assert table.rows[-1] == ["排名", None, None, None, "2/3"]


def listed(client: Client, query: str) -> list[str]:
    """The matter numbers a figure's list shows."""
    response = client.get(f"/analytics/figures/rates/?org=320101&{OCTOBER}&{query}")
    assert response.status_code == 200, response.content.decode()
    return re.findall(r'class="mono" href="[^"]+">([^<]+)</a>', response.content.decode())


OCTOBER = "start=2024-10-01&end=2024-10-31"


def test_each_figure_opens_the_matters_it_counts(ledger: Ledger, district: District) -> None:
    load_october(ledger, district)
    client = client_for(district, "officer")
    number = {m.number: m for m in Matter.objects.all()}

    def named(*keys: str) -> list[str]:
        return sorted(next(n for n in number if n.endswith(k)) for k in keys)

    assert listed(client, "rate=completion&figure=den") == named("M1", "M2", "M3", "M4", "M6")
    assert listed(client, "rate=completion&figure=num") == named("M1", "M2", "M3", "M4")
    assert listed(client, "rate=first_time_resolution&figure=num") == named("M1")
    assert listed(client, "rate=settled&figure=den") == named("S1", "S2", "S3")
    assert listed(client, "rate=settled&figure=num") == named("S1", "S3")
    assert listed(client, "rate=legal_channel_share&figure=num") == named("N1")
    assert listed(client, "rate=repeat&figure=num") == named("M6")
    assert listed(client, "rate=review&figure=received") == named("M4")
    assert listed(client, "rate=rereview&figure=received") == named("S1")
    c1 = [n for n in number if not any(n.endswith(k) for k in KEYS)]  # the workflow's one
    assert listed(client, "rate=supervision&kind=concentrated&figure=den") == c1
    assert listed(client, "rate=supervision&kind=routine&figure=num") == named("M2")
    refused = client.get(f"/analytics/figures/rates/?org=320101&{OCTOBER}&rate=rates")
    assert refused.status_code == 400 and "指标“rates”无效" in refused.content.decode()
    # the dashboard links each figure to its list
    page = client.get("/analytics/", {"org": "320101", "span": "m10", "year": "2024"})
    html = page.content.decode()
    link = "/analytics/figures/rates/?org=320101&amp;start=2024-10-01&amp;end=2024-10-31"
    assert f'<a href="{link}&amp;rate=completion&amp;figure=num" aria-label="4件' in html
    assert f'<a href="{link}&amp;rate=review&amp;figure=decided" aria-label="1件' in html
    kind = f"{link}&amp;rate=supervision&amp;figure=den&amp;kind=concentrated"
    assert f'<a href="{kind}" aria-label="1件' in html


KEYS = ("M1", "M2", "M3", "M4", "M5", "M6", "S1", "S2", "S3", "S4", "N1", "N2")

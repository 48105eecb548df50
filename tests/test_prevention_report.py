"""B2 `hearings`, `handed_down` and `meetings` in the report's JSON and its text, on a small set
counted by hand: a hearing in 复查, a meeting's decision assigning 2 matters, a batch of 3 with 2
化解 and 1 回流."""

from datetime import date, datetime

import pytest

from xinfang.analytics.counting import build_report
from xinfang.analytics.periods import Period
from xinfang.analytics.text import render_text
from xinfang.casework.choices import BatchSource, BodyKind, MeetingKind
from xinfang.casework.services import (
    DecisionAssignment,
    batch_create,
    body_create,
    decision_make,
    item_resolve,
    item_verify,
    meeting_record,
)
from xinfang.hearings import services as hs
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf

from .conftest import TZ, District, register
from .hearings_support import hearing_input, under_review
from .workflow_support import fresh, new_matter, step

pytestmark = pytest.mark.django_db

P = Period(date(2025, 8, 1), date(2025, 12, 31))


def _set(d: District) -> None:
    officer = d.users["officer"]
    # a hearing in 复查: replied 08-20 on its way, heard 09-03, review decided 09-10
    review = under_review(d)
    hs.hearing_record(
        actor=officer,
        matter=review,
        data=hearing_input(d, date(2025, 9, 3)),
        record="笔录",
        conclusion="结论",
    )
    step(wf.review_decide, review, officer, outcome="explained", on=date(2025, 9, 10))
    # a 会办会 on 09-01 whose decision assigns 2 matters (东风街道; 区住建局 on a 西湖街道 matter)
    body = body_create(
        actor=officer,
        name="示范区信访工作联席会议",
        kind=BodyKind.JOINT,
        unit=d.district,
        members=[d.street_a, d.housing, d.discipline],
        groups={"农村征用土地问题组": [d.street_a], "住房问题组": [d.housing]},
    )
    meeting = meeting_record(
        actor=officer,
        body=body,
        kind=MeetingKind.COORDINATION,
        held_on=date(2025, 9, 1),
        place="区信访局会议室",
        minutes="研究两件征地问题",
    )
    first, second = new_matter(d), new_matter(d, locality=d.street_b)
    decision_make(
        actor=officer,
        meeting=meeting,
        text="两件征地补偿问题由东风街道、区住建局限期办结",
        group=body.groups.get(name="农村征用土地问题组"),
        on=date(2025, 9, 1),
        assignments=[
            DecisionAssignment(first, d.street_a, date(2025, 10, 15)),
            DecisionAssignment(second, d.housing, date(2025, 10, 31)),
        ],
    )
    # 办结 of the first: replied 10-10 (set directly, as the figure reads it)
    Matter.objects.filter(pk=first.pk).update(replied_on=date(2025, 10, 10))
    # a batch of 3 handed down 09-01: 2 化解, 1 of them 通过审核, the other 回流 on 10-08
    matters = [new_matter(d) for _ in range(3)]
    batch = batch_create(
        actor=officer,
        source=BatchSource.PROVINCE,
        name="第一批",
        unit=d.district,
        handed_on=date(2025, 9, 1),
        deadline=date(2025, 12, 31),
        numbers=[m.number for m in matters],
    )
    a, b, _c = (fresh(m) for m in matters)
    item_resolve(actor=officer, batch=batch, matter=a, on=date(2025, 9, 10))
    item_resolve(actor=officer, batch=batch, matter=b, on=date(2025, 9, 15))
    item_verify(actor=officer, batch=batch, matter=a, passed=True, on=date(2025, 9, 20))
    register(d, locality=d.street_a, matter=b, when=datetime(2025, 10, 8, 9, 0, tzinfo=TZ))


def test_the_report_carries_hearings_meetings_and_batches(district: District) -> None:
    d = district
    _set(d)
    report = build_report(org=d.district, period=P)
    # hearings: 1 held (复查, 09-03). 办理 decided in P: the review matter (08-20) and the
    # first assigned matter (10-10) → 0 of 2 heard; 复查 decided 09-10, heard → 1 of 1
    assert report["hearings"] == {
        "held": 1,
        "by_stage": {
            "handling": {
                "held": 0,
                "decided": 2,
                "with_hearing": 0,
                "share": {"num": 0, "den": 2, "pct": "0.0"},
            },
            "review": {
                "held": 1,
                "decided": 1,
                "with_hearing": 1,
                "share": {"num": 1, "den": 1, "pct": "100.0"},
            },
            "rereview": {
                "held": 0,
                "decided": 0,
                "with_hearing": 0,
                "share": {"num": 0, "den": 0, "pct": "0.0"},
            },
        },
    }
    assert report["meetings"] == {
        "held": 1,
        "by_kind": {"联席会议": 0, "会办会": 1, "专题会": 0},
        "assigned": 2,
        "done": 1,
        "by_group": [{"group": "农村征用土地问题组", "assigned": 2, "done": 1}],
    }
    (row,) = report["handed_down"]
    assert {k: v for k, v in row.items() if k != "batch"} == {
        "source": "省",
        "name": "第一批",
        "handed_on": "2025-09-01",
        "matters": 3,
        "resolved": 2,
        "verified": 1,
        "reflowed": 1,
        "rate": {"num": 2, "den": 3, "pct": "66.7"},
    }
    text = render_text(report)
    assert (
        "（四）信访积案化解和信访听证情况。2025年8-12月，召开会办会1场次，共向我区交办2个案件，"
        "已办结1个，其中：农村征用土地问题组有2个案件，已办结1个。"
        "第一批交办我区信访积案3件，已化解2件，化解率66.7%，通过审核1件，已化解后回流1件。"
        "开展信访听证1件，信访事项办理、复查、复核中听证占比分别为0.0%、100.0%、0.0%。"
    ) in text
    assert "（五）督办信访事项办理情况。" in text
    # 西湖街道's report: only the matter of its 问题属地 assigned, no batch, no hearing
    west = build_report(org=d.street_b, period=P)
    assert (west["meetings"]["held"], west["meetings"]["assigned"]) == (0, 1)
    assert west["handed_down"] == [] and west["hearings"]["held"] == 0
    assert "无交办我街道的信访积案。" in render_text(west)
    # the benchmark's and Word's report leaves the keys out, as the leader work's
    bare = build_report(org=d.district, period=P, leader_work=False)
    assert not {"hearings", "handed_down", "meetings"} & bare.keys()

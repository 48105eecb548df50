"""B2 `hearings`: hearings held in P by stage, and their share of the matters of that stage
decided in P — on a small set counted by hand."""

from datetime import date

import pytest

from xinfang.analytics.counting import Scope
from xinfang.analytics.counting.prevention import hearing_figures
from xinfang.analytics.preventiontext import hearing_sentence
from xinfang.hearings import services as hs
from xinfang.workflow import services as wf

from .conftest import District
from .hearings_support import hearing_input, in_handling, under_rereview, under_review
from .workflow_support import step

pytestmark = pytest.mark.django_db

R, C = "笔录", "结论"


def test_hearings_held_by_stage_and_their_share(district: District) -> None:
    staff, officer = district.users["street_a_staff"], district.users["officer"]
    # 办理: three matters; two heard (08-15 and 08-28), all three replied in August
    handled = [in_handling(district) for _ in range(3)]
    for m, day in zip(handled[:2], [date(2025, 8, 15), date(2025, 8, 28)], strict=True):
        hs.hearing_record(
            actor=staff, matter=m, data=hearing_input(district, day), record=R, conclusion=C
        )
    for m in handled:
        step(wf.reply_issue, m, staff, outcome="explained", on=date(2025, 8, 29))
    # a hearing still running at the end of August is not held in August
    running = in_handling(district)
    h = hs.hearing_schedule(
        actor=staff, matter=running, data=hearing_input(district, date(2025, 8, 30))
    )
    hs.hearing_begin(actor=staff, hearing=h, on=date(2025, 8, 30))
    # 复查: one heard on 08-27 and decided in September (not in P's denominator)
    review = under_review(district)
    hs.hearing_record(
        actor=officer,
        matter=review,
        data=hearing_input(district, date(2025, 8, 27)),
        record=R,
        conclusion=C,
    )
    # 复核: one heard 09-30..10-09 — outside August
    rr = under_rereview(district)
    hs.hearing_record(
        actor=officer,
        matter=rr,
        data=hearing_input(district, date(2025, 9, 30), date(2025, 10, 9)),
        record=R,
        conclusion=C,
    )
    step(wf.review_decide, review, officer, outcome="explained", on=date(2025, 9, 2))

    august = hearing_figures(Scope.of(district.district), date(2025, 8, 1), date(2025, 8, 31))
    # by hand: held in August — 办理 2 (08-15, 08-28), 复查 1 (08-27), 复核 0 → 3
    assert august["held"] == 3
    s = august["by_stage"]
    assert (s["handling"]["held"], s["review"]["held"], s["rereview"]["held"]) == (2, 1, 0)
    # replied in August: 3 handled matters + the review and re-review matters (both replied
    # 08-20 on their way) = 5; of them heard in 办理: 2 → 40.0%
    assert s["handling"]["share"] == {"num": 2, "den": 5, "pct": "40.0"}
    # review decided 09-10 (under_rereview's) is not in August; the other on 09-02 neither
    assert s["review"]["share"] == {"num": 0, "den": 0, "pct": "0.0"}
    # 复核 has no hearing to share in August: not counted (None); 复查's share has nothing
    # decided to divide: both read 无, never 0.0%
    assert s["rereview"] == {"held": 0, "decided": None, "with_hearing": 0, "share": None}
    assert hearing_sentence(august) == (
        "开展信访听证3件，信访事项办理、复查、复核中听证占比分别为40.0%、无、无。"
    )

    autumn = hearing_figures(Scope.of(district.district), date(2025, 9, 1), date(2025, 10, 31))
    # September–October: 复核 1 held (ends 10-09); 复查 decided 09-02 (heard) and 09-10 (not)
    assert autumn["held"] == 1
    assert autumn["by_stage"]["review"]["share"] == {"num": 1, "den": 2, "pct": "50.0"}
    assert autumn["by_stage"]["rereview"]["share"]["den"] == 0
    # another street sees none of them
    other = hearing_figures(Scope.of(district.street_b), date(2025, 8, 1), date(2025, 10, 31))
    assert other["held"] == 0

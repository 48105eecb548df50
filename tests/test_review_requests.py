"""复查/复核 requests refused (不予受理) or withdrawn (撤回): the workflow records them, the
matter page offers them to the roles that may, and B2's `reviews` counts them — figures typed
from the small set below, counted by hand."""

from datetime import date

import pytest

from tests.analytics_support import report
from xinfang.analytics.counting.rates import RateCounts
from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import Period
from xinfang.analytics.ratestext import reviews_sentence
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf
from xinfang.workflow.clocks import load_facts
from xinfang.workflow.forms import offered_actions
from xinfang.workflow.models import MatterWorkflow, ReviewApplication
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.transitions import ReplyOutcome

from .conftest import District
from .workflow_support import events, new_matter, step

pytestmark = pytest.mark.django_db

NO = ReplyOutcome.NOT_SUPPORTED


def delivered(district: District, on: date, locality: str = "a") -> Matter:
    """A matter replied on the eve of `on` and delivered on `on`: 30 days to ask for 复查 start."""
    unit = district.street_a if locality == "a" else district.street_b
    u = district.users
    m = new_matter(district, received=date(2025, 7, 1), locality=unit)
    m = step(wf.matter_assign, m, u["officer"], unit=unit, on=date(2025, 7, 2))
    staff = u["street_a_staff"] if locality == "a" else u["street_b_staff"]
    m = step(wf.assignment_receive, m, staff, on=date(2025, 7, 3))
    m = step(wf.reply_issue, m, staff, outcome=NO, on=date(2025, 8, 20))
    return step(wf.reply_deliver, m, u["registrar"], on=on)


def reviewed(district: District, requested: date, decided: date, delivered_on: date) -> Matter:
    u = district.users
    m = delivered(district, date(2025, 8, 25))
    m = step(wf.review_request, m, u["registrar"], on=requested)
    m = step(wf.review_decide, m, u["officer"], outcome=NO, on=decided)
    return step(wf.review_deliver, m, u["registrar"], on=delivered_on)


def test_a_late_request_is_registered_and_refused_with_its_reason(district: District) -> None:
    u = district.users
    m = delivered(district, date(2025, 9, 1))
    assert MatterWorkflow.objects.get(matter=m).review_request_due == date(2025, 10, 9)
    with pytest.raises(InputError, match="已过"):  # the accepting path still refuses it
        wf.review_request(actor=u["registrar"], matter=m, version=m.version, on=date(2025, 10, 12))
    with pytest.raises(PermissionRefusedError):  # the bureau decides, not the desk
        wf.review_decline(
            actor=u["registrar"], matter=m, version=m.version, reason="late", on=date(2025, 10, 14)
        )
    with pytest.raises(InputError, match="未超过申请期限"):
        wf.review_decline(
            actor=u["officer"],
            matter=m,
            version=m.version,
            reason="late",
            received=date(2025, 10, 9),  # the window's last day: still in time
            on=date(2025, 10, 14),
        )
    with pytest.raises(InputError, match="尚未终结"):
        wf.review_decline(
            actor=u["officer"], matter=m, version=m.version, reason="final", on=date(2025, 10, 14)
        )
    with pytest.raises(InputError, match="写明说明"):
        wf.review_decline(
            actor=u["officer"], matter=m, version=m.version, reason="other", on=date(2025, 10, 14)
        )
    with pytest.raises(InputError, match="不能晚于"):
        wf.review_decline(
            actor=u["officer"],
            matter=m,
            version=m.version,
            reason="late",
            received=date(2025, 10, 15),
            on=date(2025, 10, 14),
        )
    assert not ReviewApplication.objects.exists()  # nothing half-written by the refusals
    m = step(
        wf.review_decline,
        m,
        u["officer"],
        reason="late",
        received=date(2025, 10, 12),
        on=date(2025, 10, 14),
    )
    assert m.status == MatterStatus.REPLIED and m.review_requested_on is None
    app = ReviewApplication.objects.get(matter=m)
    assert (app.stage, app.result, app.reason) == ("review", "declined", "late")
    assert (app.received_on, app.result_on) == (date(2025, 10, 12), date(2025, 10, 14))
    event = events(m)[-1]
    assert event.action == "workflow.decline_review"
    assert event.data["received"] == "2025-10-12" and event.data["stage"] == "review"


def test_a_withdrawn_request_returns_the_matter_and_keeps_its_date(district: District) -> None:
    u = district.users
    m = delivered(district, date(2025, 9, 15))
    m = step(wf.review_request, m, u["registrar"], on=date(2025, 10, 8))
    assert m.status == MatterStatus.UNDER_REVIEW
    with pytest.raises(PermissionRefusedError):
        wf.review_withdraw(
            actor=u["street_a_staff"], matter=m, version=m.version, on=date(2025, 10, 20)
        )
    m = step(wf.review_withdraw, m, u["registrar"], note="信访人书面撤回", on=date(2025, 10, 20))
    assert (m.status, m.review_requested_on) == (MatterStatus.REPLIED, None)
    assert MatterWorkflow.objects.get(matter=m).review_due is None
    app = ReviewApplication.objects.get(matter=m)
    assert (app.result, app.received_on, app.result_on) == (
        "withdrawn",
        date(2025, 10, 8),
        date(2025, 10, 20),
    )
    # the window (to 10-15) is over: the matter may now be finalised
    m = step(wf.matter_finalise, m, u["officer"], on=date(2025, 10, 20))
    assert m.status == MatterStatus.FINAL
    # a 复查 asked again of a final matter is refused as final
    m = step(wf.review_decline, m, u["officer"], reason="final", on=date(2025, 10, 22))
    assert (
        ReviewApplication.objects.filter(matter=m, result="declined", stage="review").count() == 1
    )


def test_a_rereview_with_a_hearing_cannot_be_withdrawn(district: District) -> None:
    u = district.users
    m = reviewed(district, date(2025, 9, 1), date(2025, 9, 20), date(2025, 9, 22))
    m = step(wf.rereview_request, m, u["registrar"], on=date(2025, 10, 2))
    m = step(wf.hearing_start, m, u["officer"], on=date(2025, 10, 10))
    with pytest.raises(ConflictError, match="听证"):
        wf.review_withdraw(actor=u["registrar"], matter=m, version=m.version, on=date(2025, 10, 12))
    assert Matter.objects.get(pk=m.pk).status == MatterStatus.UNDER_REREVIEW


def test_the_matter_page_offers_the_acts_to_the_roles_that_may(district: District) -> None:
    u = district.users
    m = delivered(district, date(2025, 9, 1))
    today = date(2025, 10, 14)

    def keys(who: str, matter: Matter) -> set[str]:
        facts = load_facts(matter)
        return {a.key for a in offered_actions(u[who], matter, facts, today)}

    assert "decline_review" in keys("officer", m)
    assert "decline_review" not in keys("registrar", m)
    m = step(wf.review_request, m, u["registrar"], on=date(2025, 9, 10))
    assert "withdraw_review" in keys("registrar", m)
    assert "withdraw_review" in keys("officer", m)
    assert "withdraw_review" not in keys("street_a_staff", m)


def test_reviews_counted_by_hand(district: District) -> None:
    """P = October 2025. 复查: A accepted in September, decided 10-15; B asked 10-10, accepted;
    C asked 10-12 after its window (10-09), refused 10-14; D asked 10-08, withdrawn 10-20;
    E asked 09-25, withdrawn 10-05 (withdrawn in P, received before it).
    复核: F's review delivered 09-22, its 复核 asked 10-03 and refused 10-06 as not reviewable.
    """
    u = district.users
    desk, officer = u["registrar"], u["officer"]
    a = delivered(district, date(2025, 9, 1))
    a = step(wf.review_request, a, desk, on=date(2025, 9, 20))
    a = step(wf.review_decide, a, officer, outcome=NO, on=date(2025, 10, 15))
    b = delivered(district, date(2025, 9, 15))
    step(wf.review_request, b, desk, on=date(2025, 10, 10))
    c = delivered(district, date(2025, 9, 1), locality="b")
    step(
        wf.review_decline,
        c,
        officer,
        reason="late",
        received=date(2025, 10, 12),
        on=date(2025, 10, 14),
    )
    d = delivered(district, date(2025, 9, 15))
    d = step(wf.review_request, d, desk, on=date(2025, 10, 8))
    step(wf.review_withdraw, d, desk, on=date(2025, 10, 20))
    e = delivered(district, date(2025, 9, 15))
    e = step(wf.review_request, e, desk, on=date(2025, 9, 25))
    step(wf.review_withdraw, e, desk, on=date(2025, 10, 5))
    f = reviewed(district, date(2025, 9, 1), date(2025, 9, 20), date(2025, 9, 22))
    f = step(
        wf.review_decline,
        f,
        officer,
        reason="not_reviewable",
        received=date(2025, 10, 3),
        on=date(2025, 10, 6),
    )
    assert ReviewApplication.objects.get(matter=f).stage == "rereview"

    rep = report("320101", "2025-10-01", "2025-10-31")
    assert rep["reviews"] == {
        # received B, C, D; accepted B, D; declined C; withdrawn D, E; decided A
        "review": {"received": 3, "accepted": 2, "declined": 1, "withdrawn": 2, "decided": 1},
        # received and declined F
        "rereview": {"received": 1, "accepted": 0, "declined": 1, "withdrawn": 0, "decided": 0},
    }
    # September: A, E and F's review asked (received, accepted); F's review decided
    sep = report("320101", "2025-09-01", "2025-09-30")["reviews"]
    assert sep["review"] == {
        "received": 3,
        "accepted": 3,
        "declined": 0,
        "withdrawn": 0,
        "decided": 1,
    }
    # the street of C alone (西湖街道): one declined request
    west = report("32010102", "2025-10-01", "2025-10-31")["reviews"]["review"]
    assert west == {"received": 1, "accepted": 0, "declined": 1, "withdrawn": 0, "decided": 0}
    assert reviews_sentence(rep, "10月") == (
        "10月，收到复查申请3件，受理2件，不予受理1件，申请人撤回2件，作出复查意见1件；"
        "收到复核申请1件，受理0件，不予受理1件，作出复核意见0件。"
    )
    # each figure opens the matters it counts
    node = district.district
    counting = RateCounts(
        node, Period(date(2025, 10, 1), date(2025, 10, 31)), scope=Scope.of(node), leader_work=False
    )
    numbers = {
        figure: {m.pk for m in counting.figure_matters("review", figure)}
        for figure in ("received", "accepted", "declined", "withdrawn", "decided")
    }
    assert numbers == {
        "received": {b.pk, c.pk, d.pk},
        "accepted": {b.pk, d.pk},
        "declined": {c.pk},
        "withdrawn": {d.pk, e.pk},
        "decided": {a.pk},
    }


def test_a_review_asked_then_refused_or_withdrawn_is_no_one_shot_resolution(
    district: District,
) -> None:
    """初信初访一次性化解率 (rates.py): "no 复查申请 up to the end of P" whatever became of it.
    Each matter below is assigned 07-02 (处理日期; + 60 = 08-31, a Sunday: due 09-01, in
    September) and replied 08-20, on time. A: nothing more, one-shot. W: 复查 asked 09-10,
    withdrawn 09-20. R: 复查 asked 09-26 after its window (09-24), refused 09-29. L (delivered
    09-15): asked 10-10 and withdrawn 10-15, after September: one-shot in September."""
    u = district.users
    desk, officer = u["registrar"], u["officer"]
    a = delivered(district, date(2025, 8, 25))
    w = delivered(district, date(2025, 8, 25))
    w = step(wf.review_request, w, desk, on=date(2025, 9, 10))
    w = step(wf.review_withdraw, w, desk, on=date(2025, 9, 20))
    r = delivered(district, date(2025, 8, 25))
    r = step(wf.review_decline, r, officer, reason="late", received=date(2025, 9, 26),
             on=date(2025, 9, 29))  # fmt: skip
    lt = delivered(district, date(2025, 9, 15))  # its window runs to 10-15
    lt = step(wf.review_request, lt, desk, on=date(2025, 10, 10))
    lt = step(wf.review_withdraw, lt, desk, on=date(2025, 10, 15))
    assert (w.review_requested_on, w.review_dropped_on) == (None, date(2025, 9, 10))
    assert r.review_dropped_on == date(2025, 9, 26)

    rates = report("320101", "2025-09-01", "2025-09-30")["rates"]
    # due 09-01: A, W, R, L; all replied 08-20, on time; one-shot A and L
    assert rates["on_time_reply"] == {"num": 4, "den": 4, "pct": "100.0"}
    assert rates["first_time_resolution"] == {"num": 2, "den": 4, "pct": "50.0"}
    node = district.district
    counting = RateCounts(
        node, Period(date(2025, 9, 1), date(2025, 9, 30)), scope=Scope.of(node), leader_work=False
    )
    listed = {m.pk for m in counting.figure_matters("first_time_resolution", "num")}
    assert listed == {a.pk, lt.pk}

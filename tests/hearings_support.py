"""Helpers of the hearing tests: a matter walked to each stage, a hearing's typed input."""

from datetime import date

from xinfang.hearings.services import HearingInput, ParticipantInput
from xinfang.intake.models import Matter
from xinfang.workflow import services as wf

from .conftest import District
from .workflow_support import new_matter, step


def in_handling(district: District, *, received: date = date(2025, 8, 1)) -> Matter:
    """Assigned to 东风街道 and received by it (the unit handles it)."""
    m = new_matter(district, received=received)
    m = step(wf.matter_assign, m, district.users["officer"], unit=district.street_a, on=received)
    return step(wf.assignment_receive, m, district.users["street_a_staff"], on=received)


def under_review(district: District) -> Matter:
    officer, desk = district.users["officer"], district.users["registrar"]
    m = new_matter(district, received=date(2025, 8, 1))
    m = step(wf.matter_accept, m, officer, on=date(2025, 8, 4))
    m = step(wf.reply_issue, m, officer, outcome="explained", on=date(2025, 8, 20))
    m = step(wf.reply_deliver, m, desk, on=date(2025, 8, 22))
    return step(wf.review_request, m, desk, on=date(2025, 8, 25))


def under_rereview(district: District) -> Matter:
    """复核 requested on Monday 22 September 2025."""
    officer, desk = district.users["officer"], district.users["registrar"]
    m = under_review(district)
    m = step(wf.review_decide, m, officer, outcome="not_supported", on=date(2025, 9, 10))
    m = step(wf.review_deliver, m, desk, on=date(2025, 9, 12))
    return step(wf.rereview_request, m, desk, on=date(2025, 9, 22))


def hearing_input(district: District, starts_on: date, ends_on: date | None = None) -> HearingInput:
    return HearingInput(
        starts_on=starts_on,
        ends_on=ends_on,
        place="区信访局听证室",
        host_unit=district.district,
        public=True,
        participants=[
            ParticipantInput("信访人", "王小明"),
            ParticipantInput("npc_deputy", "李代表", "东风街道人大工委"),
            ParticipantInput("政协委员", "赵委员"),
            ParticipantInput("有关部门", "区住房和城乡建设局"),
        ],
    )

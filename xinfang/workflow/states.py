"""The states of a matter, and the state its recorded facts imply (for imported history)."""

from dataclasses import dataclass
from datetime import date

from django.db import models


class MatterStatus(models.TextChoices):
    REGISTERED = "registered", "待处理"
    ASSIGNED = "assigned", "已转交待签收"
    RETURNED = "returned", "已退回待重新交办"
    DECLINED = "declined", "不予受理"
    LEGAL_CHANNEL = "legal_channel", "依法分类导出"
    IN_HANDLING = "in_handling", "办理中"
    REPLIED = "replied", "已答复"
    UNDER_REVIEW = "under_review", "复查中"
    REVIEWED = "reviewed", "已复查"
    UNDER_REREVIEW = "under_rereview", "复核中"
    FINAL = "final", "已终结"


class ClockKind(models.TextChoices):
    """Every clock a matter can have (domain brief, section 4); the scan, the page and the queues
    name them by these codes."""

    ROUTE = "route", "登记转送交办期限"  # receipt + ROUTE_DAYS, while the bureau has not routed it
    ACCEPT = "accept", "受理告知期限"  # a 转送 organ decides acceptance: receipt + ACCEPT_DAYS
    RETURN = "return", "退回期限"  # receipt of the assignment + RETURN_WORKING_DAYS working days
    HANDLE = "handle", "办理期限"  # acceptance/assignment + HANDLE_DAYS, or the approved extension
    REVIEW_REQUEST = "review_request", "申请复查期限"  # reply delivered + REVIEW_REQUEST_DAYS
    REVIEW = "review", "复查期限"  # review requested + REVIEW_DECIDE_DAYS
    REREVIEW_REQUEST = "rereview_request", "申请复核期限"  # review delivered + 30
    REREVIEW = "rereview", "复核期限"  # re-review requested + REREVIEW_DECIDE_DAYS, hearings paused
    SUPERVISION = "supervision", "督办期限"  # an open 督办单's due date
    # a leader reception not settled on the spot: session + RECEPTION_ROUTE_WORKING_DAYS
    RECEPTION_ROUTE = "reception_route", "接访交办期限"
    PACKAGE = "package", "包案办结时限"  # a leader package's 定办结时限, until the matter is 化解


@dataclass(frozen=True)
class RecordedFacts:
    handling_method: str
    replied_on: date | None
    review_requested_on: date | None
    review_replied_on: date | None
    rereview_requested_on: date | None
    rereview_replied_on: date | None


def status_from_facts(facts: RecordedFacts) -> MatterStatus:
    """The furthest step the recorded dates show; used where history arrives already decided."""
    if facts.rereview_replied_on:
        return MatterStatus.FINAL
    if facts.rereview_requested_on:
        return MatterStatus.UNDER_REREVIEW
    if facts.review_replied_on:
        return MatterStatus.REVIEWED
    if facts.review_requested_on:
        return MatterStatus.UNDER_REVIEW
    if facts.replied_on:
        return MatterStatus.REPLIED
    return {
        "": MatterStatus.REGISTERED,
        "decline": MatterStatus.DECLINED,
        "legal_channel": MatterStatus.LEGAL_CHANNEL,
    }.get(facts.handling_method, MatterStatus.IN_HANDLING)

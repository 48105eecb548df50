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

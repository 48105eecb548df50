"""The 办理期限 a matter's recorded facts imply when its ledger left the cell blank.

Contract A writes 办理期限 only when it differs from the rule (the regulation's 60 days from
受理/交办/转送, 第三十四条, HANDLE_DAYS on the working calendar), as the workflow stores it when
it routes (services.matter_accept / _route). A ledger row with 处理方式 受理, 交办 or 转送 and a
处理日期 but no 办理期限 therefore gets the computed one, so its clock runs like any other: the
matter page, the queues and the scan all read the stored deadline. The importer fills it for the
rows it writes; `fill_implied_deadlines` fills it for matters imported before, each with an audit
event, and runs at the start of every clock scan (a no-op once none is left).
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinfang.core.audit import changes as audit_changes
from xinfang.core.config import domain_limit
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import HandlingMethod
from xinfang.intake.models import Matter
from xinfang.workflow import calendar
from xinfang.workflow.calendar import CalendarMissingError

HANDLED = (HandlingMethod.ACCEPT, HandlingMethod.ASSIGN, HandlingMethod.FORWARD)
FILL_BATCH = 2000


class DeadlineRule:
    """calendar.deadline(处理日期, HANDLE_DAYS), remembered per date (a ledger repeats dates)."""

    def __init__(self) -> None:
        self.limit = domain_limit("HANDLE_DAYS")
        # read now: the importer asks while it streams rows into COPY, when the connection
        # cannot run another query (PostgreSQL would wait for the client forever)
        self.calendar = calendar.current_calendar()
        self.known: dict[date, date | None] = {}
        self.missing: set[int] = set()

    def due(self, method: str | None, decided_on: date | None) -> date | None:
        if method not in HANDLED or decided_on is None:
            return None
        if decided_on not in self.known:
            try:
                self.known[decided_on] = self.calendar.deadline(decided_on, self.limit)
            except CalendarMissingError as exc:  # a year nobody has entered: left blank
                self.missing.add(exc.year)
                self.known[decided_on] = None
        return self.known[decided_on]


def implied_facts(facts: dict[str, Any], rule: DeadlineRule) -> dict[str, Any]:
    """The ledger facts of one matter with the 办理期限 they imply filled in when blank."""
    if facts.get("handling_deadline") is not None:
        return facts
    due = rule.due(facts.get("handling_method"), facts.get("decided_on"))
    return facts if due is None else facts | {"handling_deadline": due}


def needing_deadline() -> Q:
    """Matters handled (受理/交办/转送) on a recorded date whose 办理期限 was never set."""
    return Q(handling_method__in=HANDLED, decided_on__isnull=False, handling_deadline__isnull=True)


def fill_implied_deadlines(*, actor: Any = None, ids: Iterable[int] | None = None) -> int:
    """Store the implied 办理期限 of matters imported without one; one audit event each."""
    rule = DeadlineRule()
    matters = Matter.objects.filter(needing_deadline())
    if ids is not None:
        matters = matters.filter(pk__in=list(ids))
    filled = last = 0
    now = timezone.now()
    while True:
        batch = list(
            matters.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "handling_method", "decided_on", "handling_deadline", "version")[
                :FILL_BATCH
            ]
        )
        if not batch:
            return filled
        last = batch[-1].pk
        changed, events = [], []
        for m in batch:
            due = rule.due(m.handling_method, m.decided_on)
            if due is None:
                continue
            m.handling_deadline, m.updated_at = due, now
            m.version += 1
            changed.append(m)
            events.append(
                AuditEvent(
                    actor=actor,
                    action="matter.update",
                    object_type=Matter._meta.label_lower,
                    object_id=str(m.pk),
                    matter_id=m.pk,
                    data={
                        "changes": audit_changes(
                            {"handling_deadline": None}, {"handling_deadline": due}
                        ),
                        "reason": "按处理日期补算办理期限（台账未填）",
                    },
                )
            )
        fields = ["handling_deadline", "version", "updated_at"]
        Matter.objects.bulk_update(changed, fields, batch_size=500)
        AuditEvent.objects.bulk_create(events, batch_size=1000)
        filled += len(changed)

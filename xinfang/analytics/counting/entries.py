"""补录: steps entered with a day before the backdating window, by a 督查's approval, and steps
entered with a day in the window that met a clock whose deadline had passed when they were
entered (the typed day alone made it met).

xinfang.workflow.entry marks each such event `late_entry`; these count them. An entry belongs to
the period in which it was entered (the event's `entered_on`, the product's own day at entry,
not the day typed into it): the report of P says what was entered late in P, whatever day it
claims. The report counts those on
the node's matters (as its matters belong: their locality, accusations hidden from a reader who
may not see them); 季考评 counts them per unit of the person who entered them.
"""

from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from xinfang.analytics.counting.scope import Scope
from xinfang.analytics.periods import Period
from xinfang.core.models import AuditEvent


def late_entry_events(period: Period) -> QuerySet[AuditEvent]:
    """The events entered late (补录) on a day of P."""
    return (
        AuditEvent.objects.filter(data__late_entry=True)
        .annotate(entered_on=Cast(KT("data__entered_on"), DateField()))
        .filter(entered_on__gte=period.start, entered_on__lte=period.end)
    )


def late_entries(scope: Scope, period: Period) -> int:
    """The late entries of P on the node's matters."""
    matters = scope.locality_q("matter__locality", whole=False, purpose="matter__purpose")
    return late_entry_events(period).filter(matters, matter__isnull=False).count()


def late_entries_by_unit(period: Period, in_units: Q) -> dict[int, int]:
    """The late entries of P per unit of the person who entered them (`in_units`: a condition
    on `unit_id`)."""
    groups = (
        late_entry_events(period)
        .filter(actor__org_unit__isnull=False)
        .annotate(unit_id=F("actor__org_unit_id"))
        .filter(in_units)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {g["unit_id"]: g["n"] for g in groups}

"""Date ranges of a report's queries: rows by period bucket, whole months and partial ones."""

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When

from xinfang.analytics.periods import Period, _last_of_month

Ranges = list[tuple[int, date, date]]  # (bucket 0 current / 1 previous, first day, last day)


def bucketed(qs: QuerySet[Any], field: str, ranges: Ranges) -> QuerySet[Any]:
    """Rows whose `field` lies in one of the ranges, each with its range's bucket."""
    if not ranges:
        return qs.none().annotate(bucket=Value(0))
    inside = Q()
    for _, lo, hi in ranges:
        inside |= Q(**{f"{field}__range": (lo, hi)})
    return qs.filter(inside).annotate(
        bucket=Case(
            *[When(Q(**{f"{field}__range": (lo, hi)}), then=Value(b)) for b, lo, hi in ranges],
            default=Value(1),
        )
    )


def split_months(period: Period) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The period's whole calendar months (first day of the first, first day of the last),
    and the days before and after them (a partial month at either end, or all of a short one)."""
    s, e = period.start, period.end
    first = s if s.day == 1 else _last_of_month(s.year, s.month) + timedelta(days=1)
    last = e if e == _last_of_month(e.year, e.month) else e.replace(day=1) - timedelta(days=1)
    if first > last:
        return None, [(s, e)]
    edges = []
    if s < first:
        edges.append((s, first - timedelta(days=1)))
    if last < e:
        edges.append((last + timedelta(days=1), e))
    return (first, last.replace(day=1)), edges

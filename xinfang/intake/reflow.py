"""回流 (倒流): the one rule of "registered again after its 化解日期", shared by leader packages
(xinfang.leaders) and batches handed down (xinfang.casework).

A registration received on a day strictly after the 化解日期 is a 回流; one on the 化解 day itself
is not (the settling and the visit are the same day's work).
"""

from datetime import date

from django.db.models import F, Q


def registered_after_resolution(received_on: date | None, resolved_on: date | None) -> bool:
    """Whether a registration received on `received_on` came back after a 化解 on `resolved_on`."""
    return received_on is not None and resolved_on is not None and received_on > resolved_on


def registered_after_resolution_q(received: str, resolved: str) -> Q:
    """The same rule as a query: the date field `received` lies after the date field `resolved`
    (e.g. ``registered_after_resolution_q("received_on", "matter__resolved_on")``)."""
    return Q(**{f"{resolved}__isnull": False, f"{received}__gt": F(resolved)})

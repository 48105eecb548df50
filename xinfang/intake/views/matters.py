"""The matter list (filters, search, keyset pages) and one matter with everything recorded on it."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.config import domain_setting
from xinfang.core.permissions import Action, get_matter_for, may
from xinfang.documents.selectors import documents_for, issuable_kinds
from xinfang.intake.forms import MatterFilterForm
from xinfang.intake.history import matter_history
from xinfang.intake.ledger.columns import MATTER_FIELDS
from xinfang.intake.models import Matter, Petitioner
from xinfang.intake.selectors import (
    Cursor,
    MatterFilters,
    matter_events,
    matter_facts,
    matter_page,
    matter_registrations,
)
from xinfang.workflow.clocks import load_facts, matter_clocks
from xinfang.workflow.forms import offered_actions
from xinfang.workflow.timeline import matter_timeline

# The recorded facts of handling, in the order of the ledger (contract A, from 处理方式 on).
FACT_FIELDS = MATTER_FIELDS


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.VIEW_MATTER):
        raise PermissionDenied
    searching = any(key not in ("after", "before") for key in request.GET)
    form = MatterFilterForm(request.GET if searching else None, user=user)
    filters = form.filters() if searching else MatterFilters()
    page = matter_page(
        actor=user,
        filters=filters,
        after=Cursor.decode(request.GET.get("after")),
        before=Cursor.decode(request.GET.get("before")),
        size=int(domain_setting("MATTER_LIST_PAGE_SIZE")),
    )
    context = {"form": form, "page": page, "searching": searching}
    return render(request, "intake/matter_list.html", context)


@login_required
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    matter = get_matter_for(user, pk, Action.VIEW_MATTER)
    registrations = matter_registrations(matter)
    audit = may(user, Action.VIEW_AUDIT)
    events = matter_events(matter)
    today = timezone.localdate()
    clock_facts = load_facts(matter)
    can_reveal = may(user, Action.REVEAL_PERSONAL_DATA, matter)
    context = {
        "matter": matter,
        "registrations": registrations,
        "people": _people(matter, registrations),
        "facts": _facts(matter),
        "history": matter_history(matter, registrations, events) if audit else None,
        "can_reveal": can_reveal,
        "can_view_petitioner": may(user, Action.VIEW_PETITIONER),
        # the workflow: what the user may do now, every clock, and everything that happened
        "actions": offered_actions(user, matter, clock_facts, today),
        "clocks": matter_clocks(matter, today, clock_facts),
        "timeline": matter_timeline(
            registrations,
            events,
            may_view_audit=audit,
            may_reveal=can_reveal,
        ),
        "today": today,
        # 文书: what was issued, and what this user may issue now
        "documents": documents_for(matter),
        "issuable": issuable_kinds(user, matter),
    }
    return render(request, "intake/matter_detail.html", context)


def _people(matter: Matter, registrations: list[Any]) -> list[tuple[Petitioner, str]]:
    """Everyone the matter names, once each: petitioners first, then representatives."""
    seen: dict[int, tuple[Petitioner, str]] = {}
    for registration in registrations:
        if registration.petitioner is not None:
            seen.setdefault(registration.petitioner.pk, (registration.petitioner, "信访人"))
    for registration in registrations:
        for rep in registration.representatives.all():
            seen.setdefault(rep.petitioner.pk, (rep.petitioner, "代表人"))
    return list(seen.values())


def _facts(matter: Matter) -> list[tuple[str, str]]:
    """(label, value) of each recorded handling fact that has a value."""
    return [(label, shown) for _, label, shown in matter_facts(matter)]

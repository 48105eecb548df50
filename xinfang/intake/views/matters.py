"""The matter list (filters, search, keyset pages) and one matter with everything recorded on it."""

import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.config import domain_setting
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.masking import excerpt_for, free_text_for, reads_numbers
from xinfang.core.permissions import Action, get_matter_for, may
from xinfang.documents.selectors import documents_for, issuable_kinds
from xinfang.intake import word_search
from xinfang.intake.forms import MatterFilterForm
from xinfang.intake.history import matter_history
from xinfang.intake.ledger.columns import MATTER_FIELDS
from xinfang.intake.models import Matter, Petitioner
from xinfang.intake.searches import (
    NOT_IN_ADDRESS,
    REFUSED,
    person_number_kind,
    person_search,
)
from xinfang.intake.selectors import (
    EXCERPT_READ,
    Cursor,
    MatterFilters,
    MatterPage,
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
    if request.method == "POST":
        return _search(request, user)
    query = request.GET.copy()
    token = query.pop("find", [""])[-1]
    refusal = ""
    if token:
        # a search by number posted before: the number is kept in the session, not in the address
        query["person"] = request.session.get(SEARCHES, {}).get(token, "")
        if not query["person"]:
            refusal = "这次查询已过期，请重新输入信访人的身份证号或电话查询"
    elif person_number_kind(query.get("person", "")):
        refusal = NOT_IN_ADDRESS if may(user, Action.REVEAL_PERSONAL_DATA) else REFUSED
    if refusal:
        return _refused(request, user, refusal, 403 if refusal == REFUSED else 400)
    searching = any(key not in ("after", "before") for key in query)
    form = MatterFilterForm(query if searching else None, user=user)
    filters = form.filters() if searching else MatterFilters()
    try:
        page = matter_page(
            actor=user,
            filters=filters,
            after=Cursor.decode(request.GET.get("after")),
            before=Cursor.decode(request.GET.get("before")),
            size=int(domain_setting("MATTER_LIST_PAGE_SIZE")),
        )
    except InputError as exc:  # words with digits over too wide a scope (word_search.as_seen)
        return _refused(request, user, exc.message, 400)
    reads = reads_numbers(user)
    words = filters.words.split()
    # where the words were found, marked (masked first: word_search.excerpt)
    found = word_search.excerpts(user, [row.pk for row in page.rows], words, reads=reads)
    for row in page.rows:
        raw = row.excerpt or ""
        row.excerpt = excerpt_for(user, raw, cut=len(raw) >= EXCERPT_READ, reads=reads)
        hit = found.get(row.pk)
        row.snippet = hit.html() if hit else ""
    context = {"form": form, "page": page, "searching": searching, "perms_reveal": reads}
    return render(request, "intake/matter_list.html", context)


# the session's searches by number: opaque token -> what was searched (the latest few)
SEARCHES = "matter_searches"
SEARCHES_KEPT = 20


def _search(request: HttpRequest, user: User) -> HttpResponse:
    """The list's search form, posted: a name goes into the address as usual; an ID number or a
    phone is checked and logged (intake.searches) and kept in the session behind a token."""
    fields = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken" and any(v)}
    person = str(request.POST.get("person", "")).strip()
    query = QueryDict(mutable=True)
    for key, values in fields.items():
        query.setlist(key, values)
    if person_number_kind(person):
        try:
            person_search(actor=user, text=person, where="matter_list")
        except PermissionRefusedError as exc:
            return _refused(request, user, exc.message, 403)
        token = secrets.token_urlsafe(12)
        kept = dict(list(request.session.get(SEARCHES, {}).items())[-(SEARCHES_KEPT - 1) :])
        kept[token] = person
        request.session[SEARCHES] = kept
        query.pop("person")
        query["find"] = token
    address = reverse("intake:matter_list")
    return redirect(f"{address}?{query.urlencode()}" if query else address)


def _refused(request: HttpRequest, user: User, message: str, status: int) -> HttpResponse:
    """The list with the refusal and no rows: the same answer whether the number is anyone's or
    not, since nothing was looked up."""
    empty = MatterPage(rows=[], next_cursor=None, prev_cursor=None, total=0, total_capped=False)
    context = {
        "form": MatterFilterForm(None, user=user),
        "page": empty,
        "searching": True,
        "refusal": message,
        "perms_reveal": reads_numbers(user),
    }
    return render(request, "intake/matter_list.html", context, status=status)


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
        "facts": _facts(matter, user),
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


def _facts(matter: Matter, user: User) -> list[tuple[str, str]]:
    """(label, value) of each recorded handling fact that has a value; 备注 is free text."""
    reads = reads_numbers(user)
    return [
        (label, free_text_for(user, shown, reads=reads)) for _, label, shown in matter_facts(matter)
    ]

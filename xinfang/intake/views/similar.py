"""The registrar's similar-matters panel: as the content (and the person, place, category) is
typed, the matters most like it, each with why and one key to join it (htmx, POST only: the
phone and ID number are never in an address)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import PermissionRefusedError
from xinfang.core.permissions import Action, may
from xinfang.intake.models import Category
from xinfang.intake.similar.lookup import Probe, similar_matters
from xinfang.intake.views.register import LOGGED_LOOKUPS, keep_logged_lookups
from xinfang.organisation.models import OrgUnit

DESK_TOP = 5


@login_required
@require_POST
def similar_lookup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.REGISTER):
        raise PermissionDenied
    data = request.POST
    probe = Probe(
        content=data.get("content", ""),
        name=data.get("petitioner_name", ""),
        id_number=data.get("petitioner_id_number", ""),
        phone=data.get("petitioner_phone", ""),
        address=data.get("petitioner_address", ""),
        place=OrgUnit.objects.filter(pk=_pk(data.get("locality", ""))).first(),
        category=Category.objects.filter(pk=_pk(data.get("category", ""))).first(),
    )
    # one audit row per number and login session, shared with the person look-up beside it
    logged = set(request.session.get(LOGGED_LOOKUPS, []))
    try:
        matches = similar_matters(
            actor=user, probe=probe, top=DESK_TOP, where="register_similar", logged=logged
        )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    keep_logged_lookups(request, logged)
    asked = bool(probe.content.strip() or probe.has_person_number())
    return render(request, "intake/_similar.html", {"similar": matches, "similar_asked": asked})


def _pk(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() else 0

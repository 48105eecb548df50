"""A person's whole history (一人一档), and the logged reveal of their personal data."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import PermissionRefusedError
from xinfang.core.permissions import Action, get_matter_for, may
from xinfang.intake.models import Petitioner
from xinfang.intake.selectors import petitioner_registrations
from xinfang.intake.services import personal_data_reveal


@login_required
def petitioner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.VIEW_PETITIONER):
        raise PermissionDenied
    petitioner = get_object_or_404(Petitioner, pk=pk)
    registrations = petitioner_registrations(user, petitioner)
    if not registrations:
        raise Http404  # nothing of this person is the user's to see: no hint they exist
    matters = list({r.matter.pk: r.matter for r in registrations}.values())
    # Revealing is asked for one matter; the latest one the person has here will do.
    reveal_matter = matters[0] if may(user, Action.REVEAL_PERSONAL_DATA, matters[0]) else None
    context = {
        "petitioner": petitioner,
        "registrations": registrations,
        "matters": matters,
        "reveal_matter": reveal_matter,
        "repeat_count": sum(1 for r in registrations if not r.is_first),
    }
    return render(request, "intake/petitioner_detail.html", context)


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int, person: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    matter = get_matter_for(user, pk, Action.VIEW_MATTER)
    petitioner = get_object_or_404(Petitioner, pk=person)
    try:
        values = personal_data_reveal(actor=user, matter=matter, petitioner=petitioner)
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    return render(request, "intake/_revealed.html", {"petitioner": petitioner, "values": values})

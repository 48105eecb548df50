"""Intake views (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from xinfang.core.permissions import Action, get_matter_for


@login_required
def register(request: HttpRequest) -> HttpResponse:
    return HttpResponse("登记")


@login_required
def matter_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("事项")


@login_required
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_matter_for(request.user, pk, Action.VIEW_MATTER)  # type: ignore[arg-type]
    return HttpResponse(matter.number)

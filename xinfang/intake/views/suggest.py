"""The registrar's suggested 内容分类 and 责任单位 as the content is typed (htmx): offered, never
filled — the registrar picks one, and the form stores what was picked."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from xinfang.core.permissions import Action, may
from xinfang.intake.suggestions import Suggestions, suggest

MIN_CHARS = 6  # fewer characters say too little to suggest from


@login_required
@require_POST
def suggestions(request: HttpRequest) -> HttpResponse:
    if not may(request.user, Action.REGISTER):  # type: ignore[arg-type]
        raise PermissionDenied
    content = str(request.POST.get("content", ""))[:5000]
    found = suggest(content) if len(content.strip()) >= MIN_CHARS else Suggestions()
    return render(request, "intake/_suggestions.html", {"suggestions": found})

"""Workflow pages: 我的待办 (the user's work queues), read only."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.permissions import Action, may
from xinfang.workflow.selectors import QUEUE_SIZE, queues_for


@login_required
def queues(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.VIEW_MATTER):
        raise PermissionDenied
    today = timezone.localdate()
    context = {"queues": queues_for(user, today), "today": today, "size": QUEUE_SIZE}
    return render(request, "workflow/queues.html", context)

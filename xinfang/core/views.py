"""The landing page after login (one's work: 我的待办, what is overdue, this month's figures),
the health check and the site icon."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.permissions import Action, may


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The counts of the user's queues (workflow.selectors, the page 我的待办 itself), its
    overdue queue's first rows, and this month's totals for those who see the statistics."""
    from xinfang.analytics.dashboard import month_to_date
    from xinfang.workflow.selectors import queues_for

    user: User = request.user  # type: ignore[assignment]
    today = timezone.localdate()
    queues = queues_for(user, today) if may(user, Action.VIEW_MATTER) else []
    month = month_to_date(user=user, today=today)
    context = {
        "queues": queues,
        "overdue": next((q for q in queues if q.key == "overdue" and q.total), None),
        "queues_url": reverse("workflow:queues"),
        "month": month,
        "month_url": f"{reverse('analytics:dashboard')}?year={today.year}&span=m{today.month}",
        "today": today,
    }
    return render(request, "home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, which browsers ask for by themselves: our icon, cached for a day."""
    icon = Path(settings.BASE_DIR) / "static" / "favicon.ico"
    response = FileResponse(icon.open("rb"), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response

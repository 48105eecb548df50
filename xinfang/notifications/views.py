"""提醒 pages: my notifications, mark one or all read (POST; htmx swaps the row)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import XinfangError
from xinfang.notifications import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    rows = list(selectors.my_notifications(user)[: selectors.PAGE_SIZE])
    context = {
        "rows": rows,
        "unread": selectors.unread_count(user),
        "size": selectors.PAGE_SIZE,
    }
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        n = services.notification_read(actor=user, pk=pk)
    except XinfangError as exc:
        return HttpResponse(exc.message, status=404)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/_row.html", {"n": n})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    services.notifications_read_all(actor=user)
    return redirect("notifications:list")

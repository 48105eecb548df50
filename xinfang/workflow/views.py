"""Workflow pages: 我的待办 (the user's work queues), and the matter page's 「办理」 forms.

The forms are thin: parse → call the one service → on a refusal show its Chinese message (next to
its field, or above the form with a link to reload when someone else moved the matter first).
With htmx the form opens inside the matter page's panel; without JavaScript it is a plain page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.errors import ConflictError, PermissionRefusedError, XinfangError
from xinfang.core.permissions import Action, get_matter_for, may
from xinfang.workflow.clocks import load_facts
from xinfang.workflow.forms import ACTIONS, ActionSpec, StepForm, offered_actions
from xinfang.workflow.selectors import QUEUE_SIZE, queues_for


@login_required
def queues(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.VIEW_MATTER):
        raise PermissionDenied
    today = timezone.localdate()
    context = {"queues": queues_for(user, today), "today": today, "size": QUEUE_SIZE}
    return render(request, "workflow/queues.html", context)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def matter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: the step's form; POST: take the step. Only the roles of the step's table row."""
    user: User = request.user  # type: ignore[assignment]
    matter = get_matter_for(user, pk, Action.VIEW_MATTER)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if user.role not in spec.roles:
        raise PermissionDenied(f"「{spec.label}」不是您的岗位可以办理的")
    facts = load_facts(matter)
    today = timezone.localdate()
    conflict = ""
    refusal = ""
    if request.method == "POST":
        form = spec.form(request.POST, matter=matter, user=user, facts=facts)
        if form.is_valid():
            try:
                spec.run(user, matter, form.cleaned_data)
            except PermissionRefusedError as exc:
                if not _htmx(request):
                    raise PermissionDenied(exc.message) from exc
                refusal = exc.message
            except ConflictError as exc:
                conflict = exc.message
            except XinfangError as exc:  # InputError, and the calendar's missing year
                form.add_error(form.field_for(exc.field), exc.message)
            else:
                messages.success(request, f"{spec.done}。")
                url = reverse("intake:matter_detail", args=[matter.pk])
                if _htmx(request):
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return redirect(url)
        status = 200 if _htmx(request) else (409 if conflict else 403 if refusal else 400)
    else:
        if spec not in offered_actions(user, matter, facts, today):
            refusal = "该事项当前不能由您办理此项，请刷新事项页面后查看"
            if not _htmx(request):
                raise PermissionDenied(refusal)
        form = spec.form(
            matter=matter,
            user=user,
            facts=facts,
            initial={"version": matter.version, "on": today},
        )
        status = 200
    return _render(request, spec, form, conflict=conflict, refusal=refusal, status=status)


def _render(
    request: HttpRequest,
    spec: ActionSpec,
    form: StepForm,
    *,
    conflict: str,
    refusal: str,
    status: int,
) -> HttpResponse:
    matter = form.matter
    context = {
        "matter": matter,
        "spec": spec,
        "form": form,
        "conflict": conflict,
        "refusal": refusal,
        "action_url": reverse("workflow:matter_action", args=[matter.pk, spec.key]),
        "matter_url": reverse("intake:matter_detail", args=[matter.pk]),
    }
    template = "workflow/_action_form.html" if _htmx(request) else "workflow/action_page.html"
    return render(request, template, context, status=status)

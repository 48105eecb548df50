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
from xinfang.core.permissions import Action, get_matter_for, may, may_take
from xinfang.documents.selectors import documents_after, last_document_id
from xinfang.intake.models import Matter
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
    if not may_take(user, spec.key):
        refusal = f"「{spec.label}」不是您的岗位可以办理的"
        return _render(request, matter, spec, None, refusal=refusal, status=403)
    facts = load_facts(matter)
    today = timezone.localdate()
    conflict = ""
    if request.method == "POST":
        form = spec.form(request.POST, matter=matter, user=user, facts=facts)
        if form.is_valid():
            before = last_document_id(matter)
            try:
                spec.run(user, matter, form.cleaned_data)
            except PermissionRefusedError as exc:
                return _render(request, matter, spec, None, refusal=exc.message, status=403)
            except ConflictError as exc:
                conflict = exc.message
            except XinfangError as exc:  # InputError, and the calendar's missing year
                form.add_error(form.field_for(exc.field), exc.message)
            else:
                issued = "".join(
                    f"，已出具{d.get_kind_display()}（{d.number}），可在“文书”中打印"
                    for d in documents_after(matter, before)
                )
                messages.success(request, f"{spec.done}{issued}。")
                url = reverse("intake:matter_detail", args=[matter.pk])
                if _htmx(request):
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return redirect(url)
        status = 409 if conflict else 400
        return _render(request, matter, spec, form, conflict=conflict, status=status)
    if spec not in offered_actions(user, matter, facts, today):
        refusal = "该事项当前不能由您办理此项，请刷新事项页面后查看"
        return _render(request, matter, spec, None, refusal=refusal, status=403)
    initial = {"version": matter.version, "on": today}
    form = spec.form(matter=matter, user=user, facts=facts, initial=initial)
    return _render(request, matter, spec, form, status=200)


def _render(
    request: HttpRequest,
    matter: Matter,
    spec: ActionSpec,
    form: StepForm | None,
    *,
    conflict: str = "",
    refusal: str = "",
    status: int,
) -> HttpResponse:
    """The form alone for htmx (always 200: htmx swaps no error responses), else its page."""
    context = {
        "matter": matter,
        "spec": spec,
        "form": form,
        "conflict": conflict,
        "refusal": refusal,
        "action_url": reverse("workflow:matter_action", args=[matter.pk, spec.key]),
        "matter_url": reverse("intake:matter_detail", args=[matter.pk]),
    }
    if _htmx(request):
        return render(request, "workflow/_action_form.html", context)
    return render(request, "workflow/action_page.html", context, status=status)

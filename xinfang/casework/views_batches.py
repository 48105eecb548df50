"""Pages of batches handed down (交办积案): the list and a new batch (numbers typed, pasted or in
a CSV), a batch's page with each matter's 化解, the bureau's 审核 (通过 or 退回 with reasons) and
回流, and its figures. Thin, like views.py: permissions, a form, one service call.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.casework import forms, selectors, services
from xinfang.casework.choices import BatchSource
from xinfang.casework.models import HandedDownBatch
from xinfang.casework.views import add_error, require
from xinfang.core.errors import PermissionRefusedError, XinfangError
from xinfang.core.permissions import Action, sees_accusations, visible_batches
from xinfang.intake.models import Matter


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _batch_for(user: User, pk: int) -> HandedDownBatch:
    found = visible_batches(user).filter(pk=pk).select_related("unit").first()
    if found is None:
        raise Http404
    return found


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Action.VIEW_CASEWORK)
    planner = selectors.may_plan(user)
    form = forms.BatchForm(user=user)
    status = 200
    if request.method == "POST":
        if not planner:
            raise PermissionDenied
        form = forms.BatchForm(request.POST, request.FILES, user=user)
        batch = _batch_submit(user, form)
        if batch is not None:
            count = batch.items.count()
            messages.success(request, f"已登记{batch}交办积案，共{count}件。")
            return redirect("casework:batch", pk=batch.pk)
        status = 400
    today = timezone.localdate()
    batches = visible_batches(user)
    source = request.GET.get("source", "")
    if source in BatchSource.values:
        batches = batches.filter(source=source)
    context = {
        "tab": "batches",
        "batches": selectors.batch_list(batches, user, today),
        "source": source,
        "sources": BatchSource.choices,
        "planner": planner,
        "form": form,
        "today": today,
    }
    return render(request, "casework/batch_list.html", context, status=status)


def _batch_submit(user: User, form: forms.BatchForm) -> HandedDownBatch | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    common = {
        "actor": user,
        "source": data["source"],
        "name": data["name"],
        "unit": data["unit"],
        "handed_on": data["handed_on"],
        "deadline": data["deadline"],
        "note": data["note"],
    }
    try:
        if data.get("file"):
            return services.batch_create_from_csv(**common, text=data["file"])
        return services.batch_create(**common, numbers=data["numbers"])
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        # the file's or the numbers' refusals stand beside the field the user filled
        where = "file" if data.get("file") else "numbers"
        add_error(form, exc, {"matters": where, "file": where})
        return None


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    require(user, Action.VIEW_CASEWORK)
    batch = _batch_for(user, pk)
    today = timezone.localdate()
    rows = selectors.batch_rows(user, batch)
    context = {
        "batch": batch,
        "rows": rows,
        "figures": selectors.batch_figures(user, batch, today),
        "partial": not sees_accusations(user),
        "planner": selectors.may_plan(user),
        "resolver": selectors.may_resolve(user),
        "reflows": [r for row in rows for r in row.reflows],
        "overdue": batch.deadline < today and any(row.item.resolved_on is None for row in rows),
        "today": today,
    }
    return render(request, "casework/batch_detail.html", context)


def _errors(form: forms.ItemForm) -> str:
    return "；".join(str(e) for errs in form.errors.values() for e in errs)


def _matter(user: User, raw: str) -> Matter:
    """The matter named by the form (its number): 404 for one the user may not see."""
    found = forms.matter_by_number(user, raw)
    if found is None:
        raise Http404
    return found


@login_required
@require_POST
def item_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """化解 of a batch matter (the workflow's 化解日期)."""
    user = _user(request)
    if not selectors.may_resolve(user):
        raise PermissionDenied
    batch = _batch_for(user, pk)
    form = forms.ItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("casework:batch", pk=batch.pk)
    matter = _matter(user, form.cleaned_data["matter"])
    try:
        services.item_resolve(
            actor=user,
            batch=batch,
            matter=matter,
            on=form.day(),
            version=form.cleaned_data["version"],
        )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已登记事项{matter.number}化解。")
    return redirect(f"{_batch_url(batch)}#item-{matter.pk}")


@login_required
@require_POST
def item_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """审核 for the handing-down level: 通过审核, or 退回 with reasons."""
    user = _user(request)
    require(user, Action.PLAN_CASEWORK)
    batch = _batch_for(user, pk)
    form = forms.ItemForm(request.POST)
    if not form.is_valid() or form.cleaned_data["passed"] not in ("0", "1"):
        messages.error(request, _errors(form) or "请选择通过审核或退回")
        return redirect("casework:batch", pk=batch.pk)
    matter = _matter(user, form.cleaned_data["matter"])
    passed = form.cleaned_data["passed"] == "1"
    try:
        services.item_verify(
            actor=user,
            batch=batch,
            matter=matter,
            passed=passed,
            reason=form.cleaned_data["reason"],
            on=form.day(),
            version=form.cleaned_data["version"],
        )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        messages.error(request, exc.message)
    else:
        done = "通过审核" if passed else "退回重办"
        messages.success(request, f"事项{matter.number}已{done}。")
    return redirect(f"{_batch_url(batch)}#item-{matter.pk}")


def _batch_url(batch: HandedDownBatch) -> str:
    return reverse("casework:batch", args=[batch.pk])

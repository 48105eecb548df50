"""Pages of joint meetings (联席会议, 会办会): bodies with their topic groups and figures, meetings
with minutes, decisions that 交办 matters through the workflow, and the matter-number lookup.

Thin: each page asks core.permissions (an object out of scope is a 404, a step one may not take
a 403), parses a form, calls xinfang.casework.services and shows its Chinese refusal.
"""

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xinfang.accounts.models import User
from xinfang.casework import forms, selectors, services
from xinfang.casework.choices import MeetingKind
from xinfang.casework.models import JointBody, Meeting
from xinfang.core.errors import PermissionRefusedError, XinfangError
from xinfang.core.permissions import (
    Action,
    may,
    sees_accusations,
    visible_bodies,
    visible_meetings,
)

ROWS = 5  # empty matter rows a decision form starts with, and adds at a time
ROWS_MAX = 50
DECISION = ("text", "group", "on")  # the decision form's fields, typed before more rows
ROW = ("matter", "unit", "deadline")  # a row's


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def require(user: User, action: Action) -> None:
    if not may(user, action):
        raise PermissionDenied


def add_error(form: djforms.Form, exc: XinfangError, fields: dict[str, str] | None = None) -> None:
    """The service's refusal beside the field it names, else above the form."""
    name = (fields or {}).get(exc.field or "", exc.field)
    form.add_error(name if name in form.fields else None, exc.message)


def _body_for(user: User, pk: int) -> JointBody:
    found = visible_bodies(user).filter(pk=pk).select_related("unit").first()
    if found is None:
        raise Http404
    return found


def _meeting_for(user: User, pk: int) -> Meeting:
    found = visible_meetings(user).filter(pk=pk).select_related("body", "body__unit").first()
    if found is None:
        raise Http404
    return found


# --- meetings ----------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Action.VIEW_CASEWORK)
    meetings = visible_meetings(user)
    kind = request.GET.get("kind", "")
    if kind:
        meetings = meetings.filter(kind=kind)
    context = {
        "tab": "meetings",
        "meetings": selectors.meeting_rows(meetings, user),
        "bodies": list(visible_bodies(user).order_by("name")),
        "kind": kind,
        "kinds": MeetingKind.choices,
        "planner": selectors.may_plan(user),
    }
    return render(request, "casework/meeting_list.html", context)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting, its minutes and decisions; a planner adds a decision that 交办 matters."""
    user = _user(request)
    require(user, Action.VIEW_CASEWORK)
    meeting = _meeting_for(user, pk)
    planner = selectors.may_plan(user)
    units = forms.decision_units(meeting, user)
    form = forms.DecisionForm(meeting=meeting)
    rows = _rows(_rows_wanted(request), user=user, units=units)
    focus_row, status = None, 200
    if request.method == "POST":
        if not planner:
            raise PermissionDenied
        if "more" in request.POST:  # 需要更多行: the form again as typed, unchecked, rows added
            form, rows, focus_row = _typed(request.POST, meeting=meeting, user=user, units=units)
        else:
            form = forms.DecisionForm(request.POST, meeting=meeting)
            rows = _rows(0, request.POST, user=user, units=units)
            if _decide(user, meeting, form, rows):
                messages.success(request, "已作出会议决定，事项已交办。")
                return redirect("casework:meeting", pk=meeting.pk)
            status = 400
    today = timezone.localdate()
    context = {
        "meeting": meeting,
        "decisions": selectors.decision_rows(user, meeting, today),
        "planner": planner,
        "form": form,
        "rows": rows,
        "focus_row": focus_row,
        "today": today,
    }
    return render(request, "casework/meeting_detail.html", context, status=status)


def _rows_wanted(request: HttpRequest) -> int:
    raw = request.GET.get("rows", "")
    return min(max(int(raw), 1), ROWS_MAX) if raw.isascii() and raw.isdigit() else ROWS


def _rows(extra: int, data: Any = None, **kwargs: Any) -> Any:
    factory = djforms.formset_factory(forms.DecisionRowForm, extra=extra, max_num=ROWS_MAX)
    return factory(data, prefix="rows", form_kwargs=kwargs)


def _typed(
    data: Any, *, meeting: Meeting, user: User, units: Any
) -> tuple[forms.DecisionForm, Any, int]:
    """What was typed so far as the forms' initial values (nothing checked, no error shown yet)
    and ROWS more empty rows (up to ROWS_MAX); the index of the first new row."""
    form = forms.DecisionForm(meeting=meeting, initial={k: data.get(k, "") for k in DECISION})
    raw = data.get("rows-TOTAL_FORMS", "")
    total = min(int(raw), ROWS_MAX) if raw.isascii() and raw.isdigit() else 0
    typed = [{k: data.get(f"rows-{i}-{k}", "") for k in ROW} for i in range(total)]
    factory = djforms.formset_factory(
        forms.DecisionRowForm, extra=min(ROWS, ROWS_MAX - total), max_num=ROWS_MAX
    )
    rows = factory(initial=typed, prefix="rows", form_kwargs={"user": user, "units": units})
    return form, rows, total


def _decide(user: User, meeting: Meeting, form: forms.DecisionForm, rows: Any) -> bool:
    valid = form.is_valid()
    if not rows.is_valid() or not valid:
        return False
    assignments = [
        services.DecisionAssignment(
            matter=r.cleaned_data["found"],
            unit=r.cleaned_data["unit"],
            deadline=r.cleaned_data["deadline"],
        )
        for r in rows
        if not r.blank
    ]
    data = form.cleaned_data
    try:
        services.decision_make(
            actor=user,
            meeting=meeting,
            text=data["text"],
            group=data["group"],
            on=data["on"],
            assignments=assignments,
        )
    except PermissionRefusedError as exc:
        if exc.field != "assignments":
            raise PermissionDenied(exc.message) from exc
        add_error(form, exc)  # the workflow refusing one matter: named, nothing written
        return False
    except XinfangError as exc:
        add_error(form, exc)
        return False
    return True


@login_required
@require_GET
def matter_lookup(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type on the matter number (htmx): <option>s for the page's datalist."""
    user = _user(request)
    require(user, Action.PLAN_CASEWORK)
    q = request.GET.get("q", "")
    if not q:  # htmx sends the typing field under its own name (rows-0-matter …)
        q = next((request.GET[k] for k in request.GET if k.endswith("matter")), "")
    found = selectors.lookup_matters(user, q, assignable=request.GET.get("for") == "decision")
    response = render(request, "casework/_matter_options.html", {"matters": found})
    response["Cache-Control"] = "private, no-store"
    return response


# --- bodies ------------------------------------------------------------------------------------


@login_required
def body_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require(user, Action.VIEW_CASEWORK)
    planner = selectors.may_plan(user)
    form = forms.BodyForm(user=user)
    status = 200
    if request.method == "POST":
        if not planner:
            raise PermissionDenied
        form = forms.BodyForm(request.POST, user=user)
        body = _body_submit(user, form)
        if body is not None:
            messages.success(request, f"已设立{body.get_kind_display()}「{body.name}」。")
            return redirect("casework:body", pk=body.pk)
        status = 400
    bodies = list(
        visible_bodies(user).select_related("unit").prefetch_related("groups").order_by("name")
    )
    context = {"tab": "bodies", "bodies": bodies, "planner": planner, "form": form}
    return render(request, "casework/body_list.html", context, status=status)


def _body_submit(user: User, form: forms.BodyForm) -> JointBody | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.body_create(
            actor=user,
            name=data["name"],
            kind=data["kind"],
            unit=data["unit"],
            members=list(data["members"]),
            groups=data["groups"],
        )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        add_error(form, exc)
        return None


@login_required
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The body: members, topic groups and, per group, matters assigned and done; its meetings;
    a planner records a meeting here."""
    user = _user(request)
    require(user, Action.VIEW_CASEWORK)
    body = _body_for(user, pk)
    planner = selectors.may_plan(user)
    form = forms.MeetingForm(body=body)
    status = 200
    if request.method == "POST":
        if not planner:
            raise PermissionDenied
        form = forms.MeetingForm(request.POST, body=body)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_record(
                    actor=user,
                    body=body,
                    kind=data["kind"],
                    held_on=data["held_on"],
                    place=data["place"],
                    minutes=data["minutes"],
                )
            except PermissionRefusedError as exc:
                raise PermissionDenied(exc.message) from exc
            except XinfangError as exc:
                add_error(form, exc)
            else:
                messages.success(request, f"已记录{meeting.get_kind_display()}。")
                return redirect("casework:meeting", pk=meeting.pk)
        status = 400
    today = timezone.localdate()
    context = {
        "body": body,
        "members": list(body.members.order_by("path")),
        "figures": selectors.body_figures(user, body, today),
        "partial": not sees_accusations(user),
        "meetings": selectors.meeting_rows(visible_meetings(user).filter(body=body), user),
        "planner": planner,
        "form": form,
        "today": today,
    }
    return render(request, "casework/body_detail.html", context, status=status)

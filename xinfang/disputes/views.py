"""Staff pages of the dispute ledger (矛盾纠纷台账): the list, the record form, 重排, a dispute's
page with its level clock, mediation, 化解, 升级 and 转为信访.

Thin, like the leader-work pages: every page asks core.permissions (may, visible_disputes,
may_act_on_dispute) — a dispute out of scope is a 404 —, parses a form, calls the one service in
disputes.services and shows its Chinese refusal beside the field it names.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import PermissionRefusedError, XinfangError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import (
    Action,
    may,
    may_act_on_dispute,
    visible_disputes,
    visible_matters,
)
from xinfang.disputes import services
from xinfang.disputes.choices import DisputeLevel, DisputeStatus, MediationResult
from xinfang.disputes.clocks import next_level, running
from xinfang.disputes.forms import (
    DayForm,
    DisputeFilterForm,
    DisputeForm,
    MediationConcludeForm,
    MediationSessionForm,
    MediationStartForm,
    PetitionForm,
)
from xinfang.disputes.models import Dispute, Mediation
from xinfang.workflow import calendar

PAGE_SIZE = 50
# What the history shows for each of the dispute's audit actions
HISTORY_LABELS = {
    "dispute.record": "录入纠纷",
    "dispute.rescreen": "重排录入",
    "dispute.escalate": "升级",
    "dispute.mediation_start": "开始调解",
    "dispute.mediation_session": "登记调解记录",
    "dispute.mediation_conclude": "登记调解结果",
    "dispute.settle": "化解",
    "dispute.petition": "转为信访",
    "dispute.report": "月排查报送",
    "dispute.feedback": "反馈",
}
LEVEL_LABELS = dict(DisputeLevel.choices)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require(user: User, action: Action) -> None:
    if not may(user, action):
        raise PermissionDenied


def dispute_for(user: User, pk: int) -> Dispute:
    """The dispute, or 404 for anyone whose scope does not hold it (no hint that it exists)."""
    found = (
        visible_disputes(user)
        .filter(pk=pk)
        .select_related(
            "place", "owner_unit", "street_unit", "district_unit", "category", "campaign"
        )
        .select_related("matter", "registration", "rescreen_of", "created_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def add_error(form: Any, exc: XinfangError, fields: dict[str, str] | None = None) -> None:
    """The service's refusal beside the field it names (else above the form)."""
    name = (fields or {}).get(exc.field or "", exc.field)
    form.add_error(name if name in form.fields else None, exc.message)


# --- the level clock ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelClock:
    """The current level's time to settle, read through the one calendar module."""

    state: str  # running | warning | overdue | none (区县) | ended
    due: date | None = None
    days_left: int | None = None

    @property
    def badge(self) -> str:
        return {"running": "ok", "warning": "warn", "overdue": "bad"}.get(self.state, "")

    @property
    def text(self) -> str:
        if self.state == "none":
            return "区县层级不计时"
        if self.state == "ended" or self.days_left is None:
            return "—"
        if self.days_left < 0:
            return f"超期{-self.days_left}天"
        if self.days_left == 0:
            return "今日到期"
        return f"剩余{self.days_left}天"


def level_clock(dispute: Dispute, today: date) -> LevelClock:
    if dispute.status != DisputeStatus.OPEN:
        return LevelClock("ended")
    if dispute.level_due is None:
        return LevelClock("none")
    state = calendar.clock_state(dispute.level_due, today)
    return LevelClock(str(state), dispute.level_due, calendar.days_left(dispute.level_due, today))


def clock_filter(disputes: QuerySet[Dispute], which: str, today: date) -> QuerySet[Dispute]:
    """预警 (the level's last day within the warning days) or 超期, as the clock scan reads them."""
    horizon = calendar.warning_horizon(today)
    near = running(today, horizon)
    if which == "warning":
        return disputes.filter(pk__in=near.filter(level_due__gte=today).values("pk"))
    if which == "overdue":
        return disputes.filter(pk__in=near.filter(level_due__lt=today).values("pk"))
    return disputes


# --- the ledger --------------------------------------------------------------------------------


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require(user, Action.VIEW_DISPUTES)
    today = timezone.localdate()
    form = DisputeFilterForm(request.GET or None, user=user)
    disputes = visible_disputes(user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("month"):
            month: date = data["month"]
            disputes = disputes.filter(found_on__year=month.year, found_on__month=month.month)
        for name in ("level", "status", "risk", "source", "campaign"):
            if data.get(name):
                disputes = disputes.filter(**{name: data[name]})
        if data.get("clock"):
            disputes = clock_filter(disputes, data["clock"], today)
    disputes = disputes.select_related("place", "owner_unit", "category", "campaign").order_by(
        "-found_on", "-id"
    )
    page = Paginator(disputes, PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[Dispute] = list(page.object_list)
    for d in rows:
        d.clock = level_clock(d, today)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "disputes": rows,
        "query": query.urlencode(),
        "recorder": may(user, Action.RECORD_DISPUTE),
        "tab": "list",
    }
    return render(request, "disputes/list.html", context)


def _record(user: User, form: DisputeForm, rescreen_of: Dispute | None = None) -> Dispute | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.record_dispute(
            actor=user,
            data=services.DisputeInput(
                found_on=data["found_on"],
                source=data["source"],
                place=data["place"],
                parties=data["parties"],
                description=data["description"],
                risk=data["risk"],
                level=form.chosen_level(),
                category=data["category"],
                plan=data["plan"],
                number=data["number"],
                campaign=data["campaign"],
            ),
            rescreen_of=rescreen_of,
        )
    except PermissionRefusedError as exc:
        # the owner of the chosen level lies outside the user's unit: a choice to correct
        form.add_error("place" if "place" in form.fields else None, exc.message)
        return None
    except XinfangError as exc:
        add_error(form, exc, {"排查日期": "found_on", "rescreen_of": ""})
        return None


@login_required
def dispute_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require(user, Action.RECORD_DISPUTE)
    status = 200
    if request.method == "POST":
        form = DisputeForm(request.POST, user=user)
        dispute = _record(user, form)
        if dispute is not None:
            messages.success(request, f"已录入矛盾纠纷{dispute.number}。")
            if request.POST.get("next") == "month":
                return redirect("disputes:month")
            return redirect("disputes:detail", pk=dispute.pk)
        status = 400
    else:
        initial: dict[str, Any] = {"found_on": timezone.localdate()}
        if user.org_unit is not None and form_place_ok(user):
            initial["place"] = user.org_unit.pk
        form = DisputeForm(user=user, initial=initial)
    context = {"form": form, "next": request.GET.get("next") or request.POST.get("next", "")}
    return render(request, "disputes/new.html", context, status=status)


def form_place_ok(user: User) -> bool:
    """A village or street clerk's own unit is the usual 问题属地."""
    unit = user.org_unit
    return unit is not None and unit.kind in ("village", "street")


@login_required
def dispute_rescreen(request: HttpRequest, pk: int) -> HttpResponse:
    """重排: the same problem found again after it was settled — a new dispute that repeats it."""
    user = _user(request)
    _require(user, Action.RECORD_DISPUTE)
    original = dispute_for(user, pk)
    status = 200
    if request.method == "POST":
        form = DisputeForm(request.POST, user=user)
        dispute = _record(user, form, rescreen_of=original)
        if dispute is not None:
            messages.success(
                request, f"已重排录入矛盾纠纷{dispute.number}（原纠纷{original.number}）。"
            )
            return redirect("disputes:detail", pk=dispute.pk)
        status = 400
    else:
        form = DisputeForm(
            user=user,
            initial={
                "found_on": timezone.localdate(),
                "place": original.place_id,
                "category": original.category_id,
                "parties": original.parties,
                "risk": original.risk,
                "description": original.description,
            },
        )
    context = {"form": form, "original": original}
    return render(request, "disputes/new.html", context, status=status)


# --- a dispute's page --------------------------------------------------------------------------


def _history(dispute: Dispute, mediations: list[Mediation]) -> list[AuditEvent]:
    sessions = [s.pk for m in mediations for s in m.sessions.all()]
    scope = Q(object_type="disputes.dispute", object_id=str(dispute.pk))
    scope |= Q(object_type="disputes.mediation", object_id__in=[str(m.pk) for m in mediations])
    scope |= Q(object_type="disputes.mediationsession", object_id__in=[str(s) for s in sessions])
    events = list(AuditEvent.objects.filter(scope).select_related("actor").order_by("at", "id"))
    for e in events:
        e.label = HISTORY_LABELS.get(e.action, e.action)  # type: ignore[attr-defined]
        e.summary = _summary(e)  # type: ignore[attr-defined]
    return events


def _summary(event: AuditEvent) -> str:
    data = event.data or {}
    if event.action == "dispute.escalate":
        before, after = str(data.get("from", "")), str(data.get("to", ""))
        return f"{LEVEL_LABELS.get(before, before)} → {LEVEL_LABELS.get(after, after)}"
    if event.action in ("dispute.record", "dispute.rescreen"):
        return f"{data.get('number', '')} · {data.get('place', '')}"
    if event.action == "dispute.settle":
        return f"化解日期 {data.get('on', '')}"
    if event.action == "dispute.mediation_conclude":
        return dict(MediationResult.choices).get(data.get("result", ""), "")
    return ""


def _detail_context(request: HttpRequest, user: User, dispute: Dispute) -> dict[str, Any]:
    today = timezone.localdate()
    actor = may_act_on_dispute(user, dispute)
    is_open = dispute.status == DisputeStatus.OPEN
    mediations = list(
        dispute.mediations.select_related("organisation").prefetch_related("sessions")
    )
    current = next((m for m in mediations if not m.result), None)
    matter_seen = (
        dispute.matter_id is not None
        and visible_matters(user).filter(pk=dispute.matter_id).exists()
    )
    on = {"on": today}
    dispute.clock = level_clock(dispute, today)  # type: ignore[attr-defined]
    return {
        "dispute": dispute,
        "escalations": list(dispute.escalations.all()),
        "mediations": mediations,
        "current": current,
        "rescreens": list(dispute.rescreens.order_by("found_on", "id")),
        "history": _history(dispute, mediations),
        "matter_seen": matter_seen,
        "actor": actor and is_open,
        "may_rescreen": may(user, Action.RECORD_DISPUTE)
        and dispute.status == DisputeStatus.SETTLED,
        "may_register": may(user, Action.REGISTER),
        "may_escalate": actor and is_open and next_level(dispute) is not None,
        "start_form": MediationStartForm(user=user, initial={"started_on": today}),
        "session_form": MediationSessionForm(initial={"held_on": today}),
        "conclude_form": MediationConcludeForm(initial=on),
        "settle_form": DayForm(initial=on, prefix="settle"),
        "escalate_form": DayForm(initial=on, prefix="escalate"),
        "petition_form": PetitionForm(initial=on),
        "today": today,
    }


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _require(user, Action.VIEW_DISPUTES)
    dispute = dispute_for(user, pk)
    response = render(request, "disputes/detail.html", _detail_context(request, user, dispute))
    response["Cache-Control"] = "private, no-store"
    return response


def _failed(request: HttpRequest, context: dict[str, Any], step: str, form: Any) -> HttpResponse:
    """The page again with the refused form open; a refusal about the dispute itself (its forms
    no longer shown: settled, a petition) at the top."""
    context["failed"] = step
    if not context["actor"]:
        context["refusals"] = form.non_field_errors()
    return render(request, "disputes/detail.html", context, status=400)


def _refused(exc: PermissionRefusedError) -> PermissionDenied:
    return PermissionDenied(exc.message)


@login_required
@require_POST
def dispute_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step on the dispute: 开始调解, 化解, 升级, 转为信访. A refused input re-shows the page
    with the error beside its field (400); nothing is written."""
    user = _user(request)
    _require(user, Action.RECORD_DISPUTE)
    dispute = dispute_for(user, pk)
    if step not in ("mediate", "settle", "escalate", "petition"):
        raise Http404
    if not may_act_on_dispute(user, dispute):
        raise PermissionDenied("该纠纷不由您的单位办理")
    context = _detail_context(request, user, dispute)
    try:
        if step == "mediate":
            form: Any = MediationStartForm(request.POST, user=user)
            context["start_form"] = form
            if form.is_valid():
                d = form.cleaned_data
                services.mediation_start(
                    actor=user,
                    dispute=dispute,
                    kind=d["kind"],
                    mediator=d["mediator"],
                    started_on=d["started_on"],
                    organisation=d["organisation"],
                )
                messages.success(request, "已开始调解。")
                return redirect("disputes:detail", pk=dispute.pk)
        elif step in ("settle", "escalate"):
            form = DayForm(request.POST, prefix=step)
            context[f"{step}_form"] = form
            if form.is_valid():
                d = form.cleaned_data
                if step == "settle":
                    services.settle(actor=user, dispute=dispute, on=d["on"])
                    messages.success(request, f"纠纷{dispute.number}已化解。")
                else:
                    row = services.escalate(actor=user, dispute=dispute, on=d["on"], note=d["note"])
                    messages.success(request, f"纠纷已升级至{row.get_to_level_display()}。")
                return redirect("disputes:detail", pk=dispute.pk)
        else:
            form = PetitionForm(request.POST)
            context["petition_form"] = form
            if form.is_valid():
                d = form.cleaned_data
                matter = visible_matters(user).filter(number=d["matter"].strip()).first()
                if matter is None:
                    form.add_error("matter", f"没有找到您可查看的信访事项{d['matter'].strip()}")
                else:
                    services.link_petition(actor=user, dispute=dispute, on=d["on"], matter=matter)
                    messages.success(request, f"纠纷已转为信访，关联事项{matter.number}。")
                    return redirect("disputes:detail", pk=dispute.pk)
    except PermissionRefusedError as exc:
        raise _refused(exc) from exc
    except XinfangError as exc:
        add_error(
            form,
            exc,
            {
                "调解开始日期": "started_on",
                "化解日期": "on",
                "升级日期": "on",
                "转信访日期": "on",
                "status": "",
                "level": "",
            },
        )
    return _failed(request, context, step, form)


@login_required
@require_POST
def mediation_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """A mediation's 调解记录 (sessions with the parties' positions) or its result."""
    user = _user(request)
    _require(user, Action.RECORD_DISPUTE)
    mediation = Mediation.objects.filter(pk=pk).first()
    if mediation is None or step not in ("session", "conclude"):
        raise Http404
    dispute = dispute_for(user, mediation.dispute_id)
    if not may_act_on_dispute(user, dispute):
        raise PermissionDenied("该纠纷不由您的单位办理")
    context = _detail_context(request, user, dispute)
    form: Any
    try:
        if step == "session":
            form = MediationSessionForm(request.POST)
            context["session_form"] = form
            if form.is_valid():
                d = form.cleaned_data
                services.mediation_session_add(
                    actor=user,
                    mediation=mediation,
                    held_on=d["held_on"],
                    parties_present=d["parties_present"],
                    positions=d["positions"],
                    note=d["note"],
                )
                messages.success(request, "已登记调解记录。")
                return redirect("disputes:detail", pk=dispute.pk)
        else:
            form = MediationConcludeForm(request.POST)
            context["conclude_form"] = form
            if form.is_valid():
                d = form.cleaned_data
                done = services.mediation_conclude(
                    actor=user,
                    mediation=mediation,
                    result=d["result"],
                    on=d["on"],
                    agreement=d["agreement"],
                    failure_reason=d["failure_reason"],
                    next_step=d["next_step"],
                )
                messages.success(request, f"已登记{done.get_result_display()}。")
                return redirect("disputes:detail", pk=dispute.pk)
    except PermissionRefusedError as exc:
        raise _refused(exc) from exc
    except XinfangError as exc:
        add_error(form, exc, {"调解日期": "held_on", "调解结束日期": "on"})
    return _failed(request, context, step, form)

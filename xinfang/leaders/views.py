"""Staff pages of leader work: reception sessions and their day's sheet, and case packages (六定).

Thin, like the workflow pages: every page asks core.permissions (may, visible_sessions,
visible_packages) — an object out of scope is a 404 —, parses a form, calls the one service in
leaders.services and shows its Chinese refusal beside the field it names.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.core.errors import ConflictError, PermissionRefusedError, XinfangError
from xinfang.core.masking import reads_numbers
from xinfang.core.permissions import (
    Action,
    get_matter_for,
    may,
    visible_matters,
    visible_packages,
    visible_sessions,
)
from xinfang.intake.models import Matter
from xinfang.intake.selectors import PersonMatch, person_matches
from xinfang.leaders import services
from xinfang.leaders.choices import BookingStatus, PackageStatus, SessionKind, SessionStatus
from xinfang.leaders.forms import (
    WEEKDAYS,
    CancelForm,
    InviteForm,
    PackageFilterForm,
    PackageForm,
    ProgressForm,
    RotaForm,
    SessionFilterForm,
    SessionForm,
)
from xinfang.leaders.models import (
    Booking,
    Invitation,
    Package,
    PackageMatter,
    Reception,
    ReceptionSession,
    Rota,
    SessionLeader,
)
from xinfang.workflow.clocks import Clock, matter_clocks
from xinfang.workflow.states import ClockKind

WEEKDAY_NAMES = [label for _, label in WEEKDAYS]
PAST_LIMIT = 60  # past sessions shown at once (a month filter narrows further)
HISTORY_LIMIT = 5  # a person's earlier matters shown on the sheet


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require(user: User, *actions: Action) -> None:
    if not any(may(user, action) for action in actions):
        raise PermissionDenied


def _session_for(user: User, pk: int) -> ReceptionSession:
    """The session, or 404 for anyone whose scope does not hold it (no hint that it exists)."""
    found = visible_sessions(user).filter(pk=pk).select_related("unit").first()
    if found is None:
        raise Http404
    return found


def _package_for(user: User, pk: int) -> Package:
    found = (
        visible_packages(user)
        .filter(pk=pk)
        .select_related(
            "leader", "leader__unit", "responsible_unit", "supervising_unit", "responsible_user"
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


def _add_errors(form: Any, exc: XinfangError, fields: dict[str, str] | None = None) -> None:
    name = (fields or {}).get(exc.field or "", exc.field)
    form.add_error(name if name in form.fields else None, exc.message)


# --- sessions ------------------------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require(user, Action.VIEW_LEADER_WORK)
    planner = may(user, Action.PLAN_RECEPTIONS)
    session_form = SessionForm(user=user, prefix="s")
    rota_form = RotaForm(user=user, prefix="r")
    status = 200
    if request.method == "POST":
        if not planner:
            raise PermissionDenied
        if "rota" in request.POST:
            rota_form = RotaForm(request.POST, user=user, prefix="r")
            made = _rota_submit(request, user, rota_form)
            if made is not None:
                messages.success(request, f"已按排班生成{len(made)}场接访活动。")
                return redirect("leaders:sessions")
        else:
            session_form = SessionForm(request.POST, user=user, prefix="s")
            session = _session_submit(user, session_form)
            if session is not None:
                messages.success(request, f"已安排接访活动{session.number}。")
                return redirect("leaders:session", pk=session.pk)
        status = 400
    filters = SessionFilterForm(request.GET or None, user=user)
    sessions = _filtered_sessions(user, filters)
    today = timezone.localdate()
    upcoming = list(sessions.filter(held_on__gte=today).order_by("held_on", "starts_at", "id"))
    past = list(sessions.filter(held_on__lt=today).order_by("-held_on", "-id")[:PAST_LIMIT])
    _decorate_sessions([*upcoming, *past])
    context = {
        "filters": filters,
        "upcoming": upcoming,
        "past": past,
        "past_limit": PAST_LIMIT,
        "planner": planner,
        "session_form": session_form,
        "rota_form": rota_form,
        "rotas": _rotas(user) if planner else [],
        "publish_days": services.publish_days(),
        "today": today,
    }
    return render(request, "leaders/session_list.html", context, status=status)


def _rotas(user: User) -> list[Rota]:
    rotas = list(Rota.objects.filter(unit=user.org_unit, active=True).order_by("name"))
    for r in rotas:
        r.when = (  # type: ignore[attr-defined]
            f"每周{WEEKDAY_NAMES[r.weekday]}"
            if r.weekday is not None and 0 <= r.weekday <= 6
            else f"每月{r.month_day_from}日至{r.month_day_to}日"
        )
    return rotas


def _filtered_sessions(user: User, form: SessionFilterForm) -> QuerySet[ReceptionSession]:
    sessions = visible_sessions(user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("kind"):
            sessions = sessions.filter(kind=data["kind"])
        if data.get("status"):
            sessions = sessions.filter(status=data["status"])
        if data.get("month"):
            month: date = data["month"]
            sessions = sessions.filter(held_on__year=month.year, held_on__month=month.month)
        if data.get("leader"):
            sessions = sessions.filter(pk__in=_sessions_of_leader(data["leader"].pk))
    return sessions.select_related("unit")


def _sessions_of_leader(leader_id: int) -> Any:
    return SessionLeader.objects.filter(leader_id=leader_id).values("session_id")


def _decorate_sessions(sessions: list[ReceptionSession]) -> None:
    """Each session's leaders (in order) and counts, in three queries for the whole list."""
    ids = [s.pk for s in sessions]
    seats: dict[int, list[SessionLeader]] = {}
    for seat in SessionLeader.objects.filter(session_id__in=ids).select_related("leader"):
        seats.setdefault(seat.session_id, []).append(seat)
    booked = services.places_taken(ids)
    received: dict[int, int] = {}
    for session_id in Reception.objects.filter(session_id__in=ids).values_list(
        "session_id", flat=True
    ):
        received[session_id] = received.get(session_id, 0) + 1
    for s in sessions:
        s.seats = seats.get(s.pk, [])  # type: ignore[attr-defined]
        s.booked = booked.get(s.pk, 0)  # type: ignore[attr-defined]
        s.received = received.get(s.pk, 0)  # type: ignore[attr-defined]


def _session_submit(user: User, form: SessionForm) -> ReceptionSession | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    assert user.org_unit is not None
    try:
        return services.session_create(
            actor=user,
            data=services.SessionInput(
                kind=data["kind"],
                unit=user.org_unit,
                held_on=data["held_on"],
                leaders=list(data["leaders"]),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                topics=data["topics"],
                capacity=data["capacity"],
                units=list(data["units"]),
            ),
        )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        _add_errors(form, exc)
        return None


def _rota_submit(request: HttpRequest, user: User, form: RotaForm) -> list[ReceptionSession] | None:
    """Save the rota and generate its sessions for the range: all or nothing."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    assert user.org_unit is not None
    try:
        with transaction.atomic():
            rota = services.rota_create(
                actor=user,
                data=services.RotaInput(
                    name=data["name"],
                    kind=data["kind"],
                    unit=user.org_unit,
                    leaders=list(data["leaders"]),
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    place=data["place"],
                    weekday=int(data["weekday"]) if data["weekday"] else None,
                    month_day_from=data["month_day_from"],
                    month_day_to=data["month_day_to"],
                    topics=data["topics"],
                    capacity=data["capacity"],
                    in_turn=bool(data["in_turn"]),
                ),
            )
            return services.rota_generate(
                actor=user, rota=rota, start=data["start"], end=data["end"]
            )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        _add_errors(form, exc)
        return None


@login_required
@require_POST
def rota_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Generate an existing rota's sessions for another range (days already planned are kept)."""
    user = _user(request)
    _require(user, Action.PLAN_RECEPTIONS)
    rota = Rota.objects.filter(pk=pk, unit=user.org_unit).first()
    if rota is None:
        raise Http404
    start = _date(request.POST.get("start", ""))
    end = _date(request.POST.get("end", ""))
    if start is None or end is None:
        messages.error(request, "请按“年-月-日”填写生成的起止日期。")
        return redirect("leaders:sessions")
    try:
        made = services.rota_generate(actor=user, rota=rota, start=start, end=end)
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"排班「{rota.name}」新生成{len(made)}场接访活动。")
    return redirect("leaders:sessions")


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() else None


@login_required
@require_POST
def session_publish(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _require(user, Action.PLAN_RECEPTIONS)
    session = _session_for(user, pk)
    version = _version(request)
    if version is None:
        messages.error(request, "页面数据不完整，请刷新后重试。")
        return redirect("leaders:session", pk=session.pk)
    try:
        services.session_publish(actor=user, session=session, version=version)
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except XinfangError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"接访活动{session.number}已公示。")
    if request.POST.get("next") == "list":
        return redirect("leaders:sessions")
    return redirect("leaders:session", pk=session.pk)


@login_required
@require_POST
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _require(user, Action.PLAN_RECEPTIONS)
    session = _session_for(user, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        broken = "version" in form.errors
        messages.error(request, "页面数据不完整，请刷新后重试。" if broken else "请填写取消原因。")
        return redirect("leaders:session", pk=session.pk)
    try:
        services.session_cancel(
            actor=user,
            session=session,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        )
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    except (ConflictError, XinfangError) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"接访活动{session.number}已取消。")
    return redirect("leaders:session", pk=session.pk)


@dataclass
class SheetRow:
    """One line of the day's sheet: a booking or an invitation, with the person's history."""

    kind: str  # "booking" | "invitation"
    booking: Booking | None = None
    invitation: Invitation | None = None
    matter: Matter | None = None  # the matter, when the user may see it
    history: list[PersonMatch] = field(default_factory=list)
    register_url: str = ""


@dataclass
class ReceptionRow:
    reception: Reception
    matter: Matter | None
    clocks: list[Clock]
    routed_on: date | None


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The day's sheet: facts, bookings, 约访, histories, receptions with their routing clock."""
    user = _user(request)
    _require(user, Action.VIEW_LEADER_WORK)
    session = _session_for(user, pk)
    invite_form = InviteForm(user=user)
    status = 200
    planner = may(user, Action.PLAN_RECEPTIONS)
    if request.method == "POST":
        if not planner:
            raise PermissionDenied
        invite_form = InviteForm(request.POST, user=user)
        if invite_form.is_valid():
            matter = invite_form.cleaned_data["matter"]
            try:
                services.invitation_create(actor=user, session=session, matter=matter)
            except PermissionRefusedError as exc:
                invite_form.add_error("matter", exc.message)
            except XinfangError as exc:
                invite_form.add_error("matter", exc.message)
            else:
                messages.success(request, f"已将事项{matter.number}列入约访名单。")
                return redirect("leaders:session", pk=session.pk)
        status = 400
    context = _sheet(request, user, session)
    context.update({"invite_form": invite_form, "planner": planner})
    return render(request, "leaders/session_detail.html", context, status=status)


def _sheet(request: HttpRequest, user: User, session: ReceptionSession) -> dict[str, Any]:
    today = timezone.localdate()
    seen = visible_matters(user)
    recorder = may(user, Action.RECORD_RECEPTION) and may(user, Action.REGISTER)
    reads = reads_numbers(user)
    open_for_reception = session.status != SessionStatus.CANCELLED
    register = reverse("intake:register")
    seats = list(
        SessionLeader.objects.filter(session=session).select_related("leader", "leader__unit")
    )
    bookings = list(
        session.bookings.select_related("matter", "matter__petitioner").order_by("created_at", "id")
    )
    seen_ids = set(
        seen.filter(
            pk__in=[b.matter_id for b in bookings if b.matter_id]
            + list(session.invitations.values_list("matter_id", flat=True))
        ).values_list("pk", flat=True)
    )
    rows: list[SheetRow] = []
    for b in bookings:
        matter = b.matter if b.matter_id in seen_ids else None
        row = SheetRow(kind="booking", booking=b, matter=matter)
        if b.status != BookingStatus.CANCELLED:
            # the phone is whatever the public typed when booking: matched only for readers who
            # may reveal personal data, else a booking with a guessed phone would say whose it is
            phone = b.phone if reads else ""
            row.history = person_matches(actor=user, name=b.name, phone=phone, limit=HISTORY_LIMIT)
        if recorder and open_for_reception and b.status == BookingStatus.BOOKED:
            row.register_url = f"{register}?session={session.pk}&booking={b.pk}"
        rows.append(row)
    invitations = list(
        session.invitations.select_related("matter", "matter__petitioner").order_by("invited_at")
    )
    received_matters = set(session.receptions.values_list("registration__matter_id", flat=True))
    for inv in invitations:
        if inv.matter_id not in seen_ids:
            continue  # an invitation about a matter this reader may not see is left out
        row = SheetRow(kind="invitation", invitation=inv, matter=inv.matter)
        petitioner = inv.matter.petitioner
        if petitioner is not None:
            row.history = person_matches(
                actor=user, name=petitioner.name, phone=petitioner.phone, limit=HISTORY_LIMIT
            )
        if recorder and open_for_reception:
            row.register_url = f"{register}?session={session.pk}&matter={inv.matter_id}"
        row.received = inv.matter_id in received_matters  # type: ignore[attr-defined]
        rows.append(row)
    receptions = []
    found = list(
        session.receptions.select_related("registration", "registration__matter", "booking")
        .prefetch_related("leaders")
        .order_by("id")
    )
    seen_received = set(
        seen.filter(pk__in=[r.registration.matter_id for r in found]).values_list("pk", flat=True)
    )
    for r in found:
        matter = r.registration.matter if r.registration.matter_id in seen_received else None
        clocks = []
        if matter is not None:
            clocks = [
                c
                for c in matter_clocks(matter, today)
                if c.kind == ClockKind.RECEPTION_ROUTE
                and (c.start is None or c.start == session.held_on)
            ]
        receptions.append(
            ReceptionRow(
                reception=r, matter=matter, clocks=clocks, routed_on=services.routed_on_of(r)
            )
        )
    return {
        "session": session,
        "seats": seats,
        "units": list(session.units.order_by("path")),
        "rows": rows,
        "bookings_count": sum(1 for b in bookings if b.status != BookingStatus.CANCELLED),
        "receptions": receptions,
        "recorder": recorder and open_for_reception,
        "walk_in_url": f"{register}?session={session.pk}",
        "can_reveal": may(user, Action.REVEAL_PERSONAL_DATA),
        "can_view_petitioner": may(user, Action.VIEW_PETITIONER),
        "invited": session.kind == SessionKind.INVITED,
        "publishable": session.status == SessionStatus.PLANNED and session.held_on >= today,
        "cancellable": session.status in (SessionStatus.PLANNED, SessionStatus.PUBLISHED)
        and not receptions,
        "today": today,
    }


@login_required
@require_POST
def booking_reveal(request: HttpRequest, pk: int, booking: int) -> HttpResponse:
    """A booking's whole phone, for the roles that may press 「显示」; every reveal is audited."""
    user = _user(request)
    _require(user, Action.VIEW_LEADER_WORK)
    session = _session_for(user, pk)
    found = session.bookings.filter(pk=booking).select_related("matter").first()
    if found is None:
        raise Http404
    try:
        services.booking_reveal(actor=user, booking=found)
    except PermissionRefusedError as exc:
        raise PermissionDenied(exc.message) from exc
    return render(request, "leaders/_booking_phone.html", {"b": found, "revealed": True})


# --- packages ------------------------------------------------------------------------------------


@login_required
def package_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require(user, Action.VIEW_LEADER_WORK, Action.WRITE_PACKAGE_PROGRESS)
    today = timezone.localdate()
    form = PackageFilterForm(request.GET or None, user=user)
    packages = visible_packages(user).select_related("leader", "responsible_unit")
    wants_missing = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("status"):
            packages = packages.filter(status=data["status"])
        if data.get("leader"):
            packages = packages.filter(leader=data["leader"])
        if data.get("unit"):
            packages = packages.filter(responsible_unit=data["unit"])
        if data.get("overdue"):
            packages = packages.filter(services.package_query(today=today))
        wants_missing = bool(data.get("missing"))
    rows = list(
        packages.prefetch_related(
            Prefetch("items", queryset=PackageMatter.objects.select_related("matter"))
        ).order_by("status", "-started_on", "-id")
    )
    for p in rows:
        p.missing = services.months_missing(p, today)  # type: ignore[attr-defined]
        p.overdue = (  # type: ignore[attr-defined]
            p.status == PackageStatus.OPEN and p.deadline is not None and p.deadline < today
        )
    if wants_missing:
        rows = [p for p in rows if p.missing]  # type: ignore[attr-defined]
    context = {
        "form": form,
        "packages": rows,
        "today": today,
        "opener": may(user, Action.OPEN_PACKAGE),
        "leader_work": may(user, Action.VIEW_LEADER_WORK),
    }
    return render(request, "leaders/package_list.html", context)


@login_required
def package_new(request: HttpRequest) -> HttpResponse:
    """The 六定 form for the matter of ?matter=<id>."""
    user = _user(request)
    _require(user, Action.OPEN_PACKAGE)
    raw = request.GET.get("matter", "")
    if not (raw.isascii() and raw.isdigit()):
        raise Http404
    matter = get_matter_for(user, int(raw), Action.VIEW_MATTER)
    holding = (
        PackageMatter.objects.filter(matter=matter, open=True).select_related("package").first()
    )
    held = holding.package if holding is not None else None
    status = 200
    if request.method == "POST":
        form = PackageForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            matters = [matter, *(m for m in form.related_matters if m.pk != matter.pk)]
            try:
                package = services.package_open(
                    actor=user,
                    data=services.PackageInput(
                        matters=matters,
                        leader=data["leader"],
                        deadline=data["deadline"],
                        responsible_unit=data["responsible_unit"],
                        responsible_person=data["responsible_person"],
                        responsible_user=data["responsible_user"],
                        supervising_unit=data["supervising_unit"],
                        requirements=data["requirements"],
                    ),
                )
            except PermissionRefusedError as exc:
                raise PermissionDenied(exc.message) from exc
            except XinfangError as exc:
                _add_errors(form, exc, {"matters": ""})
            else:
                messages.success(request, f"已建立包案{package.number}。")
                return redirect("leaders:package", pk=package.pk)
        status = 400
    else:
        form = PackageForm(
            user=user,
            initial={"responsible_unit": matter.responsible_unit_id},
        )
    context = {"form": form, "matter": matter, "held": held}
    return render(request, "leaders/package_new.html", context, status=status)


@login_required
def package_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _require(user, Action.VIEW_LEADER_WORK, Action.WRITE_PACKAGE_PROGRESS)
    package = _package_for(user, pk)
    today = timezone.localdate()
    writer = may(user, Action.WRITE_PACKAGE_PROGRESS) and package.status == PackageStatus.OPEN
    status = 200
    form = ProgressForm(initial={"month": f"{today:%Y-%m}"})
    if request.method == "POST":
        if not may(user, Action.WRITE_PACKAGE_PROGRESS):
            raise PermissionDenied
        form = ProgressForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.package_progress_add(
                    actor=user,
                    package=package,
                    note=data["note"],
                    duties=data["duties"],
                    month=data["month"],
                )
            except PermissionRefusedError as exc:
                raise PermissionDenied(exc.message) from exc
            except XinfangError as exc:
                _add_errors(form, exc, {"on": "month"})
            else:
                messages.success(request, f"已填报{data['month']:%Y年%m月}的进展。")
                return redirect("leaders:package", pk=package.pk)
        status = 400
    seen = set(
        visible_matters(user)
        .filter(pk__in=package.items.values("matter_id"))
        .values_list("pk", flat=True)
    )
    items = list(package.items.select_related("matter", "matter__petitioner").order_by("id"))
    months: dict[date, list[Any]] = {}
    for note in package.progress.select_related("written_by").order_by("-month", "-id"):
        months.setdefault(note.month, []).append(note)
    context = {
        "package": package,
        "items": items,
        "seen": seen,
        "months": sorted(months.items(), key=lambda kv: kv[0], reverse=True),
        "missing": services.months_missing(package, today),
        "reflows": list(package.reflows.select_related("matter", "registration")),
        "form": form,
        "writer": writer,
        "overdue": package.status == PackageStatus.OPEN
        and package.deadline is not None
        and package.deadline < today,
        "today": today,
    }
    return render(request, "leaders/package_detail.html", context, status=status)

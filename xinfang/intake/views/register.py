"""The registrar's screen: one arrival in under a minute, and the live look-up of the person."""

import re
from datetime import datetime, time
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.config import domain_setting
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, may, visible_matters, visible_sessions
from xinfang.intake.attachments import registration_create_with_attachments
from xinfang.intake.choices import Channel, Level
from xinfang.intake.forms import (
    BaseRepresentativeFormSet,
    RegistrationForm,
    RepresentativeFormSet,
)
from xinfang.intake.models import Matter, Registration
from xinfang.intake.searches import keyed_hash, search_log
from xinfang.intake.selectors import PersonMatch, person_matches
from xinfang.leaders.models import Booking, ReceptionSession

_REP_FIELD = re.compile(r"^rep-\d+-")
SESSION_CHANNEL = "intake.last_channel"
SESSION_DONE = "intake.last_registration"
# Where a service's error about a field is shown on the form.
SERVICE_FIELDS = {
    "name": "petitioner_name",
    "id_number": "petitioner_id_number",
    "phone": "petitioner_phone",
    "channel": "channel",
    "level": "level",
    "people": "people",
    "received_at": "received_at",
    "purpose": "purpose",
    "attachments": "attachments",
    "attachment_kind": "attachment_kind",
    # a reception at a leader's session (leaders.services)
    "leaders": "reception_leaders",
    "outcome": "reception_outcome",
    "leader_due": "reception_leader_due",
    "instruction": "reception_instruction",
}


@login_required
def register(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.REGISTER):
        raise PermissionDenied
    at = _reception_context(request, user)
    rep_errors: list[str] = []
    if request.method == "POST":
        form = RegistrationForm(request.POST, request.FILES, user=user, session=at.session)
        reps = cast(BaseRepresentativeFormSet, RepresentativeFormSet(request.POST, prefix="rep"))
        if form.is_valid() and reps.is_valid():
            try:
                registration = _save(user, form, reps, at)
            except PermissionRefusedError as exc:
                raise PermissionDenied(exc.message) from exc
            except InputError as exc:
                if exc.field == "representatives":
                    rep_errors.append(exc.message)
                else:
                    form.add_error(SERVICE_FIELDS.get(exc.field or ""), exc.message)
            else:
                if at.session is not None:
                    messages.success(
                        request,
                        f"已登记接待：登记编号{registration.number}，"
                        f"事项编号{registration.matter.number}。",
                    )
                    return redirect("leaders:session", pk=at.session.pk)
                request.session[SESSION_CHANNEL] = registration.channel
                request.session[SESSION_DONE] = registration.pk
                return redirect("intake:register")
        dropped = [f.name or "" for f in request.FILES.getlist("attachments")]
        _focus_first_error(form, reps)
        return _page(request, form, reps, rep_errors=rep_errors, dropped_files=dropped, at=at)
    channel = request.session.get(SESSION_CHANNEL) or Channel.VISIT
    initial: dict[str, Any] = {
        "channel": channel,
        "level": Level.LOCAL,
        "people": 1,
        "received_at": timezone.localtime().replace(second=0, microsecond=0),
    }
    if at.session is not None:
        initial.update(at.initial())
        if at.session.held_on != timezone.localdate():  # registered after the day: its date
            initial["received_at"] = datetime.combine(
                at.session.held_on, at.session.starts_at or time(9, 0)
            )
    form = RegistrationForm(user=user, initial=initial, session=at.session)
    form.fields["petitioner_name"].widget.attrs["autofocus"] = True
    done = _last_done(request, user) if at.session is None else None
    return _page(request, form, RepresentativeFormSet(prefix="rep"), done=done, at=at)


class ReceptionContext:
    """The leader's session the registrar is registering at (?session=&booking=|&matter=)."""

    def __init__(
        self,
        session: ReceptionSession | None = None,
        booking: Booking | None = None,
        matter: Matter | None = None,
    ) -> None:
        self.session = session
        self.booking = booking
        self.matter = matter

    def initial(self) -> dict[str, Any]:
        """The booking's name, phone and topic; the invited matter and its petitioner."""
        values: dict[str, Any] = {"channel": Channel.VISIT, "level": Level.LOCAL}
        assert self.session is not None
        values["reception_leaders"] = list(self.session.leaders.values_list("pk", flat=True))
        if self.booking is not None:
            values.update(
                petitioner_name=self.booking.name,
                petitioner_phone=self.booking.phone,
                content=self.booking.topic,
            )
        if self.matter is not None:
            values.update(
                matter=str(self.matter.pk),
                category=self.matter.category_id,
                purpose=self.matter.purpose,
                locality=self.matter.locality_id,
                responsible_unit=self.matter.responsible_unit_id,
            )
            person = self.matter.petitioner
            if person is not None and self.booking is None:
                values.update(
                    petitioner_name=person.name,
                    petitioner_id_number=person.id_number or "",
                    petitioner_phone=person.phone,
                )
        return values


def _reception_context(request: HttpRequest, user: User) -> ReceptionContext:
    """Read ?session=<id>[&booking=<id>|&matter=<id>]; anything out of the user's scope is a 404."""
    raw = request.GET.get("session", "")
    if not raw:
        return ReceptionContext()
    if not may(user, Action.RECORD_RECEPTION):
        raise PermissionDenied
    session = visible_sessions(user).filter(pk=_int(raw)).first()
    if session is None:
        raise Http404
    booking = None
    matter = None
    if request.GET.get("booking"):
        booking = session.bookings.filter(pk=_int(request.GET["booking"])).first()
        if booking is None:
            raise Http404
        if booking.matter_id is not None:
            matter = visible_matters(user).filter(pk=booking.matter_id).first()
    elif request.GET.get("matter"):
        matter = visible_matters(user).filter(pk=_int(request.GET["matter"])).first()
        if matter is None:
            raise Http404
    return ReceptionContext(session, booking, matter)


def _int(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() else 0


def _save(
    user: User, form: RegistrationForm, reps: BaseRepresentativeFormSet, at: ReceptionContext
) -> Registration:
    """The registration, and at a leader's session its reception, in one transaction."""
    data = form.to_input(reps.people())
    uploads = form.cleaned_data["attachments"]
    kind = form.cleaned_data["attachment_kind"]
    if at.session is None:
        return registration_create_with_attachments(
            actor=user, data=data, matter=form.chosen_matter, uploads=uploads, attachment_kind=kind
        )
    from xinfang.leaders.services import ReceptionInput, reception_link

    with transaction.atomic():
        registration = registration_create_with_attachments(
            actor=user, data=data, matter=form.chosen_matter, uploads=uploads, attachment_kind=kind
        )
        try:
            reception_link(
                actor=user,
                session=at.session,
                registration=registration,
                data=ReceptionInput(**form.reception_input(), booking=at.booking),
            )
        except Exception:
            for attachment in registration.attachments.all():
                attachment.file.delete(save=False)  # rolled back with the registration
            raise
    return registration


@login_required
def person_lookup(request: HttpRequest) -> HttpResponse:
    """The person's earlier matters as the registrar types (htmx, debounced in the page)."""
    user: User = request.user  # type: ignore[assignment]
    if not may(user, Action.REGISTER):
        raise PermissionDenied
    data = request.POST
    if request.method != "POST":
        if any(_LOOKUP_NUMBER.search(str(request.GET.get(k, ""))) for k in _NUMBER_FIELDS):
            # a number is never put in an address (and the access log): the page posts it
            return HttpResponseBadRequest("身份证号和电话请用 POST 查找")
        data = request.GET  # a name alone
    _log_lookup(request, user, data)
    selected = str(data.get("matter", ""))
    matches = _matches(user, data, selected)
    return render(
        request,
        "intake/_person_matches.html",
        {"matches": matches, "selected": selected, "searched": _has_probe(data)},
    )


_NUMBER_FIELDS = ("petitioner_id_number", "petitioner_phone")
_LOOKUP_NUMBER = re.compile(r"\d")
LOGGED_LOOKUPS = "person_lookups_logged"


def _log_lookup(request: HttpRequest, user: User, data: Any) -> None:
    """Each number the desk looks a person up by is logged (personal_data.search) once in a
    login session: the look-up runs as the registrar types, and every pause would log again.
    Only what person_matches looks up is logged: a whole ID number or its first 10+ digits, a
    phone of 7+ digits. Those who may register may reveal personal data (core.permissions)."""
    id_number = str(data.get("petitioner_id_number", "")).strip().upper()
    phone = str(data.get("petitioner_phone", "")).strip().replace(" ", "")
    probes = []
    if len(id_number) == 18 or (len(id_number) >= 10 and id_number.isdigit()):
        probes.append(("id_number", id_number))
    if len(phone) >= 7:
        probes.append(("phone", phone))
    logged = set(request.session.get(LOGGED_LOOKUPS, []))
    for kind, value in probes:
        digest = keyed_hash(value)
        if digest not in logged:
            search_log(actor=user, kind=kind, value=value, where="register_lookup")
            logged.add(digest)
    keep_logged_lookups(request, logged)


def keep_logged_lookups(request: HttpRequest, logged: set[str]) -> None:
    """Write the session only when a number was logged: the look-ups run while the registrar
    types, and one answering after the registration's own request would write back its older
    copy of the session (last writer wins), losing 已登记 and the channel the desk remembers."""
    kept = sorted(logged)[-200:]
    if kept != request.session.get(LOGGED_LOOKUPS):
        request.session[LOGGED_LOOKUPS] = kept


def _page(
    request: HttpRequest,
    form: RegistrationForm,
    reps: Any,
    *,
    done: Registration | None = None,
    rep_errors: list[str] | None = None,
    dropped_files: list[str] | None = None,
    at: ReceptionContext | None = None,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    data = request.POST if request.method == "POST" else {}
    selected = str(data.get("matter", "")) if data else ""
    rep_errors = [*(rep_errors or []), *reps.non_form_errors()] if form.is_bound else []
    reps_have_data = form.is_bound and any(
        str(value).strip() for key, value in data.items() if _REP_FIELD.match(key)
    )
    context = {
        "form": form,
        "reps": reps,
        "rep_errors": rep_errors,
        "show_reps": form.is_collective() or reps_have_data or bool(rep_errors),
        "max_reps": int(domain_setting("MAX_REPRESENTATIVES")),
        "threshold": int(domain_setting("COLLECTIVE_THRESHOLD")),
        "done": done,
        "dropped_files": dropped_files or [],
        "matches": _matches(user, data, selected) if data else [],
        "selected": selected,
        "searched": bool(data) and _has_probe(data),
        "letter": str(form["channel"].value() or "") == Channel.LETTER,
        "at": at or ReceptionContext(),
    }
    return render(request, "intake/register.html", context)


def _matches(user: User, data: Any, selected: str) -> list[PersonMatch]:
    matches = person_matches(
        actor=user,
        name=str(data.get("petitioner_name", "")),
        id_number=str(data.get("petitioner_id_number", "")),
        phone=str(data.get("petitioner_phone", "")),
    )
    # The matter the registrar already chose stays on screen even when the typing moved on.
    if (
        selected.isascii()
        and selected.isdigit()
        and all(str(m.matter.pk) != selected for m in matches)
    ):
        chosen = (
            visible_matters(user)
            .filter(pk=int(selected))
            .select_related("petitioner", "category", "locality")
            .first()
        )
        if chosen is not None:
            matches.insert(0, PersonMatch(chosen, ["已选"]))
    return matches


def _has_probe(data: Any) -> bool:
    return any(
        str(data.get(key, "")).strip()
        for key in ("petitioner_name", "petitioner_id_number", "petitioner_phone")
    )


def _last_done(request: HttpRequest, user: User) -> Registration | None:
    pk = request.session.pop(SESSION_DONE, None)
    if pk is None:
        return None
    return (
        Registration.objects.filter(pk=pk, matter__in=visible_matters(user).values("pk"))
        .select_related("matter")
        .first()
    )


def _focus_first_error(form: RegistrationForm, reps: Any) -> None:
    for name in form.fields:
        if name in form.errors:
            form.fields[name].widget.attrs["autofocus"] = True
            return
    for rep_form in reps.forms:
        for name in rep_form.fields:
            if name in rep_form.errors:
                rep_form.fields[name].widget.attrs["autofocus"] = True
                return

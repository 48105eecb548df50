"""Writing leader work: sessions from rotas, publication, bookings, receptions, packages (六定).

Every change is audited; dates of clocks come from xinfang.workflow.calendar only. Nothing here
records where a petitioner is or goes, or lists people: bookings and receptions are about matters.
"""

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.config import domain_setting
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.formtext import refuse_unsafe
from xinfang.core.permissions import (
    SYSTEM,
    Action,
    Actor,
    SystemActor,
    may,
    user_of,
    visible_matters,
)
from xinfang.core.sequences import next_value
from xinfang.intake.choices import Channel, Level
from xinfang.intake.models import Matter, Registration
from xinfang.intake.reflow import registered_after_resolution
from xinfang.intake.services import RegistrationInput, registration_create
from xinfang.leaders.choices import (
    NEEDS_ROUTING,
    BookingStatus,
    LeaderTier,
    PackageDuty,
    PackageSource,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import (
    Booking,
    Invitation,
    Leader,
    Package,
    PackageMatter,
    PackageProgress,
    PackageReflow,
    Reception,
    ReceptionSession,
    Rota,
    SessionLeader,
)
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import calendar

# query and booking codes: no 0/O/1/I, as the portal's
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _require(actor: Actor, action: Action, what: str) -> None:
    if not may(actor, action):
        raise PermissionRefusedError(f"您没有{what}的权限")


def route_working_days() -> int:
    return int(domain_setting("RECEPTION_ROUTE_WORKING_DAYS"))


def publish_days() -> int:
    return int(domain_setting("RECEPTION_PUBLISH_DAYS"))


def reception_route_due(held_on: date) -> date:
    """接访交办期限: what a session does not settle is routed within N working days of it."""
    return calendar.add_working_days(held_on, route_working_days())


# --- sessions -----------------------------------------------------------------------------------


@dataclass
class SessionInput:
    kind: SessionKind | str
    unit: OrgUnit
    held_on: date
    leaders: Sequence[Leader]
    starts_at: time | None = None
    ends_at: time | None = None
    place: str = ""
    topics: str = ""
    capacity: int = 20
    units: Sequence[OrgUnit] = ()
    number: str = ""


def _session_number(held_on: date) -> str:
    return f"JF{held_on.year}{next_value(f'reception_session:{held_on.year}'):05d}"


def _check_session(data: SessionInput) -> None:
    if data.kind not in SessionKind.values:
        raise InputError("请选择接访形式（定期接访、下访、约访、联合接访）", field="kind")
    if not data.leaders:
        raise InputError("请至少选择一名接访领导", field="leaders")
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        raise InputError("结束时间须晚于开始时间", field="ends_at")
    if data.capacity < 0 or data.capacity > 500:
        raise InputError("预约名额须在0至500之间", field="capacity")
    if len({leader.pk for leader in data.leaders}) != len(data.leaders):
        raise InputError("同一领导不能重复列入", field="leaders")


@transaction.atomic
def session_create(
    *, actor: Actor, data: SessionInput, rota: Rota | None = None, import_batch=None
) -> ReceptionSession:
    _require(actor, Action.PLAN_RECEPTIONS, "安排领导接访")
    _check_session(data)
    session = ReceptionSession.objects.create(
        number=data.number.strip() or _session_number(data.held_on),
        kind=data.kind,
        unit=data.unit,
        held_on=data.held_on,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place.strip(),
        topics=data.topics.strip(),
        capacity=data.capacity,
        rota=rota,
        created_by=user_of(actor),
        import_batch=import_batch,
    )
    SessionLeader.objects.bulk_create(
        SessionLeader(session=session, leader=leader, tier=leader.tier, position=i)
        for i, leader in enumerate(data.leaders)
    )
    session.units.set(data.units)
    audit_record(
        actor=actor,
        action="reception.session_create",
        obj=session,
        data={
            "number": session.number,
            "kind": session.kind,
            "held_on": session.held_on.isoformat(),
            "leaders": [leader.pk for leader in data.leaders],
        },
    )
    return session


@dataclass
class RotaInput:
    name: str
    kind: SessionKind | str
    unit: OrgUnit
    leaders: Sequence[Leader]
    starts_at: time
    ends_at: time
    place: str
    weekday: int | None = None
    month_day_from: int | None = None
    month_day_to: int | None = None
    topics: str = ""
    capacity: int = 20
    in_turn: bool = False


@transaction.atomic
def rota_create(*, actor: Actor, data: RotaInput) -> Rota:
    """接访排班: a weekday, or a span of days of each month (下访日 15–20), with its leaders."""
    _require(actor, Action.PLAN_RECEPTIONS, "安排领导接访")
    if not data.name.strip():
        raise InputError("请填写排班名称", field="name")
    if data.weekday is None and (data.month_day_from is None or data.month_day_to is None):
        raise InputError("请选择每周星期几，或填写每月的起止日", field="weekday")
    if data.weekday is not None and not 0 <= data.weekday <= 6:
        raise InputError("星期不正确", field="weekday")
    if data.weekday is None and not (
        1 <= (data.month_day_from or 0) <= (data.month_day_to or 0) <= 31
    ):
        raise InputError("每月起止日须在1至31日之间，且起始日不晚于截止日", field="month_day_from")
    _check_session(
        SessionInput(
            kind=data.kind,
            unit=data.unit,
            held_on=timezone.localdate(),
            leaders=data.leaders,
            starts_at=data.starts_at,
            ends_at=data.ends_at,
            capacity=data.capacity,
        )
    )
    rota = Rota.objects.create(
        name=data.name.strip(),
        kind=data.kind,
        unit=data.unit,
        weekday=data.weekday,
        month_day_from=data.month_day_from if data.weekday is None else None,
        month_day_to=data.month_day_to if data.weekday is None else None,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        place=data.place.strip(),
        topics=data.topics.strip(),
        capacity=data.capacity,
        in_turn=data.in_turn,
    )
    rota.leaders.set(data.leaders)
    audit_record(
        actor=actor,
        action="reception.rota_create",
        obj=rota,
        data={"name": rota.name, "leaders": [leader.pk for leader in data.leaders]},
    )
    return rota


def rota_dates(rota: Rota, start: date, end: date) -> list[date]:
    """The working days from start to end (inclusive) the rota falls on."""
    found = []
    day = start
    while day <= end:
        on_weekday = rota.weekday is not None and day.weekday() == rota.weekday
        in_span = (
            rota.month_day_from is not None
            and rota.month_day_to is not None
            and rota.month_day_from <= day.day <= rota.month_day_to
        )
        if (on_weekday or in_span) and calendar.is_working_day(day):
            found.append(day)
        day += timedelta(days=1)
    return found


def rota_generate(*, actor: Actor, rota: Rota, start: date, end: date) -> list[ReceptionSession]:
    """The sessions of `rota` from start to end; days that already have one are left as they are."""
    _require(actor, Action.PLAN_RECEPTIONS, "安排领导接访")
    if end < start:
        raise InputError("截止日期不能早于起始日期", field="end")
    if (end - start).days > 366:
        raise InputError("一次最多生成一年的接访安排", field="end")
    leaders = list(rota.leaders.order_by("sort_order", "id"))
    if not leaders:
        raise InputError("该排班未设置接访领导", field="leaders")
    made = []
    taken = set(rota.sessions.values_list("held_on", flat=True))
    turn = rota.sessions.count()
    for day in rota_dates(rota, start, end):
        if day in taken:
            continue
        chosen = [leaders[turn % len(leaders)]] if rota.in_turn else leaders
        turn += 1
        data = SessionInput(
            kind=rota.kind,
            unit=rota.unit,
            held_on=day,
            leaders=chosen,
            starts_at=rota.starts_at,
            ends_at=rota.ends_at,
            place=rota.place,
            topics=rota.topics,
            capacity=rota.capacity,
        )
        try:
            with transaction.atomic():
                made.append(session_create(actor=actor, data=data, rota=rota))
        except IntegrityError:
            continue  # generated at the same moment by someone else: theirs stands
    return made


def _lock_session(session: ReceptionSession, version: int | None) -> ReceptionSession:
    locked = ReceptionSession.objects.select_for_update().get(pk=session.pk)
    if version is not None and locked.version != version:
        raise ConflictError(f"接访活动{locked.number}已被他人更新，请刷新后重试")
    return locked


@transaction.atomic
def session_publish(
    *, actor: Actor, session: ReceptionSession, version: int | None = None
) -> ReceptionSession:
    """公示: the session appears on the public portal (who, when, where, what problems)."""
    _require(actor, Action.PLAN_RECEPTIONS, "公示领导接访")
    locked = _lock_session(session, version)
    if locked.status != SessionStatus.PLANNED:
        raise InputError(
            f"接访活动{locked.number}当前为「{locked.get_status_display()}」，不能公示"
        )
    if locked.held_on < timezone.localdate():
        raise InputError("接访日期已过，不能公示")
    locked.status = SessionStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "published_at", "version"])
    audit_record(actor=actor, action="reception.session_publish", obj=locked)
    return locked


def publish_due(*, today: date) -> int:
    """The daily scan: planned sessions within the publication window are published."""
    horizon = today + timedelta(days=publish_days())
    # never a day already past (session_publish refuses it), also when the scan runs as of
    # another day (scan-clocks --today)
    due = ReceptionSession.objects.filter(
        status=SessionStatus.PLANNED,
        held_on__gte=max(today, timezone.localdate()),
        held_on__lte=horizon,
    ).exclude(kind=SessionKind.INVITED)
    count = 0
    for session in due:
        try:
            with transaction.atomic():
                session_publish(actor=SYSTEM, session=session)
        except InputError:
            continue  # published or cancelled by someone at the same moment: theirs stands
        count += 1
    return count


@transaction.atomic
def session_cancel(
    *, actor: Actor, session: ReceptionSession, version: int | None, reason: str
) -> ReceptionSession:
    _require(actor, Action.PLAN_RECEPTIONS, "取消领导接访")
    if not reason.strip():
        raise InputError("请填写取消原因", field="reason")
    locked = _lock_session(session, version)
    if locked.status in (SessionStatus.HELD, SessionStatus.CANCELLED):
        raise InputError(f"接访活动{locked.number}已{locked.get_status_display()[1:]}，不能取消")
    if locked.receptions.exists():
        raise InputError("该接访活动已有接待记录，不能取消")
    locked.status = SessionStatus.CANCELLED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit_record(
        actor=actor, action="reception.session_cancel", obj=locked, data={"reason": reason}
    )
    return locked


def public_sessions(today: date) -> "list[ReceptionSession]":
    """What the portal shows: published sessions from today on (约访 are by invitation only)."""
    return list(
        ReceptionSession.objects.filter(status=SessionStatus.PUBLISHED, held_on__gte=today)
        .exclude(kind=SessionKind.INVITED)
        .prefetch_related("units")
        .order_by("held_on", "starts_at", "id")
    )


# --- bookings and invitations -----------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def places_taken(session_ids: Iterable[int]) -> dict[int, int]:
    """Places taken per session: every booking not cancelled (the one rule of the cap, for the
    booking check, the portal's places left and the staff list)."""
    rows = (
        Booking.objects.filter(session_id__in=list(session_ids))
        .exclude(status=BookingStatus.CANCELLED)
        .values_list("session_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def booked_count(session: ReceptionSession) -> int:
    return places_taken([session.pk]).get(session.pk, 0)


def booking_create(
    *,
    session: ReceptionSession,
    name: str,
    phone: str,
    topic: str,
    matter: Matter | None = None,
    idempotency_key: str = "",
    today: date | None = None,
) -> Booking:
    """The public books a slot; checked against the session's state, date and cap under a lock."""
    today = today or timezone.localdate()
    name, phone, topic = name.strip(), phone.strip(), topic.strip()
    if not name:
        raise InputError("请填写姓名", field="name")
    if not (len(phone) == 11 and phone.isascii() and phone.isdigit() and phone.startswith("1")):
        raise InputError("请填写11位手机号码，用于接收预约短信", field="phone")
    if len(topic) < 5:
        raise InputError("请简要说明要反映的事项（至少5个字）", field="topic")
    if len(topic) > 1000:
        raise InputError("反映事项请控制在1000字以内", field="topic")
    for field, label, value in (("name", "姓名", name), ("topic", "反映事项", topic)):
        # hides or reorders what the desk reads on the day's sheet: the forms' one rule
        refuse_unsafe(value, field=field, label=label)
    if idempotency_key:
        found = Booking.objects.filter(idempotency_key=idempotency_key).first()
        if found is not None:
            return found
    with transaction.atomic():
        locked = ReceptionSession.objects.select_for_update().get(pk=session.pk)
        if idempotency_key:  # a twin request that waited for the lock: the first one's booking
            twin = Booking.objects.filter(idempotency_key=idempotency_key).first()
            if twin is not None:
                return twin
        if locked.kind == SessionKind.INVITED:
            raise InputError("约访活动只接待受邀请的信访人，不接受预约")
        if locked.status != SessionStatus.PUBLISHED:
            raise InputError("该接访活动未公示或已结束，不能预约")
        if locked.held_on < today:
            raise InputError(f"该接访活动已于{cn_date(locked.held_on)}举行，不能预约")
        if booked_count(locked) >= locked.capacity:
            raise InputError("该接访活动预约名额已满，请选择其他场次")
        booking = Booking.objects.create(
            session=locked,
            code=_new_code(),
            name=name,
            phone=phone,
            topic=topic,
            matter=matter,
            idempotency_key=idempotency_key or None,
        )
        audit_record(
            actor=None,
            action="reception.booking_create",
            obj=booking,
            data={"session": locked.number},  # no name or phone: personal data
        )
    _sms(
        phone,
        "领导接访预约",
        f"您已预约{cn_date(locked.held_on)}{_time(locked.starts_at)}在{locked.place}的领导接访，"
        f"预约码{booking.code}。如需取消，请凭预约码在网上信访平台办理。",
    )
    return booking


def _time(t: time | None) -> str:
    return f"{t:%H:%M}" if t else ""


def _sms(phone: str, subject: str, text: str) -> None:
    import logging

    from xinfang.notifications.backends import backend

    if not phone:
        return
    try:
        backend("sms").send(phone, subject, text)
    except Exception:  # a failed SMS must not undo a booking made; the page shows the code
        logging.getLogger("xinfang.leaders").exception("leaders: an SMS could not be sent")


def booking_cancel(*, code: str, today: date | None = None) -> Booking:
    today = today or timezone.localdate()
    code = code.strip().upper().replace("-", "")
    with transaction.atomic():
        booking = Booking.objects.select_for_update().filter(code=code).first()
        if booking is None:
            raise InputError("预约码不正确", field="code")
        if booking.status != BookingStatus.BOOKED:
            raise InputError(f"该预约{booking.get_status_display()}，不能取消", field="code")
        if booking.session.held_on < today:
            raise InputError("接访日期已过，不能取消", field="code")
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        audit_record(actor=None, action="reception.booking_cancel", obj=booking)
    return booking


def booking_reveal(*, actor: User, booking: Booking) -> str:
    """A booking's whole phone, for the roles that may press 「显示」; every reveal is audited."""
    if not may(actor, Action.REVEAL_PERSONAL_DATA):
        raise PermissionRefusedError("您没有查看完整个人信息的权限")
    from xinfang.core.permissions import visible_sessions

    if not visible_sessions(actor).filter(pk=booking.session_id).exists():
        raise PermissionRefusedError("您无权查看该预约")
    matter = booking.matter
    if matter is not None and not may(actor, Action.VIEW_MATTER, matter):
        matter = None
    audit_record(
        actor=actor,
        action="personal_data.reveal",
        obj=booking,
        matter=matter,
        data={"fields": ["phone"], "booking": booking.code, "session": booking.session.number},
    )
    return booking.phone


@transaction.atomic
def invitation_create(*, actor: Actor, session: ReceptionSession, matter: Matter) -> Invitation:
    """约访: the bureau names a matter; its petitioner is told through the notification backend."""
    _require(actor, Action.PLAN_RECEPTIONS, "安排约访")
    if session.kind != SessionKind.INVITED:
        raise InputError("只有约访活动可以邀请信访人", field="matter")
    if actor is not None and not visible_matters(actor).filter(pk=matter.pk).exists():
        raise PermissionRefusedError("您无权处理该事项")
    if session.status in (SessionStatus.HELD, SessionStatus.CANCELLED):
        raise InputError(f"接访活动{session.number}已{session.get_status_display()[1:]}")
    if Invitation.objects.filter(session=session, matter=matter).exists():
        raise InputError(f"事项{matter.number}已在本次约访名单中", field="matter")
    invitation = Invitation.objects.create(
        session=session, matter=matter, invited_by=user_of(actor)
    )
    phone = matter.petitioner.phone if matter.petitioner else ""
    if phone:
        _sms(
            phone,
            "领导约访",
            f"关于您反映的信访事项（{matter.number}），{cn_date(session.held_on)}"
            f"{_time(session.starts_at)}在{session.place}由领导接待，请按时前往。",
        )
        invitation.notified = True
        invitation.save(update_fields=["notified"])
    audit_record(
        actor=actor,
        action="reception.invite",
        obj=invitation,
        matter=matter,
        data={"session": session.number, "notified": invitation.notified},
    )
    return invitation


# --- receptions -------------------------------------------------------------------------------


@dataclass
class ReceptionInput:
    leaders: Sequence[Leader]
    outcome: ReceptionOutcome | str
    leader_due: date | None = None
    booking: Booking | None = None
    instruction: str = ""  # the leader's 批示 given at the session, on the matter


def _check_reception(
    session: ReceptionSession, data: ReceptionInput, *, leader_due_required: bool = True
) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise InputError("该接访活动已取消，不能登记接待")
    if data.outcome not in ReceptionOutcome.values:
        raise InputError(
            "请选择接访结果（当场解决、限期解决、教育疏导、有待研判）", field="outcome"
        )
    if not data.leaders:
        raise InputError("请选择接待的领导", field="leaders")
    seated = set(SessionLeader.objects.filter(session=session).values_list("leader_id", flat=True))
    strangers = [leader.name for leader in data.leaders if leader.pk not in seated]
    if strangers:
        raise InputError(f"{'、'.join(strangers)}不是本次接访的领导", field="leaders")
    if data.outcome == ReceptionOutcome.WITH_DEADLINE:
        if data.leader_due is None and leader_due_required:
            raise InputError("限期解决须填写领导限定的办结日期", field="leader_due")
        if data.leader_due is not None and data.leader_due < session.held_on:
            raise InputError("限定办结日期不能早于接访日期", field="leader_due")
    if data.booking is not None:
        if data.booking.session_id != session.pk:
            raise InputError("该预约不属于本次接访活动", field="booking")
        _check_booking_open(data.booking)
    if data.outcome in NEEDS_ROUTING:
        try:  # the 2-working-day clock must be computable before anything is written
            reception_route_due(session.held_on)
        except calendar.CalendarMissingError as exc:
            raise InputError(exc.message, field="outcome") from exc


def _check_booking_open(booking: Booking) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise InputError(f"该预约{booking.get_status_display()}", field="booking")


def reception_record(
    *,
    actor: User,
    session: ReceptionSession,
    registration: RegistrationInput,
    data: ReceptionInput,
    matter: Matter | None = None,
) -> Reception:
    """One group received: a registration (来访, 来区) through the registrar's own service, linked
    to the session and its leaders, with the outcome and — unless settled on the spot — the clock
    that routes it within RECEPTION_ROUTE_WORKING_DAYS."""
    _require(actor, Action.RECORD_RECEPTION, "登记领导接访")
    _check_reception(session, data)
    registration.channel = Channel.VISIT
    registration.level = Level.LOCAL
    with transaction.atomic():
        locked = ReceptionSession.objects.select_for_update().get(pk=session.pk)
        reg = registration_create(actor=actor, data=registration, matter=matter)
        return _link(actor, locked, reg, data)


def reception_link(
    *,
    actor: Actor,
    session: ReceptionSession,
    registration: Registration,
    data: ReceptionInput,
    routed_on: date | None = None,
    leader_due_required: bool = True,
) -> Reception:
    """Link an existing registration to a session (the reception ledger, A3, whose rows carry no
    leader's deadline: it passes leader_due_required=False for 限期解决)."""
    if not isinstance(actor, SystemActor):
        _require(actor, Action.RECORD_RECEPTION, "登记领导接访")
    _check_reception(session, data, leader_due_required=leader_due_required)
    if Reception.objects.filter(registration=registration).exists():
        raise InputError(f"登记{registration.number}已是一次接访记录", field="registration")
    with transaction.atomic():
        locked = ReceptionSession.objects.select_for_update().get(pk=session.pk)
        return _link(actor, locked, registration, data, routed_on=routed_on)


def _link(
    actor: Actor,
    session: ReceptionSession,
    reg: Registration,
    data: ReceptionInput,
    routed_on: date | None = None,
) -> Reception:
    if data.booking is not None:
        # read again under the session's lock: another desk may have received it meanwhile
        _check_booking_open(Booking.objects.get(pk=data.booking.pk))
    needs = data.outcome in NEEDS_ROUTING
    seated_principal = SessionLeader.objects.filter(
        session=session, tier=LeaderTier.PRINCIPAL, leader__in=data.leaders
    ).exists()
    reception = Reception.objects.create(
        registration=reg,
        session=session,
        outcome=data.outcome,
        people=reg.people,
        with_principal=seated_principal,
        leader_due=data.leader_due if data.outcome == ReceptionOutcome.WITH_DEADLINE else None,
        route_due=reception_route_due(session.held_on) if needs else None,
        routed_on=(routed_on or first_routing(reg.matter_id, session.held_on)) if needs else None,
        booking=data.booking,
        recorded_by=user_of(actor),
    )
    reception.leaders.set(data.leaders)
    if data.booking is not None:
        Booking.objects.filter(pk=data.booking.pk).update(status=BookingStatus.RECEIVED)
        if data.booking.matter_id is None:
            Booking.objects.filter(pk=data.booking.pk).update(matter=reg.matter_id)
    if session.status != SessionStatus.HELD and session.held_on <= timezone.localdate():
        session.status = SessionStatus.HELD
        session.version += 1
        session.save(update_fields=["status", "version"])
    if data.instruction.strip():
        _instruction(actor, session, reg, data)
    audit_record(
        actor=actor,
        action="reception.record",
        obj=reception,
        matter=reg.matter,
        data={
            "session": session.number,
            "registration": reg.number,
            "outcome": reception.outcome,
            "leaders": [leader.pk for leader in data.leaders],
            **({"route_due": reception.route_due.isoformat()} if reception.route_due else {}),
            **({"leader_due": reception.leader_due.isoformat()} if reception.leader_due else {}),
        },
    )
    return reception


def _instruction(
    actor: Actor, session: ReceptionSession, reg: Registration, data: ReceptionInput
) -> None:
    """The leader's words at the session are a 批示 on the matter, by the leader's own account."""
    from xinfang.workflow.models import LeaderInstruction

    by = next((leader.user for leader in data.leaders if leader.user_id), None)
    if by is None:
        raise InputError(
            "记录领导批示须有接待领导的系统账号；请在系统管理中为该领导关联账号",
            field="instruction",
        )
    instruction = LeaderInstruction.objects.create(
        matter=reg.matter, leader=by, text=data.instruction.strip(), given_on=session.held_on
    )
    audit_record(
        actor=actor,
        action="workflow.instruction_add",
        obj=reg.matter,
        matter=reg.matter,
        data={
            "instruction": instruction.pk,
            "on": session.held_on.isoformat(),
            "text": instruction.text,
            "session": session.number,
        },
    )


def first_routing(matter_id: int, held_on: date) -> date | None:
    """The matter's first 交办 / 转送 or decision from a session day on (the rule of 交办日期)."""
    from xinfang.workflow.models import Assignment

    first = (
        Assignment.objects.filter(matter_id=matter_id, assigned_on__gte=held_on)
        .order_by("assigned_on")
        .values_list("assigned_on", flat=True)
        .first()
    )
    decided = Matter.objects.filter(pk=matter_id).values_list("decided_on", flat=True).first()
    found = [d for d in (first, decided) if d is not None and d >= held_on]
    return min(found, default=None)


def stamp_routed(matter_id: int, on: date) -> int:
    """The workflow routed (or decided) the matter on `on`: its receptions from sessions up to
    that day that still wait to be routed are routed that day (their 交办日期)."""
    return Reception.objects.filter(
        registration__matter_id=matter_id,
        route_due__isnull=False,
        routed_on__isnull=True,
        session__held_on__lte=on,
    ).update(routed_on=on)


def routed_on_of(reception: Reception) -> date | None:
    """When the matter of a reception left the bureau: its 交办日期 (the ledger's, or the
    workflow's routing stamped on it)."""
    return reception.routed_on


# --- packages ----------------------------------------------------------------------------------


@dataclass
class PackageInput:
    matters: Sequence[Matter]
    leader: Leader | None
    deadline: date | None
    responsible_unit: OrgUnit | None = None
    responsible_person: str = ""
    responsible_user: User | None = None
    supervising_unit: OrgUnit | None = None
    requirements: str = ""
    started_on: date | None = None
    source: PackageSource | str = PackageSource.DESK
    reception: Reception | None = None
    number: str = ""


def _package_number(on: date) -> str:
    return f"BA{on.year}{next_value(f'package:{on.year}'):05d}"


def _check_package(actor: Actor, data: PackageInput, started: date) -> None:
    if not data.matters:
        raise InputError("请至少选择一件信访事项", field="matters")
    if data.leader is None:
        raise InputError("请选择包案领导（定责任领导）", field="leader")
    ledger = data.source == PackageSource.LEDGER
    if not ledger:
        missing = [
            (label, name)
            for label, name, value in (
                ("定责任单位", "responsible_unit", data.responsible_unit),
                ("定责任人", "responsible_person", data.responsible_person.strip()),
                ("定督办单位", "supervising_unit", data.supervising_unit),
                ("定办理要求", "requirements", data.requirements.strip()),
                ("定办结时限", "deadline", data.deadline),
            )
            if not value
        ]
        if missing:
            name = missing[0][1]
            raise InputError(f"六定未填全：请填写{'、'.join(m[0] for m in missing)}", field=name)
    if data.deadline is not None and data.deadline < started:
        raise InputError("办结时限不能早于包案日期", field="deadline")
    if not isinstance(actor, SystemActor):
        seen = visible_matters(actor).filter(pk__in=[m.pk for m in data.matters]).count()
        if seen != len({m.pk for m in data.matters}):
            raise PermissionRefusedError("您无权处理所选事项")
    taken = (
        PackageMatter.objects.filter(matter__in=data.matters, open=True)
        .select_related("package", "matter")
        .first()
    )
    if taken is not None:
        raise InputError(
            f"事项{taken.matter.number}已由{taken.package.leader.name}包案"
            f"（{taken.package.number}），包案未化解前不能再次包案",
            field="matters",
        )


def package_open(*, actor: Actor, data: PackageInput) -> Package:
    """领导包案 with the 六定; one open package per matter (a race is refused by the database)."""
    if not isinstance(actor, SystemActor):
        _require(actor, Action.OPEN_PACKAGE, "领导包案")
    started = data.started_on or timezone.localdate()
    _check_package(actor, data, started)
    assert data.leader is not None
    try:
        with transaction.atomic():
            package = Package.objects.create(
                number=data.number.strip() or _package_number(started),
                source=data.source,
                leader=data.leader,
                responsible_unit=data.responsible_unit,
                responsible_person=data.responsible_person.strip(),
                responsible_user=data.responsible_user,
                supervising_unit=data.supervising_unit,
                requirements=data.requirements.strip(),
                deadline=data.deadline,
                started_on=started,
                reception=data.reception,
                created_by=user_of(actor),
            )
            PackageMatter.objects.bulk_create(
                PackageMatter(package=package, matter=m) for m in data.matters
            )
            if data.source != PackageSource.LEDGER:
                # the matter's own facts 包案领导 / 包案日期 (contract A, counted by contract B's
                # 包案化解率 and carried by export-ledger) follow the package: one truth
                Matter.objects.filter(pk__in=[m.pk for m in data.matters]).update(
                    package_leader=data.leader.name[:64],
                    package_started_on=started,
                    version=F("version") + 1,
                )
            for m in data.matters:
                audit_record(
                    actor=actor,
                    action="package.open",
                    obj=package,
                    matter=m,
                    data={
                        "number": package.number,
                        "leader": data.leader.name,
                        "deadline": data.deadline.isoformat() if data.deadline else None,
                        "started_on": started.isoformat(),
                    },
                )
    except IntegrityError as exc:
        raise InputError("所选事项已有未化解的包案，不能再次包案", field="matters") from exc
    return package


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def package_progress_add(
    *,
    actor: User,
    package: Package,
    note: str,
    duties: Iterable[str] = (),
    month: date | None = None,
    on: date | None = None,
) -> PackageProgress:
    """月督查: the month's progress note by the responsible person, the leader or the bureau."""
    _require(actor, Action.WRITE_PACKAGE_PROGRESS, "填报包案进展")
    from xinfang.core.permissions import visible_packages

    if not visible_packages(actor).filter(pk=package.pk).exists():
        raise PermissionRefusedError("您无权填报该包案的进展")
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise InputError("填报日期不能晚于今天", field="on")
    note = note.strip()
    if len(note) < 5:
        raise InputError("请填写本月进展情况（至少5个字）", field="note")
    codes = list(dict.fromkeys(duties))
    unknown = [c for c in codes if c not in PackageDuty.values]
    if unknown:
        raise InputError("包案职责不正确", field="duties")
    reported = _first_of_month(month or day)
    if reported < _first_of_month(package.started_on):
        raise InputError("填报月份不能早于包案月份", field="month")
    progress = PackageProgress.objects.create(
        package=package, month=reported, written_on=day, duties=codes, note=note, written_by=actor
    )
    for m in package.matters.all():
        audit_record(
            actor=actor,
            action="package.progress",
            obj=package,
            matter=m,
            data={"month": reported.isoformat(), "duties": codes, "note": note},
        )
    return progress


def months_missing(package: Package, today: date) -> list[date]:
    """The months from the package's own month up to last month that have no progress note."""
    if package.status != PackageStatus.OPEN:
        return []
    written = set(package.progress.values_list("month", flat=True))
    missing = []
    month = _first_of_month(package.started_on)
    this_month = _first_of_month(today)
    while month < this_month:
        if month not in written:
            missing.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return missing


def package_resolve_matters(*, package: Package, on: date) -> bool:
    """Close the package when every matter in it is 化解 — after its last 回流, if it had one:
    a 回流 keeps the matter's earlier 化解日期 (history, as the ledger keeps it)."""
    matters = list(package.matters.all())
    came_back: dict[int, date] = {}
    for matter_id, day in package.reflows.values_list("matter_id", "on"):
        came_back[matter_id] = max(day, came_back.get(matter_id, day))
    days = [m.resolved_on for m in matters]
    if not matters or any(
        m.resolved_on is None
        or m.resolved_on < came_back.get(m.pk, m.resolved_on)
        # registered again after its 化解日期 while the package stayed open for another matter:
        # not settled until 化解 again
        or registered_after_resolution(m.last_received_on, m.resolved_on)
        for m in matters
    ):
        return False
    resolved = max(d for d in days if d is not None)
    Package.objects.filter(pk=package.pk).update(
        status=PackageStatus.RESOLVED, resolved_on=resolved, version=package.version + 1
    )
    PackageMatter.objects.filter(package=package).update(open=False)
    audit_record(
        actor=SYSTEM,  # follows the matter's 化解 by itself
        action="package.resolve",
        obj=package,
        data={"resolved_on": resolved.isoformat(), "number": package.number},
    )
    return True


def on_matter_resolved(matter: Matter) -> None:
    """The workflow's 化解: the matter's open package closes when all its matters are 化解."""
    for item in PackageMatter.objects.filter(matter=matter, open=True).select_related("package"):
        package_resolve_matters(package=item.package, on=matter.resolved_on or timezone.localdate())


def on_registration(registration: Registration) -> PackageReflow | None:
    """回流: a registration of a packaged matter after the package was resolved reopens it,
    notifies its leader, and counts against it."""
    if registration.is_first:
        return None
    resolved = Package.objects.filter(
        items__matter_id=registration.matter_id, status=PackageStatus.RESOLVED
    ).order_by("-resolved_on", "-id")
    # the latest package this registration came back after (the one 回流 rule, intake.reflow)
    on = registration.received_on
    last = next((p for p in resolved if registered_after_resolution(on, p.resolved_on)), None)
    if last is None or PackageReflow.objects.filter(registration=registration).exists():
        return None
    assert last.resolved_on is not None
    if PackageMatter.objects.filter(matter_id=registration.matter_id, open=True).exists():
        return None  # a newer package already holds it
    reflow = PackageReflow.objects.create(
        package=last,
        matter_id=registration.matter_id,
        registration=registration,
        on=registration.received_on,
        resolved_before=last.resolved_on,
    )
    items = PackageMatter.objects.filter(package=last)
    held_elsewhere = PackageMatter.objects.filter(
        matter_id__in=items.values("matter_id"), open=True
    ).exclude(package=last)
    if not held_elsewhere.exists():  # one open package per matter: a newer one keeps it
        Package.objects.filter(pk=last.pk).update(
            status=PackageStatus.OPEN, resolved_on=None, version=last.version + 1
        )
        items.update(open=True)
    # the matter keeps its 化解日期 (history, as the ledger does); a new 化解 closes the package
    audit_record(
        actor=SYSTEM,  # follows the matter's return by itself
        action="package.reflow",
        obj=last,
        matter=registration.matter,
        data={
            "registration": registration.number,
            "on": registration.received_on.isoformat(),
            "resolved_before": last.resolved_on.isoformat(),
        },
    )
    _notify_reflow(last, registration)
    return reflow


def _notify_reflow(package: Package, registration: Registration) -> None:
    from xinfang.core.permissions import sees_accusations
    from xinfang.intake.choices import Purpose
    from xinfang.notifications.models import Notification, NotificationKind

    accusation = package.matters.filter(purpose=Purpose.ACCUSATION).exists()
    people = {u for u in (package.leader.user, package.responsible_user) if u is not None}
    for user in people:
        if accusation and not sees_accusations(user):
            continue  # a 检举控告 reaches no reader who may not see accusations
        Notification.objects.create(
            recipient=user,
            matter=registration.matter,
            kind=NotificationKind.SYSTEM,
            text=(
                f"包案{package.number}回流：事项{registration.matter.number}"
                f"化解后于{cn_date(registration.received_on)}再次登记，包案已重新打开"
            )[:200],
            key=f"reflow:{registration.pk}",
            created_at=timezone.now(),
        )


def package_query(*, today: date) -> "Q":
    """Open packages past their 定办结时限 (for the queues)."""
    return Q(status=PackageStatus.OPEN, deadline__lt=today)

"""Writing intake: find or create a petitioner, register an arrival, keep a matter's summary."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.chinese import cn_date
from xinfang.core.config import domain_setting
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, may, user_of
from xinfang.core.sealing import lookup_hash
from xinfang.core.sequences import next_value, serial_number
from xinfang.intake.choices import Channel, Form, LetterKind, Level, Purpose, Source, form_for
from xinfang.intake.idcard import InvalidIdNumberError, parse_id_number
from xinfang.intake.models import (
    Category,
    Matter,
    Petitioner,
    Registration,
    RegistrationOutcome,
    Representative,
)
from xinfang.intake.summary import MatterSummary, summarise
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.models import MatterWorkflow
from xinfang.workflow.states import MatterStatus


@dataclass
class PersonInput:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""


@dataclass
class RegistrationInput:
    channel: Channel | str
    received_at: datetime
    people: int = 1
    level: Level | str = Level.LOCAL
    form: Form | str | None = None  # None: decided by the collective threshold
    content: str = ""
    category: Category | None = None
    purpose: Purpose | str = ""
    locality: OrgUnit | None = None
    responsible_unit: OrgUnit | None = None
    letter_kind: LetterKind | str = LetterKind.ORDINARY
    petitioner: PersonInput | None = None
    representatives: list[PersonInput] = field(default_factory=list)
    number: str = ""


def collective_threshold() -> int:
    return int(domain_setting("COLLECTIVE_THRESHOLD"))


def letter_kind_for(data: "RegistrationInput") -> str:
    """A letter signed by several people is a 联名信 unless the registrar named another kind."""
    if data.channel != Channel.LETTER:
        return ""
    if data.people > 1 and data.letter_kind == LetterKind.ORDINARY:
        return LetterKind.JOINT
    return data.letter_kind


def petitioner_find_or_create(*, actor: Actor, person: PersonInput) -> Petitioner:
    """The person by ID number, else by name and phone; changes of their contact are audited.

    A name alone identifies nobody: without an ID number or a phone a new person is made.
    """
    name = person.name.strip()
    if not name:
        raise InputError("请填写信访人姓名", field="name")
    phone, address = person.phone.strip(), person.address.strip()
    facts = None
    if person.id_number.strip():
        try:
            facts = parse_id_number(person.id_number)
        except InvalidIdNumberError as exc:
            raise InputError(str(exc), field="id_number") from exc
    found: Petitioner | None = None
    if facts is not None:
        found, created = Petitioner.objects.get_or_create(
            id_number_hash=lookup_hash(facts.number),
            defaults={
                "id_number": facts.number,
                "name": name,
                "birth_date": facts.birth_date,
                "sex": facts.sex,
                "phone": phone,
                "address": address,
            },
        )
        if created:
            return found
    elif phone:
        found = (
            Petitioner.objects.filter(
                name=name, phone_hash=lookup_hash(phone), id_number_hash__isnull=True
            )
            .order_by("id")
            .first()
        )
    if found is None:
        return Petitioner.objects.create(name=name, phone=phone, address=address)
    updates = {"name": name, "phone": phone or found.phone, "address": address or found.address}
    before = {key: getattr(found, key) for key in updates}
    changed = [key for key, value in updates.items() if before[key] != value]
    if changed:
        for key in changed:
            setattr(found, key, updates[key])
        found.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="petitioner.update",
            obj=found,
            data={"fields": changed},  # which fields, never the values: they are personal data
        )
    return found


def registration_create(
    *,
    actor: "Actor | None",  # None (a caller that named nobody) is refused like any outsider
    data: RegistrationInput,
    matter: Matter | None = None,
    source: Source = Source.DESK,
) -> Registration:
    """Register one arrival; it starts a new matter, or joins `matter` (a repeat petition)."""
    if actor is None or not may(actor, Action.REGISTER):
        raise PermissionRefusedError("您没有登记信访事项的权限")
    _check(data)
    with transaction.atomic():
        person = _known_in(matter, data.petitioner) if data.petitioner else None
        if person is None and data.petitioner:
            person = petitioner_find_or_create(actor=actor, person=data.petitioner)
        if matter is not None:
            matter = Matter.objects.select_for_update().get(pk=matter.pk)
            if data.purpose == Purpose.ACCUSATION and matter.purpose != Purpose.ACCUSATION:
                # joined, it would turn a matter held by an ordinary unit — perhaps the accused
                # one — into an accusation nobody there may see (条例第二十二条)
                raise InputError(
                    "检举控告须另行登记为新事项，交纪检监察机关办理，不能并入已有的非检举控告事项",
                    field="matter",
                )
            outcome, note = repeat_outcome(matter, timezone.localdate(data.received_at))
        else:
            matter = Matter(number=_free_number("matter", Matter))
            outcome, note = RegistrationOutcome.NEW, ""
        received_on = timezone.localdate(data.received_at)
        registration = Registration(
            number=data.number.strip() or _free_number("registration", Registration),
            channel=data.channel,
            level=data.level,
            form=form_for(data.people, data.form, data.channel, collective_threshold()),
            people=data.people,
            received_at=data.received_at,
            received_on=received_on,
            letter_kind=letter_kind_for(data),
            petitioner=person,
            petitioner_name=data.petitioner.name.strip() if data.petitioner else "",
            petitioner_phone=data.petitioner.phone.strip() if data.petitioner else "",
            petitioner_address=data.petitioner.address.strip() if data.petitioner else "",
            content=data.content.strip(),
            category=data.category,
            purpose=data.purpose,
            # An arrival nobody has placed yet belongs to the registering bureau's own area.
            locality=data.locality or (actor.org_unit if actor is not None else None),
            responsible_unit=data.responsible_unit,
            source=source,
            outcome=outcome,
            outcome_note=note,
            registered_by=user_of(actor),
        )
        if matter.pk is None:
            _apply_summary(matter, summarise([registration]))
            matter.save()
        registration.matter = matter
        registration.save()
        for position, rep in enumerate(data.representatives, start=1):
            Representative.objects.create(
                registration=registration,
                petitioner=petitioner_find_or_create(actor=actor, person=rep),
                position=position,
            )
        matter_refresh_summary(matter=matter)
        registration.refresh_from_db(fields=["is_first"])
        from xinfang.intake.similar.index import index_matters

        index_matters([matter.pk])  # the next petition about it finds it (相似事项)
        from xinfang.leaders.services import on_registration

        on_registration(registration)  # 回流 of a resolved leader package
        from xinfang.casework.services import on_registration as batch_reflow

        batch_reflow(registration)  # 回流 of a batch matter handed down (交办积案)
        audit_record(
            actor=actor,
            action="registration.create",
            obj=registration,
            matter=matter,
            data={
                "channel": registration.channel,
                "level": registration.level,
                "people": registration.people,
                "repeat": not registration.is_first,
                "outcome": outcome,
                **({"note": note} if note else {}),
            },
        )
    return registration


def _known_in(matter: Matter | None, person: PersonInput) -> Petitioner | None:
    """The one person of that name already on the matter the registrar chose, when nothing typed
    says otherwise: the registrar has identified them by picking their matter."""
    if matter is None or person.id_number.strip():
        return None
    name, phone = person.name.strip(), person.phone.strip()
    found = list(Petitioner.objects.filter(registrations__matter=matter, name=name).distinct()[:2])
    if len(found) != 1 or (phone and found[0].phone and found[0].phone != phone):
        return None
    return found[0]


def repeat_outcome(matter: Matter, received_on: date) -> tuple[RegistrationOutcome, str]:
    """What a new arrival of an existing matter is, by the matter's state (domain brief §4).

    A live matter takes it as a repeat (重复信访): its status and every clock stay as they are,
    whatever level the arrival comes from. A final matter records it (it counts as a batch) but
    does not accept it again. A declined or legally-channelled matter keeps its decision: the
    arrival is a repeat and the registrar tells the petitioner the earlier decision; new facts
    and reasons are registered as a new matter.
    """
    status = matter.status
    flow = MatterWorkflow.objects.filter(matter=matter).first()
    if status == MatterStatus.FINAL:
        return RegistrationOutcome.REFUSED, _final_note(matter, flow)
    lapsed = _lapsed_window(status, flow, received_on)
    if lapsed is not None:
        # nobody pressed 终结 yet, but the window passed unused: the opinion is final all the same
        return RegistrationOutcome.REFUSED, (
            f"该事项的{lapsed[0]}已于{cn_date(lapsed[1])}届满，信访人未在期限内请求{lapsed[2]}，"
            "原意见已经生效。以同一事实和理由再次提出的，不再受理。本次信访已登记备查，不予受理，"
            "请向信访人说明。"
        )
    if status == MatterStatus.DECLINED:
        reason = flow.decline_reason if flow is not None else ""
        return RegistrationOutcome.TOLD, (
            f"该事项{_on(matter.decided_on)}已决定不予受理"
            + (f"（理由：{reason}）" if reason else "")
            + "，原决定不变，请向信访人告知；如有新的事实和理由，请另行登记为新事项。"
        )
    if status == MatterStatus.LEGAL_CHANNEL:
        has_channel = flow is not None and bool(flow.legal_channel)
        channel = flow.get_legal_channel_display() if flow is not None and has_channel else ""
        return RegistrationOutcome.TOLD, (
            f"该事项{_on(matter.decided_on)}已依法分类处理"
            + (f"，应通过{channel}途径解决" if channel else "")
            + "，不属于信访程序办理，请再次告知信访人依法通过相应途径反映。"
        )
    return RegistrationOutcome.JOINED, ""


def _lapsed_window(
    status: str, flow: MatterWorkflow | None, received_on: date
) -> tuple[str, date, str] | None:
    """(what, when it ended, what was not asked) when the petitioner's window had passed."""
    if flow is None:
        return None
    review, rereview = flow.review_request_due, flow.rereview_request_due
    if status == MatterStatus.REPLIED and review is not None and review < received_on:
        return "申请复查期限", review, "复查"
    if status == MatterStatus.REVIEWED and rereview is not None and rereview < received_on:
        return "申请复核期限", rereview, "复核"
    return None


def _final_note(matter: Matter, flow: MatterWorkflow | None) -> str:
    final_on = (flow.final_on if flow is not None else None) or matter.rereview_replied_on
    if matter.rereview_replied_on is not None:
        return (
            f"该事项{_on(final_on)}已出具复核意见，信访事项已终结。依据《信访工作条例》"
            "第三十六条，信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，不再受理。"
            "本次信访已登记备查，不予受理，请向信访人说明。"
        )
    return (
        f"该事项{_on(final_on)}已终结（处理或复查意见送达后，信访人未在规定期限内请求复查或复核）。"
        "以同一事实和理由再次提出的，不再受理。本次信访已登记备查，不予受理，请向信访人说明。"
    )


def _on(day: date | None) -> str:
    return f"于{cn_date(day)}" if day is not None else ""


def matter_refresh_summary(*, matter: Matter) -> None:
    """Recompute what a matter copies from its registrations; call with the matter locked."""
    registrations = list(matter.registrations.all())
    if not registrations:
        return
    summary = summarise(registrations)
    for index, registration in enumerate(registrations):
        is_first = index == summary.first_index
        if registration.is_first != is_first:
            registration.is_first = is_first
            registration.save(update_fields=["is_first"])
    _apply_summary(matter, summary)
    matter.version += 1
    matter.save()


def _apply_summary(matter: Matter, summary: MatterSummary) -> None:
    matter.first_received_on = summary.first_received_on
    matter.last_received_on = summary.last_received_on
    matter.registration_count = summary.registration_count
    matter.channel = summary.channel
    matter.level = summary.level
    matter.form = summary.form
    matter.purpose = summary.purpose
    matter.category_id = summary.category_id
    matter.locality_id = summary.locality_id
    matter.petitioner_id = summary.petitioner_id
    # A unit the workflow named stays; the registrations only fill an empty one.
    matter.responsible_unit_id = matter.responsible_unit_id or summary.responsible_unit_id


def _free_number(kind: str, model: type[Matter] | type[Registration]) -> str:
    year = timezone.localdate().year
    prefix = str(domain_setting(f"{kind.upper()}_NUMBER_PREFIX"))
    while True:  # skip numbers an imported ledger already uses
        number = serial_number(prefix, year, next_value(f"{kind}:{year}"))
        if not model.objects.filter(number=number).exists():
            return number


def _check(data: RegistrationInput) -> None:
    if data.channel not in Channel.values:
        raise InputError("请选择渠道：来信、来访、网上信访或来电", field="channel")
    if data.level not in Level.values:
        raise InputError("请选择层级：进京、赴省、到市或来区", field="level")
    if not 1 <= data.people <= 100000:
        raise InputError("人数应为1至100000之间的整数", field="people")
    if data.received_at > timezone.now() + timedelta(minutes=5):
        raise InputError("登记时间不能晚于现在", field="received_at")
    form = form_for(data.people, data.form, data.channel, collective_threshold())
    if form == Form.COLLECTIVE and data.people < 2:
        raise InputError("集体访的人数至少为2人", field="people")
    limit = int(domain_setting("MAX_REPRESENTATIVES"))
    if len(data.representatives) > limit:
        raise InputError(f"代表人最多{limit}名", field="representatives")
    if data.representatives and form != Form.COLLECTIVE:
        raise InputError("只有集体访才登记代表人", field="representatives")
    if data.purpose and data.purpose not in Purpose.values:
        raise InputError("信访目的应为建议意见、检举控告或申诉求决", field="purpose")


REVEALABLE_FIELDS = ("id_number", "phone")


def personal_data_reveal(*, actor: Actor, matter: Matter, petitioner: Petitioner) -> dict[str, str]:
    """A person's whole ID number and phone, for one of their matters; each reveal is logged."""
    if not may(actor, Action.REVEAL_PERSONAL_DATA, matter):
        raise PermissionRefusedError("您没有查看完整个人信息的权限")
    linked = (
        matter.petitioner_id == petitioner.pk
        or Registration.objects.filter(matter=matter, petitioner=petitioner).exists()
        or Representative.objects.filter(
            registration__matter=matter, petitioner=petitioner
        ).exists()
    )
    if not linked:
        raise PermissionRefusedError("该信访人与此事项无关")
    values = {"id_number": petitioner.id_number or "", "phone": petitioner.phone}
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="personal_data.reveal",
            obj=petitioner,
            matter=matter,
            data={
                "fields": [name for name in REVEALABLE_FIELDS if values[name]],
                "petitioner": petitioner.pk,
                "matter": matter.number,
            },
        )
    return values

"""Registrations: list and read what the account may see; register as the account (source 接口),
with the registrar's own form deciding what is valid, and `Idempotency-Key` against retries."""

import hashlib
import json
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api.errors import validation_response
from xinfang.api.models import IdempotencyKey
from xinfang.api.serializers import RegistrationInSerializer, RegistrationSerializer
from xinfang.api.views.base import ApiListView, ApiView, actor
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, may, visible_matters
from xinfang.intake.choices import Source
from xinfang.intake.forms import BaseRepresentativeFormSet, RegistrationForm, RepresentativeFormSet
from xinfang.intake.models import Category, Registration
from xinfang.intake.services import registration_create
from xinfang.organisation.models import OrgUnit

# the registrar's form's field → the API's
FORM_FIELDS = {
    "petitioner_name": "petitioner.name",
    "petitioner_id_number": "petitioner.id_number",
    "petitioner_phone": "petitioner.phone",
    "petitioner_address": "petitioner.address",
}
# the service's field → the API's
SERVICE_FIELDS = {
    "name": "petitioner.name",
    "id_number": "petitioner.id_number",
    "phone": "petitioner.phone",
}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="重试同一登记时带同一个键：返回第一次的结果，不会登记第二次（最长255个字符）",
)


RELATED = ("matter", "category", "locality", "responsible_unit")


def registrations_visible(user: Any) -> Any:
    return (
        Registration.objects.filter(matter__in=visible_matters(user).values("pk"))
        .select_related(*RELATED)
        .order_by("-received_at", "-id")
    )


class RegistrationList(ApiListView):
    serializer_class = RegistrationSerializer

    def get_queryset(self) -> Any:
        if not may(actor(self.request), Action.VIEW_MATTER):
            raise PermissionRefusedError("您没有查看信访事项的权限")
        return registrations_visible(actor(self.request))

    @extend_schema(
        summary="本账号可见的登记，最新在前", responses=RegistrationSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = self.get_serializer(page, many=True, context={"reader": actor(request)})
        return self.get_paginated_response(rows.data)

    @extend_schema(
        summary="以本账号登记一件来信来访（来源：接口）",
        request=RegistrationInSerializer,
        responses={201: RegistrationSerializer, 200: RegistrationSerializer},
        parameters=[IDEMPOTENCY],
        description="校验与登记窗口相同；带 Idempotency-Key 重试时返回第一次的结果（200）。",
    )
    def post(self, request: Request) -> Response:
        user = actor(request)
        if not may(user, Action.REGISTER):
            raise PermissionRefusedError("您没有登记信访事项的权限")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255 or "\x00" in key:
            raise InputError(
                "Idempotency-Key 不能超过255个字符，也不能包含空字符", field="Idempotency-Key"
            )
        fingerprint = hashlib.sha256(
            json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False).encode()
        ).hexdigest()
        if key and IdempotencyKey.objects.filter(user=user, key=key).exists():
            return _replay(user, key, fingerprint)  # answered before: the same answer again
        incoming = RegistrationInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        form, reps = _forms(user, cast(dict[str, Any], incoming.validated_data))
        if not (form.is_valid() & reps.is_valid()):
            return validation_response(_form_errors(form, reps))
        with transaction.atomic():
            record = None
            if key:
                try:
                    with transaction.atomic():
                        record = IdempotencyKey.objects.create(
                            user=user, key=key, fingerprint=fingerprint
                        )
                except IntegrityError:
                    # another request with this key committed first (PostgreSQL waited for it)
                    return _replay(user, key, fingerprint)
            try:
                registration = registration_create(
                    actor=user,
                    data=form.to_input(reps.people()),
                    matter=form.chosen_matter,
                    source=Source.API,
                )
            except InputError as exc:
                field = SERVICE_FIELDS.get(exc.field or "", exc.field or "")
                raise InputError(exc.message, field=field or None) from exc
            if record is not None:
                record.registration = registration
                record.save(update_fields=["registration"])
        out = RegistrationSerializer(_with_relations(registration.pk), context={"reader": user})
        return Response(out.data, status=201)


def _replay(user: Any, key: str, fingerprint: str) -> Response:
    record = IdempotencyKey.objects.select_related("registration").get(user=user, key=key)
    if record.fingerprint != fingerprint:
        raise exceptions.ValidationError(
            {"Idempotency-Key": ["此键已用于另一份不同的登记内容，请换一个键"]}
        )
    assert record.registration_id is not None  # set in the transaction that made the key
    # the first answer again, only while the account may still see that matter
    registration = registrations_visible(user).filter(pk=record.registration_id).first()
    if registration is None:
        raise exceptions.NotFound()
    return Response(RegistrationSerializer(registration, context={"reader": user}).data)


def _with_relations(pk: int) -> Registration:
    """The registration this account just made (or made before, with the same key)."""
    return Registration.objects.select_related(*RELATED).get(pk=pk)


class RegistrationDetail(ApiView):
    @extend_schema(summary="一条登记（所属事项可见时）", responses=RegistrationSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = actor(request)
        if not may(user, Action.VIEW_MATTER):
            raise PermissionRefusedError("您没有查看信访事项的权限")
        registration = registrations_visible(user).filter(pk=pk).first()
        if registration is None:
            raise exceptions.NotFound()
        return Response(RegistrationSerializer(registration, context={"reader": user}).data)


def _forms(user: Any, data: dict[str, Any]) -> tuple[RegistrationForm, BaseRepresentativeFormSet]:
    """The registrar's form and its representatives, filled from the API's body."""
    person = data.get("petitioner") or {}
    received = data.get("received_at") or timezone.now()
    fields: dict[str, Any] = {
        "petitioner_name": person.get("name", ""),
        "petitioner_id_number": person.get("id_number", ""),
        "petitioner_phone": person.get("phone", ""),
        "petitioner_address": person.get("address", ""),
        "matter": str(data["matter"] or ""),
        "channel": data["channel"],
        "level": data["level"],
        "received_at": timezone.localtime(received).strftime("%Y-%m-%d %H:%M:%S"),
        "people": str(data["people"]),
        "form": data["form"],
        "letter_kind": data["letter_kind"],
        "content": data["content"],
        "category": _category(data["category"]),
        "purpose": data["purpose"],
        "locality": _unit(data["locality"], "locality"),
        "responsible_unit": _unit(data["responsible_unit"], "responsible_unit"),
    }
    reps = data.get("representatives") or []
    fields.update(
        {"rep-TOTAL_FORMS": str(len(reps)), "rep-INITIAL_FORMS": "0", "rep-MIN_NUM_FORMS": "0"}
    )
    for index, rep in enumerate(reps):
        for name in ("name", "id_number", "phone"):
            fields[f"rep-{index}-{name}"] = rep.get(name, "")
    form = RegistrationForm(fields, user=user)
    formset = cast(BaseRepresentativeFormSet, RepresentativeFormSet(fields, prefix="rep"))
    return form, formset


def _category(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    found = Category.objects.filter(path=text).first() or Category.objects.filter(name=text).first()
    if found is None:
        raise exceptions.ValidationError({"category": [f"没有名为“{text}”的内容分类"]})
    return str(found.pk)


def _unit(code: str, field: str) -> str:
    code = code.strip()
    if not code:
        return ""
    found = OrgUnit.objects.filter(code=code).first()
    if found is None:
        raise exceptions.ValidationError({field: [f"没有编码为“{code}”的单位"]})
    return str(found.pk)


def _form_errors(form: RegistrationForm, reps: BaseRepresentativeFormSet) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        key = "" if name == "__all__" else FORM_FIELDS.get(name, name)
        out.setdefault(key, []).extend(str(e) for e in errors)
    for index, rep_form in enumerate(reps.forms):
        for name, messages in rep_form.errors.items():
            out.setdefault(f"representatives.{index}.{name}", []).extend(str(e) for e in messages)
    if reps.non_form_errors():
        out.setdefault("representatives", []).extend(str(e) for e in reps.non_form_errors())
    return out

"""The matter page's 「办理」 over the API: the steps this account may take now, and taking one
through the step's own form and service (a stale `version` is a 409 naming the new state)."""

from typing import Any

from django import forms
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api.errors import NOT_FOUND, error_body, validation_response
from xinfang.api.serializers import ActionInSerializer, ActionSerializer, MatterDetailSerializer
from xinfang.api.views.base import ApiView, actor
from xinfang.api.views.matters import matter_out
from xinfang.core.errors import ConflictError, PermissionRefusedError, XinfangError
from xinfang.core.permissions import Action, get_matter_for, may_take
from xinfang.intake.forms import UnitField
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.clocks import load_facts
from xinfang.workflow.forms import ACTIONS, ActionSpec, StepForm, offered_actions


def _inputs(form: StepForm) -> list[dict[str, Any]]:
    out = []
    for name, field in form.fields.items():
        choices: list[list[str]] = []
        if isinstance(field, UnitField):
            choices = [[u.code, u.name] for u in field.queryset]  # type: ignore[union-attr]
        elif isinstance(field, forms.ModelChoiceField):
            choices = [[str(o.pk), field.label_from_instance(o)] for o in field.queryset]  # type: ignore[union-attr]
        elif isinstance(field, forms.ChoiceField):
            pairs: Any = field.choices
            choices = [[str(v), str(label)] for v, label in pairs if v != ""]
        out.append(
            {
                "name": name,
                "label": str(field.label or name),
                "required": field.required,
                "choices": choices,
            }
        )
    return out


class ActionList(ApiView):
    @extend_schema(
        summary="本账号现在可以对此事项办理的步骤，及每步接受的字段",
        responses=ActionSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        user = actor(request)
        matter = get_matter_for(user, pk, Action.VIEW_MATTER)
        facts = load_facts(matter)
        rows = []
        for spec in offered_actions(user, matter, facts, timezone.localdate()):
            form = spec.form(matter=matter, user=user, facts=facts)
            rows.append(
                {
                    "key": spec.key,
                    "label": spec.label,
                    "danger": spec.danger,
                    "inputs": _inputs(form),
                }
            )
        return Response(ActionSerializer(rows, many=True).data)


STEP = OpenApiParameter(
    "step", str, OpenApiParameter.PATH, enum=sorted(ACTIONS), description="步骤"
)


class ActionTake(ApiView):
    @extend_schema(
        summary="办理一步（须回传事项的 version；他人已先更新时 409）",
        parameters=[STEP],
        request=ActionInSerializer,
        responses=MatterDetailSerializer,
    )
    def post(self, request: Request, pk: int, step: str) -> Response:
        user = actor(request)
        matter = get_matter_for(user, pk, Action.VIEW_MATTER)
        spec: ActionSpec | None = ACTIONS.get(step)
        if spec is None:
            return Response(error_body("not_found", NOT_FOUND), status=404)
        if not may_take(user, spec.key):
            raise PermissionRefusedError(f"「{spec.label}」不是您的岗位可以办理的")
        incoming = ActionInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        facts = load_facts(matter)
        form = spec.form(_form_data(incoming.validated_data), matter=matter, user=user, facts=facts)
        if not form.is_valid():
            errors: dict[str, list[str]] = {}
            for name, messages in form.errors.items():
                errors.setdefault("" if name == "__all__" else name, []).extend(
                    str(m) for m in messages
                )
            return validation_response(errors)
        try:
            spec.run(user, matter, form.cleaned_data)
        except XinfangError as exc:
            if not isinstance(exc, ConflictError | PermissionRefusedError):
                exc.field = form.field_for(exc.field)  # named as the API names it, or none
            raise
        matter.refresh_from_db()
        return Response(MatterDetailSerializer(matter_out(user, matter)).data)


def _form_data(data: dict[str, Any]) -> dict[str, str]:
    """The API's typed values as the step form's text inputs (a unit by its code)."""
    out: dict[str, str] = {}
    for name, value in data.items():
        if value is None:
            continue
        if name == "unit" and value:
            pk = OrgUnit.objects.filter(code=value).values_list("pk", flat=True).first()
            value = str(pk) if pk is not None else "0"  # the form says it is not a choice
        out[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return out

"""Matters: the web list's filters, one matter (masked), its timeline, and the logged reveal."""

from collections.abc import Callable
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api.errors import validation_response
from xinfang.api.serializers import (
    MatterDetailSerializer,
    MatterFoundSerializer,
    RevealSerializer,
    TimelineEntrySerializer,
    matter_row,
    person_out,
)
from xinfang.api.views.base import ApiListView, ApiView, actor
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.masking import free_text_for, reads_numbers
from xinfang.core.permissions import Action, get_matter_for, may
from xinfang.intake import word_search
from xinfang.intake.choices import Channel, Form, Level, Purpose
from xinfang.intake.forms import MatterFilterForm
from xinfang.intake.models import Category, Matter, Petitioner
from xinfang.intake.searches import REFUSED, person_number_kind, person_search
from xinfang.intake.selectors import (
    matter_events,
    matter_facts,
    matter_registrations,
    matters_filtered,
)
from xinfang.intake.services import personal_data_reveal
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.clocks import load_facts, matter_clocks
from xinfang.workflow.states import MatterStatus
from xinfang.workflow.timeline import matter_timeline

PAGING = ("page", "page_size")


def _choice(name: str, choices: Any, text: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, enum=[c for c, _ in choices], description=text)


FILTERS = [
    OpenApiParameter(
        "person",
        str,
        description="信访人姓名（按身份证号或电话查找用 POST /api/v1/matters/search/）",
    ),
    OpenApiParameter("words", str, description="反映内容的关键词（空格分隔，须都出现）"),
    _choice("channel", Channel.choices, "渠道"),
    _choice("level", Level.choices, "层级"),
    _choice("form", Form.choices, "形式"),
    _choice("purpose", Purpose.choices, "信访目的"),
    _choice("status", MatterStatus.choices, "状态"),
    OpenApiParameter("category", str, description="内容分类（路径或名称），含下级"),
    OpenApiParameter("locality", str, description="问题属地的单位编码，含下级"),
    OpenApiParameter("responsible_unit", str, description="责任单位的单位编码，含下级"),
    OpenApiParameter("received_from", str, description="首次登记自（年-月-日）"),
    OpenApiParameter("received_to", str, description="首次登记至（年-月-日）"),
]


class MatterSearchSerializer(serializers.Serializer):
    """The list's filters in a body: the number is never in the address."""

    person = serializers.CharField(max_length=64, help_text="信访人：姓名、身份证号或电话")
    words = serializers.CharField(max_length=100, required=False, allow_blank=True)
    channel = serializers.CharField(max_length=16, required=False, allow_blank=True)
    level = serializers.CharField(max_length=16, required=False, allow_blank=True)
    form = serializers.CharField(max_length=16, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=16, required=False, allow_blank=True)
    status = serializers.CharField(max_length=32, required=False, allow_blank=True)
    category = serializers.CharField(max_length=200, required=False, allow_blank=True)
    locality = serializers.CharField(max_length=64, required=False, allow_blank=True)
    responsible_unit = serializers.CharField(max_length=64, required=False, allow_blank=True)
    received_from = serializers.DateField(required=False, allow_null=True)
    received_to = serializers.DateField(required=False, allow_null=True)


class MatterQuery(ApiListView):
    """The list's filters, from the address (GET) or a body (POST)."""

    serializer_class = MatterFoundSerializer

    def matters(self, request: Request, query: Any, *, by_number: bool) -> Response:
        user = actor(request)
        if not may(user, Action.VIEW_MATTER):
            raise PermissionRefusedError("您没有查看信访事项的权限")
        for name in PAGING:
            query.pop(name, None)
        if by_number:
            person_search(actor=user, text=str(query.get("person", "")), where="api")
        errors: dict[str, list[str]] = {}
        # the web's form takes ids; the API takes unit codes and category names, like its POSTs
        for name, (lookup, what) in LOOKUPS.items():
            raw = query.get(name, "").strip()
            if not raw:
                continue
            pk = lookup(raw)
            if pk is None:
                errors[name] = [f"没有“{raw}”这个{what}"]
                query.pop(name)
            else:
                query[name] = str(pk)
        form = MatterFilterForm(query, user=user)
        if not form.is_valid() or errors:
            for name, messages in form.errors.items():
                errors.setdefault("" if name == "__all__" else name, []).extend(
                    str(m) for m in messages
                )
            return validation_response(errors)
        matters = (
            matters_filtered(user, form.filters())
            .select_related("petitioner", "category", "locality", "responsible_unit")
            .order_by("-first_received_on", "-id")
        )
        page = self.paginate_queryset(matters) or []
        words = form.filters().words.split()
        found = word_search.excerpts(user, [m.pk for m in page], words, reads=reads_numbers(user))
        rows = [{**matter_row(m), "snippet": _snippet(found.get(m.pk))} for m in page]
        return self.get_paginated_response(MatterFoundSerializer(rows, many=True).data)


def _snippet(found: word_search.Snippet | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"text": found.text, "marks": [list(mark) for mark in found.marks]}


class MatterList(MatterQuery):
    @extend_schema(
        summary="本账号可见的事项，与网页“事项列表”同样的筛选；最新登记在前",
        parameters=FILTERS,
        responses=MatterFoundSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.copy()
        if person_number_kind(query.get("person", "")):
            if not may(actor(request), Action.REVEAL_PERSONAL_DATA):
                raise PermissionRefusedError(REFUSED)
            raise InputError(
                "身份证号和电话不能放在网址里查找：请用 POST /api/v1/matters/search/",
                field="person",
            )
        return self.matters(request, query, by_number=False)


class MatterSearch(MatterQuery):
    @extend_schema(
        summary="按信访人的身份证号或电话查找事项（号码放在请求体里，不进网址；每次查找记入操作记录）",
        request=MatterSearchSerializer,
        parameters=[OpenApiParameter(name, int) for name in PAGING],
        responses=MatterFoundSerializer(many=True),
        description="请求体的字段与 GET /api/v1/matters/ 的筛选相同；person 可填身份证号或电话，"
        "只有可以查看完整个人信息的岗位可以按号码查找。",
    )
    def post(self, request: Request) -> Response:
        incoming = MatterSearchSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        query = QueryDict(mutable=True)
        for key, value in incoming.validated_data.items():
            if value not in ("", None):
                query[key] = str(value)
        return self.matters(request, query, by_number=True)


def _unit_pk(code: str) -> int | None:
    return OrgUnit.objects.filter(code=code).values_list("pk", flat=True).first()


def _category_pk(text: str) -> int | None:
    found = Category.objects.filter(path=text).first() or Category.objects.filter(name=text).first()
    return found.pk if found else None


LOOKUPS: dict[str, tuple[Callable[[str], int | None], str]] = {
    "locality": (_unit_pk, "单位"),
    "responsible_unit": (_unit_pk, "单位"),
    "category": (_category_pk, "内容分类"),
}


class MatterDetail(ApiView):
    @extend_schema(
        summary="一件事项：事实、状态、期限、交办；身份证号和电话已遮蔽",
        responses=MatterDetailSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        matter = get_matter_for(actor(request), pk, Action.VIEW_MATTER)
        return Response(MatterDetailSerializer(matter_out(actor(request), matter)).data)


def matter_out(user: Any, matter: Matter) -> dict[str, Any]:
    """Everything the matter page shows of the matter itself, as data."""
    matter = (
        Matter.objects.select_related("petitioner", "category", "locality", "responsible_unit")
        .filter(pk=matter.pk)
        .get()
    )
    registrations = matter_registrations(matter)
    may_reveal = may(user, Action.REVEAL_PERSONAL_DATA, matter)
    facts = load_facts(matter)
    people: dict[int, dict[str, Any]] = {}
    for registration in registrations:
        if registration.petitioner is not None:
            people.setdefault(
                registration.petitioner.pk,
                person_out(registration.petitioner, "信访人", reveal_address=may_reveal),
            )
    for registration in registrations:
        for rep in registration.representatives.all():
            people.setdefault(
                rep.petitioner.pk, person_out(rep.petitioner, "代表人", reveal_address=may_reveal)
            )
    return {
        **matter_row(matter),
        "people": list(people.values()),
        "facts": _facts(matter, user),
        "clocks": [
            {**vars(clock), "label": clock.label}
            for clock in matter_clocks(matter, timezone.localdate(), facts)
        ],
        "assignments": facts.assignments,
        "registrations": [r.pk for r in registrations],
        "may_reveal": may_reveal,
    }


def _facts(matter: Matter, user: Any) -> list[dict[str, str]]:
    reads = reads_numbers(user)
    return [
        {"field": name, "label": label, "value": free_text_for(user, shown, reads=reads)}
        for name, label, shown in matter_facts(matter)
    ]


class MatterTimeline(ApiView):
    @extend_schema(
        summary="办理过程：登记、每一步、督办、批示、文书，最早在前",
        responses=TimelineEntrySerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        user = actor(request)
        matter = get_matter_for(user, pk, Action.VIEW_MATTER)
        entries = matter_timeline(
            matter_registrations(matter),
            matter_events(matter),
            may_view_audit=may(user, Action.VIEW_AUDIT),
            may_reveal=may(user, Action.REVEAL_PERSONAL_DATA, matter),
        )
        rows = [
            {
                "day": e.day,
                "at": e.at,
                "kind": e.kind,
                "label": e.label,
                "actor": e.actor,
                "details": [[str(a), str(b)] for a, b in e.details],
            }
            for e in entries
        ]
        return Response(TimelineEntrySerializer(rows, many=True).data)


class PersonReveal(ApiView):
    @extend_schema(
        summary="查看一名信访人完整的身份证号和电话（记入事项的办理过程）",
        request=None,
        responses=RevealSerializer,
    )
    def post(self, request: Request, pk: int, person: int) -> Response:
        user = actor(request)
        matter = get_matter_for(user, pk, Action.VIEW_MATTER)
        found = Petitioner.objects.filter(pk=person).first()
        if found is None:
            raise PermissionRefusedError("该信访人与此事项无关")
        values = personal_data_reveal(actor=user, matter=matter, petitioner=found)
        return Response(RevealSerializer({"petitioner": found.pk, **values}).data)

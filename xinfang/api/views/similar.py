"""Similar matters: the registrar's look-up (xinfang.intake.similar.lookup) for other systems."""

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api.views.base import ApiView, actor
from xinfang.core.errors import PermissionRefusedError
from xinfang.core.permissions import Action, may
from xinfang.intake.similar.lookup import Scope, probe_from, similar_matters


class SimilarSerializer(serializers.Serializer):
    """A petition as typed, in a body: the phone and ID number are never in the address."""

    content = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=24, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    place = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="问题属地：单位编码或名称"
    )
    category = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="内容分类：路径或名称"
    )
    top = serializers.IntegerField(min_value=1, max_value=50, required=False, default=5)


MATCH = inline_serializer(
    "SimilarMatch",
    {
        "id": serializers.IntegerField(),
        "matter": serializers.CharField(help_text="事项编号"),
        "score": serializers.FloatField(help_text="相似度，0–1"),
        "text_score": serializers.FloatField(help_text="内容相似度，0–1"),
        "reasons": serializers.ListField(child=serializers.CharField()),
        "shared_words": serializers.ListField(child=serializers.CharField()),
        "status": serializers.CharField(),
        "first_received_on": serializers.DateField(),
        "category": serializers.CharField(),
        "place": serializers.CharField(),
    },
    many=True,
)


class SimilarMatters(ApiView):
    @extend_schema(
        summary="相似事项：与一件信访最相似的在办和近期事项、相似度和理由（与登记台所见相同）",
        request=SimilarSerializer,
        responses=inline_serializer("SimilarMatches", {"matches": MATCH}),
        description="按电话或身份证号查找只限可以查看完整个人信息的岗位，每次查找记入操作记录；"
        "检举控告只对可以查看它的岗位列出。",
    )
    def post(self, request: Request) -> Response:
        user = actor(request)
        if not may(user, Action.VIEW_MATTER):
            raise PermissionRefusedError("您没有查看信访事项的权限")
        incoming = SimilarSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(incoming.validated_data)
        top = data.pop("top")
        found = similar_matters(
            actor=user, probe=probe_from(data), top=top, scope=Scope.DESK, where="api"
        )
        return Response({"matches": [{"id": m.matter.pk, **m.as_json()} for m in found]})

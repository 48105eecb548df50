"""The report of contract C for a unit and period: the dashboard's own question and figures."""

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.analytics.counting.report import build_report
from xinfang.analytics.dashboard import DashboardForm, may_view_statistics
from xinfang.api.errors import validation_response
from xinfang.api.views.base import ApiView, actor
from xinfang.core.errors import PermissionRefusedError
from xinfang.core.permissions import sees_accusations

PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="期间开始（年-月-日）；与 end 同填"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="期间结束；都不填则为今年1月至今"),
    OpenApiParameter("org", str, description="单位编码：本单位或其下两级；默认本单位"),
    OpenApiParameter("compare", str, enum=["yoy", "pop"], description="同比（默认）或环比"),
]


class Report(ApiView):
    @extend_schema(
        summary="统计报表（合同C的JSON）；领导、督查的数字不含检举控告",
        parameters=PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        user = actor(request)
        if not may_view_statistics(user):
            raise PermissionRefusedError("您的岗位不能查看统计：统计数字含检举控告")
        params = request.query_params
        data: dict[str, Any] = {
            "org": params.get("org", ""),
            "compare": params.get("compare", ""),
            "start": params.get("start", ""),
            "end": params.get("end", ""),
        }
        data["span"] = "custom" if data["start"] or data["end"] else "ytd"
        form = DashboardForm(data, user=user, today=timezone.localdate())
        if not form.is_valid():
            return validation_response(
                {k: [str(m) for m in v] for k, v in form.errors.items() if k != "__all__"}
            )
        query = form.query()
        report = build_report(
            org=query.node,
            period=query.period,
            comparison=query.comparison,
            hide_accusations=not sees_accusations(user),
        )
        return Response(report)

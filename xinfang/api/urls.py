"""REST API v1: /api/v1/… (the OpenAPI document at /api/v1/schema/)."""

from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny

from xinfang.api.errors import not_found_view
from xinfang.api.views.actions import ActionList, ActionTake
from xinfang.api.views.documents import DocumentDetail, DocumentDocx, MatterDocuments
from xinfang.api.views.matters import (
    MatterDetail,
    MatterList,
    MatterSearch,
    MatterTimeline,
    PersonReveal,
)
from xinfang.api.views.registrations import RegistrationDetail, RegistrationList
from xinfang.api.views.reports import Report
from xinfang.api.views.similar import SimilarMatters

app_name = "api"


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 document, JSON by default (?format=yaml for YAML); it holds no data."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]
    content_negotiation_class = DefaultContentNegotiation
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []


urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("registrations/", RegistrationList.as_view(), name="registrations"),
    path("registrations/<int:pk>/", RegistrationDetail.as_view(), name="registration"),
    path("matters/", MatterList.as_view(), name="matters"),
    path("matters/search/", MatterSearch.as_view(), name="matter_search"),
    path("matters/similar/", SimilarMatters.as_view(), name="matter_similar"),
    path("matters/<int:pk>/", MatterDetail.as_view(), name="matter"),
    path("matters/<int:pk>/timeline/", MatterTimeline.as_view(), name="matter_timeline"),
    path(
        "matters/<int:pk>/people/<int:person>/reveal/",
        PersonReveal.as_view(),
        name="person_reveal",
    ),
    path("matters/<int:pk>/actions/", ActionList.as_view(), name="matter_actions"),
    path("matters/<int:pk>/actions/<str:step>/", ActionTake.as_view(), name="matter_action"),
    path("matters/<int:pk>/documents/", MatterDocuments.as_view(), name="matter_documents"),
    path("documents/<int:pk>/", DocumentDetail.as_view(), name="document"),
    path("documents/<int:pk>/docx", DocumentDocx.as_view(), name="document_docx"),
    path("reports/", Report.as_view(), name="report"),
    # anything else under /api/v1/: a 404 in the error format, not the HTML page
    re_path(r"^.*$", not_found_view, name="not_found"),
]

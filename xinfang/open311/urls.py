"""GeoReport v2 under /open311/v2/: each method with its format suffix (.json or .xml)."""

from django.urls import URLPattern, URLResolver, re_path

from xinfang.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})"
urlpatterns: list[URLPattern | URLResolver] = [
    re_path(rf"^discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", views.service_list, name="services"),
    re_path(rf"^services/(?P<code>[^/]+?){FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests{FMT}$", views.requests, name="requests"),
    re_path(rf"^requests/(?P<number>[^/]+?){FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+?){FMT}$", views.token_detail, name="token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]

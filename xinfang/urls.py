"""URL map: each part of the work has its own prefix."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from xinfang.core import views as core_views
from xinfang.core.admin_site import admin_site

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("xinfang.accounts.urls")),
    path("manage/", admin_site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("intake/", include("xinfang.intake.urls")),
    path("workflow/", include("xinfang.workflow.urls")),
    path("documents/", include("xinfang.documents.urls")),
    path("notifications/", include("xinfang.notifications.urls")),
    path("analytics/", include("xinfang.analytics.urls")),
    # the lists behind the report's prevention figures (听证, 交办积案, 联席会议, 矛盾纠纷)
    path("prevention/figures/", include("xinfang.analytics.urls_prevention")),
    # the lists behind the report's leader work figures (before leaders/: its own prefix)
    path("leaders/figures/", include("xinfang.leaders.urls_figures")),
    path("leaders/", include("xinfang.leaders.urls")),
    path("hearings/", include("xinfang.hearings.urls")),
    # joint meetings (联席会议, 会办会) and batches handed down (交办积案)
    path("casework/", include("xinfang.casework.urls")),
    path("disputes/", include("xinfang.disputes.urls")),
    # the public: online petitions, progress and evaluation (no login)
    path("portal/", include("xinfang.portal.urls")),
    # other systems: REST API v1 (token per system account) and Open311 GeoReport v2
    path("api/v1/", include("xinfang.api.urls")),
    path("open311/v2/", include("xinfang.open311.urls")),
]

# JSON under /api/ (the API's one error format), the usual pages elsewhere.
handler404 = "xinfang.api.errors.api_handler404"
handler500 = "xinfang.api.errors.api_handler500"

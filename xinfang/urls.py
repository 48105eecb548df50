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
    path("manage/", admin_site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("intake/", include("xinfang.intake.urls")),
    path("workflow/", include("xinfang.workflow.urls")),
    path("documents/", include("xinfang.documents.urls")),
    path("notifications/", include("xinfang.notifications.urls")),
    path("analytics/", include("xinfang.analytics.urls")),
]

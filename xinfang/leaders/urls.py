"""Leader work for the staff: reception sessions (the day's sheet) and case packages (六定)."""

from django.urls import path

from xinfang.leaders import views

app_name = "leaders"
urlpatterns = [
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/publish/", views.session_publish, name="session_publish"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path(
        "sessions/<int:pk>/bookings/<int:booking>/reveal/",
        views.booking_reveal,
        name="booking_reveal",
    ),
    path("rotas/<int:pk>/generate/", views.rota_generate, name="rota_generate"),
    path("packages/", views.package_list, name="packages"),
    path("packages/new/", views.package_new, name="package_new"),
    path("packages/<int:pk>/", views.package_detail, name="package"),
]

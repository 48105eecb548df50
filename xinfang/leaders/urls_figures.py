"""The lists behind the report's leader work figures (opened from the statistics dashboard)."""

from django.urls import path

from xinfang.leaders import views_lists

app_name = "leader_figures"
urlpatterns = [
    path("sessions/", views_lists.sessions, name="sessions"),
    path("receptions/", views_lists.receptions, name="receptions"),
    path("packages/", views_lists.packages, name="packages"),
]

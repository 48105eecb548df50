"""The lists behind the report's prevention figures (opened from the statistics dashboard)."""

from django.urls import path

from xinfang.analytics import preventionlists

app_name = "prevention_figures"
urlpatterns = [
    path("hearings/", preventionlists.hearings, name="hearings"),
    path("batch/", preventionlists.batch, name="batch"),
    path("meetings/", preventionlists.meetings, name="meetings"),
    path("assigned/", preventionlists.assigned, name="assigned"),
    path("disputes/", preventionlists.disputes, name="disputes"),
]

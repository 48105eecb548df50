"""Pages of the analytics app."""

from django.urls import path

from xinfang.analytics import ratelists, views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export_table, name="export"),
    path("briefing/", views.briefing, name="briefing"),
    path("briefing/briefing.docx", views.briefing_word, name="briefing_docx"),
    path("figures/rates/", ratelists.rates, name="rate_matters"),  # B2 rates' matters
]

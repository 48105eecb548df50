"""Hearings (听证): recorded from the matter page; a hearing's page and its two documents."""

from django.urls import path

from xinfang.hearings import views

app_name = "hearings"
urlpatterns = [
    path("matters/<int:matter_pk>/new/", views.hearing_new, name="new"),
    path("<int:pk>/", views.hearing_detail, name="detail"),
    path("<int:pk>/<str:step>/", views.hearing_step, name="step"),
    path("documents/<int:pk>/", views.document_print, name="print"),
    path("documents/<int:pk>/docx", views.document_download, name="docx"),
]

"""Pages of the documents app."""

from django.urls import path

from xinfang.documents import views

app_name = "documents"
urlpatterns = [
    path("<int:pk>/", views.document_print, name="print"),
    path("<int:pk>/docx", views.document_download, name="docx"),
    path(
        "matters/<int:matter_pk>/issue/<str:kind>/",
        views.document_issue_view,
        name="issue",
    ),
]

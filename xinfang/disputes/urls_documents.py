"""The disputes' documents: a mediation's 调解协议书 (page and Word) and the month's 通报 (Word).

Included by xinfang/disputes/urls.py into the `disputes` namespace (no app_name of its own).
"""

from django.urls import path

from xinfang.disputes import views_documents

urlpatterns = [
    path("agreements/<int:pk>/", views_documents.agreement, name="agreement"),
    path(
        "agreements/<int:pk>/docx",
        views_documents.agreement_download,
        name="agreement_docx",
    ),
    path("circular/", views_documents.circular, name="circular"),
]

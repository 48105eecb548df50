"""/portal/: the public's pages (no login; a matter only through its query code and secret)."""

from django.urls import URLPattern, URLResolver, path

from xinfang.portal import reception_views, views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("notice/", views.notice, name="notice"),
    path("submit/", views.submit, name="submit"),
    path("receipt/", views.receipt, name="receipt"),
    path("query/", views.query, name="query"),
    path("leave/", views.leave, name="leave"),
    path("progress/", views.progress, name="progress"),
    path("progress/evaluate/", views.evaluate, name="evaluate"),
    path("progress/review/", views.review, name="review"),
    path("progress/rereview/", views.rereview, name="rereview"),
    path("progress/documents/<int:pk>/", views.document_page, name="document"),
    path("progress/documents/<int:pk>/docx", views.document_docx_view, name="document_docx"),
    path("progress/documents/<int:pk>/receive/", views.document_receive, name="document_receive"),
    path("receptions/", reception_views.receptions, name="receptions"),
    path("receptions/<int:pk>/book/", reception_views.book, name="reception_book"),
    path("receptions/booked/", reception_views.booked, name="reception_booked"),
    path("receptions/cancel/", reception_views.cancel, name="reception_cancel"),
]

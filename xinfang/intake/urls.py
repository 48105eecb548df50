"""Intake pages: the registrar's screen, the matter list and detail, people and attachments."""

from django.urls import path

from xinfang.intake import views

app_name = "intake"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/lookup/", views.person_lookup, name="person_lookup"),
    path("register/similar/", views.similar_lookup, name="similar_lookup"),
    path("register/suggestions/", views.suggestions, name="suggestions"),
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
    path(
        "matters/<int:pk>/people/<int:person>/reveal/",
        views.reveal,
        name="reveal",
    ),
    path("people/<int:pk>/", views.petitioner_detail, name="petitioner_detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]

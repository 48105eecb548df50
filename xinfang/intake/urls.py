"""Intake pages: the registrar's screen, the matter list and the matter detail."""

from django.urls import path

from xinfang.intake import views

app_name = "intake"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
]

"""Workflow pages."""

from django.urls import path

from xinfang.workflow import views

app_name = "workflow"
urlpatterns = [
    path("queues/", views.queues, name="queues"),
    path("matters/<int:pk>/act/<slug:action>/", views.matter_action, name="matter_action"),
]

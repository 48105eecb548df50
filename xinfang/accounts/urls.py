"""A user's own account."""

from django.urls import path

from xinfang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.password_change, name="password"),
]

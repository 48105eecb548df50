"""A user's own account."""

from django.urls import path

from xinfang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.password_change, name="password"),
    # two-factor sign-in: confirm a login (6-digit code or recovery code), or set up the phone app
    path("two-factor/", views.two_factor_verify, name="two_factor"),
    path("two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
]

"""A user's own account: changing one's password."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the new password and its audit row, or neither
            form.save()
            audit_record(
                actor=user,
                action="user.password_change",
                obj=user,
                data={"username": user.username, "secret_fields_changed": ["password"]},
            )
        update_session_auth_hash(request, user)  # this session stays logged in
        messages.success(request, "密码已修改。")
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})

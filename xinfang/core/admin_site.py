"""The administrator's site: only the admin role enters, and every change is audited."""

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse

from xinfang.core.audit import audit_record, changes
from xinfang.core.formtext import safe_form_class
from xinfang.core.permissions import enters_admin_site


class XinfangAdminSite(admin.AdminSite):
    site_header = "信访业务系统 · 系统管理"
    site_title = "系统管理"
    index_title = "组织机构、用户与分类"

    def has_permission(self, request: HttpRequest) -> bool:
        return enters_admin_site(request.user)


admin_site = XinfangAdminSite(name="admin")


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete through the admin site writes an audit row."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin_site.has_permission(request)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """Every form of /manage/ refuses the unsafe characters the other forms refuse (the ones
        Django builds too: modelform_factory's, the user admin's)."""
        form = super().get_form(request, obj, change=change, **kwargs)
        return safe_form_class(form)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Secrets are named in the history as changed, never written into it.
        secret = {f for f in form.changed_data if "password" in f}
        shown = [f for f in form.changed_data if f not in secret]
        before = {f: form.initial.get(f) for f in shown} if change else {}
        self.write(obj)
        after = {f: form.cleaned_data.get(f) for f in shown}
        data: dict[str, Any] = {"changes": changes(before, after)}
        if secret:
            data["secret_fields_changed"] = sorted(secret)
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=f"{obj._meta.model_name}.{'change' if change else 'create'}",
            obj=obj,
            data=data,
        )

    def write(self, obj: models.Model) -> None:
        obj.save()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            actor=request.user,  # type: ignore[arg-type]
            action=f"{obj._meta.model_name}.delete",
            obj=obj,
            data={"name": str(obj)},
        )
        obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:  # one audited delete each, as on the single-object page
            self.delete_model(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """The user admin's 修改密码 page (an admin resetting someone's password): audited like
        every other change — who reset whose password, never the password itself."""
        with transaction.atomic():  # the new password and its audit row, or neither
            response: HttpResponse = super().user_change_password(  # type: ignore[misc]
                request, id, form_url
            )
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                if user is not None:
                    audit_record(
                        actor=request.user,  # type: ignore[arg-type]
                        action=f"{user._meta.model_name}.password_reset",
                        obj=user,
                        data={
                            "username": user.get_username(),
                            "secret_fields_changed": ["password"],
                        },
                    )
        return response

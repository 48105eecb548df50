"""Administering users: their role and their unit."""

from django.contrib.auth.admin import UserAdmin

from xinfang.accounts.models import User
from xinfang.core.admin_site import AuditedAdmin, admin_site


class XinfangUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ("username", "display_name", "role", "org_unit", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份", {"fields": ("display_name", "role", "org_unit", "email", "phone")}),
        ("状态", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"fields": ("username", "display_name", "role", "org_unit", "password1", "password2")},
        ),
    )


admin_site.register(User, XinfangUserAdmin)

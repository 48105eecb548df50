"""Administering the organisation tree."""

from typing import Any

from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.organisation.models import OrgUnit
from xinfang.organisation.services import rebuild_paths


class OrgUnitAdmin(AuditedAdmin):
    list_display = ("name", "code", "kind", "parent", "is_discipline_organ", "active")
    list_filter = ("kind", "is_discipline_organ", "active")
    search_fields = ("name", "code", "short_name")
    ordering = ("path",)
    fields = (
        "code",
        "name",
        "short_name",
        "kind",
        "parent",
        "is_discipline_organ",
        "sort_order",
        "active",
    )

    def write(self, obj: Any) -> None:
        obj.save()
        rebuild_paths()  # a new parent moves the whole branch
        obj.refresh_from_db()


admin_site.register(OrgUnit, OrgUnitAdmin)

"""Administering the category tree."""

from typing import Any

from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.intake.categories import category_save
from xinfang.intake.models import Category


class CategoryAdmin(AuditedAdmin):
    list_display = ("path", "sort_order", "active")
    list_filter = ("active",)
    search_fields = ("name", "path")
    fields = ("name", "parent", "sort_order", "active")

    def write(self, obj: Any) -> None:
        category_save(category=obj)


admin_site.register(Category, CategoryAdmin)

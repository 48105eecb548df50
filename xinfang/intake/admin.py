"""Administering the category tree."""

from typing import Any

from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.core.errors import InputError
from xinfang.core.formtext import SafeModelForm
from xinfang.intake.categories import category_check, category_save
from xinfang.intake.models import Category, SuggestionRule


class CategoryForm(SafeModelForm):
    """category_save's refusals (a 「/」 in the name, a loop) as form errors, not a 500."""

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        try:
            category_check(self.instance)
        except InputError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)


class CategoryAdmin(AuditedAdmin):
    form = CategoryForm
    list_display = ("path", "sort_order", "active")
    list_filter = ("active",)
    search_fields = ("name", "path")
    fields = ("name", "parent", "sort_order", "active")

    def write(self, obj: Any) -> None:
        category_save(category=obj)


admin_site.register(Category, CategoryAdmin)


class SuggestionRuleAdmin(AuditedAdmin):
    """关键词规则: what the registrar is offered until the model is trained (intake.suggestions)."""

    list_display = ("keywords", "category", "responsible_unit", "active")
    list_filter = ("active",)
    search_fields = ("keywords",)
    fields = ("keywords", "category", "responsible_unit", "active")


admin_site.register(SuggestionRule, SuggestionRuleAdmin)

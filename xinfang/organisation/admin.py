"""Administering the organisation tree."""

from typing import Any

from django.core.exceptions import ValidationError

from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.core.formtext import SafeModelForm
from xinfang.organisation.models import OrgUnit
from xinfang.organisation.services import rebuild_paths


class OrgUnitForm(SafeModelForm):
    class Meta:
        model = OrgUnit
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

    def clean_parent(self) -> OrgUnit | None:
        parent: OrgUnit | None = self.cleaned_data.get("parent")
        if self.instance.pk is not None and parent is not None:
            stored = OrgUnit.objects.get(pk=self.instance.pk)
            if parent.is_within(stored):
                raise ValidationError(
                    f"不能把“{stored.name}”移到它自己或它的下级“{parent.name}”之下"
                )
        return parent


class OrgUnitAdmin(AuditedAdmin):
    form = OrgUnitForm
    list_display = ("name", "code", "kind", "parent", "is_discipline_organ", "active")
    list_filter = ("kind", "is_discipline_organ", "active")
    search_fields = ("name", "code", "short_name")
    ordering = ("path",)

    def write(self, obj: Any) -> None:
        obj.save()
        rebuild_paths()  # a new parent moves the whole branch
        obj.refresh_from_db()


admin_site.register(OrgUnit, OrgUnitAdmin)

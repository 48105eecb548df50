"""Administering documents: the templates' text and each unit's 机关代字 (both audited)."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.documents.kinds import KIND_CODES, DocumentKind
from xinfang.documents.models import DocumentTemplate, IssuerPrefix
from xinfang.documents.placeholders import placeholders_for


class DocumentTemplateAdmin(AuditedAdmin):
    list_display = ("kind", "unit", "title", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title", "body", "unit__name")
    fields = ("kind", "unit", "title", "body", "footer", "placeholders")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # a template stays the one of its kind and unit: a default moved away would leave none
        return ("kind", "unit", "placeholders") if obj is not None else ("placeholders",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.unit_id is None:
            return False  # the default of a kind is edited, never deleted
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        kept = queryset.filter(unit__isnull=True).count()
        if kept:
            self.message_user(request, f"{kept}个默认模板不能删除，已保留", messages.WARNING)
        super().delete_queryset(request, queryset.exclude(unit__isnull=True))

    @admin.display(description="可用的占位符")
    def placeholders(self, obj: DocumentTemplate | None) -> SafeString:
        kinds = [obj.kind] if obj is not None and obj.kind else list(DocumentKind.values)
        blocks = [
            format_html(
                "<p><strong>{}</strong></p><ul>{}</ul>",
                DocumentKind(kind).label,
                format_html_join(
                    "", "<li><code>{{{{ {} }}}}</code>：{}</li>", placeholders_for(kind).items()
                ),
            )
            for kind in kinds
        ]
        return format_html_join("", "{}", ((block,) for block in blocks))


class IssuerPrefixAdmin(AuditedAdmin):
    list_display = ("unit", "prefix", "organ_name", "example")
    search_fields = ("unit__name", "prefix", "organ_name")
    fields = ("unit", "prefix", "organ_name")

    @admin.display(description="文号示例")
    def example(self, obj: IssuerPrefix) -> str:
        return f"{obj.prefix}{KIND_CODES[DocumentKind.ASSIGN]}〔2026〕1号"


admin_site.register(DocumentTemplate, DocumentTemplateAdmin)
admin_site.register(IssuerPrefix, IssuerPrefixAdmin)

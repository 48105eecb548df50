"""Admin for 抽查扣分 (spot-check deductions): entered by the service, audited, never edited."""

from typing import Any

from django.http import HttpRequest

from xinfang.analytics.assessment import spot_check_record, validate_spot_check
from xinfang.analytics.models import SpotCheckDeduction
from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.core.errors import InputError
from xinfang.core.formtext import SafeModelForm


class SpotCheckDeductionForm(SafeModelForm):
    class Meta:
        model = SpotCheckDeduction
        fields = ("unit", "checked_on", "points", "matter", "reason")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            validate_spot_check(
                unit=cleaned.get("unit"),
                checked_on=cleaned.get("checked_on"),
                points=cleaned.get("points"),
                reason=cleaned.get("reason", ""),
            )
        except InputError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned


class SpotCheckDeductionAdmin(AuditedAdmin):
    form = SpotCheckDeductionForm
    list_display = ("checked_on", "unit", "points", "reason", "recorded_by", "recorded_at")
    list_filter = ("checked_on",)
    search_fields = ("unit__name", "unit__code", "reason")
    autocomplete_fields = ("unit",)
    raw_id_fields = ("matter",)
    date_hierarchy = "checked_on"
    readonly_fields = ("recorded_by", "recorded_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # a mistaken entry is deleted (audited) and entered again; the record is never rewritten
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        spot_check_record(
            actor=request.user,  # type: ignore[arg-type]
            unit=data["unit"],
            checked_on=data["checked_on"],
            points=data["points"],
            reason=data["reason"],
            matter=data.get("matter"),
            into=obj,
        )


admin_site.register(SpotCheckDeduction, SpotCheckDeductionAdmin)

"""Administering leaders (with their tier, unit and optional login) and reception rotas.

Registered on the admin site like every other app: only the admin role enters, every add, change
and delete is audited (core.admin_site.AuditedAdmin).
"""

from typing import Any

from django import forms

from xinfang.accounts.models import Role
from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.core.formtext import SafeModelForm
from xinfang.leaders.models import Leader, Rota


class LeaderForm(SafeModelForm):
    class Meta:
        model = Leader
        fields = ("name", "post", "tier", "unit", "user", "active", "sort_order")
        help_texts = {
            "user": "选填：该领导本人的系统账号（角色须为“领导”），用于查看本人的接访和包案",
        }

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError("请填写领导姓名")
        return name

    def clean_user(self) -> Any:
        user = self.cleaned_data.get("user")
        if user is not None and user.role != Role.LEADER:
            raise forms.ValidationError(
                f"账号“{user.username}”的角色是“{user.get_role_display()}”，"
                "只能关联角色为“领导”的账号"
            )
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name, unit = cleaned.get("name"), cleaned.get("unit")
        if name and unit is not None:
            twins = Leader.objects.filter(unit=unit, name=name).exclude(pk=self.instance.pk)
            if twins.exists():
                self.add_error("name", f"{unit.name}已有名为“{name}”的领导")
        return cleaned


class LeaderAdmin(AuditedAdmin):
    form = LeaderForm
    list_display = ("name", "post", "tier", "unit", "user", "active")
    list_filter = ("tier", "active")
    search_fields = ("name", "post", "unit__name")
    autocomplete_fields = ("unit", "user")
    ordering = ("unit__path", "sort_order", "id")


class RotaForm(SafeModelForm):
    class Meta:
        model = Rota
        fields = (
            "name",
            "kind",
            "unit",
            "weekday",
            "month_day_from",
            "month_day_to",
            "starts_at",
            "ends_at",
            "place",
            "topics",
            "capacity",
            "leaders",
            "in_turn",
            "active",
        )
        help_texts = {
            "weekday": "0为星期一……6为星期日；与每月起止日二选一",
            "month_day_from": "如下访日为每月15日至20日，填15和20",
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weekday = cleaned.get("weekday")
        first, last = cleaned.get("month_day_from"), cleaned.get("month_day_to")
        if weekday is not None and not 0 <= weekday <= 6:
            self.add_error("weekday", "每周星期填0（星期一）至6（星期日）")
        if weekday is not None and (first is not None or last is not None):
            self.add_error("weekday", "每周星期与每月日期只能选一种")
        elif weekday is None and (first is None or last is None):
            self.add_error("month_day_from", "请填写每周星期，或同时填写每月的起止日")
        for name, day in (("month_day_from", first), ("month_day_to", last)):
            if day is not None and not 1 <= day <= 31:
                self.add_error(name, "日期应为1至31")
        if first is not None and last is not None and last < first:
            self.add_error("month_day_to", "截止日不能早于起始日")
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "结束时间须晚于开始时间")
        return cleaned


class RotaAdmin(AuditedAdmin):
    form = RotaForm
    list_display = ("name", "kind", "unit", "weekday", "month_day_from", "month_day_to", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "place")
    autocomplete_fields = ("unit",)
    filter_horizontal = ("leaders",)


admin_site.register(Leader, LeaderAdmin)
admin_site.register(Rota, RotaAdmin)

"""Administering the working calendar: an administrator enters a year's holidays as text lines."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from xinfang.core.admin_site import AuditedAdmin, admin_site
from xinfang.core.formtext import SafeModelForm
from xinfang.workflow.calendar import missing_years, package_years
from xinfang.workflow.calendar_entry import (
    EXAMPLE,
    CalendarEntryError,
    calendar_year_delete,
    calendar_year_save,
    entries_of,
    entries_of_year,
    format_days,
    parse_year_text,
)
from xinfang.workflow.models import CalendarYear, DayKind

# how far ahead the year list warns that a clock may soon need a year nobody has entered
LOOKAHEAD_DAYS = 120


def today() -> date:
    return timezone.localdate()


class CalendarYearForm(SafeModelForm):
    days_text = forms.CharField(
        label="放假日与调休上班日",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 48, "style": "font-family: monospace"}),
        help_text=(
            "每行一天或一段：日期（或“起日~止日”）、节日名称、“休”或“班”，例如"
            "“2027-01-01 元旦 休”“2027-02-20 春节 班”。周末照常休息、不必录入；"
            "放假期间的周末可以一并录入。录入后，该年以这里为准（替换系统内置数据）。"
        ),
    )

    class Meta:
        model = CalendarYear
        fields = ("year", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "days_text" not in self.initial:
            self.initial["days_text"] = format_days(entries_of_year(self.instance))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, text = cleaned.get("year"), cleaned.get("days_text")
        if year is not None and text is not None:
            try:
                cleaned["days"] = parse_year_text(text, year)
            except CalendarEntryError as exc:
                self.add_error("days_text", exc.problems)
        return cleaned


class CalendarYearAdmin(AuditedAdmin):
    form = CalendarYearForm
    list_display = ("year", "holiday_count", "workday_count", "note", "entered_by", "entered_at")
    fields = ("year", "note", "days_text", "entered_by", "entered_at")
    readonly_fields = ("entered_by", "entered_at")
    ordering = ("-year",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                holidays=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
                workdays=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
            )
        )

    @admin.display(description="放假天数")
    def holiday_count(self, obj: Any) -> int:
        return int(obj.holidays)

    @admin.display(description="调休上班天数")
    def workday_count(self, obj: Any) -> int:
        return int(obj.workdays)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new year starts from the example, or from the built-in data when correcting a year."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        year = str(initial.get("year", ""))
        known = package_years().get(int(year)) if year.isascii() and year.isdigit() else None
        initial["days_text"] = format_days(entries_of(known)) if known else EXAMPLE
        return initial

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        now = today()
        built_in = sorted(package_years())
        messages.info(
            request,
            f"系统内置{built_in[0]}–{built_in[-1]}年的节假日安排；某年录入后以录入的为准。"
            "要修订内置年份，可打开“增加”页面并在地址后加 ?year=年份，以内置数据为底稿。",
        )
        for year in missing_years(now, now + timedelta(days=LOOKAHEAD_DAYS)):
            messages.warning(request, f"{year}年的节假日安排尚未录入，届时到期的期限将无法计算。")
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        calendar_year_save(
            actor=request.user,  # type: ignore[arg-type]
            year=form.cleaned_data["year"],
            days=form.cleaned_data["days"],
            note=form.cleaned_data.get("note", ""),
            calendar_year=obj,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        calendar_year_delete(actor=request.user, calendar_year=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


admin_site.register(CalendarYear, CalendarYearAdmin)

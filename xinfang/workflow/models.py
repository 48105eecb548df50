"""Workflow tables; so far the holiday years an administrator enters for the working calendar."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

FIRST_YEAR = 1990
LAST_YEAR = 2100


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "休"
    WORKDAY = "workday", "班"


class CalendarYear(models.Model):
    """One year's holiday arrangement as announced; it replaces the built-in data for that year."""

    year = models.PositiveSmallIntegerField(
        "年份",
        unique=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
    )
    note = models.CharField(
        "依据与说明",
        max_length=200,
        blank=True,
        help_text="例如：国务院办公厅关于2027年部分节假日安排的通知",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = "节假日安排（年度）"
        verbose_name_plural = "节假日安排（年度）"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class CalendarDay(models.Model):
    """An exceptional day of an entered year: a holiday (休) or a swapped working day (调休上班)."""

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=DayKind.choices)
    name = models.CharField("节日", max_length=32, blank=True)

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} {self.get_kind_display()}".replace("  ", " ")

"""Assessment records: points deducted from a handling unit for what a spot check found."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class SpotCheckDeduction(models.Model):
    """抽查扣分: a spot check found non-standard handling by a unit; points off its 季考评 score.

    Written by xinfang.analytics.assessment.spot_check_record only (one audit event each); a
    mistaken entry is deleted (audited) and entered again, never edited.
    """

    unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="被扣分单位",
        on_delete=models.PROTECT,
        related_name="spot_check_deductions",
    )
    checked_on = models.DateField("抽查日期")
    points = models.DecimalField(
        "扣分", max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reason = models.TextField("扣分事由")
    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="涉及事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "抽查扣分"
        verbose_name_plural = "抽查扣分"
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["unit", "checked_on"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.checked_on:%Y-%m-%d} 扣{self.points}分"

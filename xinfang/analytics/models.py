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


# --- the report's monthly summaries of registrations ---------------------------------------------
# Kept by database triggers on intake_registration and intake_matter (xinfang.analytics.summary),
# in the same transaction as every write, whoever writes (services, ledger import, admin, SQL);
# rebuilt from scratch by `xinfang rebuild-report-summary`. Read by counting.cubes for the whole
# months of a report's periods. 0 stands for an empty locality, category or unit (so that the
# unique key, which the triggers add into, holds: NULLs are never equal in a unique index).


class RegistrationMonthCLF(models.Model):
    """Registrations per month × 问题属地 × channel × level × form (× 检举控告 or not)."""

    month = models.DateField()
    locality = models.IntegerField()
    channel = models.CharField(max_length=16)
    level = models.CharField(max_length=16)
    form = models.CharField(max_length=16)
    accusation = models.BooleanField()
    batches = models.IntegerField()
    people = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "locality", "channel", "level", "form", "accusation"],
                name="regmonth_clf_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.locality} {self.channel}/{self.level}/{self.form}"


class RegistrationMonthCP(models.Model):
    """Registrations per month × 问题属地 × category × purpose."""

    month = models.DateField()
    locality = models.IntegerField()
    category = models.IntegerField()
    purpose = models.CharField(max_length=16)
    batches = models.IntegerField()
    people = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "locality", "category", "purpose"], name="regmonth_cp_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.locality} {self.category}/{self.purpose}"


class RegistrationMonthUnit(models.Model):
    """Registrations per month × 问题属地 × the matter's 责任单位 now (× 检举控告 or not)."""

    month = models.DateField()
    locality = models.IntegerField()
    unit = models.IntegerField()
    accusation = models.BooleanField()
    batches = models.IntegerField()
    people = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "locality", "unit", "accusation"], name="regmonth_unit_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.locality} {self.unit}"


class RegistrationMonthLetter(models.Model):
    """Letters (渠道 来信) per month × 问题属地 × 来信类型 × 初信 or 重信 × purpose."""

    month = models.DateField()
    locality = models.IntegerField()
    kind = models.CharField(max_length=24)
    first = models.BooleanField()
    purpose = models.CharField(max_length=16)
    batches = models.IntegerField()
    people = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "locality", "kind", "first", "purpose"],
                name="regmonth_letter_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.locality} {self.kind or '普通来信'}/{self.purpose}"


class HotspotScan(models.Model):
    """One run of analytics.counting.hotspots.scan_hotspots (in the daily clock scan): its window
    and when it ran. Only the newest is kept; none yet means 尚未扫描."""

    computed_at = models.DateTimeField()
    window_start = models.DateField()
    window_end = models.DateField()

    def __str__(self) -> str:
        return f"{self.window_start}–{self.window_end} @ {self.computed_at:%Y-%m-%d %H:%M}"

    @property
    def days(self) -> int:
        """The window's length, both ends counted (counting.hotspots.window made it)."""
        return (self.window_end - self.window_start).days + 1


class HotspotCluster(models.Model):
    """One hotspot of a scan, found over every matter (检举控告 too): the dashboard and the 简报
    recount it among the matters the reader may see in the node's area (node_hotspots)."""

    scan = models.ForeignKey(HotspotScan, on_delete=models.CASCADE, related_name="clusters")
    subject = models.CharField("问题", max_length=200)
    core = models.CharField(max_length=100)
    category = models.CharField("内容分类", max_length=100, null=True, blank=True)
    matters = models.ManyToManyField("intake.Matter", related_name="+")
    registrations = models.IntegerField()
    petitioners = models.IntegerField()
    places = models.JSONField(default=list)
    first_on = models.DateField()
    last_on = models.DateField()
    recent = models.IntegerField()
    before = models.IntegerField()
    growing = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.subject} {self.petitioners}"

"""The clock scan's records and the in-app notifications (提醒).

ClockScan: one row per run of the scan. ClockAlert: one row per (matter, clock, stage, deadline)
ever raised — its unique key makes the scan idempotent: a rerun, or a second run at the same
time, inserts nothing new and so notifies nobody twice; an extension is a new deadline, so a new
alert. Notification: what a user sees on /notifications/, at most once per (user, alert).
"""

from django.conf import settings
from django.db import models

from xinfang.workflow.states import ClockKind


class AlertStage(models.TextChoices):
    WARNING = "warning", "即将到期"
    OVERDUE = "overdue", "已超期"


class NotificationKind(models.TextChoices):
    WARNING = "warning", "预警"
    OVERDUE = "overdue", "超期"
    SUPERVISION = "supervision", "督办"
    FINALISABLE = "finalisable", "可终结"
    SYSTEM = "system", "系统"
    HOTSPOT = "hotspot", "热点"


class ClockScan(models.Model):
    """One run of the clock scan, with what it did."""

    today = models.DateField("扫描日期")
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    warnings = models.PositiveIntegerField("新增预警", default=0)
    overdue = models.PositiveIntegerField("新增超期", default=0)
    notices = models.PositiveIntegerField("自动督办", default=0)
    notifications = models.PositiveIntegerField("站内提醒", default=0)
    messages = models.PositiveIntegerField("短信/邮件", default=0)
    missing_years = models.CharField("缺少节假日安排的年份", max_length=64, blank=True)

    class Meta:
        verbose_name = "期限扫描"
        verbose_name_plural = "期限扫描"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.today:%Y-%m-%d} 期限扫描"


class ClockAlert(models.Model):
    """A clock of a matter reached its warning point or passed its last day (预警 / 超期)."""

    # The scan writes these rows by the hundred thousand from ids it has just read in the same
    # transaction, and matters are never deleted (PROTECT): the database's per-row foreign-key
    # checks (deferred triggers, run at commit) would cost more than the inserts themselves.
    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the unique key below starts with the matter
    )
    clock = models.CharField("期限", max_length=24, choices=ClockKind.choices)
    stage = models.CharField("阶段", max_length=8, choices=AlertStage.choices)
    deadline = models.DateField("期限日")
    # the unit whose clock it is (the active assignment's, or the notice's); None: the bureau's
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    scan = models.ForeignKey(
        ClockScan,
        verbose_name="扫描",
        on_delete=models.PROTECT,
        related_name="alerts",
        db_constraint=False,
        db_index=False,  # the (scan, unit) index below serves it
    )
    created_at = models.DateTimeField("产生时间")

    class Meta:
        verbose_name = "期限预警"
        verbose_name_plural = "期限预警"
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "clock", "stage", "deadline"], name="clock_alert_once"
            )
        ]
        indexes = [models.Index(fields=["scan", "unit"])]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.get_clock_display()}{self.get_stage_display()}"


class Notification(models.Model):
    """An in-app notification for one user; SMS and e-mail carry a digest of these."""

    # indexes and database-level foreign keys kept to what the page and the scan need, for the
    # same reason as ClockAlert's: a first scan inserts hundreds of thousands of these rows
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_constraint=False,  # users are deactivated, not deleted; the ORM cascades if one is
        db_index=False,  # the indexes below start with the recipient
    )
    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    alert = models.ForeignKey(
        ClockAlert,
        verbose_name="预警",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField("类型", max_length=16, choices=NotificationKind.choices)
    text = models.CharField("内容", max_length=200)
    # a notification without an alert (a missing holiday year) is kept once per user by this key
    key = models.CharField("去重键", max_length=64, blank=True)
    scan = models.ForeignKey(
        ClockScan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the (scan, recipient) index below serves it
    )
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "alert"],
                condition=models.Q(alert__isnull=False),
                name="notification_once_per_alert",
            ),
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="notification_once_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"]),
            models.Index(fields=["scan", "recipient"]),
        ]

    def __str__(self) -> str:
        return self.text

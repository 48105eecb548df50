"""Disputes (矛盾纠纷) before they become petitions: screening, escalation, mediation, reports.

Disputes are about problems: parties are a count, never a list of people, and nothing here
records where anyone is or goes. A dispute that becomes a petition is linked to its matter and
from then counts as the matter (status 已转信访).
"""

from django.conf import settings
from django.db import models

from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeSource,
    DisputeStatus,
    EscalationReason,
    MediationKind,
    MediationResult,
    NextStep,
    Risk,
)


class ScreeningCampaign(models.Model):
    """A named period of screening (专项排查, e.g. before a festival): a list of disputes."""

    name = models.CharField("名称", max_length=100)
    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "专项排查"
        verbose_name_plural = "专项排查"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="campaign_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Dispute(models.Model):
    number = models.CharField("纠纷编号", max_length=40, unique=True)
    found_on = models.DateField("排查日期", db_index=True)
    source = models.CharField("来源", max_length=12, choices=DisputeSource.choices)
    campaign = models.ForeignKey(
        ScreeningCampaign,
        verbose_name="专项排查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    place = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="问题属地", on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "intake.Category",
        verbose_name="内容分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parties = models.PositiveIntegerField("涉及人数")
    description = models.TextField("情况")
    risk = models.CharField("风险等级", max_length=8, choices=Risk.choices)
    plan = models.TextField("化解方案", blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    # the unit settling it now (the current level's), and the owners of each level above the
    # place, fixed when recorded so the scan raises a dispute with one UPDATE
    owner_unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    street_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="街道乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="区县",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField("当前层级", max_length=10, choices=DisputeLevel.choices)
    level_since = models.DateField("进入本层级日期")
    # the current level's time to settle (calendar module); None at 区县 (a package follows)
    level_due = models.DateField("本层级化解期限", null=True, blank=True)
    settled_on = models.DateField("化解日期", null=True, blank=True)
    settled_level = models.CharField(
        "化解层级", max_length=10, choices=DisputeLevel.choices, blank=True
    )
    rescreen_of = models.ForeignKey(
        "self",
        verbose_name="重排自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rescreens",
    )
    rescreened = models.BooleanField("重排", default=False)
    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    registration = models.ForeignKey(
        "intake.Registration",
        verbose_name="转信访登记",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disputes",
    )
    petition_on = models.DateField("转信访日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "矛盾纠纷"
        verbose_name_plural = "矛盾纠纷"
        ordering = ["-found_on", "-id"]
        indexes = [
            # the scan: open disputes whose level's time to settle is near or past
            models.Index(
                fields=["level_due"],
                condition=models.Q(status="open"),
                name="dispute_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Escalation(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="escalations")
    on = models.DateField("升级日期")
    from_level = models.CharField("原层级", max_length=10, choices=DisputeLevel.choices)
    to_level = models.CharField("升至", max_length=10, choices=DisputeLevel.choices)
    reason = models.CharField("原因", max_length=8, choices=EscalationReason.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    scan = models.ForeignKey(
        "notifications.ClockScan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "升级记录"
        verbose_name_plural = "升级记录"
        ordering = ["on", "id"]
        constraints = [
            # levels only rise: a dispute leaves each level once, so a second scan adds nothing
            models.UniqueConstraint(fields=["dispute", "from_level"], name="escalation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.from_level}→{self.to_level}"


class DisputeAlert(models.Model):
    """预警 (the level's time nearly up) or 超期 (passed: the scan raised the dispute)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    level = models.CharField("层级", max_length=10, choices=DisputeLevel.choices)
    stage = models.CharField("阶段", max_length=8)  # notifications.AlertStage
    deadline = models.DateField("期限日")
    unit = models.ForeignKey(
        "organisation.OrgUnit", on_delete=models.PROTECT, related_name="dispute_alerts"
    )  # who hears of it: the level's owner (warning), the next level's (overdue)
    scan = models.ForeignKey(
        "notifications.ClockScan", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "纠纷期限预警"
        verbose_name_plural = "纠纷期限预警"
        constraints = [
            models.UniqueConstraint(
                fields=["dispute", "level", "stage", "deadline"], name="dispute_alert_once"
            )
        ]
        indexes = [models.Index(fields=["scan", "unit"])]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.level} {self.stage}"


class Mediation(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="mediations")
    kind = models.CharField("调解类型", max_length=16, choices=MediationKind.choices)
    level = models.CharField("层级", max_length=10, choices=DisputeLevel.choices)
    mediator = models.CharField("调解员或调解组织", max_length=100)
    organisation = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="调解单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField("开始日期")
    result = models.CharField("调解结果", max_length=8, choices=MediationResult.choices, blank=True)
    concluded_on = models.DateField("结束日期", null=True, blank=True)
    agreement = models.TextField("协议内容", blank=True)
    failure_reason = models.TextField("调解不成原因", blank=True)
    next_step = models.CharField("去向", max_length=12, choices=NextStep.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "调解"
        verbose_name_plural = "调解"
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute} {self.get_kind_display()}"


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField("调解日期")
    parties_present = models.PositiveIntegerField("到场当事方数")
    positions = models.TextField("各方意见")
    note = models.TextField("记录", blank=True)

    class Meta:
        verbose_name = "调解记录"
        verbose_name_plural = "调解记录"
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.mediation_id} {self.held_on}"


class MonthlyReport(models.Model):
    """A unit's month of screening (每月一排查): its list, or 零报告 (it found nothing)."""

    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("月份")  # the first day of the month
    zero = models.BooleanField("零报告", default=False)
    disputes = models.ManyToManyField(Dispute, verbose_name="纠纷", related_name="reports")
    submitted_on = models.DateField("报送日期")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "月排查报送"
        verbose_name_plural = "月排查报送"
        ordering = ["-month", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="monthly_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class Feedback(models.Model):
    """反馈: a unit's answer on one item of the 通报."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="feedback")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="feedback")
    text = models.TextField("反馈")
    given_on = models.DateField("反馈日期")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "反馈"
        verbose_name_plural = "反馈"
        constraints = [
            models.UniqueConstraint(fields=["report", "dispute"], name="feedback_once"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.dispute_id}"

"""Workflow tables: calendar years, assignments, each matter's clocks, supervision, instructions."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from xinfang.intake.choices import SupervisionLevel
from xinfang.workflow.supervision_rules import (
    SupervisionKind,
    SupervisionOutcome,
    SupervisionSource,
)
from xinfang.workflow.transitions import AssignmentKind, LegalChannel, ReplyOutcome

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


class Assignment(models.Model):
    """A forward (转送) or assignment (交办) of a matter to a handling unit, with its own clocks."""

    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="承办单位",
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    kind = models.CharField("方式", max_length=16, choices=AssignmentKind.choices)
    assigned_on = models.DateField("交办日期")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField("办理期限")
    received_on = models.DateField("签收日期", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_due = models.DateField("退回期限", null=True, blank=True)
    returned_on = models.DateField("退回日期", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField("退回理由", blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "交办记录"
        verbose_name_plural = "交办记录"
        ordering = ["matter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter"],
                condition=models.Q(active=True),
                name="assignment_one_active_per_matter",
            )
        ]
        indexes = [models.Index(fields=["unit", "active", "due"])]

    def __str__(self) -> str:
        return f"{self.matter} → {self.unit}"


class MatterWorkflow(models.Model):
    """The workflow's own facts of a matter beyond the ledger's: outcomes, deliveries, clocks.

    Kept by xinfang.workflow.services only; the ledger's facts stay on the Matter itself.
    """

    matter = models.OneToOneField(
        "intake.Matter", primary_key=True, on_delete=models.PROTECT, related_name="workflow"
    )
    decline_reason = models.TextField("不予受理理由", blank=True)
    legal_channel = models.CharField(
        "依法分类途径", max_length=16, choices=LegalChannel.choices, blank=True
    )
    handling_notes = models.TextField("办理情况", blank=True)
    extension_days = models.PositiveSmallIntegerField("申请延期天数", null=True, blank=True)
    extension_reason = models.TextField("延期理由", blank=True)
    extension_requested_on = models.DateField("延期申请日期", null=True, blank=True)
    extension_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # None while the request waits for the head; True approved, False refused
    extension_approved = models.BooleanField("延期获批", null=True, blank=True)
    reply_outcome = models.CharField(
        "处理意见", max_length=16, choices=ReplyOutcome.choices, blank=True
    )
    reply_delivered_on = models.DateField("处理意见送达日期", null=True, blank=True)
    review_request_due = models.DateField("申请复查期限", null=True, blank=True)
    review_due = models.DateField("复查期限", null=True, blank=True)
    review_outcome = models.CharField(
        "复查意见", max_length=16, choices=ReplyOutcome.choices, blank=True
    )
    review_delivered_on = models.DateField("复查意见送达日期", null=True, blank=True)
    rereview_request_due = models.DateField("申请复核期限", null=True, blank=True)
    rereview_due = models.DateField("复核期限", null=True, blank=True)
    hearing_started_on = models.DateField("听证开始日期", null=True, blank=True)
    hearing_ended_on = models.DateField("听证结束日期", null=True, blank=True)
    rereview_outcome = models.CharField(
        "复核意见", max_length=16, choices=ReplyOutcome.choices, blank=True
    )
    final_on = models.DateField("终结日期", null=True, blank=True)

    class Meta:
        verbose_name = "办理流程"
        verbose_name_plural = "办理流程"

    def __str__(self) -> str:
        return f"{self.matter_id}"


class SupervisionNotice(models.Model):
    """督办单: a level's demand that a matter be settled by a date; at most one open per level."""

    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="supervision_notices",
    )
    level = models.CharField("督办级别", max_length=16, choices=SupervisionLevel.choices)
    kind = models.CharField("督办类型", max_length=16, choices=SupervisionKind.choices)
    source = models.CharField("发起方式", max_length=8, choices=SupervisionSource.choices)
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="被督办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_notices",
    )
    reason = models.TextField("督办事由")
    raised_on = models.DateField("督办日期")
    due = models.DateField("督办期限")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        "督办结果", max_length=16, choices=SupervisionOutcome.choices, blank=True
    )
    outcome_note = models.TextField("结果说明", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["matter", "id"]
        constraints = [
            # a clock scan run twice (or at once) can never open a second notice at one level
            models.UniqueConstraint(
                fields=["matter", "level"],
                condition=models.Q(closed_on__isnull=True),
                name="supervision_one_open_per_matter_level",
            )
        ]
        indexes = [models.Index(fields=["closed_on", "due"])]

    def __str__(self) -> str:
        return f"{self.matter} {self.get_level_display()}督办"


class LeaderInstruction(models.Model):
    """领导批示 on a matter, as the leader wrote it."""

    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="leader_instructions",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="批示领导",
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField("批示内容")
    given_on = models.DateField("批示日期")

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ["matter", "given_on", "id"]

    def __str__(self) -> str:
        return f"{self.matter} {self.given_on:%Y-%m-%d} 批示"


class BackdateApproval(models.Model):
    """督查's approval to date one step before the backdating window (xinfang.workflow.entry):
    for one matter, one step, one day; the step that uses it records it and marks it used."""

    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="backdate_approvals",
    )
    step = models.CharField("办理步骤", max_length=32)
    day = models.DateField("补录日期")
    reason = models.TextField("补录理由")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批准人", on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField("批准时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "补录批准"
        verbose_name_plural = "补录批准"
        ordering = ["matter", "id"]

    def __str__(self) -> str:
        return f"{self.matter} {self.step} {self.day:%Y-%m-%d} 补录"


class ReviewStage(models.TextChoices):
    REVIEW = "review", "复查"
    REREVIEW = "rereview", "复核"


class ReviewResult(models.TextChoices):
    DECLINED = "declined", "不予受理"
    WITHDRAWN = "withdrawn", "申请人撤回"


class ReviewDeclineReason(models.TextChoices):
    LATE = "late", "超过申请期限"
    NOT_REVIEWABLE = "not_reviewable", "不属于复查、复核范围"
    FINAL = "final", "信访事项已经终结"
    OTHER = "other", "其他"


class ReviewApplication(models.Model):
    """A 复查/复核 申请 that did not run its course: refused (不予受理) or withdrawn (撤回).

    An accepted request lives on the matter itself (`review_requested_on` ...); this keeps the
    ones the matter's dates cannot hold, so reports count them. Written by the workflow only.
    """

    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="review_applications",
    )
    stage = models.CharField("阶段", max_length=16, choices=ReviewStage.choices)
    received_on = models.DateField("申请日期")
    result = models.CharField("结果", max_length=16, choices=ReviewResult.choices)
    result_on = models.DateField("不予受理或撤回日期")
    reason = models.CharField(
        "不予受理理由", max_length=16, choices=ReviewDeclineReason.choices, blank=True
    )
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "复查复核申请（未受理或撤回）"
        verbose_name_plural = "复查复核申请（未受理或撤回）"
        ordering = ["matter", "id"]
        indexes = [models.Index(fields=["result", "result_on"])]

    def __str__(self) -> str:
        return f"{self.matter} {self.get_stage_display()}申请 {self.get_result_display()}"


class MatterMerge(models.Model):
    """One matter of the history merged into another (`xinfang apply-merges`), and how to undo it.

    The absorbed matter's registrations moved to `kept` and its row went (纯件数 counts one
    matter); `snapshot` holds that row as it was and `registrations` the ids that moved, so that
    `xinfang unmerge` puts both back. Written by xinfang.workflow.merges only.
    """

    kept = models.ForeignKey(
        "intake.Matter", verbose_name="保留事项", on_delete=models.PROTECT, related_name="+"
    )
    absorbed_number = models.CharField("并入事项编号", max_length=64, db_index=True)
    absorbed_id = models.BigIntegerField("并入事项ID")
    snapshot = models.JSONField("并入事项原记录", encoder=DjangoJSONEncoder)
    registrations = models.JSONField("移入的登记")
    evidence = models.TextField("合并依据", blank=True)
    source = models.CharField("来源文件", max_length=255, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="合并人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    merged_at = models.DateTimeField("合并时间", auto_now_add=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "事项合并"
        verbose_name_plural = "事项合并"
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.absorbed_number} → {self.kept}"

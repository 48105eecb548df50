"""Joint meetings (联席会议, 会办会) and their decisions; batches handed down (交办积案); 积案.

Kept by xinfang.casework.services only. Everything here is about matters and units, never a list
of people: a decision assigns matters, a batch holds matters, 积案 is a fact about a matter.
"""

from django.conf import settings
from django.db import models

from xinfang.casework.choices import (
    BatchSource,
    BodyKind,
    LongStandingReason,
    MeetingKind,
    Verification,
)


class JointBody(models.Model):
    """A 联席会议 or a bureau's 会办会: its member units and topic groups."""

    name = models.CharField("名称", max_length=128, unique=True)
    kind = models.CharField("类型", max_length=16, choices=BodyKind.choices)
    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(
        "organisation.OrgUnit", verbose_name="成员单位", blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class TopicGroup(models.Model):
    """专题小组 of a joint body, e.g. 农村征用土地问题组, with its member units."""

    body = models.ForeignKey(JointBody, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField("小组名称", max_length=128)
    members = models.ManyToManyField(
        "organisation.OrgUnit", verbose_name="成员单位", blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "专题小组"
        verbose_name_plural = "专题小组"
        ordering = ["body", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="topic_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Meeting(models.Model):
    """A meeting held (联席会议, 会办会, 专题会) with its minutes."""

    body = models.ForeignKey(
        JointBody, verbose_name="联席会议", on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    held_on = models.DateField("会议日期", db_index=True)
    place = models.CharField("地点", max_length=128, blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.body} {self.held_on:%Y-%m-%d} {self.get_kind_display()}"


class Decision(models.Model):
    """A meeting's decision: its text and, per matter, a 交办 to a unit with a deadline."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    group = models.ForeignKey(
        TopicGroup,
        verbose_name="专题小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    text = models.TextField("议定事项")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会议决定"
        verbose_name_plural = "会议决定"
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.pk}"


class DecisionItem(models.Model):
    """One matter a decision assigned: the workflow's 交办 (its Assignment) and the deadline."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="items")
    matter = models.ForeignKey("intake.Matter", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField("办结时限")
    assignment = models.OneToOneField(
        "workflow.Assignment", on_delete=models.PROTECT, related_name="decision_item"
    )

    class Meta:
        verbose_name = "交办事项"
        verbose_name_plural = "交办事项"
        ordering = ["decision", "id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "matter"], name="decision_matter_once")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}:{self.matter_id}"


class HandedDownBatch(models.Model):
    """交办积案: a list handed down by an upper level (中央/省/市), e.g. 第一批."""

    source = models.CharField("交办层级", max_length=16, choices=BatchSource.choices)
    name = models.CharField("批次", max_length=64)
    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="承接单位", on_delete=models.PROTECT, related_name="+"
    )
    handed_on = models.DateField("交办日期")
    deadline = models.DateField("化解时限")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "交办积案批次"
        verbose_name_plural = "交办积案批次"
        ordering = ["-handed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "name", "unit"], name="batch_unique_name_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}{self.name}"


class BatchItem(models.Model):
    """A matter of a batch: 化解 (the matter's 化解日期), then 通过审核 or sent back;
    回流 counted."""

    batch = models.ForeignKey(HandedDownBatch, on_delete=models.CASCADE, related_name="items")
    matter = models.ForeignKey("intake.Matter", on_delete=models.PROTECT, related_name="+")
    resolved_on = models.DateField("化解日期", null=True, blank=True)
    verification = models.CharField(
        "审核", max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verified_on = models.DateField("审核日期", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_back_reason = models.TextField("退回理由", blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "交办积案事项"
        verbose_name_plural = "交办积案事项"
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "matter"], name="batch_matter_once")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.matter_id}"


class BatchReflow(models.Model):
    """回流: a registration of a batch matter after its 化解日期 (the rule of intake.reflow)."""

    item = models.ForeignKey(BatchItem, on_delete=models.CASCADE, related_name="reflows")
    registration = models.ForeignKey(
        "intake.Registration", on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField("回流日期")
    resolved_before = models.DateField("原化解日期")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "交办积案回流"
        verbose_name_plural = "交办积案回流"
        ordering = ["item", "on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "registration"], name="batch_reflow_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.on:%Y-%m-%d}"


class LongStanding(models.Model):
    """积案: a fact about a matter with its date — never a label on a person."""

    matter = models.OneToOneField(
        "intake.Matter", on_delete=models.CASCADE, related_name="long_standing"
    )
    since = models.DateField("认定日期")
    reason = models.CharField("认定依据", max_length=16, choices=LongStandingReason.choices)
    batch = models.ForeignKey(
        HandedDownBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "积案"
        verbose_name_plural = "积案"
        indexes = [models.Index(fields=["since"], name="long_standing_since")]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.since:%Y-%m-%d}"

"""Hearings (听证) on a matter in handling, review or re-review, who took part, their documents.

Kept by xinfang.hearings.services only. A re-review hearing's dates are also the re-review
clock's pause: they are written by the workflow's steps hearing_start / hearing_end
(MatterWorkflow.hearing_started_on / hearing_ended_on, read by workflow.clocks._rereview), which
open and close this record (xinfang.hearings.sync) — one source for the pause.
Participants are names and roles at the hearing: no ID number, phone or address is kept.
"""

from django.conf import settings
from django.db import models

from xinfang.hearings.choices import (
    HearingDocumentKind,
    HearingStage,
    HearingStatus,
    ParticipantRole,
)


class Hearing(models.Model):
    matter = models.ForeignKey(
        "intake.Matter", verbose_name="信访事项", on_delete=models.PROTECT, related_name="hearings"
    )
    stage = models.CharField("听证阶段", max_length=16, choices=HearingStage.choices)
    status = models.CharField(
        "状态", max_length=16, choices=HearingStatus.choices, default=HearingStatus.PLANNED
    )
    starts_on = models.DateField("听证日期")
    ends_on = models.DateField("听证结束日期", null=True, blank=True)
    place = models.CharField("听证地点", max_length=200, blank=True)
    host_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="主持单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    public = models.BooleanField("公开听证", default=True)
    record = models.TextField("听证笔录", blank=True)
    conclusion = models.TextField("听证结论", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "信访听证"
        verbose_name_plural = "信访听证"
        ordering = ["matter", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="hearing_ends_after_start",
            ),
            # 复核: one hearing per matter (the workflow's rule, "每件一次")
            models.UniqueConstraint(
                fields=["matter"],
                condition=models.Q(stage="rereview"),
                name="hearing_one_per_rereview",
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_on"], name="hearing_held_idx")]

    def __str__(self) -> str:
        return f"{self.matter.number} {self.get_stage_display()}听证（{self.starts_on:%Y-%m-%d}）"


class HearingParticipant(models.Model):
    hearing = models.ForeignKey(
        Hearing, verbose_name="听证", on_delete=models.CASCADE, related_name="participants"
    )
    role = models.CharField("身份", max_length=24, choices=ParticipantRole.choices)
    name = models.CharField("姓名或单位", max_length=64)
    affiliation = models.CharField("所在单位或职务", max_length=128, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "听证参加人"
        verbose_name_plural = "听证参加人"
        ordering = ["hearing", "order", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class HearingDocument(models.Model):
    """听证通知书 or 听证报告, its text frozen when issued: a reprint is the same document."""

    hearing = models.ForeignKey(
        Hearing, verbose_name="听证", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("文书种类", max_length=16, choices=HearingDocumentKind.choices)
    number = models.CharField("文号", max_length=64, unique=True)
    issuer = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="出具单位", on_delete=models.PROTECT, related_name="+"
    )
    issuer_name = models.CharField("落款机关", max_length=128)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField("成文日期")
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)
    title = models.CharField("标题", max_length=64)
    body = models.TextField("正文")

    class Meta:
        verbose_name = "听证文书"
        verbose_name_plural = "听证文书"
        ordering = ["hearing", "issued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["hearing", "kind"], name="hearing_document_once")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def date_text(self) -> str:
        return f"{self.issued_on.year}年{self.issued_on.month}月{self.issued_on.day}日"

    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.body.split("\n") if line.strip()]

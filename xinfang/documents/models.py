"""Document tables: each unit's 机关代字, the templates the administrator edits, issued ones."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from xinfang.documents.kinds import DocumentKind
from xinfang.documents.placeholders import check_template, check_title
from xinfang.organisation.models import OrgUnit


class IssuerPrefix(models.Model):
    """机关代字 of a unit, the head of its document numbers (示信 for 示范区信访局)."""

    unit = models.OneToOneField(
        "organisation.OrgUnit",
        verbose_name="单位",
        on_delete=models.PROTECT,
        related_name="issuer_prefix",
    )
    prefix = models.CharField(
        "机关代字",
        max_length=8,
        unique=True,  # two units with one 代字 would print the same 文号 on different documents
        help_text="文号的开头，如“青信”（青山区信访局）。只用汉字。未设置时按单位名称生成"
        "（区县、市及信访部门取所在地首字加“信”，其他单位取名称前两字，与其他单位重复时多取几字）；"
        "不能与其他单位正在使用的代字相同。改动后新出具的文书使用新代字，按新代字编号，"
        "已出具的文书不变。",
    )
    organ_name = models.CharField(
        "落款机关",
        max_length=128,
        blank=True,
        help_text="文书落款的机关全称，如“青山区信访局”；留空时按单位名称生成。",
    )

    class Meta:
        verbose_name = "机关代字与落款"
        verbose_name_plural = "机关代字与落款"
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return f"{self.unit}：{self.prefix}"

    def clean(self) -> None:
        self.prefix = self.prefix.strip()
        if not self.prefix or not all("\u4e00" <= ch <= "\u9fff" for ch in self.prefix):
            raise ValidationError({"prefix": "机关代字只能由汉字组成，如“青信”"})
        self.organ_name = self.organ_name.strip()
        if self.unit_id is None:
            return  # the form reports the missing unit
        from xinfang.documents.prefixes import current_prefixes  # it reads this module

        holder = next(
            (pk for pk, p in current_prefixes().items() if p == self.prefix and pk != self.unit_id),
            None,
        )
        if holder is not None:
            other = OrgUnit.objects.get(pk=holder)
            raise ValidationError(
                {
                    "prefix": f"机关代字“{self.prefix}”已是{other}正在使用的代字，"
                    "两个单位用同一代字会印出相同的文号，请另选一个"
                }
            )


class DocumentTemplate(models.Model):
    """The text of one kind of document; a unit's own overrides the default for it and below it."""

    kind = models.CharField("文书种类", max_length=16, choices=DocumentKind.choices)
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="适用单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空为全系统默认模板；指定单位时，该单位及其下级单位出具此种文书时使用本模板。",
    )
    title = models.CharField("标题", max_length=64)
    body = models.TextField(
        "正文",
        help_text="正文中用 {{ 占位符 }} 填入事项信息，可用 {% if 占位符 %}……{% endif %} "
        "在有内容时才写出一段。每行为一段（空行不计）；第一行以“：”结尾时作为称谓行，不缩进。",
    )
    footer = models.CharField(
        "附注", max_length=64, blank=True, help_text="文末附注，如“（此件不公开）”，可留空"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"
        ordering = ["kind", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(unit__isnull=True),
                name="document_template_one_default_per_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "unit"], name="document_template_one_per_kind_unit"
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit.name if self.unit is not None else "默认"
        return f"{self.get_kind_display()}（{scope}）"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.kind not in DocumentKind.values:
            return  # the field's own choice check reports it
        for name, check in (("title", check_title), ("body", None), ("footer", check_title)):
            try:
                if check is None:
                    check_template(self.kind, self.body)
                else:
                    check(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)


class IssuedDocument(models.Model):
    """One issued document, its text frozen at issue: a reprint is the same document."""

    matter = models.ForeignKey(
        "intake.Matter",
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="documents",
    )
    kind = models.CharField("文书种类", max_length=16, choices=DocumentKind.choices)
    issuer = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="出具单位",
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=64)
    # what a step this document belongs to: "event:<id>", "assignment:<id>", "notice:<id>" or
    # "matter" (a fact imported without its event); one document per kind and step
    step_key = models.CharField(max_length=32)
    event = models.ForeignKey(
        "core.AuditEvent",
        verbose_name="对应步骤",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice = models.ForeignKey(
        "workflow.SupervisionNotice",
        verbose_name="督办记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    template = models.ForeignKey(
        DocumentTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField("成文日期")
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)
    # frozen at issue
    issuer_name = models.CharField("出具单位名称", max_length=128)
    title = models.CharField("标题", max_length=64)
    body = models.TextField("正文")
    footer = models.CharField("附注", max_length=64, blank=True)

    class Meta:
        verbose_name = "已出具文书"
        verbose_name_plural = "已出具文书"
        ordering = ["matter", "issued_at", "id"]
        constraints = [
            # the printed serial number is never given twice, whatever happens above this table
            models.UniqueConstraint(fields=["number"], name="document_number_printed_once"),
            models.UniqueConstraint(
                fields=["matter", "kind", "step_key"], name="document_once_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def date_text(self) -> str:
        return f"{self.issued_on.year}年{self.issued_on.month}月{self.issued_on.day}日"

    def paragraphs(self) -> list[str]:
        """The body's paragraphs: each non-empty line is one."""
        return [line.strip() for line in self.body.split("\n") if line.strip()]

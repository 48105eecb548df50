"""Petitioners, matters, registrations, representatives, categories and attachments."""

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.functions import Coalesce

from xinfang.core.sealed_fields import LookupHashField, SealedCharField, SealedModel
from xinfang.core.sealing import (
    ID_PREFIX_LENGTH,
    ID_PREFIX_LENGTHS,
    id_prefix_hash,
    lookup_hash,
    normalise,
)
from xinfang.intake.choices import (
    AttachmentKind,
    Channel,
    Evaluation,
    Form,
    HandlingMethod,
    LetterKind,
    Level,
    Purpose,
    Sex,
    Source,
    SupervisionLevel,
    form_label,
)
from xinfang.workflow.states import MatterStatus


class Category(models.Model):
    """A node of the content-category tree (内容分类); names are unique in the whole tree."""

    name = models.CharField("名称", max_length=64, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("路径", max_length=255, unique=True)  # "城乡建设/征地拆迁"
    sort_order = models.IntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "path"]
        verbose_name = "内容分类"
        verbose_name_plural = "内容分类"

    def __str__(self) -> str:
        return self.path


class PetitionerQuerySet(models.QuerySet["Petitioner"]):
    """People found by their sealed numbers, through the keyed hashes (xinfang.core.sealing)."""

    def with_id_number(self, number: str) -> "PetitionerQuerySet":
        return self.filter(id_number_hash=lookup_hash(number))

    def with_phone(self, phone: str) -> "PetitionerQuerySet":
        return self.filter(phone_hash=lookup_hash(phone))

    def id_number_starting(self, prefix: str) -> "PetitionerQuerySet":
        """Whose ID number starts with `prefix` (at least ID_PREFIX_LENGTH characters)."""
        lookup = id_prefix_lookup(prefix)
        return self.none() if lookup is None else self.filter(**lookup)


def id_prefix_lookup(prefix: str) -> dict[str, Any] | None:
    """The Petitioner lookup of those whose ID number starts with `prefix` (None: shorter than
    ID_PREFIX_LENGTH), for the database to answer: a prefix of 10 to 14 characters by its own
    keyed hash (id_prefix_hash … id_prefix14_hash); a longer one among those sharing its first 14
    (a district's people born on one day: a few dozen), opened and compared in clear. A lookup,
    not a query set, so that a query through another table can ask it of its petitioner."""
    prefix = normalise(prefix)
    if len(prefix) < ID_PREFIX_LENGTH:
        return None
    stored = max(n for n in ID_PREFIX_LENGTHS if n <= len(prefix))
    same = {prefix_hash_field(stored): id_prefix_hash(prefix, stored)}
    if stored == len(prefix):
        return same
    rows = Petitioner.objects.filter(**same).values_list("pk", "id_number")
    return {"pk__in": [pk for pk, number in rows if number and number.startswith(prefix)]}


def prefix_hash_field(length: int) -> str:
    """The Petitioner field holding the keyed hash of an ID number's first `length` characters."""
    return "id_prefix_hash" if length == ID_PREFIX_LENGTH else f"id_prefix{length}_hash"


class Petitioner(SealedModel):
    """A person (一人一档). Identified by ID number when known, else by name and phone.

    The ID number and phone are sealed (xinfang.core.sealing) and found by their keyed hashes."""

    # found by name through the index (name, phone_hash) below, whose first column it is
    name = models.CharField("姓名", max_length=64)
    id_number = SealedCharField("身份证号", null=True, blank=True)
    # unique: one file per ID number; NULL (not "") for none, so many people may have no number
    id_number_hash = LookupHashField(source="id_number", null=True, unique=True)
    # the first 10, 11, 12, 13 and 14 characters (sealing.ID_PREFIX_LENGTHS), for the desk
    id_prefix_hash = LookupHashField(
        source="id_number", kind="id_prefix", blank=True, db_index=True
    )
    id_prefix11_hash = LookupHashField(
        source="id_number", kind="id_prefix_11", blank=True, db_index=True
    )
    id_prefix12_hash = LookupHashField(
        source="id_number", kind="id_prefix_12", blank=True, db_index=True
    )
    id_prefix13_hash = LookupHashField(
        source="id_number", kind="id_prefix_13", blank=True, db_index=True
    )
    id_prefix14_hash = LookupHashField(
        source="id_number", kind="id_prefix_14", blank=True, db_index=True
    )
    birth_date = models.DateField("出生日期", null=True, blank=True)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, blank=True)
    phone = SealedCharField("联系电话", blank=True)
    phone_hash = LookupHashField(source="phone", blank=True, db_index=True)
    address = models.CharField("住址", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PetitionerQuerySet.as_manager()

    class Meta:
        verbose_name = "信访人"
        verbose_name_plural = "信访人"
        indexes = [models.Index(fields=["name", "phone_hash"], name="petitioner_name_phone")]

    def __str__(self) -> str:
        return self.name


class Matter(models.Model):
    """A petition matter (信访事项, 件): one or more registrations about the same request.

    The fields after `status` are the recorded facts of its handling (contract A, from 处理方式
    on); the workflow services keep them, and the reports count from them.
    """

    number = models.CharField("事项编号", max_length=64, unique=True)
    status = models.CharField(
        "状态", max_length=24, choices=MatterStatus.choices, default=MatterStatus.REGISTERED
    )
    # Copied from the first registration, which decides where and when a matter counts and
    # what the staff list filters on (intake.services keeps them).
    first_received_on = models.DateField("首次登记日期")
    last_received_on = models.DateField("最近登记日期")
    registration_count = models.PositiveIntegerField("登记次数", default=0)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    level = models.CharField("层级", max_length=16, choices=Level.choices, default=Level.LOCAL)
    form = models.CharField("形式", max_length=16, choices=Form.choices, default=Form.INDIVIDUAL)
    purpose = models.CharField("信访目的", max_length=16, choices=Purpose.choices, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name="内容分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    locality = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="问题属地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    responsible_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    petitioner = models.ForeignKey(
        Petitioner,
        verbose_name="信访人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    handling_method = models.CharField(
        "处理方式", max_length=16, choices=HandlingMethod.choices, blank=True
    )
    decided_on = models.DateField("处理日期", null=True, blank=True)
    handling_deadline = models.DateField("办理期限", null=True, blank=True)
    extended_to = models.DateField("延期至", null=True, blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    evaluation = models.CharField("评价", max_length=24, choices=Evaluation.choices, blank=True)
    evaluated_on = models.DateField("评价日期", null=True, blank=True)
    review_requested_on = models.DateField("复查申请日期", null=True, blank=True)
    review_replied_on = models.DateField("复查答复日期", null=True, blank=True)
    # The earliest 复查申请 the matter no longer holds in review_requested_on: refused (不予受理)
    # or withdrawn (撤回), copied from its ReviewApplication rows by the workflow services, so
    # that 初信初访一次性化解率 ("no 复查申请") is decided by the matter's own row.
    review_dropped_on = models.DateField("复查申请日期（不予受理或撤回）", null=True, blank=True)
    rereview_requested_on = models.DateField("复核申请日期", null=True, blank=True)
    rereview_replied_on = models.DateField("复核答复日期", null=True, blank=True)
    package_leader = models.CharField("包案领导", max_length=64, blank=True)
    package_started_on = models.DateField("包案日期", null=True, blank=True)
    supervision_level = models.CharField(
        "督办级别", max_length=16, choices=SupervisionLevel.choices, blank=True
    )
    supervision_started_on = models.DateField("督办日期", null=True, blank=True)
    supervision_due = models.DateField("督办期限", null=True, blank=True)
    resolved_on = models.DateField("化解日期", null=True, blank=True)
    remark = models.TextField("备注", blank=True)

    version = models.PositiveIntegerField(default=1)  # bumped on every change; optimistic checks
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        indexes = [
            models.Index(fields=["first_received_on", "id"]),
            # the desk's person look-up walks the most recent matters (intake.selectors.WALK_FROM)
            models.Index(fields=["last_received_on", "id"], name="matter_recent"),
            models.Index(fields=["status", "first_received_on"]),
            models.Index(fields=["channel", "first_received_on"]),
            models.Index(fields=["level", "first_received_on"]),
            models.Index(fields=["form", "first_received_on"]),
            models.Index(fields=["purpose", "first_received_on"]),
            models.Index(fields=["category", "first_received_on"]),
            models.Index(fields=["locality", "first_received_on"]),
            models.Index(fields=["responsible_unit", "first_received_on"]),
            # the clock scan's 办理期限: the handling deadline of the matters whose clock runs,
            # so that finding the due ones is a range scan, not a pass over every matter
            models.Index(
                Coalesce("extended_to", "handling_deadline"),
                name="matter_handle_clock",
                condition=models.Q(
                    status__in=(MatterStatus.ASSIGNED, MatterStatus.IN_HANDLING),
                    replied_on__isnull=True,
                ),
            ),
            # the report's 息访率 asks apart the replied matters of three or more registrations
            # whose dates cannot tell whether one came back within the window (counting/rates.py
            # `_unsure_return`): their few from here, not from a second pass over every matter
            models.Index(
                fields=["replied_on"],
                name="matter_many_replied",
                include=["id", "first_received_on", "last_received_on", "locality"],
                condition=models.Q(registration_count__gte=3),
            ),
            # the report's leader packages are found by their matters' 属地: the few packaged
            # matters (包案日期 set, as every package writes it) without a pass over the rest
            models.Index(
                fields=["locality", "id"],
                name="matter_packaged_locality",
                condition=models.Q(package_started_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def form_label(self) -> str:
        """个访 / 集体访 for a visit; a letter's kind shows on its registrations (联名信)."""
        return form_label(self.channel, self.form)


class ImportBatch(models.Model):
    """One run of a ledger import: what file, by whom, with what result."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=32)  # "atomic", "partial", "update", "partial+update"
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "台账导入"
        verbose_name_plural = "台账导入"

    def __str__(self) -> str:
        return f"{self.file_name} {self.started_at:%Y-%m-%d %H:%M}"


class RegistrationOutcome(models.TextChoices):
    """What became of one arrival when it was registered (blank: imported, not recorded)."""

    NEW = "new", "新事项"
    JOINED = "joined", "重复信访，并入在办事项"
    TOLD = "told", "重复信访，告知原处理决定"  # the earlier 不予受理 / 依法分类 decision stands
    REFUSED = "refused", "已终结，登记但不予受理"


class Registration(SealedModel):
    """One arrival of a petition through one channel at one level (登记, one 批次)."""

    number = models.CharField("登记编号", max_length=64, unique=True)
    # indexed with the petitioner (registration_matter_person below)
    matter = models.ForeignKey(
        Matter,
        verbose_name="信访事项",
        on_delete=models.PROTECT,
        related_name="registrations",
        db_index=False,
    )
    is_first = models.BooleanField("初信初访", default=True)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    level = models.CharField("层级", max_length=16, choices=Level.choices, default=Level.LOCAL)
    form = models.CharField("形式", max_length=16, choices=Form.choices, default=Form.INDIVIDUAL)
    people = models.PositiveIntegerField("人数", default=1)
    received_at = models.DateTimeField("登记时间")
    received_on = models.DateField("登记日期", db_index=True)
    letter_kind = models.CharField(
        "来信类型", max_length=24, choices=LetterKind.choices, blank=True, default=""
    )

    # indexed with the matter (registration_person_matter below)
    petitioner = models.ForeignKey(
        Petitioner,
        verbose_name="信访人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        db_index=False,
    )
    # What the petitioner gave on that day; the Petitioner row holds the person's current data.
    petitioner_name = models.CharField("信访人", max_length=64, blank=True)
    petitioner_phone = SealedCharField("联系电话", blank=True)  # sealed (xinfang.core.sealing)
    petitioner_phone_hash = LookupHashField(source="petitioner_phone", blank=True)
    petitioner_address = models.CharField("住址", max_length=255, blank=True)

    content = models.TextField("反映内容", blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name="内容分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
        db_index=False,
    )
    purpose = models.CharField("信访目的", max_length=16, choices=Purpose.choices, blank=True)
    locality = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="问题属地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    responsible_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.DESK)
    outcome = models.CharField(
        "登记结果", max_length=16, choices=RegistrationOutcome.choices, blank=True, default=""
    )
    # what the registrar was told to tell the petitioner: the refusal and its basis, or the
    # earlier decision that stands
    outcome_note = models.TextField("登记结果说明", blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信访登记"
        verbose_name_plural = "信访登记"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["received_on", "id"]),
            # The staff search finds a person by what they gave on the day, too.
            models.Index(fields=["petitioner_name"], name="registration_snap_name"),
            models.Index(fields=["petitioner_phone_hash"], name="registration_snap_phone"),
            # A matter's registrations by day: the report asks of a few matters whether one
            # came within some days (息访, 一次性化解) from this index alone, not the rows.
            models.Index(fields=["matter", "received_on"], name="registration_matter_day"),
            # The desk's person look-up (selectors.person_matches) from the index alone, each
            # way: a few people's matters (petitioner, matter), or whether a matter walked from
            # the newest is theirs (matter, petitioner). They serve the foreign keys, too.
            models.Index(fields=["petitioner", "matter"], name="registration_person_matter"),
            models.Index(fields=["matter", "petitioner"], name="registration_matter_person"),
            # The report reads every column it counts from this index alone (an index-only
            # scan of a fifth of the table's pages, on PostgreSQL and SQLite alike).
            models.Index(
                fields=[
                    "received_on",
                    "locality",
                    "channel",
                    "level",
                    "form",
                    "category",
                    "purpose",
                    "people",
                    "matter",
                ],
                name="registration_report_cover",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def form_label(self) -> str:
        return form_label(self.channel, self.form, self.people, self.letter_kind)


class Representative(models.Model):
    """A representative of a collective visit (at most five per registration)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="representatives"
    )
    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "petitioner"], name="representative_once_per_registration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration} #{self.position}"


def attachment_storage() -> FileSystemStorage:
    """Files under MEDIA_ROOT (in the data directory), with no public URL."""
    return FileSystemStorage(location=settings.MEDIA_ROOT, base_url=None)


class Attachment(models.Model):
    """A scanned letter, photo or document kept with a registration, served only through a view."""

    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField("类型", max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(storage=attachment_storage, upload_to="%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class SuggestionRule(models.Model):
    """A keyword rule of the suggested 内容分类 and 责任单位 (xinfang.intake.suggestions): what the
    registrar is offered before the model is trained on the bureau's own history."""

    keywords = models.CharField(
        "关键词", max_length=255, help_text="以空格或顿号分隔，内容中出现任一词即命中"
    )
    category = models.ForeignKey(
        Category,
        verbose_name="建议内容分类",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    responsible_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="建议责任单位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "分类建议规则"
        verbose_name_plural = "分类建议规则"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.keywords

    def words(self) -> list[str]:
        return [w for w in self.keywords.replace("、", " ").replace("，", " ").split() if w]


class SimilarGram(models.Model):
    """One of the rarest character pairs of a matter's content (xinfang.intake.similar.text), as
    the desk, a merge or a small import indexes a matter since the last full re-index: the
    index's delta, read beside SimilarPosting. A matter keeps its SKETCH_SIZE rarest pairs
    (xinfang.intake.similar.index), so the table stays a few dozen rows per matter however long
    the petitions are; a full re-index empties it."""

    pk = models.CompositePrimaryKey("gram", "matter")
    gram = models.BigIntegerField()
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "相似事项索引"
        verbose_name_plural = "相似事项索引"

    def __str__(self) -> str:
        return f"{self.matter_id}:{self.gram}"


class SimilarPosting(models.Model):
    """One character pair's list of the matters that kept it, as of the last full re-index: their
    ids as sorted little-endian 4-byte integers (xinfang.intake.similar.index). Written only by
    the full re-index, whole; the desk writes SimilarGram rows instead (no read-modify-write of a
    list that two desks could do at once). A matter indexed again since, or merged away, may
    still be listed: the look-up scores every candidate on its text and checks it is visible."""

    gram = models.BigIntegerField(primary_key=True)
    matters = models.BinaryField()

    class Meta:
        verbose_name = "相似事项倒排表"
        verbose_name_plural = "相似事项倒排表"

    def __str__(self) -> str:
        return f"{self.gram}:{len(self.matters) // 4}"


class SimilarGramCount(models.Model):
    """In how many matters a common character pair occurs, as of the last full re-index: the
    weight of a pair (xinfang.intake.similar.index). Pairs rarer than the floor are not kept
    (they all weigh the same). Gram 0 holds the number of matters indexed, gram 1 a token that
    changes with every re-index (the process caches read it)."""

    gram = models.BigIntegerField(primary_key=True)
    matters = models.BigIntegerField()

    class Meta:
        verbose_name = "相似事项字对频次"
        verbose_name_plural = "相似事项字对频次"

    def __str__(self) -> str:
        return f"{self.gram}:{self.matters}"

"""Leaders, reception rotas and sessions, bookings, receptions, and case packages (包案, 六定).

Kept by xinfang.leaders.services only. Nothing here records where a petitioner is or goes:
a booking is a request for a slot, a reception is a registration, a package is about a matter.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from xinfang.core.sealed_fields import SealedCharField
from xinfang.leaders.choices import (
    BookingStatus,
    LeaderTier,
    PackageDuty,
    PackageSource,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)

if TYPE_CHECKING:
    from xinfang.intake.models import Matter


class Leader(models.Model):
    """A leader (领导干部) of a unit of the tree: not free text, not necessarily a user."""

    name = models.CharField("姓名", max_length=64)
    post = models.CharField("职务", max_length=64, blank=True)
    tier = models.CharField("领导层级", max_length=16, choices=LeaderTier.choices)
    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="所在单位", on_delete=models.PROTECT, related_name="+"
    )
    # the leader's own login, when they have one (role 领导): their sessions and packages
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leader",
    )
    active = models.BooleanField("在任", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "领导"
        verbose_name_plural = "领导"
        ordering = ["unit__path", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="leader_unique_name_in_unit")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）" if self.post else self.name


class Rota(models.Model):
    """接访排班: a rule that generates sessions — a weekday, or days of each month (下访日)."""

    name = models.CharField("名称", max_length=64)
    kind = models.CharField("接访形式", max_length=16, choices=SessionKind.choices)
    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+"
    )
    # 0 = Monday … 6 = Sunday; or a span of days of each month (e.g. 15–20 for 下访日)
    weekday = models.PositiveSmallIntegerField("每周星期", null=True, blank=True)
    month_day_from = models.PositiveSmallIntegerField("每月起始日", null=True, blank=True)
    month_day_to = models.PositiveSmallIntegerField("每月截止日", null=True, blank=True)
    starts_at = models.TimeField("开始时间")
    ends_at = models.TimeField("结束时间")
    place = models.CharField("地点", max_length=128)
    topics = models.CharField("接访内容", max_length=255, blank=True)
    capacity = models.PositiveSmallIntegerField("预约名额", default=20)
    leaders = models.ManyToManyField(Leader, verbose_name="接访领导", related_name="rotas")
    # each occurrence takes the next leader in turn ("每周星期四由一名班子成员"); else all attend
    in_turn = models.BooleanField("轮流接访", default=False)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "接访排班"
        verbose_name_plural = "接访排班"

    def __str__(self) -> str:
        return self.name


class ReceptionSession(models.Model):
    """接访活动: one leader-led reception — planned, published on the portal, held."""

    number = models.CharField("接访编号", max_length=64, unique=True)
    kind = models.CharField("接访形式", max_length=16, choices=SessionKind.choices)
    status = models.CharField(
        "状态", max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    unit = models.ForeignKey(
        "organisation.OrgUnit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField("接访日期", db_index=True)
    starts_at = models.TimeField("开始时间", null=True, blank=True)
    ends_at = models.TimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=128, blank=True)
    topics = models.CharField("接访内容", max_length=255, blank=True)
    capacity = models.PositiveSmallIntegerField("预约名额", default=20)
    leaders: "models.ManyToManyField[Leader, SessionLeader]" = models.ManyToManyField(
        Leader, verbose_name="接访领导", through="SessionLeader", related_name="sessions"
    )
    units = models.ManyToManyField(
        "organisation.OrgUnit", verbose_name="陪同接访单位", blank=True, related_name="+"
    )
    rota = models.ForeignKey(
        Rota, verbose_name="排班", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="sessions",
    )  # fmt: skip
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_batch = models.ForeignKey(
        "intake.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "接访活动"
        verbose_name_plural = "接访活动"
        ordering = ["-held_on", "starts_at", "id"]
        constraints = [
            # a rota never makes two sessions on one day, even when generated twice at once
            models.UniqueConstraint(
                fields=["rota", "held_on"],
                condition=models.Q(rota__isnull=False),
                name="session_once_per_rota_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.held_on:%Y-%m-%d} {self.get_kind_display()}"


class SessionLeader(models.Model):
    """A leader's participation in a session: one 人次 of leaders."""

    session = models.ForeignKey(ReceptionSession, on_delete=models.CASCADE, related_name="+")
    leader = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="+")
    # the tier on the day (a leader may change post later; the count keeps the day's)
    tier = models.CharField("领导层级", max_length=16, choices=LeaderTier.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "leader"], name="session_leader_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.leader_id}"


class Booking(models.Model):
    """A member of the public's request for a slot at a published session (not a registration)."""

    session = models.ForeignKey(
        ReceptionSession, verbose_name="接访活动", on_delete=models.PROTECT, related_name="bookings"
    )
    code = models.CharField("预约码", max_length=16, unique=True)
    status = models.CharField(
        "状态", max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    name = models.CharField("姓名", max_length=64)
    phone = SealedCharField("联系电话")  # sealed (xinfang.core.sealing); nothing searches by it
    topic = models.TextField("反映事项")
    # the query code of an existing matter, when the petitioner gave one that matched
    matter = models.ForeignKey(
        "intake.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接访预约"
        verbose_name_plural = "接访预约"
        ordering = ["session", "created_at", "id"]

    def __str__(self) -> str:
        return self.code


class Invitation(models.Model):
    """约访: the bureau invites the petitioner of a named matter to a session."""

    session = models.ForeignKey(
        ReceptionSession, on_delete=models.CASCADE, related_name="invitations"
    )
    matter = models.ForeignKey("intake.Matter", on_delete=models.PROTECT, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    notified = models.BooleanField("已通知", default=False)

    class Meta:
        verbose_name = "约访"
        verbose_name_plural = "约访"
        constraints = [
            models.UniqueConstraint(fields=["session", "matter"], name="invitation_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.matter_id}"


class Reception(models.Model):
    """One group received at a session: a registration (来访, 来区), its leaders and outcome."""

    registration = models.OneToOneField(
        "intake.Registration",
        verbose_name="登记",
        on_delete=models.PROTECT,
        related_name="reception",
    )
    session = models.ForeignKey(
        ReceptionSession,
        verbose_name="接访活动",
        on_delete=models.PROTECT,
        related_name="receptions",
    )
    leaders = models.ManyToManyField(Leader, verbose_name="接待领导", related_name="receptions")
    outcome = models.CharField("接访结果", max_length=16, choices=ReceptionOutcome.choices)
    # the registration's 人数, kept equal to it by a database trigger (leaders.triggers) so that
    # the report counts 人次 without reading the registrations
    people = models.PositiveIntegerField("人次", default=1)
    # received by a leader seated at the session as 党政主要领导 (set with the leaders, once)
    with_principal = models.BooleanField("党政主要领导接待", default=False)
    # 限期解决: the leader's deadline for the unit
    leader_due = models.DateField("领导限定办结日期", null=True, blank=True)
    # the 2-working-day routing clock's deadline (calendar module), for what is not settled
    route_due = models.DateField("交办期限", null=True, blank=True)
    # 交办日期: the reception ledger's (A3), or the matter's first 交办 / 转送 / decision from the
    # session day on — stamped by the workflow when it routes (leaders.services.stamp_routed)
    routed_on = models.DateField("交办日期", null=True, blank=True)
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="reception"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "接访记录"
        verbose_name_plural = "接访记录"
        ordering = ["session", "id"]
        indexes = [models.Index(fields=["route_due"], name="reception_route_due")]

    def __str__(self) -> str:
        return f"{self.session.number} {self.registration_id}"


class Package(models.Model):
    """领导包案 with the 六定; "一包到底": open until the matter is resolved (化解)."""

    number = models.CharField("包案编号", max_length=64, unique=True)
    status = models.CharField(
        "状态", max_length=16, choices=PackageStatus.choices, default=PackageStatus.OPEN
    )
    source = models.CharField(
        "来源", max_length=16, choices=PackageSource.choices, default=PackageSource.DESK
    )
    leader = models.ForeignKey(
        Leader, verbose_name="责任领导", on_delete=models.PROTECT, related_name="packages"
    )
    responsible_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_person = models.CharField("责任人", max_length=64, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    supervising_unit = models.ForeignKey(
        "organisation.OrgUnit",
        verbose_name="督办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requirements = models.TextField("办理要求", blank=True)
    # 定办结时限; only a package rebuilt from a ledger that never recorded one may lack it
    deadline = models.DateField("办结时限", null=True, blank=True)
    started_on = models.DateField("包案日期")
    resolved_on = models.DateField("化解日期", null=True, blank=True)
    matters: "models.ManyToManyField[Matter, PackageMatter]" = models.ManyToManyField(
        "intake.Matter", verbose_name="信访事项", through="PackageMatter", related_name="packages"
    )
    reception = models.ForeignKey(
        Reception, null=True, blank=True, on_delete=models.SET_NULL, related_name="packages"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "领导包案"
        verbose_name_plural = "领导包案"
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["status", "started_on"])]

    def __str__(self) -> str:
        return self.number


class PackageMatter(models.Model):
    """A matter in a package; `open` mirrors the package: one open package per matter."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    matter = models.ForeignKey("intake.Matter", on_delete=models.PROTECT, related_name="+")
    open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "matter"], name="package_matter_once"),
            models.UniqueConstraint(
                fields=["matter"],
                condition=models.Q(open=True),
                name="package_one_open_per_matter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package_id}:{self.matter_id}"


class PackageProgress(models.Model):
    """月督查: the responsible person's progress note of a month, with the duties it covers."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="progress")
    month = models.DateField("月份")  # the first day of the month it reports on
    written_on = models.DateField("填报日期")
    duties = models.JSONField("包案职责", default=list)  # PackageDuty codes
    note = models.TextField("进展情况")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "包案进展"
        verbose_name_plural = "包案进展"
        ordering = ["package", "month", "id"]

    def __str__(self) -> str:
        return f"{self.package_id} {self.month:%Y-%m}"

    def duty_labels(self) -> list[str]:
        return [PackageDuty(code).label for code in self.duties if code in PackageDuty.values]


class PackageReflow(models.Model):
    """回流: a new registration of a packaged matter after its 化解日期; it reopened the package."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="reflows")
    matter = models.ForeignKey("intake.Matter", on_delete=models.PROTECT, related_name="+")
    registration = models.OneToOneField(
        "intake.Registration", on_delete=models.PROTECT, related_name="reflow"
    )
    on = models.DateField("回流日期")
    resolved_before = models.DateField("原化解日期")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "包案回流"
        verbose_name_plural = "包案回流"
        ordering = ["package", "on", "id"]

    def __str__(self) -> str:
        return f"{self.package_id} {self.on:%Y-%m-%d}"

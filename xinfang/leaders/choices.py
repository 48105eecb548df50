"""The closed vocabularies of leader work (domain brief leader-and-prevention, sections 1–2; A3)."""

from django.db import models


class LeaderTier(models.TextChoices):
    """A leader's tier, as the seeds count them ("县各套班子领导…县直机关领导…七镇领导")."""

    PRINCIPAL = "principal", "党政主要领导"
    MEMBER = "member", "班子成员"
    DEPARTMENT = "department", "部门领导"
    TOWN = "town", "镇街领导"


class SessionKind(models.TextChoices):
    REGULAR = "regular", "定期接访"
    VISIT_DOWN = "visit_down", "下访"
    INVITED = "invited", "约访"
    JOINT = "joint", "联合接访"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "已排定"
    PUBLISHED = "published", "已公示"
    HELD = "held", "已接访"
    CANCELLED = "cancelled", "已取消"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CANCELLED = "cancelled", "已取消"
    RECEIVED = "received", "已接待"


class ReceptionOutcome(models.TextChoices):
    ON_THE_SPOT = "on_the_spot", "当场解决"
    WITH_DEADLINE = "with_deadline", "限期解决"
    COUNSELLED = "counselled", "教育疏导"
    PENDING = "pending", "有待研判"


# what is not settled on the spot must be routed within the reception routing clock
NEEDS_ROUTING = frozenset(
    {ReceptionOutcome.WITH_DEADLINE, ReceptionOutcome.COUNSELLED, ReceptionOutcome.PENDING}
)


class PackageStatus(models.TextChoices):
    OPEN = "open", "包案中"
    RESOLVED = "resolved", "已化解"


class PackageSource(models.TextChoices):
    DESK = "desk", "领导包案"
    RECEPTION = "reception", "接访包案"
    LEDGER = "ledger", "台账导入"


class PackageDuty(models.TextChoices):
    """The four duties (包掌握情况…包依法处置), recorded as progress; 包稳控管理 is not built."""

    KNOW = "know", "包掌握情况"
    SOLVE = "solve", "包解决问题"
    EDUCATE = "educate", "包教育转化"
    LAW = "law", "包依法处置"

"""The words of the dispute ledger (contract A4) and of its records."""

from django.db import models


class DisputeSource(models.TextChoices):
    ROUTINE = "routine", "日常排查"
    SPECIAL = "special", "专项排查"
    GRID = "grid", "网格上报"
    PUBLIC = "public", "群众反映"


class Risk(models.TextChoices):
    LOW = "low", "低"
    MEDIUM = "medium", "中"
    HIGH = "high", "高"


class DisputeLevel(models.TextChoices):
    """Where a dispute is being settled; it only ever rises (村社区 → 街道乡镇 → 区县)."""

    VILLAGE = "village", "村社区"
    STREET = "street", "街道乡镇"
    DISTRICT = "district", "区县"


LEVEL_ORDER = [DisputeLevel.VILLAGE, DisputeLevel.STREET, DisputeLevel.DISTRICT]


class DisputeStatus(models.TextChoices):
    OPEN = "open", "化解中"
    SETTLED = "settled", "已化解"
    PETITION = "petition", "已转信访"  # from then it counts as the matter


class EscalationReason(models.TextChoices):
    AUTO = "auto", "超期自动"
    MANUAL = "manual", "手动"


class MediationKind(models.TextChoices):
    PEOPLE = "people", "人民调解"
    ADMINISTRATIVE = "administrative", "行政调解"
    JUDICIAL = "judicial", "司法调解"


class MediationResult(models.TextChoices):
    SUCCESS = "success", "调解成功"
    FAILURE = "failure", "调解不成"


class NextStep(models.TextChoices):
    """Where a dispute goes after 调解不成."""

    ESCALATE = "escalate", "升级至上一层级"
    AGAIN = "again", "继续调解"
    PETITION = "petition", "转入信访程序"
    LITIGATION = "litigation", "引导诉讼"

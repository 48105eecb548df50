from django.db import models


class BodyKind(models.TextChoices):
    JOINT = "joint", "联席会议"
    COORDINATION = "coordination", "会办会"


class MeetingKind(models.TextChoices):
    JOINT = "joint", "联席会议"
    COORDINATION = "coordination", "会办会"
    TOPIC = "topic", "专题会"


class BatchSource(models.TextChoices):
    CENTRAL = "central", "中央"
    PROVINCE = "province", "省"
    CITY = "city", "市"


class Verification(models.TextChoices):
    PENDING = "pending", "待审核"
    PASSED = "passed", "通过审核"
    SENT_BACK = "sent_back", "退回重办"


class LongStandingReason(models.TextChoices):
    UNRESOLVED = "unresolved", "长期未化解"
    HANDED_DOWN = "handed_down", "上级交办积案"

"""The fixed lists of a hearing (听证): its stage, its state, the roles of those who take part."""

from django.db import models


class HearingStage(models.TextChoices):
    """办理 (《信访工作条例》第三十一条(六)), 复查, 复核 (第三十六条: its days not counted)."""

    HANDLING = "handling", "办理"
    REVIEW = "review", "复查"
    REREVIEW = "rereview", "复核"


# the matter's state in which a hearing of each stage is held
STAGE_OF_STATUS: dict[str, HearingStage] = {
    "in_handling": HearingStage.HANDLING,
    "under_review": HearingStage.REVIEW,
    "under_rereview": HearingStage.REREVIEW,
}


class HearingStatus(models.TextChoices):
    PLANNED = "planned", "拟举行"
    IN_PROGRESS = "in_progress", "听证中"
    HELD = "held", "已举行"


class ParticipantRole(models.TextChoices):
    """Roles at the hearing: who spoke or sat on it — not a list of people to watch."""

    PETITIONER = "petitioner", "信访人"
    REPRESENTATIVE = "representative", "代表"
    NPC_DEPUTY = "npc_deputy", "人大代表"
    CPPCC_MEMBER = "cppcc_member", "政协委员"
    LAWYER = "lawyer", "律师"
    PUBLIC = "public", "群众代表"
    DEPARTMENT = "department", "有关部门"


class HearingDocumentKind(models.TextChoices):
    NOTICE = "notice", "听证通知书"
    REPORT = "report", "听证报告"


# 文种代字 of the two documents in their serial numbers: 〈机关代字〉听通〔2026〕3号
DOCUMENT_CODES: dict[str, str] = {
    HearingDocumentKind.NOTICE: "听通",
    HearingDocumentKind.REPORT: "听报",
}

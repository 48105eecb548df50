"""The closed vocabularies of intake, with the codes of the JSON report and the Chinese labels."""

from django.db import models


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    ONLINE = "online", "网上信访"
    PHONE = "phone", "来电"


class Level(models.TextChoices):
    NATIONAL = "national", "进京"
    PROVINCIAL = "provincial", "赴省"
    CITY = "city", "到市"
    LOCAL = "local", "来区"


class Form(models.TextChoices):
    INDIVIDUAL = "individual", "个访"
    COLLECTIVE = "collective", "集体访"


def form_for(people: int, form: str | None, channel: str, threshold: int) -> str:
    """The form when the registrar leaves it to us: 集体访 is a visit of `threshold` or more
    people (a setting, default 5); a letter many sign is a 联名信 (letter_kind), not a 集体访."""
    if form:
        return form
    collective = channel == Channel.VISIT and people >= threshold
    return Form.COLLECTIVE if collective else Form.INDIVIDUAL


def form_label(channel: str, form: str, people: int | None = None, letter_kind: str = "") -> str:
    """How an arrival's form reads on screen. 个访 / 集体访 are kinds of visit (访); a letter is
    a 联名信 when several sign it (domain brief, section 2), otherwise its channel says enough."""
    if channel == Channel.LETTER:
        several = letter_kind == "joint" or (people or 0) > 1 or form == Form.COLLECTIVE
        return "联名信" if several else ""
    return Form(form).label if form in Form.values else ""


class Purpose(models.TextChoices):
    SUGGESTION = "suggestion", "建议意见"
    ACCUSATION = "accusation", "检举控告"
    REQUEST = "request", "申诉求决"


class HandlingMethod(models.TextChoices):
    ACCEPT = "accept", "受理"
    DECLINE = "decline", "不予受理"
    FORWARD = "forward", "转送"
    ASSIGN = "assign", "交办"
    LEGAL_CHANNEL = "legal_channel", "依法分类"


class Evaluation(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class SupervisionLevel(models.TextChoices):
    CENTRAL = "central", "中央"
    PROVINCIAL = "provincial", "省"
    CITY = "city", "市"
    DISTRICT = "district", "区"


class Source(models.TextChoices):
    DESK = "desk", "窗口登记"
    LEDGER = "ledger", "台账导入"
    PORTAL = "portal", "网上提交"
    API = "api", "接口"


class LetterKind(models.TextChoices):
    """Sub-types of letters counted separately in the reports (seed 000)."""

    ORDINARY = "", "普通来信"
    LEADER_INSTRUCTED = "leader_instructed", "领导批示件"
    JOINT = "joint", "联名信"
    ASSIGNED = "assigned", "交办件"
    # handed down by 国家信访局's complaints office (seed 000 names it apart from other 交办件)
    NATIONAL_ASSIGNED = "national_assigned", "国家投诉受理办公室交办件"
    FORWARDED = "forwarded", "转送件"
    ABNORMAL = "abnormal", "异常信"  # anonymous, threatening or otherwise irregular (seed 000)


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class AttachmentKind(models.TextChoices):
    LETTER_SCAN = "letter_scan", "来信扫描件"
    PHOTO = "photo", "照片"
    EVIDENCE = "evidence", "证明材料"
    OTHER = "other", "其他"

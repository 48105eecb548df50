"""Typed shapes of the API: what goes in (checked again by the web's own forms) and what comes out.

ID numbers and phones leave masked; the reveal endpoint alone gives them whole, and logs it.
"""

from typing import Any

from rest_framework import serializers

from xinfang.core.masking import (
    free_text_for,
    mask_address,
    mask_free_text,
    mask_id_number,
    mask_phone,
)
from xinfang.intake.choices import Channel, Form, LetterKind, Level, Purpose, Source
from xinfang.intake.models import Matter, Petitioner, Registration
from xinfang.workflow.states import MatterStatus

MAX_REPRESENTATIVES_SENT = 10  # the service's own limit (5) is checked with its message


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MatterRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=MatterStatus.choices)


# --- registrations ------------------------------------------------------------------------------


class PersonInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, help_text="姓名")
    id_number = serializers.CharField(
        max_length=24, required=False, allow_blank=True, default="", help_text="身份证号"
    )
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", help_text="联系电话"
    )


class PetitionerInSerializer(PersonInSerializer):
    address = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="", help_text="住址"
    )


class RegistrationInSerializer(serializers.Serializer):
    """One arrival, as on the registrar's screen; the same checks and messages as there."""

    channel = serializers.ChoiceField(choices=Channel.choices, help_text="渠道")
    level = serializers.ChoiceField(choices=Level.choices, default=Level.LOCAL, help_text="层级")
    received_at = serializers.DateTimeField(
        required=False, help_text="登记时间（ISO 8601），默认现在；不能晚于现在"
    )
    people = serializers.IntegerField(min_value=1, max_value=100000, default=1, help_text="人数")
    form = serializers.ChoiceField(
        choices=Form.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="形式；不填则按集体访人数自动判断",
    )
    letter_kind = serializers.ChoiceField(
        choices=LetterKind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="来信类型（仅来信）",
    )
    content = serializers.CharField(max_length=20000, help_text="反映内容")
    category = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="内容分类的名称或路径，如“物业管理”或“城乡建设/物业管理”",
    )
    purpose = serializers.ChoiceField(
        choices=Purpose.choices, required=False, allow_blank=True, default="", help_text="信访目的"
    )
    locality = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="问题属地的单位编码"
    )
    responsible_unit = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="责任单位的单位编码"
    )
    petitioner = PetitionerInSerializer(required=False, allow_null=True, default=None)
    representatives = PersonInSerializer(
        many=True,
        required=False,
        default=list,
        max_length=MAX_REPRESENTATIVES_SENT,
        help_text="集体访的代表人",
    )
    matter = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="并入的原事项编号（id）；不填则为新事项",
    )


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    matter = MatterRefSerializer()
    is_first = serializers.BooleanField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    form = serializers.ChoiceField(choices=Form.choices)
    people = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    letter_kind = serializers.CharField()
    content = serializers.SerializerMethodField(help_text="身份证号和电话对不能查看个人信息者遮蔽")
    category = serializers.CharField(source="category.path", allow_null=True, default=None)
    purpose = serializers.CharField()
    locality = UnitRefSerializer(allow_null=True)
    responsible_unit = UnitRefSerializer(allow_null=True)
    petitioner_name = serializers.CharField()
    petitioner_phone = serializers.SerializerMethodField(help_text="已遮蔽")
    source = serializers.ChoiceField(choices=Source.choices)
    outcome = serializers.CharField()
    outcome_note = serializers.SerializerMethodField(help_text="同 content")
    created_at = serializers.DateTimeField()

    def get_petitioner_phone(self, obj: Registration) -> str:
        return mask_phone(obj.petitioner_phone)

    def get_content(self, obj: Registration) -> str:
        return self._free_text(obj.content)

    def get_outcome_note(self, obj: Registration) -> str:
        return self._free_text(obj.outcome_note)

    def _free_text(self, text: str) -> str:
        """As the reader (context "reader") may see it; masked when no reader is named."""
        if "reader" not in self.context:
            return mask_free_text(text)
        return free_text_for(self.context["reader"], text)


# --- matters -------------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField(help_text="信访人或代表人")
    id_number = serializers.CharField(help_text="已遮蔽")
    phone = serializers.CharField(help_text="已遮蔽")
    address = serializers.CharField(help_text="可查看个人信息者见全文，否则遮蔽")


def person_out(person: Petitioner, role: str, *, reveal_address: bool) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "role": role,
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "address": person.address if reveal_address else mask_address(person.address),
    }


class MatterListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=MatterStatus.choices)
    status_display = serializers.CharField()
    version = serializers.IntegerField(help_text="办理时须回传的版本号")
    first_received_on = serializers.DateField()
    last_received_on = serializers.DateField()
    registration_count = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    form = serializers.ChoiceField(choices=Form.choices)
    purpose = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    locality = UnitRefSerializer(allow_null=True)
    responsible_unit = UnitRefSerializer(allow_null=True)
    petitioner_name = serializers.CharField(allow_null=True)


class SnippetSerializer(serializers.Serializer):
    text = serializers.CharField(
        help_text="反映内容中首个关键词所在的一段（约60字，截断处为“…”；"
        "不可查看完整个人信息的岗位，其中的身份证号和电话已遮蔽）"
    )
    marks = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="text 中每处关键词的 [起, 止)（按字符计，止不含）",
    )


class MatterFoundSerializer(MatterListSerializer):
    snippet = SnippetSerializer(
        allow_null=True,
        help_text="按关键词（words）查询时：反映内容中找到关键词的一段，关键词已标出；否则为 null",
    )


class FactSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    deadline = serializers.DateField(allow_null=True)
    state = serializers.CharField()
    days_left = serializers.IntegerField(allow_null=True)
    done_on = serializers.DateField(allow_null=True)
    unit = serializers.CharField()
    note = serializers.CharField()
    problem = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = UnitRefSerializer()
    kind = serializers.CharField()
    assigned_on = serializers.DateField()
    due = serializers.DateField()
    received_on = serializers.DateField(allow_null=True)
    return_due = serializers.DateField(allow_null=True)
    returned_on = serializers.DateField(allow_null=True)
    return_reason = serializers.CharField()
    active = serializers.BooleanField()


class MatterDetailSerializer(MatterListSerializer):
    people = PersonSerializer(many=True)
    facts = FactSerializer(many=True, help_text="办理中记录的事实（台账列，处理方式起）")
    clocks = ClockSerializer(many=True)
    assignments = AssignmentSerializer(many=True)
    registrations = serializers.ListField(child=serializers.IntegerField(), help_text="登记 id")
    may_reveal = serializers.BooleanField(help_text="本账号可否查看完整身份证号和电话")


class RevealSerializer(serializers.Serializer):
    petitioner = serializers.IntegerField()
    id_number = serializers.CharField()
    phone = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    day = serializers.DateField()
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField()
    actor = serializers.CharField()
    details = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text="[名称, 内容] 对",
    )


# --- workflow ------------------------------------------------------------------------------------


class ActionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text="[值, 名称]；单位以单位编码为值",
    )


class ActionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    danger = serializers.BooleanField()
    inputs = ActionFieldSerializer(many=True, help_text="此步骤接受的字段")


class ActionInSerializer(serializers.Serializer):
    """A step's fields; which ones a step takes is listed by GET …/actions/."""

    version = serializers.IntegerField(min_value=1, help_text="读取事项时的 version")
    on = serializers.DateField(required=False, allow_null=True, help_text="日期，默认今天")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    unit = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="单位编码"
    )
    channel = serializers.CharField(required=False, allow_blank=True, max_length=32)
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1000)
    decision = serializers.CharField(required=False, allow_blank=True, max_length=16)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=32)
    evaluation = serializers.CharField(required=False, allow_blank=True, max_length=32)
    level = serializers.CharField(required=False, allow_blank=True, max_length=16)
    kind = serializers.CharField(required=False, allow_blank=True, max_length=32)
    due = serializers.DateField(required=False, allow_null=True)
    notice = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    text = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    step = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="批准补录：办理步骤"
    )


# --- documents -----------------------------------------------------------------------------------


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    matter = serializers.IntegerField(source="matter_id")
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    number = serializers.CharField(help_text="文号")
    issuer_name = serializers.CharField()
    issued_on = serializers.DateField()
    issued_at = serializers.DateTimeField()
    title = serializers.CharField()
    body = serializers.CharField()
    footer = serializers.CharField()


def matter_ref(matter: Matter) -> dict[str, Any]:
    return {"id": matter.pk, "number": matter.number, "status": matter.status}


MATTER_PLAIN = (
    "id",
    "number",
    "status",
    "version",
    "first_received_on",
    "last_received_on",
    "registration_count",
    "channel",
    "level",
    "form",
    "purpose",
)


def matter_row(matter: Matter) -> dict[str, Any]:
    """A matter as MatterListSerializer shows it (its relations selected already)."""
    return {
        **{name: getattr(matter, name) for name in MATTER_PLAIN},
        "status_display": matter.get_status_display(),
        "category": matter.category.path if matter.category else None,
        "locality": matter.locality,
        "responsible_unit": matter.responsible_unit,
        "petitioner_name": matter.petitioner.name if matter.petitioner else None,
    }

"""Forms of the staff pages: the registrar's form, its representatives, the matter-list filters."""

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.config import domain_setting
from xinfang.core.formtext import SafeForm
from xinfang.core.permissions import visible_matters
from xinfang.core.pickers import INDENT, CategoryPicker, UnitPicker
from xinfang.intake.attachments import allowed_types_text, max_bytes
from xinfang.intake.categories import categories_in_order
from xinfang.intake.choices import (
    AttachmentKind,
    Channel,
    Form,
    LetterKind,
    Level,
    Purpose,
    form_for,
)
from xinfang.intake.idcard import InvalidIdNumberError, parse_id_number
from xinfang.intake.models import Category, Matter
from xinfang.intake.selectors import LETTER_KIND_ORDINARY, MatterFilters
from xinfang.intake.services import PersonInput, RegistrationInput
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.organisation.selectors import subtree
from xinfang.workflow.states import MatterStatus

_PHONE = re.compile(r"^[\d\-+ ()]{3,32}$")
# Letters from the fields' pinyin; radios get theirs in the template (one per group).
ACCESS_KEYS = {
    "petitioner_name": "x",
    "petitioner_id_number": "s",
    "petitioner_phone": "h",
    "petitioner_address": "z",
    "received_at": "t",
    "people": "r",
    "form": "k",
    "content": "n",
    "category": "g",
    "purpose": "m",
    "locality": "l",
    "responsible_unit": "u",
    "attachments": "j",
    "petitioner_is_representative": "d",
}
RADIO_KEYS = {"channel": "q", "level": "c"}
LOOKUP_INCLUDE = (
    "#id_petitioner_name, #id_petitioner_id_number, #id_petitioner_phone, "
    "#person-matches input[name=matter]:checked"
)


def day_field(label: str, invalid: str = "请按“年-月-日”填写日期") -> forms.DateField:
    """An optional day, typed or picked as 年-月-日, with its own Chinese error."""
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": invalid},
    )


class CategoryTreeIterator(ModelChoiceIterator):
    """Categories as the bureau orders them: the tree, siblings by 排序 with 其他 last."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for category in categories_in_order(self.queryset):
            yield self.choice(category)


class CategoryField(forms.ModelChoiceField):
    widget = CategoryPicker
    iterator = CategoryTreeIterator
    default_error_messages = {"invalid_choice": "所选分类不存在，请从列表中重新选择"}

    def label_from_instance(self, obj: Any) -> str:
        return INDENT * obj.path.count("/") + obj.name


class UnitField(forms.ModelChoiceField):
    widget = UnitPicker
    default_error_messages = {"invalid_choice": "所选单位不在可选范围内，请从列表中重新选择"}

    def label_from_instance(self, obj: Any) -> str:
        return INDENT * max(obj.depth - self.base_depth, 0) + obj.name

    base_depth = 0


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked later by intake.attachments."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def units_for(user: User) -> QuerySet[OrgUnit]:
    """The units of the user's subtree, in tree order."""
    if user.org_unit is None:
        return OrgUnit.objects.none()
    return subtree(user.org_unit).filter(active=True).order_by("path")


def scope_unit_fields(form: forms.Form, user: User, *, empty_label: str) -> QuerySet[OrgUnit]:
    """Limit the form's 问题属地 and 责任单位 to the units of the user's area; returns them."""
    units = units_for(user)
    base = user.org_unit.depth if user.org_unit else 0
    for name in ("locality", "responsible_unit"):
        field = form.fields[name]
        assert isinstance(field, UnitField)
        field.queryset = units
        field.base_depth = base
        field.empty_label = empty_label
    return units


def check_id_number(raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return parse_id_number(raw).number
    except InvalidIdNumberError as exc:
        raise forms.ValidationError(str(exc)) from exc


def check_phone(raw: str) -> str:
    phone = raw.strip()
    if phone and not _PHONE.match(phone):
        raise forms.ValidationError("电话只能包含数字、空格、“-”、“+”和括号")
    return phone


class RegistrationForm(SafeForm):
    """One arrival, in the order the registrar takes it down: the person first."""

    petitioner_name = forms.CharField(label="姓名", max_length=64, required=False)
    petitioner_id_number = forms.CharField(label="身份证号", max_length=24, required=False)
    petitioner_phone = forms.CharField(label="联系电话", max_length=32, required=False)
    petitioner_address = forms.CharField(label="住址", max_length=255, required=False)
    matter = forms.CharField(required=False)  # "" = a new matter; else the id of an earlier one

    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, widget=forms.RadioSelect)
    level = forms.ChoiceField(
        label="层级", choices=Level.choices, initial=Level.LOCAL, widget=forms.RadioSelect
    )
    received_at = forms.DateTimeField(
        label="登记时间",
        # A plain text box: one tab stop, typed as 2026-03-10 09:30 (a picker takes seven).
        widget=forms.DateTimeInput(
            attrs={"placeholder": "年-月-日 时:分", "spellcheck": "false"}, format="%Y-%m-%d %H:%M"
        ),
        input_formats=[
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y/%m/%d %H:%M",
            "%Y-%m-%d",
            "%Y/%m/%d",
        ],
        help_text="默认为现在；来信可只填日期",
        error_messages={"invalid": "请按“年-月-日 时:分”填写登记时间"},
    )
    people = forms.IntegerField(
        label="人数",
        min_value=1,
        max_value=100000,
        initial=1,
        error_messages={
            "invalid": "人数应为整数",
            "min_value": "人数至少为1",
            "max_value": "人数不能超过100000",
        },
    )
    form = forms.ChoiceField(label="形式", required=False)
    letter_kind = forms.ChoiceField(label="来信类型", choices=LetterKind.choices, required=False)

    content = forms.CharField(
        label="反映内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写反映内容"},
    )
    category = CategoryField(label="内容分类", queryset=Category.objects.none(), required=False)
    purpose = forms.ChoiceField(
        label="信访目的", choices=[("", "（未定）"), *Purpose.choices], required=False
    )
    locality = UnitField(label="问题属地", queryset=OrgUnit.objects.none(), required=False)
    responsible_unit = UnitField(label="责任单位", queryset=OrgUnit.objects.none(), required=False)

    petitioner_is_representative = forms.BooleanField(
        label="信访人是代表人", required=False, help_text="集体访时，上面的信访人记为第1名代表人"
    )

    attachments = MultipleFileField(label="附件", required=False)
    attachment_kind = forms.ChoiceField(
        label="附件类型",
        choices=[("", "自动（按渠道和文件判断）"), *AttachmentKind.choices],
        required=False,
    )

    def __init__(self, *args: Any, user: User, session: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.session = session  # a leader's reception session (leaders.ReceptionSession)
        threshold = int(domain_setting("COLLECTIVE_THRESHOLD"))
        form_field = self.fields["form"]
        assert isinstance(form_field, forms.ChoiceField)
        form_field.choices = [
            ("", f"自动（来访{threshold}人及以上为集体访；多人来信为联名信）"),
            *Form.choices,
        ]
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.queryset = Category.objects.filter(active=True).order_by("path")
        category.empty_label = "（未定）"
        units = scope_unit_fields(self, user, empty_label="（未定）")
        locality = self.fields["locality"]
        assert isinstance(locality, UnitField)
        # 属地 is a place: a department is a responsible unit, never where the problem lies.
        locality.queryset = units.exclude(kind=UnitKind.DEPARTMENT)
        self.fields[
            "attachments"
        ].help_text = (
            f"可多选；只收{allowed_types_text()}，每个不超过{max_bytes() // 1024 // 1024}MB"
        )
        self.chosen_matter: Matter | None = None
        self._decorate()
        if session is not None:
            self._at_session(session)

    def _at_session(self, session: Any) -> None:
        """At a leader's session: 来访, 来区 fixed, and the reception's own fields."""
        from xinfang.leaders.forms import add_reception_fields

        for name, value in (("channel", Channel.VISIT), ("level", Level.LOCAL)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(value, value.label)]
            field.error_messages["invalid_choice"] = (
                f"领导接访的登记固定为{Channel.VISIT.label}、{Level.LOCAL.label}"
            )
        add_reception_fields(self, session)

    def reception_input(self) -> dict[str, Any]:
        """What leaders.services.ReceptionInput takes from the reception fields."""
        data = self.cleaned_data
        return {
            "leaders": list(data["reception_leaders"]),
            "outcome": data["reception_outcome"],
            "leader_due": data.get("reception_leader_due"),
            "instruction": data.get("reception_instruction") or "",
        }

    def _decorate(self) -> None:
        """Access keys, the live look-up on the person's fields, and hints for the browser."""
        lookup = {
            "hx-post": reverse("intake:person_lookup"),  # numbers never in an address
            "hx-trigger": "input changed delay:350ms, search",
            "hx-target": "#person-matches",
            "hx-include": LOOKUP_INCLUDE,
            "hx-sync": "#person-fields:replace",
            "autocomplete": "off",
        }
        for name, key in ACCESS_KEYS.items():
            self.fields[name].widget.attrs["accesskey"] = key
        for name in ("petitioner_name", "petitioner_id_number", "petitioner_phone"):
            self.fields[name].widget.attrs.update(lookup)
        self.fields["petitioner_phone"].widget.input_type = "tel"
        self.fields["petitioner_id_number"].widget.attrs.update(
            {"spellcheck": "false", "autocapitalize": "characters"}
        )
        self.fields["people"].widget.attrs.update({"min": 1, "max": 100000})
        self.fields["content"].widget.attrs["data-submit-on-ctrl-enter"] = ""

    def clean_petitioner_id_number(self) -> str:
        return check_id_number(self.cleaned_data["petitioner_id_number"])

    def clean_petitioner_phone(self) -> str:
        return check_phone(self.cleaned_data["petitioner_phone"])

    def clean_received_at(self) -> Any:
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("登记时间不能晚于现在")
        return value

    def clean_matter(self) -> str:
        raw = self.cleaned_data["matter"].strip()
        if not raw:
            return ""
        number = int(raw) if raw.isascii() and raw.isdigit() else None
        matter = None if number is None else visible_matters(self.user).filter(pk=number).first()
        if matter is None:
            raise forms.ValidationError("所选的原事项不存在或您无权查看，请重新选择")
        self.chosen_matter = matter
        return raw

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        person = [data.get(f"petitioner_{key}") for key in ("id_number", "phone", "address")]
        if any(person) and not (data.get("petitioner_name") or "").strip():
            self.add_error("petitioner_name", "填写了身份证号、电话或住址时，请同时填写姓名")
        people, form = data.get("people"), data.get("form")
        if form == Form.COLLECTIVE and people is not None and people < 2:
            self.add_error("people", "集体访的人数至少为2人")
        if form == Form.INDIVIDUAL and people is not None and people > 1:
            threshold = int(domain_setting("COLLECTIVE_THRESHOLD"))
            if people >= threshold:
                self.add_error("form", f"{people}人来访已达集体访人数，请选择“集体访”或“自动”")
        return data

    def is_collective(self) -> bool:
        """Whether the form as filled in is a collective visit (decides the representatives)."""
        form = self["form"].value() or ""
        if form:
            return form == Form.COLLECTIVE
        try:
            people = int(self["people"].value() or 1)
        except (TypeError, ValueError):
            return False
        channel = str(self["channel"].value() or "")
        threshold = int(domain_setting("COLLECTIVE_THRESHOLD"))
        return form_for(people, None, channel, threshold) == Form.COLLECTIVE

    def to_input(self, representatives: list[PersonInput]) -> RegistrationInput:
        data = self.cleaned_data
        name = data["petitioner_name"].strip()
        petitioner = PersonInput(
            name=name,
            id_number=data["petitioner_id_number"],
            phone=data["petitioner_phone"],
            address=data["petitioner_address"],
        )
        if name and data.get("petitioner_is_representative") and self.is_collective():
            same = petitioner.id_number
            others = [r for r in representatives if not (same and r.id_number == same)]
            representatives = [petitioner, *others]
        return RegistrationInput(
            channel=data["channel"],
            received_at=data["received_at"],
            people=data["people"],
            level=data["level"],
            form=data["form"] or None,
            content=data["content"],
            category=data["category"],
            purpose=data["purpose"],
            locality=data["locality"],
            responsible_unit=data["responsible_unit"],
            letter_kind=data["letter_kind"] if data["channel"] == Channel.LETTER else "",
            petitioner=petitioner if name else None,
            representatives=representatives,
        )


class RepresentativeForm(SafeForm):
    name = forms.CharField(label="代表人姓名", max_length=64, required=False)
    id_number = forms.CharField(label="身份证号", max_length=24, required=False)
    phone = forms.CharField(label="联系电话", max_length=32, required=False)

    def clean_id_number(self) -> str:
        return check_id_number(self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        return check_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("id_number") or data.get("phone")) and not (data.get("name") or "").strip():
            self.add_error("name", "请填写代表人姓名")
        return data


class BaseRepresentativeFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        limit = int(domain_setting("MAX_REPRESENTATIVES"))
        if len(self.people()) > limit:
            raise forms.ValidationError(f"代表人最多{limit}名")

    def people(self) -> list[PersonInput]:
        return [
            PersonInput(name=data["name"].strip(), id_number=data["id_number"], phone=data["phone"])
            for data in (form.cleaned_data for form in self.forms)
            if data and data.get("name", "").strip()
        ]


RepresentativeFormSet = forms.formset_factory(
    RepresentativeForm,
    formset=BaseRepresentativeFormSet,
    extra=0,
    max_num=10,  # the limit itself is checked in clean(), with a Chinese message
    absolute_max=10,
)


BASIS_CHOICES = [("", "事项首次登记"), ("registration", "期间内的登记")]
ONLY_CHOICES = [
    ("locality", "问题属地"),
    ("category", "内容分类"),
    ("responsible_unit", "责任单位"),
]
EMPTY_CHOICES = [
    ("locality", "问题属地"),
    ("category", "内容分类"),
    ("purpose", "信访目的"),
    ("responsible_unit", "责任单位"),
]


class MatterFilterForm(SafeForm):
    """The filters of the matter list; every field is optional and kept in the address."""

    person = forms.CharField(label="信访人", required=False, max_length=64)
    words = forms.CharField(label="内容关键词", required=False, max_length=100)
    channel = forms.ChoiceField(
        label="渠道", choices=[("", "全部"), *Channel.choices], required=False
    )
    level = forms.ChoiceField(label="层级", choices=[("", "全部"), *Level.choices], required=False)
    form = forms.ChoiceField(label="形式", choices=[("", "全部"), *Form.choices], required=False)
    category = CategoryField(label="内容分类", queryset=Category.objects.none(), required=False)
    purpose = forms.ChoiceField(
        label="信访目的", choices=[("", "全部"), *Purpose.choices], required=False
    )
    locality = UnitField(label="问题属地", queryset=OrgUnit.objects.none(), required=False)
    responsible_unit = UnitField(label="责任单位", queryset=OrgUnit.objects.none(), required=False)
    received_from = day_field("首次登记自")
    received_to = day_field("至")
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *MatterStatus.choices], required=False
    )
    long_standing = forms.BooleanField(label="只看积案", required=False)
    # The statistics' drill-down: the matters behind a figure of the report (contract B).
    registered_from = day_field("期间内有登记自")
    registered_to = day_field("至")
    basis = forms.ChoiceField(
        label="渠道、层级、形式、目的、分类、属地按",
        choices=BASIS_CHOICES,
        required=False,
        error_messages={"invalid_choice": "筛选依据只能是“事项首次登记”或“期间内的登记”"},
    )
    only = forms.MultipleChoiceField(
        label="不含下级",
        choices=ONLY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "“不含下级”只能选问题属地、内容分类或责任单位"},
    )
    empty = forms.MultipleChoiceField(
        label="未填写",
        choices=EMPTY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "“未填写”只能选问题属地、内容分类、信访目的或责任单位"},
    )

    letter_kind = forms.ChoiceField(
        label="来信类型",
        choices=[
            ("", "全部"),
            (LETTER_KIND_ORDINARY, LetterKind.ORDINARY.label),
            *[(k.value, k.label) for k in LetterKind if k.value],
        ],
        required=False,
        error_messages={"invalid_choice": "来信类型无效，请从列表中选择"},
    )
    first = forms.ChoiceField(
        label="初次或重复",
        choices=[("", "全部"), ("first", "初信初访"), ("repeat", "重信重访")],
        required=False,
        error_messages={"invalid_choice": "只能选初信初访或重信重访"},
    )

    DRILL_FIELDS = (
        "registered_from",
        "registered_to",
        "basis",
        "only",
        "empty",
        "letter_kind",
        "first",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.queryset = Category.objects.order_by("path")
        category.empty_label = "全部"
        scope_unit_fields(self, user, empty_label="全部")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", "结束日期不能早于开始日期")
        start, end = data.get("registered_from"), data.get("registered_to")
        if start and end and start > end:
            self.add_error("registered_to", "结束日期不能早于开始日期")
        labels = dict(EMPTY_CHOICES)
        for name in data.get("empty") or []:
            if data.get(name):
                self.add_error("empty", f"{labels[name]}不能既选定又要求未填写")
        return data

    def drill_fields(self) -> list[forms.BoundField]:
        """The fields a figure of the statistics sets (shown apart from the everyday ones)."""
        return [self[name] for name in self.DRILL_FIELDS]

    @property
    def drilling(self) -> bool:
        return any(self.data.get(name) for name in self.DRILL_FIELDS)

    def filters(self) -> MatterFilters:
        self.is_valid()  # a bad field is reported beside it and left out; the rest still apply
        data = self.cleaned_data
        return MatterFilters(
            channel=data.get("channel", ""),
            level=data.get("level", ""),
            form=data.get("form", ""),
            category=data.get("category"),
            purpose=data.get("purpose", ""),
            locality=data.get("locality"),
            responsible_unit=data.get("responsible_unit"),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            status=data.get("status", ""),
            person=data.get("person", ""),
            words=data.get("words", ""),
            registered_from=data.get("registered_from"),
            registered_to=data.get("registered_to"),
            basis=data.get("basis", ""),
            only=frozenset(data.get("only") or ()),
            empty=frozenset(data.get("empty") or ()),
            long_standing=bool(data.get("long_standing")),
            letter_kind=data.get("letter_kind", ""),
            first=data.get("first", ""),
        )

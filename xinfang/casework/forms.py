"""Forms of the casework pages: joint bodies, meetings, decisions (rows of matters), batches.

Thin: they parse typed text into objects the reader may pick (units of their area, matters they
see); xinfang.casework.services decides everything else and names what it refuses.
"""

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.casework.choices import BatchSource, BodyKind, MeetingKind
from xinfang.casework.models import JointBody, Meeting, TopicGroup
from xinfang.core.formtext import SafeForm
from xinfang.core.permissions import visible_matters
from xinfang.core.pickers import UnitPicker
from xinfang.intake.forms import UnitField, units_for
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit

_SPLIT = re.compile(r"[\s,，、;；]+")
_GROUP_LINE = re.compile(r"^(?P<name>[^:：]+)[:：](?P<units>.*)$")
DATE_ERRORS = {"invalid": "请按“年-月-日”填写日期"}
CSV_MAX_BYTES = 1_000_000


def date_field(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={**DATE_ERRORS, "required": f"请填写{label}"},
    )


class UnitsField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": "所选单位不在可选范围内，请重新选择",
        "invalid_pk_value": "所选单位不在可选范围内，请重新选择",
    }

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class OneUnitField(forms.ModelChoiceField):
    widget = UnitPicker
    default_error_messages = {"invalid_choice": "所选单位不在可选范围内，请重新选择"}

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


def _scope_units(form: forms.Form, user: User, *names: str) -> QuerySet[OrgUnit]:
    units = units_for(user)
    for name in names:
        field = form.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units
        if isinstance(field, UnitField):
            field.base_depth = user.org_unit.depth if user.org_unit else 0
    return units


def matter_by_number(user: User, raw: str) -> Matter | None:
    """A matter the user may see, by its number; None for one that does not exist or is not
    theirs to see (the same answer for both)."""
    raw = raw.strip()
    return visible_matters(user).filter(number=raw).first() if raw else None


# --- joint bodies and meetings ------------------------------------------------------------------


class BodyForm(SafeForm):
    """A 联席会议 or 会办会: lead unit, member units, topic groups one a line."""

    name = forms.CharField(
        label="名称", max_length=128, error_messages={"required": "请填写联席会议名称"}
    )
    kind = forms.ChoiceField(
        label="类型",
        choices=BodyKind.choices,
        error_messages={
            "required": "请选择类型：联席会议或会办会",
            "invalid_choice": "请选择类型：联席会议或会办会",
        },
    )
    unit = UnitField(
        label="牵头单位",
        queryset=OrgUnit.objects.none(),
        error_messages={"required": "请选择牵头单位"},
    )
    members = UnitsField(
        label="成员单位",
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="按住Ctrl可多选；不选则不限成员单位",
    )
    groups = forms.CharField(
        label="专题小组",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个小组：小组名称：成员单位、成员单位（如“农村征用土地问题组：东风街道”）",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = _scope_units(self, user, "unit", "members")
        if user.org_unit is not None and not self.is_bound:
            self.initial.setdefault("unit", user.org_unit.pk)

    def clean_groups(self) -> dict[str, list[OrgUnit]]:
        groups: dict[str, list[OrgUnit]] = {}
        errors = []
        for i, line in enumerate(self.cleaned_data["groups"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = _GROUP_LINE.match(line)
            name, names = (match["name"], match["units"]) if match else (line, "")
            units = []
            for unit_name in (n for n in _SPLIT.split(names) if n):
                unit = self.units.filter(name=unit_name).first()
                if unit is None:
                    errors.append(f"第{i}行：没有名为“{unit_name}”的单位，或不在可选范围内")
                else:
                    units.append(unit)
            groups[name.strip()] = units
        if errors:
            raise forms.ValidationError("；".join(errors))
        return groups


class MeetingForm(SafeForm):
    kind = forms.ChoiceField(
        label="会议类型",
        choices=MeetingKind.choices,
        error_messages={"required": "请选择会议类型", "invalid_choice": "请选择会议类型"},
    )
    held_on = date_field("会议日期")
    place = forms.CharField(label="地点", max_length=128, required=False)
    minutes = forms.CharField(
        label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, body: JointBody | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if body is not None and not self.is_bound:
            self.initial.setdefault("kind", body.kind)
            self.initial.setdefault("held_on", timezone.localdate())


class DecisionForm(SafeForm):
    """议定事项, its topic group and the day of the 交办; the matters are DecisionRowForms."""

    text = forms.CharField(
        label="议定事项",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写议定事项"},
    )
    group = forms.ModelChoiceField(
        label="专题小组",
        queryset=TopicGroup.objects.none(),
        required=False,
        error_messages={"invalid_choice": "所选专题小组不属于本联席会议"},
    )
    on = date_field("交办日期")

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.queryset = meeting.body.groups.all()
        group.empty_label = "（不属专题小组）"
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class DecisionRowForm(SafeForm):
    """One matter the decision assigns: by its number, to a unit, by a deadline. A blank row is
    skipped."""

    matter = forms.CharField(label="事项编号", max_length=64, required=False)
    unit = OneUnitField(label="承办单位", queryset=OrgUnit.objects.none(), required=False)
    deadline = date_field("办结时限", required=False)

    def __init__(self, *args: Any, user: User, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        unit = self.fields["unit"]
        assert isinstance(unit, OneUnitField)
        unit.queryset = units
        unit.empty_label = "（请选择）"
        self.fields["matter"].widget.attrs.update(
            {"list": "matter-options", "autocomplete": "off", "placeholder": "输入编号查找"}
        )

    @property
    def blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("matter") or data.get("unit") or data.get("deadline"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = (data.get("matter") or "").strip()
        if not (raw or data.get("unit") or data.get("deadline")):
            return data
        if not raw:
            self.add_error("matter", "请填写事项编号")
        else:
            found = matter_by_number(self.user, raw)
            if found is None:
                self.add_error("matter", f"找不到事项{raw}，或您无权查看该事项")
            else:
                data["found"] = found
        if not data.get("unit"):
            self.add_error("unit", "请选择承办单位")
        if not data.get("deadline"):
            self.add_error("deadline", "请填写办结时限")
        return data


DecisionRows = forms.formset_factory(DecisionRowForm, extra=0)


def decision_units(meeting: Meeting, user: User) -> QuerySet[OrgUnit]:
    """The units a decision may assign to: the body's members, else the units of the area."""
    members = meeting.body.members.order_by("path")
    return members if members.exists() else units_for(user)


# --- batches handed down ------------------------------------------------------------------------


class BatchForm(SafeForm):
    """交办积案: source, 第N批, dates, and its matters typed, pasted or in a small CSV."""

    source = forms.ChoiceField(
        label="交办层级",
        choices=BatchSource.choices,
        error_messages={
            "required": "请选择交办层级：中央、省或市",
            "invalid_choice": "请选择交办层级：中央、省或市",
        },
    )
    name = forms.CharField(
        label="批次", max_length=64, error_messages={"required": "请填写批次名称（如第一批）"}
    )
    unit = UnitField(
        label="承接单位",
        queryset=OrgUnit.objects.none(),
        error_messages={"required": "请选择承接单位"},
    )
    handed_on = date_field("交办日期")
    deadline = date_field("化解时限")
    numbers = forms.CharField(
        label="事项编号",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行或以逗号、顿号分隔一个事项编号；也可上传CSV文件",
    )
    file = forms.FileField(
        label="或上传CSV文件",
        required=False,
        help_text="第一行为表头，含“事项编号”列；UTF-8或GB18030编码",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _scope_units(self, user, "unit")
        if user.org_unit is not None and not self.is_bound:
            self.initial.setdefault("unit", user.org_unit.pk)
            self.initial.setdefault("handed_on", timezone.localdate())

    def clean_numbers(self) -> list[str]:
        return [n for n in _SPLIT.split(self.cleaned_data["numbers"]) if n]

    def clean_file(self) -> str | None:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError("CSV文件不能超过1MB")
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return str(raw.decode(encoding))
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError("无法读取CSV文件：请以UTF-8或GB18030编码保存")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("file") and data.get("numbers"):
            self.add_error("numbers", "请只用一种方式列入事项：填写编号或上传CSV文件")
        elif not data.get("file") and not data.get("numbers"):
            self.add_error("numbers", "请至少列入一件信访事项：填写编号或上传CSV文件")
        return data


class ItemForm(SafeForm):
    """A batch item's step: the matter (by number), the day, the item's version."""

    matter = forms.CharField(max_length=64, error_messages={"required": "请指明事项"})
    on = date_field("日期", required=False)
    version = forms.IntegerField(required=False, min_value=1)
    passed = forms.ChoiceField(
        choices=[("1", "通过审核"), ("0", "退回重办")],
        required=False,
        error_messages={"invalid_choice": "请选择通过审核或退回"},
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def day(self) -> date:
        return self.cleaned_data.get("on") or timezone.localdate()

"""Forms of the leader-work pages: sessions, rotas, 约访, the registrar's reception fields, 六定,
and the month's progress note. Thin: they parse; the services in leaders.services decide."""

import re
from datetime import date
from typing import Any

from django import forms

from xinfang.accounts.models import Role, User
from xinfang.core.formtext import SafeForm
from xinfang.core.permissions import pickable_leaders, visible_matters
from xinfang.core.pickers import PersonPicker
from xinfang.intake.forms import UnitField, day_field, units_for
from xinfang.intake.models import Matter
from xinfang.leaders.choices import (
    LeaderTier,
    PackageDuty,
    PackageStatus,
    ReceptionOutcome,
    SessionKind,
    SessionStatus,
)
from xinfang.leaders.models import Leader, ReceptionSession, SessionLeader
from xinfang.organisation.models import OrgUnit

WEEKDAYS = [
    ("0", "星期一"),
    ("1", "星期二"),
    ("2", "星期三"),
    ("3", "星期四"),
    ("4", "星期五"),
    ("5", "星期六"),
    ("6", "星期日"),
]
DAY_ERRORS = {
    "invalid": "日期应为1至31的整数",
    "min_value": "日期应为1至31",
    "max_value": "日期应为1至31",
}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_SPLIT = re.compile(r"[\s,，、;；]+")


class LeaderChoiceField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": "所选领导不在可选范围内，请重新选择",
        "invalid_pk_value": "所选领导不在可选范围内，请重新选择",
        "required": "请至少选择一名接访领导",
    }

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}·{obj.get_tier_display()}·{obj.unit.name}"


class OneLeaderField(forms.ModelChoiceField):
    widget = PersonPicker
    default_error_messages = {"invalid_choice": "所选领导不在可选范围内，请重新选择"}

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}·{obj.get_tier_display()}·{obj.unit.name}"


class UnitsField(forms.ModelMultipleChoiceField):
    default_error_messages = {
        "invalid_choice": "所选单位不在可选范围内，请重新选择",
        "invalid_pk_value": "所选单位不在可选范围内，请重新选择",
    }

    def label_from_instance(self, obj: Any) -> str:
        return obj.name


def time_field(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "请按“时:分”填写时间"},
    )


def month_value(raw: str) -> date | None:
    match = _MONTH.match(raw.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        return None
    return date(year, month, 1)


class SessionFilterForm(SafeForm):
    kind = forms.ChoiceField(
        label="接访形式", choices=[("", "全部"), *SessionKind.choices], required=False
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *SessionStatus.choices], required=False
    )
    month = forms.CharField(
        label="月份",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "年-月"}),
    )
    leader = OneLeaderField(label="接访领导", queryset=Leader.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leader = self.fields["leader"]
        assert isinstance(leader, OneLeaderField)
        leader.queryset = pickable_leaders(user)
        leader.empty_label = "全部"

    def clean_month(self) -> date | None:
        raw = self.cleaned_data["month"]
        if not raw.strip():
            return None
        value = month_value(raw)
        if value is None:
            raise forms.ValidationError("请按“年-月”填写月份，例如2026-03")
        return value


class _LeadersAndPlace(SafeForm):
    kind = forms.ChoiceField(
        label="接访形式",
        choices=SessionKind.choices,
        error_messages={"required": "请选择接访形式"},
    )
    starts_at = time_field("开始时间")
    ends_at = time_field("结束时间")
    place = forms.CharField(
        label="地点", max_length=128, error_messages={"required": "请填写接访地点"}
    )
    topics = forms.CharField(label="接访内容", max_length=255, required=False)
    capacity = forms.IntegerField(
        label="预约名额",
        initial=20,
        min_value=0,
        max_value=500,
        error_messages={
            "required": "请填写预约名额",
            "invalid": "预约名额应为整数",
            "min_value": "预约名额须在0至500之间",
            "max_value": "预约名额须在0至500之间",
        },
    )
    leaders = LeaderChoiceField(
        label="接访领导", queryset=Leader.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        leaders = self.fields["leaders"]
        assert isinstance(leaders, LeaderChoiceField)
        leaders.queryset = pickable_leaders(user)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "结束时间须晚于开始时间")
        return data


class SessionForm(_LeadersAndPlace):
    """One session by hand: 定期接访, 下访, 约访 or 联合接访."""

    held_on = forms.DateField(
        label="接访日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写接访日期", "invalid": "请按“年-月-日”填写日期"},
    )
    units = UnitsField(
        label="陪同接访单位",
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="按住Ctrl可多选",
    )
    field_order = [
        "kind",
        "held_on",
        "starts_at",
        "ends_at",
        "place",
        "topics",
        "capacity",
        "leaders",
        "units",
    ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        units = self.fields["units"]
        assert isinstance(units, UnitsField)
        units.queryset = units_for(user)


class RotaForm(_LeadersAndPlace):
    """接访排班: a weekday, or days of each month (e.g. 15–20), in turn or all; made for a range."""

    name = forms.CharField(
        label="排班名称", max_length=64, error_messages={"required": "请填写排班名称"}
    )
    weekday = forms.ChoiceField(
        label="每周星期", choices=[("", "（不按星期）"), *WEEKDAYS], required=False
    )
    month_day_from = forms.IntegerField(
        label="每月起始日",
        required=False,
        min_value=1,
        max_value=31,
        error_messages=DAY_ERRORS,
    )
    month_day_to = forms.IntegerField(
        label="每月截止日",
        required=False,
        min_value=1,
        max_value=31,
        error_messages=DAY_ERRORS,
    )
    in_turn = forms.ChoiceField(
        label="领导安排",
        choices=[("1", "轮流接访（每次一名）"), ("", "全部领导同时接访")],
        required=False,
        widget=forms.RadioSelect,
        initial="1",
    )
    start = forms.DateField(
        label="生成自",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写生成的起始日期", "invalid": "请按“年-月-日”填写日期"},
    )
    end = forms.DateField(
        label="生成至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写生成的截止日期", "invalid": "请按“年-月-日”填写日期"},
    )
    field_order = [
        "name",
        "kind",
        "weekday",
        "month_day_from",
        "month_day_to",
        "starts_at",
        "ends_at",
        "place",
        "topics",
        "capacity",
        "leaders",
        "in_turn",
        "start",
        "end",
    ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = "请填写接访时间"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        weekday = data.get("weekday")
        first, last = data.get("month_day_from"), data.get("month_day_to")
        if weekday and (first or last):
            self.add_error("weekday", "每周星期与每月日期只能选一种")
        elif not weekday and not (first and last):
            if first or last:
                self.add_error("month_day_to", "请同时填写每月起始日和截止日")
            else:
                self.add_error("weekday", "请选择每周星期，或填写每月的起止日期（如15日至20日）")
        if first and last and last < first:
            self.add_error("month_day_to", "截止日不能早于起始日")
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "截止日期不能早于起始日期")
        return data


class CancelForm(SafeForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="取消原因", max_length=200, error_messages={"required": "请填写取消原因"}
    )


def matter_by_number(user: User, raw: str) -> Matter | None:
    """A matter the user may see, by its number (or its id)."""
    raw = raw.strip()
    if not raw:
        return None
    found = visible_matters(user).filter(number=raw).first()
    if found is None and raw.isascii() and raw.isdigit():
        found = visible_matters(user).filter(pk=int(raw)).first()
    return found


class InviteForm(SafeForm):
    matter = forms.CharField(
        label="事项编号", max_length=64, error_messages={"required": "请填写要约访的事项编号"}
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_matter(self) -> Matter:
        found = matter_by_number(self.user, self.cleaned_data["matter"])
        if found is None:
            raise forms.ValidationError("没有这个事项编号，或您无权查看该事项")
        return found


# --- the registrar's screen, at a session -------------------------------------------------------


def add_reception_fields(form: forms.Form, session: ReceptionSession) -> None:
    """The fields the registrar's form gains at a session: leaders, outcome, deadline, 批示."""
    form.fields["reception_leaders"] = LeaderChoiceField(
        label="接待领导",
        queryset=Leader.objects.filter(
            pk__in=SessionLeader.objects.filter(session=session).values("leader_id")
        ).select_related("unit"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择接待的领导"},
    )
    form.fields["reception_outcome"] = forms.ChoiceField(
        label="接访结果",
        choices=ReceptionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择接访结果（当场解决、限期解决、教育疏导、有待研判）",
            "invalid_choice": "请选择接访结果（当场解决、限期解决、教育疏导、有待研判）",
        },
    )
    form.fields["reception_leader_due"] = day_field("限定办结日期")
    form.fields["reception_leader_due"].help_text = "限期解决时必填：领导限定的办结日期"
    form.fields["reception_instruction"] = forms.CharField(
        label="领导批示",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="选填；记为接待领导对该事项的批示",
    )


# --- packages ------------------------------------------------------------------------------------


class PackageFilterForm(SafeForm):
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *PackageStatus.choices], required=False
    )
    leader = OneLeaderField(label="包案领导", queryset=Leader.objects.none(), required=False)
    unit = UnitField(label="责任单位", queryset=OrgUnit.objects.none(), required=False)
    overdue = forms.BooleanField(label="已超办结时限", required=False)
    missing = forms.BooleanField(label="缺月度进展", required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leader = self.fields["leader"]
        assert isinstance(leader, OneLeaderField)
        leader.queryset = pickable_leaders(user)
        leader.empty_label = "全部"
        unit = self.fields["unit"]
        assert isinstance(unit, UnitField)
        unit.queryset = units_for(user)
        unit.base_depth = user.org_unit.depth if user.org_unit else 0
        unit.empty_label = "全部"


class UserChoice(forms.ModelChoiceField):
    widget = PersonPicker
    default_error_messages = {"invalid_choice": "所选账号不在可选范围内，请重新选择"}

    def label_from_instance(self, obj: Any) -> str:
        unit = obj.org_unit.name if obj.org_unit else ""
        return f"{obj.display_name or obj.username}（{unit}）"


class PackageForm(SafeForm):
    """领导包案 with the 六定."""

    responsible_unit = UnitField(
        label="定责任单位",
        queryset=OrgUnit.objects.none(),
        required=False,
    )
    leader = OneLeaderField(
        label="定责任领导",
        queryset=Leader.objects.none(),
        required=False,
    )
    responsible_person = forms.CharField(label="定责任人", max_length=64, required=False)
    responsible_user = UserChoice(
        label="责任人账号",
        queryset=User.objects.none(),
        required=False,
        help_text="选填：责任人的系统账号，便于其填报月度进展",
    )
    supervising_unit = UnitField(
        label="定督办单位", queryset=OrgUnit.objects.none(), required=False
    )
    requirements = forms.CharField(
        label="定办理要求", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = day_field("定办结时限")
    related = forms.CharField(
        label="关联事项",
        required=False,
        max_length=500,
        help_text="选填：同一问题的其他事项编号，用空格或逗号隔开",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        units = units_for(user)
        base = user.org_unit.depth if user.org_unit else 0
        for name in ("responsible_unit", "supervising_unit"):
            field = self.fields[name]
            assert isinstance(field, UnitField)
            field.queryset = units
            field.base_depth = base
            field.empty_label = "（请选择）"
        leader = self.fields["leader"]
        assert isinstance(leader, OneLeaderField)
        leader.queryset = pickable_leaders(user)
        leader.empty_label = "（请选择）"
        people = self.fields["responsible_user"]
        assert isinstance(people, UserChoice)
        people.queryset = (
            User.objects.filter(is_active=True, org_unit__in=units)
            .exclude(role=Role.ADMIN)
            .select_related("org_unit")
            .order_by("org_unit__path", "username")
        )
        people.empty_label = "（无）"
        self.related_matters: list[Matter] = []

    def clean_related(self) -> str:
        raw = self.cleaned_data["related"]
        unknown = []
        for number in (n for n in _SPLIT.split(raw) if n):
            found = matter_by_number(self.user, number)
            if found is None:
                unknown.append(number)
            elif found not in self.related_matters:
                self.related_matters.append(found)
        if unknown:
            raise forms.ValidationError(f"没有这些事项编号，或您无权查看：{'、'.join(unknown)}")
        return raw


class ProgressForm(SafeForm):
    """月督查: the month's progress note with the duties it covers."""

    month = forms.CharField(
        label="填报月份",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "年-月"}),
        error_messages={"required": "请填写填报月份"},
    )
    duties = forms.MultipleChoiceField(
        label="包案职责",
        choices=PackageDuty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "包案职责不正确"},
    )
    note = forms.CharField(
        label="进展情况",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写本月进展情况"},
    )

    def clean_month(self) -> date:
        value = month_value(self.cleaned_data["month"])
        if value is None:
            raise forms.ValidationError("请按“年-月”填写月份，例如2026-03")
        return value


TIER_LABELS = dict(LeaderTier.choices)

"""Forms of the dispute pages: the ledger's filters, the record form, mediation, settle, escalate,
转为信访, campaigns, feedback. Thin: they parse; the services in disputes.services decide."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.formtext import SafeForm
from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeSource,
    DisputeStatus,
    MediationKind,
    MediationResult,
    NextStep,
    Risk,
)
from xinfang.disputes.models import ScreeningCampaign
from xinfang.intake.forms import CategoryField, UnitField, units_for
from xinfang.intake.models import Category
from xinfang.leaders.forms import month_value
from xinfang.organisation.models import OrgUnit, UnitKind

DATE_ERRORS = {"invalid": "请按“年-月-日”填写日期", "required": "请填写日期"}
# a place's own level, when the form leaves 层级 empty (a village's problem starts in the village)
LEVEL_OF_KIND = {
    UnitKind.VILLAGE: DisputeLevel.VILLAGE,
    UnitKind.STREET: DisputeLevel.STREET,
    UnitKind.DISTRICT: DisputeLevel.DISTRICT,
}
PLACE_KINDS = list(LEVEL_OF_KIND)
CLOCK_CHOICES = [("", "全部"), ("warning", "即将到期（预警）"), ("overdue", "已超期")]


def date_field(label: str, *, required: bool = True, what: str = "日期") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请按“年-月-日”填写日期", "required": f"请填写{what}"},
    )


def text_field(label: str, *, required: bool = True, rows: int = 3, what: str = "") -> Any:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"请填写{what or label}"},
    )


def radios(label: str, choices: Any, what: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": f"请选择{what}", "invalid_choice": f"请从列表中选择{what}"},
    )


def campaigns_for(user: User) -> QuerySet[ScreeningCampaign]:
    """The campaigns a user takes part in: organised by their unit, a unit above or below it."""
    if user.org_unit is None:
        return ScreeningCampaign.objects.none()
    unit = user.org_unit
    above = unit.ancestor_ids() or [unit.pk]
    return ScreeningCampaign.objects.filter(
        Q(unit_id__in=above) | Q(unit__path__startswith=unit.path)
    ).select_related("unit")


class CampaignField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": "所选专项排查不在可选范围内，请重新选择"}

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.starts_on:%m-%d}至{obj.ends_on:%m-%d}）"


def places_for(user: User) -> QuerySet[OrgUnit]:
    """问题属地: the villages, streets and districts of the user's area."""
    return units_for(user).filter(kind__in=PLACE_KINDS)


class DisputeFilterForm(SafeForm):
    month = forms.CharField(
        label="排查月份",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "年-月"}),
    )
    level = forms.ChoiceField(
        label="当前层级", choices=[("", "全部"), *DisputeLevel.choices], required=False
    )
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *DisputeStatus.choices], required=False
    )
    risk = forms.ChoiceField(
        label="风险等级", choices=[("", "全部"), *Risk.choices], required=False
    )
    source = forms.ChoiceField(
        label="来源", choices=[("", "全部"), *DisputeSource.choices], required=False
    )
    campaign = CampaignField(
        label="专项排查", queryset=ScreeningCampaign.objects.none(), required=False
    )
    clock = forms.ChoiceField(label="化解期限", choices=CLOCK_CHOICES, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaign = self.fields["campaign"]
        assert isinstance(campaign, CampaignField)
        campaign.queryset = campaigns_for(user)
        campaign.empty_label = "全部"

    def clean_month(self) -> date | None:
        raw = self.cleaned_data["month"]
        if not raw.strip():
            return None
        value = month_value(raw)
        if value is None:
            raise forms.ValidationError("请按“年-月”填写月份，例如2026-03")
        return value


class DisputeForm(SafeForm):
    found_on = date_field("排查日期", what="排查日期")
    source = radios("来源", DisputeSource.choices, "来源")
    campaign = CampaignField(
        label="专项排查",
        queryset=ScreeningCampaign.objects.none(),
        required=False,
        help_text="来源为专项排查时必选",
    )
    place = UnitField(
        label="问题属地",
        queryset=OrgUnit.objects.none(),
        error_messages={"required": "请选择问题属地"},
    )
    level = forms.ChoiceField(
        label="化解层级",
        choices=[("", "按问题属地"), *DisputeLevel.choices],
        required=False,
        help_text="责任单位为问题属地所在该层级的单位",
    )
    category = CategoryField(label="内容分类", queryset=Category.objects.none(), required=False)
    parties = forms.IntegerField(
        label="涉及人数",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
        error_messages={"required": "请填写涉及人数", "invalid": "涉及人数应为整数"},
    )
    risk = radios("风险等级", Risk.choices, "风险等级")
    description = text_field("纠纷情况", rows=4, what="纠纷情况")
    plan = text_field("化解方案", required=False)
    number = forms.CharField(
        label="纠纷编号", required=False, max_length=40, help_text="留空则自动编号"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        place = self.fields["place"]
        assert isinstance(place, UnitField)
        place.queryset = places_for(user)
        place.base_depth = user.org_unit.depth if user.org_unit else 0
        place.empty_label = "请选择"
        campaign = self.fields["campaign"]
        assert isinstance(campaign, CampaignField)
        campaign.queryset = campaigns_for(user).filter(ends_on__gte=_year_ago())
        campaign.empty_label = "不属于专项排查"
        category = self.fields["category"]
        assert isinstance(category, CategoryField)
        category.queryset = Category.objects.order_by("path")
        category.empty_label = "未分类"

    def chosen_level(self) -> str:
        data = self.cleaned_data
        if data.get("level"):
            return str(data["level"])
        return str(LEVEL_OF_KIND.get(data["place"].kind, DisputeLevel.VILLAGE))


def _year_ago() -> date:
    # campaigns that ended more than a year ago are history, not a choice for a new record
    return timezone.localdate() - timedelta(days=366)


class MediationStartForm(SafeForm):
    kind = radios("调解类型", MediationKind.choices, "调解类型")
    mediator = forms.CharField(
        label="调解员或调解组织",
        max_length=100,
        error_messages={"required": "请填写调解员或调解组织"},
    )
    organisation = UnitField(label="调解单位", queryset=OrgUnit.objects.none(), required=False)
    started_on = date_field("开始日期", what="调解开始日期")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, UnitField)
        field.queryset = units_for(user)
        field.base_depth = user.org_unit.depth if user.org_unit else 0
        field.empty_label = "（不选）"


class MediationSessionForm(SafeForm):
    held_on = date_field("调解日期", what="调解日期")
    parties_present = forms.IntegerField(
        label="到场当事方数",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
        error_messages={"required": "请填写到场当事方数", "invalid": "到场当事方数应为整数"},
    )
    positions = text_field("各方意见", rows=4)
    note = text_field("记录", required=False)


class MediationConcludeForm(SafeForm):
    result = radios("调解结果", MediationResult.choices, "调解结果")
    on = date_field("结束日期", what="调解结束日期")
    agreement = text_field("协议内容（调解成功）", required=False, rows=4)
    failure_reason = text_field("调解不成原因", required=False)
    next_step = forms.ChoiceField(
        label="去向（调解不成）",
        choices=[("", "请选择"), *NextStep.choices],
        required=False,
        error_messages={"invalid_choice": "请从列表中选择去向"},
    )


class DayForm(SafeForm):
    """化解 or 手动升级: a day, and for an escalation a note."""

    on = date_field("日期")
    note = forms.CharField(label="说明", required=False, max_length=200)


class PetitionForm(SafeForm):
    matter = forms.CharField(
        label="信访事项编号",
        max_length=40,
        error_messages={"required": "请填写信访事项编号"},
        help_text="该纠纷已登记为信访事项时填写；从此按该事项统计",
    )
    on = date_field("转信访日期", what="转信访日期")


class CampaignForm(SafeForm):
    name = forms.CharField(
        label="名称", max_length=100, error_messages={"required": "请填写专项排查名称"}
    )
    starts_on = date_field("开始日期", what="开始日期")
    ends_on = date_field("结束日期", what="结束日期")
    note = text_field("说明", required=False, rows=2)


class FeedbackForm(SafeForm):
    text = text_field("反馈", rows=2, what="反馈内容")
    on = date_field("反馈日期", what="反馈日期")

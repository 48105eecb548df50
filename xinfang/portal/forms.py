"""The portal's forms. Every rule of an online petition lives in portal.services.petition_problems;
these forms only carry the typed values (and Chinese messages for what Django checks itself)."""

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from xinfang.core.formtext import SafeForm
from xinfang.intake.choices import Evaluation, Purpose
from xinfang.intake.models import Category
from xinfang.organisation.models import OrgUnit, UnitKind

PURPOSE_HELP: dict[str, str] = {
    Purpose.SUGGESTION: "对工作提出建议、意见。可以不署名。",
    Purpose.ACCUSATION: "检举、控告公职人员或组织的违纪违法行为，由纪检监察机关依规办理。"
    "可以匿名；实名检举的，处理结果会答复您。",
    Purpose.REQUEST: "为自己的合法权益提出申诉或请求解决问题。"
    "需要填写姓名和联系电话，以便书面答复。",
}

AREA_KINDS = (UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET)
# Django's own Chinese for it reads "no empty string", which sends the petitioner looking for
# an empty field
NUL_MESSAGE = "不能包含空字符（\\0），请删除后重新填写"


def name_nul_characters(form: forms.Form) -> None:
    for field in form.fields.values():
        for validator in field.validators:
            if isinstance(validator, ProhibitNullCharactersValidator):
                validator.message = NUL_MESSAGE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.path.replace("/", " › ")


class LocalityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name


class PetitionForm(SafeForm):
    key = forms.CharField(widget=forms.HiddenInput, max_length=128, required=False)
    purpose = forms.ChoiceField(
        label="信访目的",
        choices=Purpose.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择信访目的：建议意见、检举控告或申诉求决",
            "invalid_choice": "请选择信访目的：建议意见、检举控告或申诉求决",
        },
    )
    category = CategoryChoice(
        label="问题类别",
        queryset=Category.objects.filter(active=True).select_related("parent"),
        empty_label="请选择",
        error_messages={
            "required": "请选择问题类别；找不到合适的，请选“其他”",
            "invalid_choice": "所选问题类别不存在，请重新选择",
        },
    )
    locality = LocalityChoice(
        label="问题发生地",
        queryset=OrgUnit.objects.filter(active=True, kind__in=AREA_KINDS).order_by("path"),
        empty_label="请选择",
        error_messages={
            "required": "请选择问题发生地；不清楚具体街道（乡镇）的，选所在区县",
            "invalid_choice": "所选问题发生地不存在，请重新选择",
        },
    )
    content = forms.CharField(
        label="反映的问题和诉求",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,  # the service says what is missing, with the other rules
        strip=False,
    )
    name = forms.CharField(label="姓名", required=False, max_length=200)
    phone = forms.CharField(label="联系电话", required=False, max_length=40)
    id_number = forms.CharField(label="身份证号", required=False, max_length=40)
    address = forms.CharField(label="住址", required=False, max_length=400)
    attachments = forms.FileField(
        label="附件",
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff,.docx"}),
    )
    truthful = forms.BooleanField(
        label="本人承诺所反映的情况客观真实，并对所提供材料的真实性负责",
        error_messages={"required": "请确认所反映的情况客观真实"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_nul_characters(self)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-describedby", f"{name}-hint")
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        # input_type, not attrs["type"], which would render a second type attribute
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def mark_errors(self) -> None:
        """Point each field with an error at its message (for screen readers)."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-describedby"] = f"{name}-hint {name}-error"
                attrs["aria-invalid"] = "true"

    def clean_attachments(self) -> None:
        return None  # read from request.FILES by the view, file by file


class QueryForm(SafeForm):
    query_code = forms.CharField(
        label="查询码",
        max_length=32,
        error_messages={"required": "请填写查询码"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
    )
    secret = forms.CharField(
        label="查询密码",
        max_length=32,
        error_messages={"required": "请填写查询密码"},
        widget=forms.PasswordInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
            },
            render_value=True,
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_nul_characters(self)


class EvaluationForm(SafeForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    evaluation = forms.ChoiceField(
        label="您对处理结果的评价",
        choices=Evaluation.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "请选择评价：满意、基本满意或不满意",
            "invalid_choice": "请选择评价：满意、基本满意或不满意",
        },
    )


class VersionForm(SafeForm):
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": "页面已过期，请刷新后重试"}
    )


class BookingForm(SafeForm):
    """领导接访预约: who, a mobile for the SMS, what it is about, and an optional query code.
    The rules are leaders.services.booking_create's; this form carries the typed values."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=128, required=False)
    name = forms.CharField(label="姓名", max_length=64, error_messages={"required": "请填写姓名"})
    phone = forms.CharField(
        label="手机号码",
        max_length=40,
        error_messages={"required": "请填写11位手机号码，用于接收预约短信"},
    )
    topic = forms.CharField(
        label="要反映的事项",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=1000,
        error_messages={
            "required": "请简要说明要反映的事项（至少5个字）",
            "max_length": "反映事项请控制在1000字以内",
        },
    )
    query_code = forms.CharField(
        label="已有信访事项的查询码",
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_nul_characters(self)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-describedby", f"{name}-hint")
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def mark_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-describedby"] = f"{name}-hint {name}-error"
                attrs["aria-invalid"] = "true"


class BookingCancelForm(SafeForm):
    code = forms.CharField(
        label="预约码",
        max_length=32,
        error_messages={"required": "请填写预约码"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "autocorrect": "off",
                "spellcheck": "false",
                "aria-describedby": "code-hint",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_nul_characters(self)

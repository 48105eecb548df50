"""Template helpers: the navigation a user may see, and masked personal data."""

from typing import Any

from django import template
from django.urls import reverse

from xinfang.core.masking import (
    free_text_for,
    mask_address,
    mask_free_text,
    mask_id_number,
    mask_phone,
)
from xinfang.core.permissions import Action, may

register = template.Library()

NAV = (
    (Action.REGISTER, "登记", "intake:register"),
    (Action.VIEW_MATTER, "事项", "intake:matter_list"),
    (Action.VIEW_MATTER, "我的待办", "workflow:queues"),
    (Action.VIEW_LEADER_WORK, "领导接访", "leaders:sessions"),
    (Action.VIEW_CASEWORK, "会办交办", "casework:meetings"),
    (Action.VIEW_DISPUTES, "矛盾纠纷", "disputes:list"),
    (Action.VIEW_STATISTICS, "统计分析", "analytics:dashboard"),
    (Action.MANAGE_ORGANISATION, "系统管理", "admin:index"),
)


@register.simple_tag(takes_context=True)
def nav_links(context: dict[str, Any]) -> list[tuple[str, str]]:
    user = context["request"].user
    return [(label, reverse(name)) for action, label, name in NAV if may(user, action)]


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def free_text(value: str | None, reader: Any) -> str:
    """Free text as `reader` may see it: ID numbers and phones in it masked unless they may
    reveal personal data (core.masking.free_text_for). `{{ r.content|free_text:user }}`"""
    return free_text_for(reader, value)


# What the audit history shows for each action; an unknown action is shown as it is written.
AUDIT_LABELS = {
    "registration.create": "登记",
    "portal.submit": "网上信访提交",
    "portal.action": "信访人通过网上信访平台操作",
    "portal.lockout": "查询密码连续输错，查询码暂时锁定",
    "attachment.add": "上传附件",
    "personal_data.reveal": "查看完整个人信息",
    "personal_data.search": "按身份证号或电话查找",
    "ledger.import": "台账导入",
    "documenttemplate.create": "新增文书模板",
    "documenttemplate.change": "修改文书模板",
    "issuerprefix.create": "设置机关代字",
    "issuerprefix.change": "修改机关代字",
    "issuerprefix.delete": "删除机关代字",
    "documenttemplate.delete": "删除文书模板",
    "hearing.schedule": "安排听证",
    "hearing.begin": "听证开始",
    "hearing.record": "登记听证笔录和结论",
    "hearing.document_issue": "出具听证文书",
    "casework.decision_assign": "会议决定交办",
    "casework.batch_item_add": "列入交办积案",
    "casework.item_resolve": "交办积案化解",
    "casework.item_verify": "交办积案审核",
    "casework.item_reflow": "交办积案回流",
    "casework.long_standing": "认定积案",
}
FIELD_LABELS = {"id_number": "身份证号", "phone": "电话", "address": "住址"}


def _workflow_labels() -> dict[str, str]:
    """workflow.<step>, workflow.<supervision act>, document.issue: as the tables name them."""
    from xinfang.workflow.timeline import EVENT_LABELS

    return EVENT_LABELS


@register.filter
def audit_label(action: str) -> str:
    return AUDIT_LABELS.get(action) or _workflow_labels().get(action, action)


@register.filter
def audit_summary(event: Any) -> str:
    """A short Chinese line of what the event's data says; never a personal value."""
    data = event.data or {}
    if event.action == "personal_data.search":
        what = "身份证号" if data.get("fields") == ["id_number"] else "电话"
        return f"查找{what} {data.get('masked', '')}"
    if event.action == "personal_data.reveal":
        fields = "、".join(FIELD_LABELS.get(name, name) for name in data.get("fields", []))
        return f"查看了{fields or '（无）'}"
    if event.action == "registration.create":
        from xinfang.intake.choices import Channel, Level

        channel = Channel(data["channel"]).label if data.get("channel") in Channel.values else ""
        level = Level(data["level"]).label if data.get("level") in Level.values else ""
        repeat = "，重复信访" if data.get("repeat") else ""
        outcome = {"refused": "，已终结不予受理", "told": "，告知原处理决定"}.get(
            data.get("outcome", ""), ""
        )
        return f"{channel} {level} {data.get('people', '')}人{repeat}{outcome}".strip()
    if event.action == "attachment.add":
        # a file's name is typed by people: masked here, whoever reads the history
        return f"{mask_free_text(data.get('name', ''))}（{data.get('registration', '')}）"
    if event.action in _workflow_labels():
        from xinfang.workflow.timeline import event_details

        return "；".join(f"{k}：{v}" if k else v for k, v in event_details(event))
    return ""


@register.filter
def masked_address(value: str | None) -> str:
    return mask_address(value)

"""Templates quote the petition as a quotation — 你于……来信反映：“……”（事项编号：…） — instead of
反映“信访人来信反映：……”问题, and name each step's text as a clerk does (答复内容, 办理要求,
复查理由, 复核理由) instead of 补充说明. Templates a bureau rewrote keep their text unless it still
holds the old sentence; reversing restores the old sentences."""

from django.db import migrations

OLD_ABOUT = (
    "{{ 称谓 }}于{{ 登记日期 }}以{{ 信访形式 }}方式提出的信访事项"
    "（事项编号：{{ 事项编号 }}），反映“{{ 反映内容 }}”问题"
)
NEW_ABOUT = "{{ 称谓 }}于{{ 登记日期 }}{{ 反映方式 }}反映：“{{ 反映内容 }}”（事项编号：{{ 事项编号 }}）"
OLD_NOTE = "{% if 补充说明 %}{{ 补充说明 }}\n{% endif %}"


def _named(name: str, lead: str = "") -> str:
    return f"{{% if {name} %}}{lead}{{{{ {name} }}}}\n{{% endif %}}"


# (kinds, old, new): every pair is applied where the old text is found
CHANGES = [
    (
        ["accept", "decline", "forward", "extension", "reply"],
        OLD_ABOUT,
        NEW_ABOUT,
    ),
    (
        ["assign"],
        "{% if 补充说明 %}办理要求：{{ 补充说明 }}\n{% endif %}",
        _named("办理要求", "办理要求："),
    ),
    (
        ["reply"],
        "{% if 办理情况 %}{{ 办理情况 }}\n{% endif %}" + OLD_NOTE,
        "{% if 答复内容 %}{{ 答复内容 }}\n{% elif 办理情况 %}{{ 办理情况 }}\n{% endif %}",
    ),
    (["review"], "如下：\n" + OLD_NOTE, "如下：\n" + _named("复查理由")),
    (["rereview"], "如下：\n" + OLD_NOTE, "如下：\n" + _named("复核理由")),
]


def _apply(apps, backwards: bool) -> None:
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    for kinds, old, new in CHANGES:
        if backwards:
            old, new = new, old
        for template in DocumentTemplate.objects.filter(kind__in=kinds, body__contains=old):
            template.body = template.body.replace(old, new)
            template.save(update_fields=["body"])


def forward(apps, schema_editor):
    _apply(apps, backwards=False)


def backward(apps, schema_editor):
    _apply(apps, backwards=True)


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_cite_article_34")]

    operations = [migrations.RunPython(forward, backward)]

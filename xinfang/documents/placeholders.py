"""The template language of documents: named placeholders, {% if %}, |default — and its checks.

An administrator writes a template's body in Django template syntax, restricted: placeholders are
the Chinese names below ({{ 信访人 }}), the only tag is {% if %} / {% elif %} / {% else %} /
{% endif %}, the only filter is |default. `check_template` refuses anything else when the template
is saved, with a Chinese message naming the line, so a typo never reaches issue time.
"""

import re

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType

from xinfang.documents.kinds import DocumentKind as K

COMMON: dict[str, str] = {
    "文号": "本文书的文号，如 示信受〔2026〕3号",
    "成文日期": "出具日期，如 2026年11月22日",
    "发文机关": "出具文书的单位名称",
    "事项编号": "信访事项编号",
    "信访人": "信访人姓名（集体访为“某某等”）；不含身份证号和电话",
    "称谓": "对信访人的称呼：一人为“你”，多人（集体访、联名）为“你们”",
    "登记日期": "首次登记日期",
    "信访形式": "来信、来访、网上信访或来电",
    "反映方式": "来信、来访、来电或“通过网上信访平台”，写在“反映：”之前",
    "反映内容": (
        "反映内容摘要，用于引号之内（去掉开头的“信访人来信反映：”等，证件号、电话号码已隐去）"
    ),
    "内容分类": "内容分类",
    "补充说明": "补出具文书时填写的说明（可为空；证件号、电话号码已隐去）",
}

# The text a step's form asks for, named as a clerk names it, and the placeholder it fills
# (证件号、电话号码已隐去). Other kinds take their text from facts already recorded (理由、事由).
STEP_TEXT: dict[str, str] = {
    K.ASSIGN: "办理要求",
    K.REPLY: "答复内容",
    K.REVIEW: "复查理由",
    K.REREVIEW: "复核理由",
}

BY_KIND: dict[str, dict[str, str]] = {
    K.ACCEPT: {"受理日期": "受理日期", "办理期限": "办理期限的最后一日", "办理天数": "如 60"},
    K.DECLINE: {
        "决定日期": "作出不予受理决定的日期",
        "不予受理理由": "登记的理由（证件号、电话号码已隐去）",
    },
    K.FORWARD: {"承办单位": "转送的单位", "转送日期": "转送日期", "办理期限": "办理期限"},
    K.ASSIGN: {
        "承办单位": "交办的单位",
        "交办日期": "交办日期",
        "办理期限": "办理期限",
        "办理天数": "如 60",
        "退回工作日数": "签收后可退回的工作日数，如 5",
        "办理要求": "交办时填写的办理要求（可为空）",
    },
    K.EXTENSION: {
        "受理日期": "受理（交办）日期",
        "原办理期限": "延期前的办理期限",
        "延期天数": "批准延长的天数",
        "延期理由": "申请延期的理由（证件号、电话号码已隐去）",
        "延期后期限": "延期后的办理期限",
    },
    K.REPLY: {
        "受理日期": "受理（交办）日期",
        "答复日期": "出具处理意见的日期",
        "处理意见": "予以支持、解释说明或不予支持",
        "答复内容": "答复时填写的答复内容（证件号、电话号码已隐去）",
        "办理情况": "登记的办理情况（证件号、电话号码已隐去）",
        "复查申请天数": "如 30",
    },
    K.REVIEW: {
        "复查申请日期": "申请复查的日期",
        "复查日期": "出具复查意见的日期",
        "复查意见": "予以支持、解释说明或不予支持",
        "复查理由": "复查认定的事实和理由（可为空）",
        "复核申请天数": "如 30",
    },
    K.REREVIEW: {
        "复核申请日期": "申请复核的日期",
        "复核日期": "出具复核意见的日期",
        "复核意见": "予以支持、解释说明或不予支持",
        "复核理由": "复核认定的事实和理由（可为空）",
    },
    K.SUPERVISION: {
        "督办级别": "中央、省、市或区",
        "督办类型": "常规督办或集中督办",
        "督办事由": "督办事由（证件号、电话号码已隐去）",
        "督办日期": "督办日期",
        "督办期限": "督办期限",
        "被督办单位": "被督办单位",
        "办理期限": "事项的办理期限（可为空）",
    },
}


def placeholders_for(kind: str) -> dict[str, str]:
    """Every placeholder a template of `kind` may use, with what it holds."""
    return {**COMMON, **BY_KIND[kind]}


ENGINE = Engine(
    builtins=["xinfang.documents.template_library"],
    autoescape=False,  # the output is plain text; the print page escapes it when it shows it
    libraries={},
)

_IF_WORDS = frozenset({"and", "or", "not", "in", "is", "==", "!=", "<", ">", "<=", ">="})
_BLOCKS = ("if", "elif", "else", "endif")
_LITERAL = re.compile(r"""^(?:"[^"]*"|'[^']*'|-?\d+|None|True|False)$""")
_NAME = re.compile(r"^\w+$")


def check_template(kind: str, text: str, *, field: str = "正文") -> None:
    """Refuse a template the product could not fill: unknown names, tags, filters, broken syntax."""
    allowed = placeholders_for(kind)
    problems: list[str] = []
    depth = 0
    for token in Lexer(text).tokenize():
        where = f"{field}第{token.lineno}行"
        contents = token.contents.strip()
        if token.token_type == TokenType.TEXT:
            for mark in ("{{", "}}", "{%", "%}"):
                if mark in contents:
                    problems.append(f"{where}有不成对的“{mark}”")
        elif token.token_type == TokenType.VAR:
            problems += _check_expression(contents, allowed, where, with_filters=True)
        elif token.token_type == TokenType.BLOCK:
            word, _, rest = contents.partition(" ")
            if word not in _BLOCKS:
                problems.append(f"{where}的“{{% {word} %}}”不能使用；模板只能使用 {{% if %}}")
                continue
            if word == "if":
                depth += 1
            elif depth == 0:
                problems.append(f"{where}的“{{% {word} %}}”前面缺少 {{% if %}}")
                continue
            if word == "endif":
                depth -= 1
            if word in ("if", "elif"):
                words = [w for w in rest.split() if w not in _IF_WORDS]
                if not words:
                    problems.append(f"{where}的“{{% {word} %}}”缺少判断的占位符")
                for w in words:
                    problems += _check_expression(w, allowed, where, with_filters=False)
    if depth > 0:
        problems.append(f"{field}中有 {{% if %}} 没有对应的 {{% endif %}}")
    if not problems:
        try:
            ENGINE.from_string(text)
        except TemplateSyntaxError as exc:  # what the checks above did not foresee
            problems.append(f"{field}的模板语法有误：{exc}")
    if problems:
        names = "、".join(allowed)
        raise ValidationError(
            [*dict.fromkeys(problems), f"可用的占位符：{names}（写作 {{{{ 占位符 }}}}）"]
        )


def _check_expression(
    text: str, allowed: dict[str, str], where: str, *, with_filters: bool
) -> list[str]:
    name, *filters = [part.strip() for part in text.split("|")]
    problems = []
    if not name:
        return [f"{where}有空的 {{{{ }}}}"]
    if _LITERAL.match(name):
        return []
    if not _NAME.match(name):
        problems.append(f"{where}的“{name}”不是占位符（占位符只由汉字、字母、数字组成）")
    elif name not in allowed:
        problems.append(f"{where}的占位符“{name}”不存在")
    for f in filters:
        fname = f.split(":", 1)[0].strip()
        if not with_filters or fname != "default":
            problems.append(f"{where}的“|{fname}”不能使用；只能使用 |default")
    return problems


def check_title(text: str) -> None:
    if any(mark in text for mark in ("{{", "}}", "{%", "%}")):
        raise ValidationError("标题是固定文字，不能使用占位符")


# C0 control characters other than tab and newlines, and DEL: typed or pasted into a note by
# mistake, they print as nothing and a DOCX (XML 1.0) may not contain them at all
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control(text: str) -> str:
    return CONTROL_CHARS.sub("", text)


def render(text: str, values: dict[str, str]) -> str:
    """The filled text: control characters dropped, every line's trailing spaces trimmed, runs of
    blank lines made one."""
    out = strip_control(ENGINE.from_string(text).render(Context(values, autoescape=False)))
    lines = [line.rstrip() for line in out.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")

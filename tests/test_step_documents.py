"""One step, one document: each step that has a document issues it in the same act, once, and its
text reads as a clerk would write it (the petition quoted as a quotation, the reply as 答复内容)."""

import importlib
from datetime import datetime

import pytest

from xinfang.core.errors import ConflictError
from xinfang.core.models import AuditEvent
from xinfang.documents.default_templates import DEFAULT_TEMPLATES
from xinfang.documents.facts import content_summary
from xinfang.documents.kinds import DocumentKind as K
from xinfang.documents.models import DocumentTemplate, IssuedDocument
from xinfang.documents.selectors import issuable_kinds
from xinfang.intake.choices import Channel, SupervisionLevel
from xinfang.workflow import services as wf
from xinfang.workflow.supervision import supervision_raise

from .conftest import TZ, District, register
from .test_documents_support import (  # noqa: F401  (the autouse fixture puts the defaults back)
    DAY,
    _default_templates,
    at_stage,
)
from .workflow_support import events, fresh, step

# the documents each stage's steps issued, in order (test_documents_support.STAGES)
ISSUED = {
    "registered": [],
    "accepted": ["accept"],
    "declined": ["decline"],
    "forwarded": ["forward"],
    "assigned": ["assign"],
    "received": ["assign"],
    "extended": ["assign", "extension"],
    "replied": ["assign", "extension", "reply"],
    "reviewed": ["assign", "extension", "reply", "review"],
    "final": ["assign", "extension", "reply", "review", "rereview"],
    "supervised": ["accept", "supervision"],
}


@pytest.mark.parametrize("stage", list(ISSUED))
def test_each_step_issues_its_document_once(district: District, stage: str) -> None:
    matter = at_stage(district, stage, step_documents=True)
    documents = IssuedDocument.objects.filter(matter=matter).order_by("id")
    assert [d.kind for d in documents] == ISSUED[stage]
    for document in documents:  # dated the step's day, numbered in its year, one event each
        assert document.issued_on == DAY and document.number.endswith("〔2025〕1号")
        assert document.event is not None or document.notice is not None
    issue_events = AuditEvent.objects.filter(matter=matter, action="document.issue")
    assert issue_events.count() == len(ISSUED[stage])
    # nothing left to issue by hand: the 文书 section offers no 补出具
    for who in ("officer", "street_a_staff", "supervisor"):
        assert issuable_kinds(district.users[who], fresh(matter)) == []


def _letter(district: District, content: str) -> object:
    return register(
        district,
        locality=district.street_a,
        name="王小明",
        channel=Channel.LETTER,
        content=content,
        when=datetime(2025, 8, 1, 9, 0, tzinfo=TZ),
    )


def test_reply_quotes_the_petition_and_carries_the_reply_text(district: District) -> None:
    matter = _letter(district, "信访人来信反映：小区电梯长期故障，要求更换。")
    officer = district.users["officer"]
    step(wf.matter_accept, matter, officer, on=DAY)
    step(
        wf.reply_issue,
        matter,
        officer,
        outcome="supported",
        text="经核实，物业公司已于8月20日更换电梯主板，电梯已恢复运行。",
        on=DAY,
    )
    reply = IssuedDocument.objects.get(matter=matter, kind=K.REPLY)
    number = fresh(matter).number
    assert reply.body.split("\n")[:3] == [
        "王小明：",
        f"你于2025年8月1日来信反映：“小区电梯长期故障，要求更换。”（事项编号：{number}），"
        "经调查核实，现答复如下：",
        "经核实，物业公司已于8月20日更换电梯主板，电梯已恢复运行。",
    ]
    assert "处理意见为：予以支持。" in reply.body
    assert "补充说明" not in reply.body and "来信反映：“信访人" not in reply.body
    accept = IssuedDocument.objects.get(matter=matter, kind=K.ACCEPT)
    assert "来信反映：“小区电梯长期故障，要求更换。”（事项编号：" in accept.body


@pytest.mark.parametrize(
    ("channel", "opening", "said"),
    [
        (Channel.VISIT, "张某等12人联名来访反映：", "来访反映：“"),
        (Channel.PHONE, "来电反映：", "来电反映：“"),
        (Channel.ONLINE, "反映", "通过网上信访平台反映：“"),
    ],
)
def test_the_speaker_stays_outside_the_quotation_marks(
    district: District, channel: str, opening: str, said: str
) -> None:
    matter = register(
        district,
        locality=district.street_a,
        channel=channel,
        content=f"{opening}楼下餐馆油烟扰民",
        when=datetime(2025, 8, 1, 9, 0, tzinfo=TZ),
    )
    step(wf.matter_accept, matter, district.users["officer"], on=DAY)
    body = IssuedDocument.objects.get(matter=matter, kind=K.ACCEPT).body
    assert f"{said}楼下餐馆油烟扰民”" in body


@pytest.mark.parametrize(
    ("content", "quoted"),
    [
        # the registrar's opening naming who speaks goes: the template says 来信反映：“……”
        ("信访人来信反映：小区电梯长期故障", "小区电梯长期故障"),
        ("张某等12人联名来访反映：楼下餐馆油烟扰民", "楼下餐馆油烟扰民"),
        ("反映小区物业管理问题", "小区物业管理问题"),
        # a 反映 inside the petition's own first sentence is the petition's words, kept whole
        ("业主多次向物业反映电梯故障，至今未修", "业主多次向物业反映电梯故障，至今未修"),
        (
            "信访人曾于2026年3月2日反映此事，称问题至今未得到解决",
            "信访人曾于2026年3月2日反映此事，称问题至今未得到解决",
        ),
    ],
)
def test_only_the_opening_naming_the_speaker_is_taken_off(content: str, quoted: str) -> None:
    assert content_summary(content) == quoted


def test_assign_review_and_rereview_carry_their_texts(district: District) -> None:
    matter = at_stage(district, "registered", step_documents=True)
    officer = district.users["officer"]
    step(
        wf.matter_assign,
        matter,
        officer,
        unit=district.street_a,
        requirements="请于15日内上门核实并反馈",
        on=DAY,
    )
    assign = IssuedDocument.objects.get(matter=matter, kind=K.ASSIGN)
    assert "办理要求：请于15日内上门核实并反馈\n" in assign.body
    final = at_stage(district, "reviewed", step_documents=True)
    review = IssuedDocument.objects.get(matter=final, kind=K.REVIEW)
    assert "现提出复查意见如下：\n复查意见：不予支持。" in review.body  # no text: no empty line


def test_a_step_whose_document_cannot_be_issued_is_not_saved(district: District) -> None:
    matter = at_stage(district, "accepted", step_documents=True)
    DocumentTemplate.objects.filter(kind=K.REPLY).delete()
    before = fresh(matter)
    with pytest.raises(ConflictError) as refused:
        wf.reply_issue(
            actor=district.users["officer"],
            matter=before,
            version=before.version,
            outcome="supported",
            text="已处理",
            on=DAY,
        )
    assert refused.value.message == (
        "没有处理意见书的模板，请系统管理员在系统管理中添加；"
        "处理意见书未能出具，本次「出具处理意见书」未保存"
    )
    after = fresh(matter)
    assert (after.status, after.version, after.replied_on) == ("in_handling", before.version, None)
    assert not [e for e in events(after) if e.action == "workflow.reply"]
    assert not IssuedDocument.objects.filter(matter=matter, kind=K.REPLY).exists()


def test_the_clock_scans_supervision_leaves_its_document_to_a_person(district: District) -> None:
    """A 督办 the scan raised has no person to issue its 督办单: the page offers 补出具."""
    from xinfang.core.permissions import SYSTEM

    matter = at_stage(district, "accepted", step_documents=True)
    supervision_raise(
        actor=SYSTEM,
        matter=fresh(matter),
        version=fresh(matter).version,
        level=SupervisionLevel.DISTRICT,
        source="clock",
        reason="办理期限已过",
        on=DAY,
    )
    assert not IssuedDocument.objects.filter(matter=matter, kind=K.SUPERVISION).exists()
    offered = issuable_kinds(district.users["officer"], fresh(matter))
    assert [i.button for i in offered] == ["补出具督办单（区级督办）"]


def test_the_template_migration_makes_old_databases_read_as_new_ones() -> None:
    """0006 rewrites each old sentence into the one the defaults hold now."""
    migration = importlib.import_module("xinfang.documents.migrations.0006_quote_the_petition")
    for kinds, old, new in migration.CHANGES:
        for kind in kinds:
            body = DEFAULT_TEMPLATES[kind][1]
            assert new in body and old not in body, kind

"""Documents (文书): numbered per printed 代字, kind and year; the facts each needs; who issues."""

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.masking import mask_free_text
from xinfang.core.models import AuditEvent
from xinfang.core.sequences import Sequence
from xinfang.documents.kinds import DocumentKind as K
from xinfang.documents.models import DocumentTemplate, IssuedDocument, IssuerPrefix
from xinfang.documents.placeholders import render
from xinfang.documents.prefixes import (
    current_prefixes,
    default_organ_name,
    default_prefix,
    prefix_of,
)
from xinfang.documents.selectors import documents_for, issuable_kinds
from xinfang.documents.services import document_issue
from xinfang.intake.choices import SupervisionLevel
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit, UnitKind
from xinfang.workflow import services as wf
from xinfang.workflow.models import SupervisionNotice
from xinfang.workflow.supervision import supervision_raise

from .conftest import District, make_user
from .test_documents_support import (
    ID_NUMBER,
    STAGES,
    at_stage,
    issue,
    issued,
    steps_without_documents,
    year,
)
from .workflow_support import fresh, new_matter, step

DAY = date(2025, 8, 5)


# each kind, the stage whose facts support it, who issues it, and its number as written by hand
EXPECTED = [
    (K.ACCEPT, "accepted", "officer", "示范信受〔{y}〕1号"),
    (K.DECLINE, "declined", "officer", "示范信不受〔{y}〕1号"),
    (K.FORWARD, "forwarded", "officer", "示范信转〔{y}〕1号"),
    (K.ASSIGN, "assigned", "officer", "示范信交〔{y}〕1号"),
    (K.EXTENSION, "extended", "street_a_staff", "东风延〔{y}〕1号"),
    (K.REPLY, "replied", "street_a_staff", "东风处〔{y}〕1号"),
    (K.REVIEW, "reviewed", "officer", "示范信复查〔{y}〕1号"),
    (K.REREVIEW, "final", "officer", "示范信复核〔{y}〕1号"),
    (K.SUPERVISION, "supervised", "supervisor", "示范信督〔{y}〕1号"),
]


@pytest.mark.parametrize(("kind", "stage", "who", "number"), EXPECTED)
def test_each_kind_issues_with_its_number_and_one_event(
    district: District, kind: str, stage: str, who: str, number: str
) -> None:
    matter = at_stage(district, stage)
    before = AuditEvent.objects.filter(matter=matter).count()
    document = issue(district, who, matter, kind)
    assert document.number == number.format(y=year())
    assert (document.year, document.sequence) == (year(), 1)
    assert document.issuer == district.users[who].org_unit
    assert document.body and "王小明" in document.body
    assert "{{" not in document.body and "{%" not in document.body
    new = AuditEvent.objects.filter(matter=matter).order_by("id")[before:]
    assert [e.action for e in new] == ["document.issue"]
    assert new[0].data["number"] == document.number
    assert new[0].object_id == str(document.pk)
    assert fresh(matter).version == matter.version  # issuing records no fact of the matter


def test_documents_link_their_step(district: District) -> None:
    matter = at_stage(district, "assigned")
    document = issue(district, "officer", matter, K.ASSIGN)
    assert document.event is not None and document.event.action == "workflow.assign"
    assert document.event.data["assignment"] == int(document.step_key.split(":")[1])
    supervised = at_stage(district, "supervised")
    notice = supervised.supervision_notices.get()
    sup_doc = issue(district, "officer", supervised, K.SUPERVISION)
    assert sup_doc.notice == notice
    assert "区级" in sup_doc.body and "电梯故障多次反映未果" in sup_doc.body


def test_numbers_count_per_printed_prefix_kind_and_year(district: District) -> None:
    first, second = at_stage(district, "accepted"), at_stage(district, "accepted")
    assigned = at_stage(district, "assigned")
    assert issue(district, "officer", first, K.ACCEPT).sequence == 1
    assert issue(district, "officer", second, K.ACCEPT).sequence == 2
    assert issue(district, "officer", assigned, K.ASSIGN).sequence == 1  # another kind: its own
    # another issuing unit, another 代字: its own count
    IssuerPrefix.objects.create(unit=district.city, prefix="范市信")
    city_officer = make_user("city_officer", "officer", district.city)
    third = at_stage(district, "accepted")
    doc = document_issue(actor=city_officer, matter=third, kind=K.ACCEPT)
    assert doc.number == f"范市信受〔{year()}〕1号"
    y = year()
    assert sorted(IssuedDocument.objects.values_list("number", flat=True)) == sorted(
        [f"示范信受〔{y}〕1号", f"示范信受〔{y}〕2号", f"示范信交〔{y}〕1号", f"范市信受〔{y}〕1号"]
    )


def test_year_rollover_starts_again_at_one(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    matters = [at_stage(district, "accepted") for _ in range(3)]
    DocumentTemplate.objects.create(
        kind=K.ACCEPT,
        unit=district.district,
        title="受理告知书",
        body="{{ 信访人 }}：成文于{{ 成文日期 }}",
    )
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 12, 31))
    assert issue(district, "officer", matters[0], K.ACCEPT).number == "示范信受〔2026〕1号"
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 1))
    late = issue(district, "officer", matters[1], K.ACCEPT)
    assert (late.number, late.year, late.issued_on) == (
        "示范信受〔2027〕1号",
        2027,
        date(2027, 1, 1),
    )
    assert "成文于2027年1月1日" in late.body  # the body's own 成文日期, not the property
    assert issue(district, "officer", matters[2], K.ACCEPT).number == "示范信受〔2027〕2号"


def test_a_rolled_back_or_refused_issue_takes_no_number(district: District) -> None:
    matters = [at_stage(district, "accepted") for _ in range(3)]
    assert issue(district, "officer", matters[0], K.ACCEPT).sequence == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(district, "officer", matters[1], K.ACCEPT)
        raise RuntimeError("the surrounding work failed")
    assert not IssuedDocument.objects.filter(matter=matters[1]).exists()
    with pytest.raises(InputError):
        issue(district, "officer", matters[2], K.DECLINE)  # refused: not declined
    second = issue(district, "officer", matters[1], K.ACCEPT)
    third = issue(district, "officer", matters[2], K.ACCEPT)
    assert (second.sequence, third.sequence) == (2, 3)  # gap-free, each number on one document
    key = f"document:示范信:accept:{year()}"
    assert Sequence.objects.get(key=key).last == 3
    numbers = list(IssuedDocument.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 3


MISSING = [
    (K.ACCEPT, "officer", "尚未受理"),
    (K.DECLINE, "officer", "未作出不予受理决定"),
    (K.FORWARD, "officer", "尚未转送"),
    (K.ASSIGN, "officer", "尚未交办"),
    (K.EXTENSION, "officer", "没有获批的延期"),
    (K.REPLY, "officer", "尚未出具处理意见"),
    (K.REVIEW, "officer", "尚未作出复查决定"),
    (K.REREVIEW, "officer", "尚未作出复核决定"),
    (K.SUPERVISION, "officer", "没有未办结的督办"),
]


@pytest.mark.parametrize(("kind", "who", "message"), MISSING)
def test_refused_before_the_facts_support_it(
    district: District, kind: str, who: str, message: str
) -> None:
    matter = new_matter(district)
    with pytest.raises(InputError) as refused:
        issue(district, who, matter, kind)
    assert message in refused.value.message
    assert not IssuedDocument.objects.exists()
    assert not AuditEvent.objects.filter(action="document.issue").exists()


def test_extension_waiting_for_approval_is_refused(district: District) -> None:
    matter = at_stage(district, "received")
    staff = district.users["street_a_staff"]
    step(wf.extension_request, matter, staff, days=20, reason="需鉴定", on=DAY)
    with pytest.raises(InputError, match="没有获批的延期"):
        issue(district, "street_a_staff", matter, K.EXTENSION)


def test_forward_document_is_refused_for_an_assigned_matter(district: District) -> None:
    with pytest.raises(InputError, match="交办给东风街道"):
        issue(district, "officer", at_stage(district, "assigned"), K.FORWARD)


def test_returned_matter_gets_its_new_assignment_documented(district: District) -> None:
    matter = at_stage(district, "assigned")
    first = issue(district, "officer", matter, K.ASSIGN)
    step(
        wf.assignment_return, matter, district.users["street_a_staff"], reason="不属本街道", on=DAY
    )
    with pytest.raises(ConflictError, match="已退回"):
        issue(district, "officer", matter, K.ASSIGN)
    step(wf.matter_assign, matter, district.users["officer"], unit=district.housing, on=DAY)
    second = issued(matter, K.ASSIGN)  # the new 交办 issued its own 交办单, dated its day
    assert (first.number, second.number) == (f"示范信交〔{year()}〕1号", "示范信交〔2025〕1号")
    assert "区住房和城乡建设局" in second.body and "东风街道" not in second.body.split("\n")[0]


def test_same_step_is_issued_once_and_points_to_the_original(district: District) -> None:
    matter = at_stage(district, "accepted")
    original = issue(district, "officer", matter, K.ACCEPT)
    with pytest.raises(ConflictError) as refused:
        issue(district, "officer", matter, K.ACCEPT)
    assert original.number in refused.value.message and "打印原件" in refused.value.message
    assert IssuedDocument.objects.count() == 1
    assert Sequence.objects.get(key__startswith="document:").last == 1


@pytest.mark.parametrize(
    ("kind", "stage", "who", "message"),
    [
        (K.ACCEPT, "accepted", "leader", "只能由"),
        (K.ACCEPT, "accepted", "registrar", "只能由"),
        (K.ACCEPT, "accepted", "street_a_staff", "只能由"),
        (K.SUPERVISION, "supervised", "leader", "只能由"),
        (K.REPLY, "replied", "leader", "只能由"),
        (K.REPLY, "replied", "street_b_staff", "无权"),  # another unit: cannot even see it
        (K.REPLY, "replied", "officer", "应由承办单位出具"),  # the assigned unit writes it
        (K.EXTENSION, "extended", "housing_staff", "无权"),
        (K.REVIEW, "reviewed", "street_a_staff", "只能由"),
    ],
)
def test_who_may_issue(district: District, kind: str, stage: str, who: str, message: str) -> None:
    matter = at_stage(district, stage)
    with pytest.raises(PermissionRefusedError) as refused:
        issue(district, who, matter, kind)
    assert message in refused.value.message
    assert not IssuedDocument.objects.exists()


def test_unit_below_the_assigned_one_may_not_issue_for_it(district: District) -> None:
    village_staff = make_user("village_staff", "unit_staff", district.village_a)
    matter = at_stage(district, "replied", locality=district.village_a)  # the village sees it
    with pytest.raises(PermissionRefusedError, match="未交办本单位"):
        document_issue(actor=village_staff, matter=matter, kind=K.REPLY)


def test_bureau_writes_the_reply_of_a_matter_it_accepted(district: District) -> None:
    matter = at_stage(district, "accepted")
    step(wf.reply_issue, matter, district.users["officer"], outcome="explained", on=DAY)
    document = issued(matter, K.REPLY)
    assert document.number == "示范信处〔2025〕1号"  # the year of its 答复日期
    assert document.issued_on == DAY
    assert "解释说明" in document.body and "30日内" in document.body


def test_documents_never_carry_id_number_or_phone(district: District) -> None:
    from tests.test_documents_support import PHONE

    matter = at_stage(
        district, "assigned", content=f"本人身份证{ID_NUMBER}，电话{PHONE}，反映电梯问题"
    )
    document = issue(district, "officer", matter, K.ASSIGN)
    assert ID_NUMBER not in document.body and PHONE not in document.body
    assert ID_NUMBER[:4] in document.body and "电梯问题" in document.body  # masked, not dropped


ID15 = "320101600517123"
PERSONAL = f"联系人身份证{ID_NUMBER}、旧证{ID15}，手机+86 138-1234-5678，座机(025)88886666"
MASKED = mask_free_text(PERSONAL)


def _no_personal_number(body: str) -> None:
    for number in (ID_NUMBER, ID15, "138-1234-5678", "13812345678", "88886666"):
        assert number not in body
    assert MASKED in body  # masked as everywhere else, the rest of the text kept


def _declined(district: District) -> Matter:
    matter = at_stage(district, "registered")
    return step(wf.matter_decline, matter, district.users["officer"], reason=PERSONAL, on=DAY)


def _extended(district: District) -> Matter:
    matter = at_stage(district, "received")
    staff = district.users["street_a_staff"]
    step(wf.extension_request, matter, staff, days=20, reason=PERSONAL, on=DAY)
    return step(wf.extension_decide, matter, district.users["leader"], approve=True, on=DAY)


def _replied(district: District) -> Matter:
    matter = at_stage(district, "accepted")
    officer = district.users["officer"]
    step(wf.handling_record, matter, officer, notes=PERSONAL, on=DAY)
    return step(wf.reply_issue, matter, officer, outcome="explained", on=DAY)


def _supervised(district: District) -> Matter:
    matter = at_stage(district, "accepted")
    supervision_raise(
        actor=district.users["officer"],
        matter=matter,
        version=matter.version,
        level=SupervisionLevel.DISTRICT,
        reason=PERSONAL,
        on=DAY,
    )
    return fresh(matter)


@pytest.mark.parametrize(
    ("make", "who", "kind"),
    [
        (_declined, "officer", K.DECLINE),  # 不予受理理由
        (_extended, "street_a_staff", K.EXTENSION),  # 延期理由
        (_replied, "officer", K.REPLY),  # 办理情况
        (_supervised, "officer", K.SUPERVISION),  # 督办事由
    ],
)
def test_documents_never_carry_id_number_or_phone_in_reasons_and_notes(
    district: District, make: Callable[[District], Matter], who: str, kind: str
) -> None:
    document = issued(make(district), kind)  # the step issued it
    _no_personal_number(document.body)


def test_documents_never_carry_id_number_or_phone_in_the_note(district: District) -> None:
    matter = at_stage(district, "assigned")
    document = issue(district, "officer", matter, K.ASSIGN, note=PERSONAL)
    _no_personal_number(document.body)


def test_issuable_kinds_follow_facts_role_and_what_was_issued(district: District) -> None:
    matter = at_stage(district, "accepted")
    officer, leader = district.users["officer"], district.users["leader"]
    assert [i.kind for i in issuable_kinds(officer, matter)] == [K.ACCEPT]
    assert issuable_kinds(leader, matter) == []
    document = issue(district, "officer", matter, K.ACCEPT)
    assert issuable_kinds(officer, matter) == []
    assert documents_for(matter) == [document]
    replied = at_stage(district, "replied")
    assert [i.kind for i in issuable_kinds(district.users["street_a_staff"], replied)] == [
        K.EXTENSION,
        K.REPLY,
    ]
    assert [i.kind for i in issuable_kinds(officer, replied)] == [K.ASSIGN]


def test_supervision_document_per_open_notice(district: District) -> None:
    matter = at_stage(district, "supervised")
    current = fresh(matter)
    with steps_without_documents():
        supervision_raise(
            actor=district.users["officer"],
            matter=current,
            version=current.version,
            level=SupervisionLevel.CITY,
            reason="市级交办督办",
            on=DAY,
        )
    with pytest.raises(InputError, match="多个未办结的督办"):
        issue(district, "officer", matter, K.SUPERVISION)
    offered = [i for i in issuable_kinds(district.users["officer"], matter) if i.notice]
    assert len(offered) == 2
    city = matter.supervision_notices.get(level=SupervisionLevel.CITY)
    document = document_issue(
        actor=district.users["officer"], matter=matter, kind=K.SUPERVISION, notice=city
    )
    assert "市级" in document.body and document.notice == city


def test_unit_override_template_applies_to_the_unit_and_below(district: District) -> None:
    DocumentTemplate.objects.create(
        kind=K.REPLY,
        unit=district.street_a,
        title="东风街道信访事项答复意见书",
        body="{{ 信访人 }}：街道版。",
    )
    document = issue(district, "street_a_staff", at_stage(district, "replied"), K.REPLY)
    assert (document.title, document.body) == ("东风街道信访事项答复意见书", "王小明：街道版。")
    bureau = at_stage(district, "accepted")
    step(wf.reply_issue, bureau, district.users["officer"], outcome="supported", on=DAY)
    assert issued(bureau, K.REPLY).title == "信访事项处理意见书"


def test_note_is_written_into_the_body(district: District) -> None:
    matter = at_stage(district, "declined")
    document = document_issue(
        actor=district.users["officer"], matter=matter, kind=K.DECLINE, note="可向区人民法院起诉。"
    )
    assert "可向区人民法院起诉。" in document.body and "不属于信访受理范围" in document.body


def test_default_prefix_and_organ_name(district: District) -> None:
    bureau = OrgUnit(name="青山区信访局", kind=UnitKind.DEPARTMENT)
    assert default_prefix(bureau) == "青信"
    assert default_prefix(district.district) == "示信"  # alone, the bureau's first character
    assert default_prefix(district.street_a) == "东风"
    assert default_prefix(district.housing) == "住房"
    # among the other units: the unit there first keeps the short one, the later takes more
    prefixes = current_prefixes()
    assert prefixes[district.city.pk] == "示信" and prefixes[district.district.pk] == "示范信"
    assert prefixes[district.street_a.pk] == "东风"
    assert prefixes[district.village_a.pk] == "东风社"
    assert len(set(prefixes.values())) == len(prefixes) == OrgUnit.objects.count()
    assert default_organ_name(district.district) == "示范区信访局"
    assert default_organ_name(district.housing) == "示范区住房和城乡建设局"
    assert default_organ_name(district.street_a) == "东风街道"


def test_prefix_change_counts_by_the_new_prefix(district: District) -> None:
    first, second = at_stage(district, "accepted"), at_stage(district, "accepted")
    assert issue(district, "officer", first, K.ACCEPT).number == f"示范信受〔{year()}〕1号"
    IssuerPrefix.objects.create(unit=district.district, prefix="示区信", organ_name="示范区信访办")
    later = issue(district, "officer", second, K.ACCEPT)
    assert later.number == f"示区信受〔{year()}〕1号" and later.issuer_name == "示范区信访办"
    assert fresh_document(first).number == f"示范信受〔{year()}〕1号"


def fresh_document(matter: object) -> IssuedDocument:
    return IssuedDocument.objects.get(matter=matter)


def test_every_kind_has_a_default_template(district: District) -> None:
    assert set(
        DocumentTemplate.objects.filter(unit__isnull=True).values_list("kind", flat=True)
    ) == set(K.values)
    assert set(STAGES) >= {stage for _, stage, _, _ in EXPECTED}


def test_dates_are_written_in_chinese(district: District) -> None:
    matter = at_stage(district, "accepted")
    document = issue(district, "officer", matter, K.ACCEPT)
    assert "2025年8月1日" in document.body  # 登记日期 of new_matter, no leading zeros
    assert f"{DAY.year}年{DAY.month}月{DAY.day}日" in document.body  # 受理日期


def test_bureau_writes_the_extension_notice_of_its_own_matter(district: District) -> None:
    matter = at_stage(district, "accepted")
    officer = district.users["officer"]
    step(wf.extension_request, matter, officer, days=15, reason="需调取历史档案", on=DAY)
    step(wf.extension_decide, matter, district.users["leader"], approve=True, on=DAY)
    document = issued(matter, K.EXTENSION)  # the approval issued it
    assert document.number == "示范信延〔2025〕1号"
    assert "需调取历史档案" in document.body and "延长15日" in document.body
    # 受理 8月5日 + 75 days = 10月19日, a Sunday: the period ends on the next working day
    assert "延期至2025年10月20日" in document.body


def test_bureau_units_take_their_place_and_colliding_defaults_take_more(district: District) -> None:
    bureau = OrgUnit.objects.create(
        code="32010199", name="区信访局", kind=UnitKind.DEPARTMENT, parent=district.district
    )
    other = OrgUnit.objects.create(code="3202", name="青山区", kind=UnitKind.DISTRICT)
    other_bureau = OrgUnit.objects.create(
        code="320299", name="区信访局", kind=UnitKind.DEPARTMENT, parent=other
    )
    prefixes = current_prefixes()
    assert prefixes[other_bureau.pk] != prefixes[bureau.pk]  # no longer 信信 for both
    assert prefixes[other.pk] == "青信" and prefixes[other_bureau.pk] == "青山信"
    assert prefixes[bureau.pk] == "示范区信"  # 示信 and 示范信 are the city's and the district's
    assert all("信信" not in p for p in prefixes.values())
    assert len(set(prefixes.values())) == len(prefixes)
    assert prefix_of(bureau) == prefixes[bureau.pk]


def test_units_that_printed_one_prefix_never_print_one_number(district: District) -> None:
    # 东风街道 prints 东风; its 代字 is changed, and the village below takes 东风 (entered)
    first = issue(district, "street_a_staff", at_stage(district, "replied"), K.REPLY)
    assert first.number == f"东风处〔{year()}〕1号"
    IssuerPrefix.objects.create(unit=district.street_a, prefix="东街")
    moved = IssuerPrefix(unit=district.village_a, prefix="东风")
    moved.full_clean()  # nobody prints 东风 any more
    moved.save()
    village_staff = make_user("village_staff", "unit_staff", district.village_a)
    matter = at_stage(district, "registered", locality=district.village_a)
    step(wf.matter_assign, matter, district.users["officer"], unit=district.village_a, on=DAY)
    step(wf.assignment_receive, matter, village_staff, on=DAY)
    step(wf.reply_issue, matter, village_staff, outcome="supported")  # today: this year's count
    second = issued(matter, K.REPLY)
    assert second.number == f"东风处〔{year()}〕2号"  # the 代字's count, not the unit's


def test_one_printed_number_is_refused_by_the_database(district: District) -> None:
    first = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    twin = IssuedDocument.objects.get(pk=first.pk)
    twin.pk, twin.matter, twin.step_key = None, at_stage(district, "accepted"), "matter"
    twin.issuer = district.city
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_render_drops_control_characters() -> None:
    body = render(
        "{{ 信访人 }}：\n{{ 补充说明 }}", {"信访人": "王\x00小明", "补充说明": "已\x01核\x7f实\t。"}
    )
    assert body == "王小明：\n已核实\t。"


def test_control_characters_in_notes_never_reach_the_document(district: District) -> None:
    matter = at_stage(district, "accepted")
    officer = district.users["officer"]
    step(wf.handling_record, matter, officer, notes="已\x01上门\x1b核实", on=DAY)
    step(wf.reply_issue, matter, officer, outcome="explained", on=DAY)
    document = issued(matter, K.REPLY)
    assert "已上门核实" in document.body
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", document.body)


def test_closed_supervision_notice_gets_no_document(district: District) -> None:
    matter = at_stage(district, "supervised")
    notice = matter.supervision_notices.get()
    SupervisionNotice.objects.filter(pk=notice.pk).update(closed_on=DAY)
    with pytest.raises(InputError, match="已办结"):
        issue(district, "officer", matter, K.SUPERVISION, notice=notice)
    with pytest.raises(InputError, match="没有未办结的督办"):
        issue(district, "officer", matter, K.SUPERVISION)
    assert not IssuedDocument.objects.exists()


def test_review_and_rereview_documents_name_their_own_facts(district: District) -> None:
    document = issue(district, "officer", at_stage(district, "final"), K.REREVIEW)
    reviewed = issue(district, "officer", at_stage(district, "reviewed"), K.REVIEW)
    assert "不予支持" in document.body and "不予支持" in reviewed.body
    days = settings.XINFANG["REREVIEW_REQUEST_DAYS"]
    assert f"{days}日内" in reviewed.body  # the 复核申请天数 only the 复查意见书 names


def test_migration_counts_on_after_the_numbers_already_printed(district: District) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("xinfang.documents.migrations.0003_number_per_printed_prefix")
    issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    Sequence.objects.filter(key__startswith="document:").delete()  # as counted per unit before
    migration.count_per_printed_prefix(apps, None)
    assert Sequence.objects.get(key=f"document:示范信:accept:{year()}").last == 2
    third = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    assert third.number == f"示范信受〔{year()}〕3号"


def test_one_petitioner_is_addressed_as_you_several_as_you_all(district: District) -> None:
    single = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    assert "你于" in single.body and "你们" not in single.body and "（你们）" not in single.body
    group = at_stage(district, "accepted", content="反映小区电梯长期故障")
    group.registrations.update(people=6)
    many = issue(district, "officer", fresh(group), K.ACCEPT)
    assert "你们于" in many.body


def test_the_default_texts_address_the_petitioners_by_number() -> None:
    """你 for one, 你们 for several ({{ 称谓 }}): never the clerk's 你（你们）."""
    from xinfang.documents.default_templates import DEFAULT_TEMPLATES

    for kind, (_title, body, *_rest) in DEFAULT_TEMPLATES.items():
        assert "你（你们）" not in body, kind

"""Document pages: print page, DOCX, issuing from the matter page, and the admin's templates."""

from datetime import datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from docx import Document

from xinfang.core.models import AuditEvent
from xinfang.documents.kinds import DocumentKind as K
from xinfang.documents.models import DocumentTemplate, IssuedDocument, IssuerPrefix
from xinfang.documents.placeholders import check_template
from xinfang.intake.choices import Purpose
from xinfang.workflow import services as wf
from xinfang.workflow.models import SupervisionNotice

from .conftest import PASSWORD, TZ, District, register
from .test_documents_support import (
    DAY,
    ID_NUMBER,
    PHONE,
    _default_templates,  # noqa: F401  (autouse: the default templates in every test)
    at_stage,
    issue,
    issued,
    year,
)
from .workflow_support import step


def client_for(district: District, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        assert client.login(username=district.users[who].username, password=PASSWORD)
    return client


def test_docx_has_number_and_name_but_no_id_number_or_phone(district: District) -> None:
    document = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    response = client_for(district, "officer").get(f"/documents/{document.pk}/docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    docx = Document(BytesIO(response.content))
    text = "\n".join(p.text for p in docx.paragraphs)
    assert f"示范信受〔{year()}〕1号" in text and "王小明" in text
    assert "信访事项受理告知书" in text and "示范区信访局" in text
    assert ID_NUMBER not in text and PHONE not in text and PHONE[-4:] not in text
    title = docx.paragraphs[0]
    assert title.alignment == 1  # centred
    east_asia = title.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asia
    section = docx.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # the signature keeps with the body's last paragraph: never alone on a page of its own
    paragraphs = docx.paragraphs
    signed = next(i for i, p in enumerate(paragraphs) if p.text == "示范区信访局")
    assert paragraphs[signed + 1].text.endswith("日")  # the date follows the organ
    last_body = max(i for i, p in enumerate(paragraphs[:signed]) if p.text.strip())
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[last_body : signed + 1])


def test_docx_download_is_the_same_each_time(district: District) -> None:
    document = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    client = client_for(district, "officer")
    first = Document(BytesIO(client.get(f"/documents/{document.pk}/docx").content))
    second = Document(BytesIO(client.get(f"/documents/{document.pk}/docx").content))
    assert [p.text for p in first.paragraphs] == [p.text for p in second.paragraphs]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("registrar", 200),
        ("leader", 200),
        ("supervisor", 200),
        ("street_a_staff", 200),
        ("street_b_staff", 404),
        ("housing_staff", 404),
        ("admin", 404),
    ],
)
def test_who_may_view_and_print(district: District, who: str, status: int) -> None:
    document = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    client = client_for(district, who)
    page = client.get(f"/documents/{document.pk}/")
    assert page.status_code == status
    assert client.get(f"/documents/{document.pk}/docx").status_code == status
    if status == 200:
        html = page.content.decode()
        assert document.number in html and "王小明" in html and "@page" in html
        assert ID_NUMBER not in html and PHONE not in html


def test_anonymous_is_sent_to_login(district: District) -> None:
    document = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    response = client_for(district, "anonymous").get(f"/documents/{document.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_unknown_document_is_404(district: District) -> None:
    assert client_for(district, "officer").get("/documents/999999/").status_code == 404


def test_accusation_documents_never_reach_the_accused_unit(district: District) -> None:
    matter = register(
        district,
        locality=district.street_a,
        responsible=district.discipline,
        purpose=Purpose.ACCUSATION,
        content="检举东风街道某干部收受好处费",
        when=datetime(2025, 8, 1, 9, 0, tzinfo=TZ),
    )
    step(wf.matter_assign, matter, district.users["officer"], unit=district.discipline, on=DAY)
    document = issued(matter, K.ASSIGN)  # the 交办 issued it
    for who, status in (("street_a_staff", 404), ("leader", 404), ("discipline_staff", 200)):
        client = client_for(district, who)
        assert client.get(f"/documents/{document.pk}/").status_code == status
        assert client.get(f"/documents/{document.pk}/docx").status_code == status


def test_issue_from_the_matter_page(district: District) -> None:
    matter = at_stage(district, "accepted")
    response = client_for(district, "officer").post(
        f"/documents/matters/{matter.pk}/issue/accept/", {"note": ""}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/intake/matters/{matter.pk}/")
    document = IssuedDocument.objects.get(matter=matter)
    assert document.number == f"示范信受〔{year()}〕1号"


def test_refused_issue_shows_the_reason(district: District) -> None:
    matter = at_stage(district, "accepted")
    client = client_for(district, "officer")
    response = client.post(f"/documents/matters/{matter.pk}/issue/decline/", follow=True)
    assert "未作出不予受理决定" in response.content.decode()
    assert not IssuedDocument.objects.exists()


def test_htmx_issue_answers_with_the_section(district: District) -> None:
    matter = at_stage(district, "accepted")
    client = client_for(district, "officer")
    url = f"/documents/matters/{matter.pk}/issue/accept/"
    first = client.post(url, {"note": ""}, HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert first.status_code == 200 and 'id="matter-documents"' in html
    assert f"示范信受〔{year()}〕1号" in html and "<html" not in html
    again = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "请打印原件" in again
    assert IssuedDocument.objects.count() == 1


@pytest.mark.parametrize("who", ["leader", "street_a_staff", "registrar"])
def test_issue_refused_for_roles_that_may_only_view(district: District, who: str) -> None:
    matter = at_stage(district, "accepted")
    response = client_for(district, who).post(f"/documents/matters/{matter.pk}/issue/accept/")
    # a refusal is a 403 with the reason (it was a redirect, which read like a success)
    assert response.status_code == 403
    assert "只能由" in response.content.decode()
    assert not IssuedDocument.objects.exists()


def test_issue_on_a_matter_one_may_not_see_is_404(district: District) -> None:
    matter = at_stage(district, "replied")
    response = client_for(district, "street_b_staff").post(
        f"/documents/matters/{matter.pk}/issue/reply/"
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="document.issue").exists()


def test_issue_needs_post(district: District) -> None:
    matter = at_stage(district, "accepted")
    url = f"/documents/matters/{matter.pk}/issue/accept/"
    assert client_for(district, "officer").get(url).status_code == 405


def test_partial_lists_documents_and_offers_issuable(district: District) -> None:
    from django.template.loader import render_to_string

    from xinfang.documents.selectors import documents_for, issuable_kinds

    matter = at_stage(district, "accepted")
    officer = district.users["officer"]
    offered = render_to_string(
        "documents/_matter_documents.html",
        {"matter": matter, "documents": [], "issuable": issuable_kinds(officer, matter)},
    )
    assert "出具受理告知书" in offered and "尚未出具文书" in offered
    document = issue(district, "officer", matter, K.ACCEPT)
    listed = render_to_string(
        "documents/_matter_documents.html",
        {"matter": matter, "documents": documents_for(matter), "issuable": []},
    )
    assert document.number in listed and f"/documents/{document.pk}/docx" in listed


# --- the administrator's templates ------------------------------------------------------------


def _form(template: DocumentTemplate, **changes: str) -> dict[str, str]:
    data = {
        "kind": template.kind,
        "unit": str(template.unit_id or ""),
        "title": template.title,
        "body": template.body,
        "footer": template.footer,
    }
    data.update(changes)
    return data


def test_template_edit_changes_the_next_document_not_an_issued_one(district: District) -> None:
    first = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    template = DocumentTemplate.objects.get(kind=K.ACCEPT, unit__isnull=True)
    admin = client_for(district, "admin")
    response = admin.post(
        f"/manage/documents/documenttemplate/{template.pk}/change/",
        _form(template, body="{{ 信访人 }}：\n新版正文，受理日期{{ 受理日期 }}。"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditEvent.objects.filter(action="documenttemplate.change").count() == 1
    second = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    assert "新版正文" in second.body and "新版正文" not in first.body
    reprint = client_for(district, "officer").get(f"/documents/{first.pk}/").content.decode()
    assert "新版正文" not in reprint and "依法受理" in reprint


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ 信访人姓名 }}：你好", "占位符“信访人姓名”不存在"),
        ("{{ 延期理由 }}", "占位符“延期理由”不存在"),  # exists, but not in a 受理告知书
        ("{% if 受理日期 %}已受理", "没有对应的 {% endif %}"),
        ("{% url 'home' %}", "不能使用"),
        ("{{ 信访人|upper }}", "只能使用 |default"),
        ("{{ 信访人 }", "不成对"),
        ("{{ 信访人.name }}", "不是占位符"),
        ("{% endif %}", "缺少 {% if %}"),
    ],
)
def test_bad_template_is_refused_with_a_clear_message(
    district: District, body: str, message: str
) -> None:
    template = DocumentTemplate.objects.get(kind=K.ACCEPT, unit__isnull=True)
    before = template.body
    response = client_for(district, "admin").post(
        f"/manage/documents/documenttemplate/{template.pk}/change/", _form(template, body=body)
    )
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    template.refresh_from_db()
    assert template.body == before
    assert not AuditEvent.objects.filter(action="documenttemplate.change").exists()


def test_template_check_accepts_every_placeholder_of_its_kind() -> None:
    from xinfang.documents.placeholders import placeholders_for

    for kind in K.values:
        body = "\n".join(
            f"{{% if {n} %}}{{{{ {n}|default:'无' }}}}{{% endif %}}" for n in placeholders_for(kind)
        )
        check_template(kind, body)
    with pytest.raises(ValidationError):
        check_template(K.ACCEPT, "{{ 督办事由 }}")


def test_only_admin_edits_templates(district: District) -> None:
    response = client_for(district, "officer").get("/manage/documents/documenttemplate/")
    assert response.status_code == 302 and "/manage/login/" in response["Location"]
    page = client_for(district, "admin").get("/manage/documents/documenttemplate/")
    assert page.status_code == 200 and "受理告知书" in page.content.decode()


def test_admin_sets_a_prefix_and_it_is_used(district: District) -> None:
    admin = client_for(district, "admin")
    response = admin.post(
        "/manage/documents/issuerprefix/add/",
        {"unit": district.district.pk, "prefix": "示区信", "organ_name": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditEvent.objects.filter(action="issuerprefix.create").count() == 1
    document = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    assert document.number == f"示区信受〔{year()}〕1号"
    bad = admin.post(
        "/manage/documents/issuerprefix/add/",
        {"unit": district.street_a.pk, "prefix": "DF-1", "organ_name": ""},
    )
    assert "机关代字只能由汉字组成" in bad.content.decode()


def test_template_page_lists_the_placeholders_and_keeps_the_default(district: District) -> None:
    template = DocumentTemplate.objects.get(kind=K.EXTENSION, unit__isnull=True)
    admin = client_for(district, "admin")
    page = admin.get(f"/manage/documents/documenttemplate/{template.pk}/change/").content.decode()
    assert "可用的占位符" in page and "{{ 延期理由 }}" in page and "{{ 督办事由 }}" not in page
    delete = f"/manage/documents/documenttemplate/{template.pk}/delete/"
    assert admin.post(delete).status_code == 403
    admin.post(
        "/manage/documents/documenttemplate/",
        {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"},
    )
    assert DocumentTemplate.objects.filter(pk=template.pk).exists()


def test_unit_template_is_added_and_checked(district: District) -> None:
    admin = client_for(district, "admin")
    data = {"kind": K.REPLY, "unit": district.street_a.pk, "title": "答复意见书", "footer": ""}
    bad = admin.post("/manage/documents/documenttemplate/add/", {**data, "body": "{{ 复核意见 }}"})
    assert "占位符“复核意见”不存在" in bad.content.decode()
    good = admin.post(
        "/manage/documents/documenttemplate/add/", {**data, "body": "{{ 信访人 }}：{{ 处理意见 }}"}
    )
    assert good.status_code == 302
    assert AuditEvent.objects.filter(action="documenttemplate.create").count() == 1


def test_admin_may_not_take_another_units_prefix(district: District) -> None:
    admin = client_for(district, "admin")
    # 示信 is printed by 示范市 (its derived 代字), 东风 by 东风街道: neither may go to another unit
    for unit, prefix, holder in (
        (district.district, "示信", "示范市"),
        (district.street_b, "东风", "东风街道"),
    ):
        page = admin.post(
            "/manage/documents/issuerprefix/add/",
            {"unit": unit.pk, "prefix": prefix, "organ_name": ""},
        ).content.decode()
        assert f"机关代字“{prefix}”已是{holder}正在使用的代字" in page
    assert not IssuerPrefix.objects.exists()
    # the unit's own derived 代字 it may enter
    own = admin.post(
        "/manage/documents/issuerprefix/add/",
        {"unit": district.district.pk, "prefix": "示范信", "organ_name": ""},
    )
    assert own.status_code == 302


def test_docx_of_a_stored_document_with_control_characters_downloads(
    district: District,
) -> None:
    document = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    # frozen before render() dropped them: the download must still work, without them
    IssuedDocument.objects.filter(pk=document.pk).update(
        body="王小明：\n办理情况\x01已核实\x1f。", issuer_name="示范区\x0b信访局"
    )
    response = client_for(district, "officer").get(f"/documents/{document.pk}/docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    assert "办理情况已核实。" in text and "示范区信访局" in text


def test_closed_supervision_notice_cannot_be_issued_by_a_crafted_post(district: District) -> None:
    matter = at_stage(district, "supervised")
    notice = matter.supervision_notices.get()
    SupervisionNotice.objects.filter(pk=notice.pk).update(closed_on=DAY)
    response = client_for(district, "officer").post(
        f"/documents/matters/{matter.pk}/issue/supervision/", {"notice": notice.pk}
    )
    assert response.status_code == 404
    assert not IssuedDocument.objects.exists()

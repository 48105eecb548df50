"""The registrar's screen end to end: new, repeat, collective, attachments, bad input, look-up."""

import hashlib
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.conftest import TZ, District, make_user, register
from tests.views_support import (
    ID_A,
    PHONE_A,
    Matters,
    attachment_dir,  # noqa: F401
    client_for,
    make_matters,
)
from xinfang.accounts.models import Role
from xinfang.core.models import AuditEvent
from xinfang.intake.choices import AttachmentKind, Channel, Form, LetterKind, Level
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Attachment, Category, Matter, Petitioner, Registration
from xinfang.workflow import services as wf

URL = "/intake/register/"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def form_data(district: District, **overrides: Any) -> dict[str, Any]:
    data = {
        "petitioner_name": "周九",
        "petitioner_id_number": make_id_number("320101", datetime(1980, 8, 8).date(), 135),
        "petitioner_phone": "13700007777",
        "petitioner_address": "示范区东风路8号",
        "matter": "",
        "channel": Channel.VISIT,
        "level": Level.LOCAL,
        "received_at": "2026-03-10T10:15",
        "people": "1",
        "form": "",
        "letter_kind": "",
        "content": "反映东风社区垃圾清运不及时",
        "category": str(Category.objects.get(name="物业管理").pk),
        "purpose": "request",
        "locality": str(district.village_a.pk),
        "responsible_unit": str(district.street_a.pk),
        "attachment_kind": "",
        "rep-TOTAL_FORMS": "0",
        "rep-INITIAL_FORMS": "0",
        "rep-MIN_NUM_FORMS": "0",
        "rep-MAX_NUM_FORMS": "10",
    }
    data.update(overrides)
    return data


def with_reps(data: dict[str, Any], people: list[tuple[str, str, str]]) -> dict[str, Any]:
    data["rep-TOTAL_FORMS"] = str(len(people))
    for index, (name, id_number, phone) in enumerate(people):
        data[f"rep-{index}-name"] = name
        data[f"rep-{index}-id_number"] = id_number
        data[f"rep-{index}-phone"] = phone
    return data


@pytest.fixture
def registrar(district: District) -> Client:
    return client_for(district, "registrar")


def storage_root() -> Path:
    return Path(Attachment._meta.get_field("file").storage.location)  # type: ignore[union-attr]


def nothing_written() -> bool:
    return not (
        Registration.objects.exists()
        or Matter.objects.exists()
        or Petitioner.objects.exists()
        # the registrar's own login is in the audit (xinfang/accounts/signals.py); nothing else
        or AuditEvent.objects.exclude(action="user.login").exists()
        or Attachment.objects.exists()
    )


def test_new_matter_end_to_end(district: District, registrar: Client) -> None:
    response = registrar.post(URL, form_data(district, channel=Channel.LETTER, letter_kind="joint"))
    assert response.status_code == 302 and response["Location"] == URL
    registration = Registration.objects.get()
    matter = registration.matter
    assert registration.is_first and matter.registration_count == 1
    assert registration.channel == Channel.LETTER
    assert registration.letter_kind == LetterKind.JOINT
    assert registration.received_at == datetime(2026, 3, 10, 10, 15, tzinfo=TZ)
    assert registration.locality == district.village_a
    assert registration.responsible_unit == district.street_a
    assert registration.category is not None and registration.category.name == "物业管理"
    assert registration.registered_by == district.users["registrar"]
    assert registration.petitioner is not None
    assert registration.petitioner.address == "示范区东风路8号"
    assert matter.form == Form.INDIVIDUAL and matter.purpose == "request"
    # The confirmation names both numbers, links to the matter, and the next form is fresh,
    # with the channel just used remembered and the cursor in the name field.
    page = registrar.get(URL).content.decode()
    assert registration.number in page and matter.number in page
    assert reverse("intake:matter_detail", args=[matter.pk]) in page
    assert 'value="letter" checked' in page
    assert 'name="petitioner_name"' in page and "autofocus" in page
    assert "周九" not in page
    # The confirmation is shown once.
    assert registration.number not in registrar.get(URL).content.decode()


def test_defaults_of_a_fresh_form(registrar: Client) -> None:
    page = registrar.get(URL).content.decode()
    assert 'value="visit" checked' in page  # no registration yet in this session
    assert 'value="local" checked' in page
    assert 'name="people" value="1"' in page
    assert 'accesskey="x"' in page and "<kbd" in page
    assert 'hx-post="/intake/register/lookup/"' in page  # numbers never in an address


def test_repeat_petition_joins_the_earlier_matter(district: District, registrar: Client) -> None:
    earlier = register(district, locality=district.village_a, name="周九", phone="13700007777")
    data = form_data(district, matter=str(earlier.pk), petitioner_id_number="", channel="phone")
    response = registrar.post(URL, data)
    assert response.status_code == 302
    earlier.refresh_from_db()
    assert earlier.registration_count == 2
    latest = earlier.registrations.order_by("-received_at").first()
    assert latest is not None and not latest.is_first and latest.channel == Channel.PHONE
    assert Matter.objects.count() == 1
    page = registrar.get(URL).content.decode()
    assert "重复信访" in page and earlier.number in page


def finalised(district: District) -> Matter:
    """A matter of 周九's, replied to, delivered, and final once the 30 days passed unused."""
    officer, desk = district.users["officer"], district.users["registrar"]
    m = register(
        district,
        locality=district.village_a,
        name="周九",
        phone="13700007777",
        when=datetime(2025, 8, 1, 9, tzinfo=TZ),
    )
    m = wf.matter_accept(actor=officer, matter=m, version=m.version, on=date(2025, 8, 4))
    m = wf.reply_issue(
        actor=officer, matter=m, version=m.version, outcome="explained", on=date(2025, 8, 20)
    )
    m = wf.reply_deliver(actor=desk, matter=m, version=m.version, on=date(2025, 9, 1))
    return wf.matter_finalise(actor=officer, matter=m, version=m.version, on=date(2025, 10, 10))


def test_the_same_facts_after_finality_are_recorded_and_the_refusal_shown(
    district: District, registrar: Client
) -> None:
    earlier = finalised(district)
    lookup = registrar.post("/intake/register/lookup/", {"petitioner_phone": "13700007777"})
    assert "已终结：同一事实和理由登记后不予受理" in lookup.content.decode()
    data = form_data(district, matter=str(earlier.pk), petitioner_id_number="")
    response = registrar.post(URL, data)
    assert response.status_code == 302
    latest = earlier.registrations.order_by("-id").first()
    assert latest is not None and latest.outcome == "refused"
    assert Matter.objects.get(pk=earlier.pk).registration_count == 2
    page = registrar.get(URL).content.decode()
    assert "已登记，不予受理" in page and 'role="alert" id="done-outcome"' in page
    assert "不予受理的理由" in page and latest.outcome_note in page
    assert latest.number in page and earlier.number in page
    assert "（新事项）" not in page


def test_a_declined_matter_shows_its_decision_to_the_registrar(
    district: District, registrar: Client
) -> None:
    earlier = register(district, locality=district.village_a, name="周九", phone="13700007777")
    wf.matter_decline(
        actor=district.users["officer"],
        matter=earlier,
        version=earlier.version,
        reason="不属于本级职权范围",
        on=date(2026, 3, 3),
    )
    response = registrar.post(URL, form_data(district, matter=str(earlier.pk)))
    assert response.status_code == 302
    page = registrar.get(URL).content.decode()
    assert "原处理决定" in page and "不属于本级职权范围" in page and "重复信访" in page


def test_repeat_refused_for_a_matter_out_of_sight(district: District) -> None:
    street_registrar = make_user("street_registrar", Role.REGISTRAR, district.street_b)
    matters = make_matters(district)
    client = Client()
    client.force_login(street_registrar)
    before = Registration.objects.count()
    data = form_data(district, matter=str(matters.street_a.pk), locality=str(district.street_b.pk))
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "所选的原事项不存在或您无权查看" in response.content.decode()
    assert matters.street_a.number not in response.content.decode()
    assert Registration.objects.count() == before


def test_a_matter_number_in_other_digits_is_refused_not_a_crash(
    district: District, registrar: Client
) -> None:
    before = Registration.objects.count()
    response = registrar.post(URL, form_data(district, matter="²"))
    assert response.status_code == 200
    assert "所选的原事项不存在或您无权查看" in response.content.decode()
    assert Registration.objects.count() == before


def test_collective_visit_with_representatives(district: District, registrar: Client) -> None:
    reps = [
        ("代表甲", make_id_number("320101", datetime(1970, 1, 1).date(), 11), "13600000001"),
        ("代表乙", "", "13600000002"),
        ("", "", ""),  # a blank row is ignored
    ]
    response = registrar.post(URL, with_reps(form_data(district, people="12"), reps))
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.form == Form.COLLECTIVE and registration.people == 12
    names = [r.petitioner.name for r in registration.representatives.order_by("position")]
    assert names == ["代表甲", "代表乙"]


def test_collective_threshold_is_a_setting(
    district: District, registrar: Client, settings: LazySettings
) -> None:
    settings.XINFANG = {**settings.XINFANG, "COLLECTIVE_THRESHOLD": 10}
    assert "10人及以上为集体访" in registrar.get(URL).content.decode()
    registrar.post(URL, form_data(district, people="8"))
    assert Registration.objects.get().form == Form.INDIVIDUAL
    # The registrar may override the derived form.
    registrar.post(URL, form_data(district, people="3", form="collective"))
    assert Registration.objects.filter(form=Form.COLLECTIVE, people=3).count() == 1


def test_bad_input_keeps_every_value_and_writes_nothing(
    district: District, registrar: Client
) -> None:
    reps = [(f"代表{i}", "", f"1360000000{i}") for i in range(6)]
    data = with_reps(
        form_data(
            district,
            people="30",
            petitioner_id_number="110105194912310021",  # checksum wrong
            content="",
            petitioner_address="示范区西湖路99号",
        ),
        reps,
    )
    data["attachments"] = SimpleUploadedFile("来信.pdf", PDF, content_type="application/pdf")
    response = registrar.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "身份证号校验位不符" in html
    assert "请填写反映内容" in html
    assert "代表人最多5名" in html
    assert "请重新选择附件" in html and "来信.pdf" in html
    for kept in ("周九", "110105194912310021", "13700007777", "示范区西湖路99号", 'value="30"'):
        assert kept in html, kept
    for index in range(6):
        assert f'value="代表{index}"' in html
    assert 'id="representatives" aria-labelledby="h-reps" hidden' not in html
    assert nothing_written()


def test_a_service_refusal_is_shown_and_nothing_written(
    district: District, registrar: Client
) -> None:
    # Representatives typed for a visit that is not collective: refused by the service.
    data = with_reps(form_data(district, people="1"), [("代表甲", "", "")])
    response = registrar.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "只有集体访才登记代表人" in html and 'value="代表甲"' in html
    assert nothing_written()


def test_future_time_and_unknown_channel_are_refused(district: District, registrar: Client) -> None:
    data = form_data(district, received_at="2999-01-01T09:00", channel="fax")
    response = registrar.post(URL, data)
    html = response.content.decode()
    assert "登记时间不能晚于现在" in html
    assert 'id="id_channel_error"' in html
    assert nothing_written()


def test_anonymous_letter_needs_no_name(district: District, registrar: Client) -> None:
    data = form_data(
        district,
        petitioner_name="",
        petitioner_id_number="",
        petitioner_phone="",
        petitioner_address="",
        channel="letter",
    )
    assert registrar.post(URL, data).status_code == 302
    assert Registration.objects.get().petitioner is None


@pytest.mark.usefixtures("attachment_dir")
def test_attachments_upload_and_download(district: District, registrar: Client) -> None:
    data = form_data(district, channel=Channel.LETTER)
    data["attachments"] = [
        SimpleUploadedFile("来信扫描.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("现场.png", PNG, content_type="image/png"),
        SimpleUploadedFile("材料.docx", docx_bytes(), content_type="application/octet-stream"),
    ]
    assert registrar.post(URL, data).status_code == 302
    files = {a.original_name: a for a in Attachment.objects.all()}
    assert set(files) == {"来信扫描.pdf", "现场.png", "材料.docx"}
    assert files["来信扫描.pdf"].content_type == "application/pdf"
    assert files["来信扫描.pdf"].kind == AttachmentKind.LETTER_SCAN
    assert files["材料.docx"].content_type.endswith("wordprocessingml.document")
    assert files["现场.png"].sha256 == hashlib.sha256(PNG).hexdigest()
    # Stored under a random name inside the attachment folder, not the user's name.
    stored = files["来信扫描.pdf"].file.path
    assert stored.startswith(str(storage_root())) and "来信" not in stored
    assert AuditEvent.objects.filter(action="attachment.add").count() == 3
    response = registrar.get(reverse("intake:attachment_download", args=[files["现场.png"].pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert response["Content-Type"] == "image/png"
    detail = registrar.get(
        reverse("intake:matter_detail", args=[Registration.objects.get().matter_id])
    )
    assert "来信扫描.pdf" in detail.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("程序.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "不是允许的文件类型"),
        ("说明.pdf", "这是一段文字".encode(), "不是允许的文件类型"),
        ("照片.jpg", PNG, "扩展名与内容不符"),
        ("伪装.docx", b"PK\x03\x04" + b"\x00" * 30, "不是允许的文件类型"),
        ("空.pdf", b"", "是空文件"),
    ],
)
@pytest.mark.usefixtures("attachment_dir")
def test_wrong_attachments_are_refused(
    district: District,
    registrar: Client,
    name: str,
    content: bytes,
    message: str,
) -> None:
    data = form_data(district)
    data["attachments"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = registrar.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and name in html
    assert "周九" in html
    assert nothing_written()
    assert not any(storage_root().rglob("*.*"))


@pytest.mark.usefixtures("attachment_dir")
def test_oversize_attachment_is_refused(
    district: District, registrar: Client, settings: LazySettings
) -> None:
    settings.XINFANG = {**settings.XINFANG, "ATTACHMENT_MAX_BYTES": 1024}
    data = form_data(district)
    data["attachments"] = SimpleUploadedFile("大.pdf", PDF + b"0" * 2000)
    html = registrar.post(URL, data).content.decode()
    assert "超过上限" in html and "大.pdf" in html
    assert nothing_written()


@pytest.fixture
def matters(district: District) -> Matters:
    return make_matters(district)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"petitioner_id_number": ID_A}, "身份证号相同"),
        ({"petitioner_id_number": ID_A[:12]}, "身份证号开头相同"),
        ({"petitioner_phone": PHONE_A}, "电话相同"),
        ({"petitioner_name": "王小明"}, "姓名相同"),
    ],
)
def test_live_lookup_finds_the_person(
    district: District, matters: Matters, registrar: Client, params: dict, reason: str
) -> None:
    html = registrar.post(reverse("intake:person_lookup"), params).content.decode()
    assert matters.street_a.number in html and reason in html
    assert matters.street_b.number not in html
    assert f'id="match-{matters.street_a.pk}" value="{matters.street_a.pk}"' in html
    assert 'id="match-new" value="" accesskey="y" checked' in html  # "new matter" stays default
    assert ID_A not in html and PHONE_A not in html


def test_lookup_finds_an_old_phone_and_keeps_the_choice(
    district: District, matters: Matters, registrar: Client
) -> None:
    # The person gave a new phone later; the old one is still in the first registration.
    register(district, locality=district.village_a, name="王小明", id_number=ID_A, phone="1")
    html = registrar.post(
        reverse("intake:person_lookup"),
        {"petitioner_phone": PHONE_A, "matter": str(matters.street_a.pk)},
    ).content.decode()
    assert f'value="{matters.street_a.pk}" checked' in html


def test_lookup_shows_nothing_out_of_sight(district: District, matters: Matters) -> None:
    client = Client()
    client.force_login(make_user("street_registrar", Role.REGISTRAR, district.street_b))
    html = client.get(reverse("intake:person_lookup"), {"petitioner_name": "王小明"})
    assert matters.street_a.number not in html.content.decode()
    assert "未找到此人此前的事项" in html.content.decode()
    html = client.get(reverse("intake:person_lookup"), {"petitioner_name": "李四"})
    assert matters.street_b.number in html.content.decode()


def test_the_page_s_scripts_and_styles_are_served() -> None:
    from django.contrib.staticfiles import finders

    for path in ("vendor/htmx.min.js", "css/app.css", "js/register.js"):
        assert finders.find(path), path


def test_enter_submits_the_registration(registrar: Client) -> None:
    # Enter in a field presses the form's first submit button: it must be 登记, and the only one.
    page = registrar.get(URL).content.decode()
    form = page.split('id="register-form"')[1].split("</form>")[0]
    buttons = re.findall(r"<button[^>]*>", form)
    submits = [b for b in buttons if 'type="button"' not in b]
    assert len(submits) == 1 and 'type="submit"' in submits[0]


def test_locality_offers_places_and_responsible_offers_every_unit(
    district: District, registrar: Client
) -> None:
    page = registrar.get(URL).content.decode()
    locality = page.split('name="locality"')[1].split("</select>")[0]
    responsible = page.split('name="responsible_unit"')[1].split("</select>")[0]
    assert "东风社区" in locality and "区住房和城乡建设局" not in locality
    assert "区住房和城乡建设局" in responsible and "东风社区" in responsible
    response = registrar.post(URL, form_data(district, locality=str(district.housing.pk)))
    assert "所选单位不在可选范围内" in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "petitioner_name",
            "周\u202e九",
            "含有不可见的文字方向控制字符（U+202E），请删除后重新提交",
        ),
        ("content", "反映东风社区垃圾\u200b清运不及时", "含有不可见的零宽字符（U+200B）"),
        ("petitioner_address", "示范区东风路\x1b8号", "含有不可见的控制字符（U+001B）"),
    ],
)
def test_bidi_and_control_characters_are_refused_as_the_ledger_importer_does(
    district: District, registrar: Client, field: str, value: str, message: str
) -> None:
    response = registrar.post(URL, form_data(district, **{field: value}))
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert nothing_written()
    # a representative's name goes through the same check
    data = with_reps(form_data(district), [("吴\u202e十", "", "")])
    assert "U+202E" in registrar.post(URL, data).content.decode()
    assert nothing_written()

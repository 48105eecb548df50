"""The portal under a hostile or clumsy hand: one evaluation per opinion, a form sent again with
other content is not swallowed by the first, codes typed with a Chinese keyboard, and odd input
never a server error."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import District
from tests.test_portal_views import (
    _fresh_rate_count,
    _frozen_today,
    _sms_to_file,
    accept,
    fields,
    form_key,
    log_in,
    post,
    receipt_codes,
    reply,
    submit,
    walk,
)
from tests.workflow_support import fresh
from xinfang.core.errors import InputError
from xinfang.core.models import AuditEvent
from xinfang.documents.models import IssuedDocument
from xinfang.intake.choices import Evaluation
from xinfang.intake.models import Matter, Registration
from xinfang.portal import services as portal

pytestmark = pytest.mark.django_db
__all__ = ["_fresh_rate_count", "_frozen_today", "_sms_to_file"]


def delivered(district: District) -> tuple[Client, Matter]:
    client, record = walk(district)
    matter = reply(district, accept(district, fresh(record.registration.matter)))  # type: ignore[union-attr]
    document = IssuedDocument.objects.get(matter=matter, kind="reply")
    assert client.post(reverse("portal:document_receive", args=[document.pk])).status_code == 302
    return client, fresh(matter)


def test_an_opinion_is_evaluated_once_a_second_post_changes_nothing(district: District) -> None:
    client, matter = delivered(district)
    response = client.post(
        reverse("portal:evaluate"),
        {"version": matter.version, "evaluation": Evaluation.DISSATISFIED},
    )
    assert response.status_code == 302
    matter = fresh(matter)
    # the page offers no second evaluation; a hand-made POST with the fresh version is refused
    response = client.post(
        reverse("portal:evaluate"),
        {"version": matter.version, "evaluation": Evaluation.SATISFIED},
    )
    assert response.status_code == 400
    assert "已于" in response.content.decode() and "评价" in response.content.decode()
    after = fresh(matter)
    assert after.evaluation == Evaluation.DISSATISFIED and after.version == matter.version
    assert AuditEvent.objects.filter(matter=matter, action="workflow.evaluate").count() == 1


def test_an_evaluation_before_the_reply_is_delivered_is_refused(district: District) -> None:
    client, record = walk(district)
    matter = reply(district, accept(district, fresh(record.registration.matter)))  # type: ignore[union-attr]
    response = client.post(
        reverse("portal:evaluate"),
        {"version": matter.version, "evaluation": Evaluation.SATISFIED},
    )
    assert response.status_code == 400
    assert "送达后可以评价" in response.content.decode()
    assert fresh(matter).evaluation == ""


def test_the_same_form_sent_again_with_other_content_is_not_swallowed(district: District) -> None:
    client = Client()
    key = form_key(client)
    assert post(client, key).status_code == 302
    first = receipt_codes(client)
    other = "另一件事：小区南门积水严重，雨天无法通行，请尽快处理。"
    # the browser's back button keeps the form's key; what is sent now is another petition
    response = post(client, key, content=other)
    assert response.status_code == 400
    page = response.content.decode()
    assert "已经提交过" in page and other in page  # told, and nothing typed lost
    assert Matter.objects.count() == 1
    assert f'name="key" value="{key}"' not in page  # a fresh key: sending it again registers it
    new_key = page.split('name="key" value="', 1)[1][:32]
    assert post(client, new_key, content=other).status_code == 302
    assert receipt_codes(client) != first
    assert Registration.objects.filter(content=other).count() == 1
    # a true double click (same content) is still the same receipt
    again = Client()
    assert post(again, key).status_code == 302
    assert receipt_codes(again) == first
    assert Matter.objects.count() == 2


def test_a_code_typed_in_full_width_letters_opens_the_matter(district: District) -> None:
    client = Client()
    submit(client)
    code, secret = receipt_codes(client)

    def wide(text: str) -> str:  # what a Chinese input method in full-width mode types
        return "".join(chr(ord(ch) + 0xFEE0) for ch in text)

    response = log_in(Client(), wide(portal.display_code(code)), wide(secret.lower()))
    assert response.status_code == 302 and response["Location"] == reverse("portal:progress")


@pytest.mark.parametrize("value", ["²", "١", "9" * 40, "-1", "\x00"])
def test_an_odd_file_to_remove_is_ignored_not_a_server_error(
    district: District, value: str
) -> None:
    client = Client(raise_request_exception=False)
    key = form_key(client)
    response = client.post(
        reverse("portal:submit"), {"key": key, **fields(), "remove_upload": value}
    )
    assert response.status_code in (200, 400), response.status_code
    assert "小区东门路灯坏了三个月" in response.content.decode()
    assert not Matter.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"content": "小区东门路灯坏了三个月\x00夜间出行很不方便"},
        {"name": "李\x00华"},
        {"category": "²"},
        {"locality": "9" * 40},
        {"purpose": "\x00"},
    ],
)
def test_odd_values_in_the_form_are_told_in_chinese(
    district: District, changes: dict[str, Any]
) -> None:
    client = Client(raise_request_exception=False)
    response = post(client, form_key(client), **changes)
    assert response.status_code == 400
    assert 'class="error' in response.content.decode() or "error" in response.content.decode()
    assert not Matter.objects.exists()


def test_a_nul_character_is_named_as_such_not_as_an_empty_field(district: District) -> None:
    client = Client()
    response = post(client, form_key(client), content="小区东门路灯坏了三个月\x00夜间出行很不方便")
    assert response.status_code == 400
    page = response.content.decode()
    assert "空字符" in page and "不允许是用空字符串" not in page  # Django's own text misleads
    response = log_in(client, "ABCD\x00EFGH", "ABCDEFGH")
    assert "空字符" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "李\u202e华"}, "含有不可见的文字方向控制字符（U+202E），请删除后重新提交"),
        ({"content": "小区东门路灯坏了\u2066三个月夜间出行很不方便"}, "（U+2066）"),
        ({"content": "小区东门路灯\u200b坏了三个月夜间出行很不方便"}, "零宽字符（U+200B）"),
    ],
)
def test_bidi_and_zero_width_characters_are_refused_as_the_ledger_importer_does(
    district: District, changes: dict[str, Any], message: str
) -> None:
    client = Client()
    response = post(client, form_key(client), **changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Matter.objects.exists()


@pytest.mark.parametrize("field", ["content", "name", "address"])
def test_the_service_refuses_them_for_callers_without_the_form(
    district: District, field: str
) -> None:
    """The portal service (Open311 and any other caller) asks the forms' rule itself."""
    values = {
        "content": "小区东门路灯坏了三个月夜间出行很不方便",
        "name": "李华",
        "address": "东风社区",
    }
    values[field] = values[field][:1] + "\u202e" + values[field][1:]
    data = portal.PetitionInput(purpose="request", phone="13912345678", **values)
    with pytest.raises(InputError) as caught:
        portal.online_petition_submit(data=data, idempotency_key="k" * 20)
    assert caught.value.field == field and "U+202E" in caught.value.message
    assert not Matter.objects.exists()


def test_two_petitions_racing_from_one_address_cannot_both_pass_the_limit(
    district: District, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request arrives while the first is being registered (played in order: the
    first one's registration sends the second)."""
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 1
    real = portal.online_petition_submit
    second: dict[str, Any] = {}

    def first_then_second(**kwargs: Any) -> Any:
        if not second:
            second["sent"] = True
            other = Client()
            second["response"] = post(
                other, form_key(other), content="另一件：南门积水严重，请处理。"
            )
        return real(**kwargs)

    monkeypatch.setattr(portal, "online_petition_submit", first_then_second)
    client = Client()
    assert post(client, form_key(client)).status_code == 302
    assert second["response"].status_code == 400
    assert "提交过于频繁" in second["response"].content.decode()
    assert Matter.objects.count() == 1


def test_a_refused_petition_does_not_use_up_the_limit(
    district: District, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 1
    client = Client()

    def refuse(**kwargs: Any) -> Any:
        from xinfang.core.errors import InputError

        raise InputError("所选问题类别已停用，请重新选择", field="category")

    with monkeypatch.context() as patch:
        patch.setattr(portal, "online_petition_submit", refuse)
        assert post(client, form_key(client)).status_code == 400
    assert post(client, form_key(client)).status_code == 302


def test_a_petitioners_session_with_the_secret_ends_with_the_receipt(district: District) -> None:
    """The receipt keeps code and secret in the session: it must not outlive the half hour in
    the session table or the browser (a shared computer, a copied database)."""
    client = Client()
    submit(client)
    assert client.session.get_expiry_age() <= 30 * 60
    assert client.cookies["sessionid"]["max-age"] <= 30 * 60
    verified = Client()
    code, secret = receipt_codes(client)
    log_in(verified, code, secret)
    assert verified.session.get_expiry_age() <= 30 * 60


def test_a_staff_login_in_the_same_browser_keeps_its_own_length(district: District) -> None:
    client = Client()
    client.force_login(district.users["officer"])
    submit(client)
    assert client.session.get_expiry_age() > 30 * 60


def test_a_phone_typed_in_full_width_digits_is_kept_as_digits(district: District) -> None:
    client = Client()
    record = submit(client, phone="１３９１２３４５６７８")  # a Chinese input method's digits
    registration = record.registration
    assert registration is not None and registration.petitioner is not None
    assert registration.petitioner_phone == "13912345678"
    assert registration.petitioner.phone == "13912345678"


@pytest.mark.parametrize("phone", ["1٣٩١٢٣٤٥٦٧٨", "1३९१२३४५६७८"])
def test_digits_of_other_scripts_are_not_a_phone(district: District, phone: str) -> None:
    client = Client()
    response = post(client, form_key(client), phone=phone)
    assert response.status_code == 400
    assert "联系电话格式不正确" in response.content.decode()
    assert not Matter.objects.exists()


@pytest.mark.parametrize("name", ["submit", "query", "leave", "evaluate", "review", "rereview"])
def test_every_portal_post_needs_the_csrf_token(district: District, name: str) -> None:
    client, _ = walk(district)  # a verified petitioner: the POST would otherwise be taken
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse(f"portal:{name}"), {"version": "1", "evaluation": "satisfied"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


@pytest.mark.parametrize("field", ["phone", "name", "category", "locality"])
def test_the_same_form_sent_again_with_other_particulars_is_not_swallowed(
    district: District, field: str
) -> None:
    from xinfang.intake.models import Category

    other_category = Category.objects.filter(active=True).exclude(name="物业管理").first()
    assert other_category is not None
    other = {
        "phone": "13800001111",
        "name": "李华明",
        "category": other_category.pk,
        "locality": district.street_b.pk,
    }[field]
    client = Client()
    key = form_key(client)
    assert post(client, key).status_code == 302
    response = post(client, key, **{field: other})
    assert response.status_code == 400
    assert "已经提交过" in response.content.decode()
    assert Matter.objects.count() == 1


def test_a_form_keeps_at_most_its_files_and_an_address_a_bounded_number(
    district: District, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_portal_views import PNG
    from xinfang.portal import views
    from xinfang.portal.models import StagedUpload

    def png(i: int) -> SimpleUploadedFile:
        return SimpleUploadedFile(f"{i}.png", PNG + bytes([i]), content_type="image/png")

    client = Client()
    key = form_key(client)
    files = [png(i) for i in range(portal.MAX_FILES + 2)]
    response = client.post(
        reverse("portal:submit"), {"key": key, **fields(content=""), "attachments": files}
    )
    assert response.status_code == 400
    assert f"附件最多{portal.MAX_FILES}个" in response.content.decode()
    assert StagedUpload.objects.filter(form_key=key).count() == portal.MAX_FILES
    # forms abandoned with their files, one after another from one address: bounded per hour
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 1
    cache_limit = views.FILES_PER_SUBMIT
    StagedUpload.objects.all().delete()
    from django.core.cache import cache

    cache.clear()
    for i in range(cache_limit + 1):
        other = form_key(client)
        response = client.post(
            reverse("portal:submit"), {"key": other, **fields(content=""), "attachments": png(i)}
        )
    assert "上传的附件过多" in response.content.decode()
    assert StagedUpload.objects.count() == cache_limit

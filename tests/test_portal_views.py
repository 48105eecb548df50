"""The public portal's pages: submitting (errors keep everything typed and every accepted file),
double submits, the query code and secret, the petitioner's view of progress, e-delivery,
evaluation, review within the window, accusations, and no leak without code and secret."""

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xinfang.core.models import AuditEvent
from xinfang.documents.models import IssuedDocument
from xinfang.intake.choices import Evaluation, Purpose, Source
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Attachment, Category, Matter, Petitioner, Registration
from xinfang.organisation.models import OrgUnit
from xinfang.portal import services as portal
from xinfang.portal import views
from xinfang.portal.models import PortalSubmission, QueryLock, StagedUpload
from xinfang.portal.selectors import ACCUSATION_HANDOVER
from xinfang.workflow import services as wf
from xinfang.workflow.models import MatterWorkflow

from .conftest import TZ, District
from .workflow_support import fresh, step

pytestmark = pytest.mark.django_db


def receive(client: Client, document: IssuedDocument) -> None:
    """The petitioner confirms receipt of an opinion on the portal (网上送达)."""
    response = client.post(reverse("portal:document_receive", args=[document.pk]))
    assert response.status_code == 302


TODAY = date(2025, 9, 1)
RECEIVED = datetime(2025, 8, 1, 10, 0, tzinfo=TZ)
STEP_DAY = date(2025, 8, 5)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
_real_localdate = timezone.localdate
_today = {"day": TODAY}


@pytest.fixture(autouse=True)
def _frozen_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The day the pages and services see (time travel, no sleeping)."""

    def localdate(value: Any = None, timezone: Any = None) -> date:
        return _today["day"] if value is None else _real_localdate(value, timezone)

    _today["day"] = TODAY
    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture(autouse=True)
def _fresh_rate_count() -> Iterator[None]:
    """The submit counter per address lives in the cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _sms_to_file(settings: Any, tmp_path: Path) -> None:
    settings.XINFANG_NOTIFY = {
        **settings.XINFANG_NOTIFY,
        "SMS_BACKEND": "xinfang.notifications.backends.FileBackend",
        "FILE_DIR": tmp_path,
    }


def form_key(client: Client) -> str:
    page = client.get(reverse("portal:submit")).content.decode()
    found = re.search(r'name="key" value="([0-9a-f]{32})"', page)
    assert found is not None
    return found.group(1)


def fields(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "purpose": Purpose.REQUEST,
        "category": Category.objects.get(name="物业管理").pk,
        "locality": OrgUnit.objects.get(name="东风街道").pk,
        "content": "小区东门路灯坏了三个月，夜间出行很不方便，请尽快修复。",
        "name": "李华",
        "phone": "13912345678",
        "id_number": "",
        "address": "东风街道幸福里3号",
        "truthful": "on",
    }
    values.update(changes)
    return values


def post(client: Client, key: str, **changes: Any) -> Any:
    return client.post(reverse("portal:submit"), {"key": key, **fields(**changes)})


def submit(client: Client, **changes: Any) -> PortalSubmission:
    response = post(client, form_key(client), **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("portal:receipt")
    return PortalSubmission.objects.latest("id")


def receipt_codes(client: Client) -> tuple[str, str]:
    page = client.get(reverse("portal:receipt")).content.decode()
    code = re.search(r'data-code="([A-Z0-9]+)"', page)
    secret = re.search(r'data-secret="([A-Z0-9]+)"', page)
    assert code and secret
    return code.group(1), secret.group(1)


def log_in(client: Client, code: str, secret: str) -> Any:
    return client.post(reverse("portal:query"), {"query_code": code, "secret": secret})


def progress_page(client: Client) -> str:
    response = client.get(reverse("portal:progress"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.content.decode()


# --- submitting ----------------------------------------------------------------------------------


def test_public_pages_open_without_login(district: District) -> None:
    client = Client()
    for name in ("home", "notice", "submit", "query"):
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 200, name
        assert "登录" not in response.content.decode()  # the public base, not the staff one
    form = client.get(reverse("portal:submit")).content.decode()
    # places by 区县, each with a choice for a street not known; departments are not places
    assert "示范区（不清楚具体街道）" in form and "示范市（不清楚在哪个区县）" in form
    assert "东风街道" in form and "区住房和城乡建设局" not in form
    notice = client.get(reverse("portal:notice")).content.decode()
    for where in ("人民法院", "仲裁", "行政复议", "第三十一条"):
        assert where in notice


def test_a_request_with_identity_registers_and_shows_code_and_secret(
    district: District, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):  # the SMS goes once committed
        record = submit(client, locality=district.street_a.pk)
    code, secret = receipt_codes(client)
    assert code == record.query_code
    assert secret == portal.secret_for(record.idempotency_key)
    registration = record.registration
    assert registration is not None
    assert registration.source == Source.PORTAL
    assert registration.petitioner_name == "李华"
    assert registration.matter.locality == district.street_a
    assert registration.registered_by is not None
    assert str(registration.registered_by) == portal.PORTAL_DISPLAY_NAME
    # the SMS carries the code only, never the secret or anything the petitioner wrote
    sms = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert len(sms) == 1 and sms[0]["to"] == "13912345678"
    assert portal.display_code(code) in sms[0]["text"]
    assert secret not in sms[0]["text"] and portal.display_code(secret) not in sms[0]["text"]
    assert "路灯" not in sms[0]["text"] and "李华" not in sms[0]["text"]
    # the receipt opens the progress page for 30 minutes without typing the code again
    assert "已登记（网上信访）" in progress_page(client)


def test_suggestion_and_accusation_need_no_identity(
    district: District, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        record = submit(client, purpose=Purpose.SUGGESTION, name="", phone="", address="")
        assert record.registration is not None and record.registration.petitioner is None
        record = submit(client, purpose=Purpose.ACCUSATION, name="", phone="", address="")
    assert record.registration is not None
    assert record.registration.matter.purpose == Purpose.ACCUSATION
    assert not (tmp_path / "sms.jsonl").exists()  # no phone, no SMS


def test_every_bad_field_is_named_in_chinese_and_nothing_typed_is_lost(district: District) -> None:
    client = Client()
    key = form_key(client)
    typed = {
        "purpose": Purpose.REQUEST,
        "category": "999999",
        "locality": str(district.street_b.pk),
        "content": "太短了",
        "name": "",
        "phone": "12345",
        "id_number": "110101199003070000",
        "address": "西湖街道某小区",
        "truthful": "",
    }
    response = client.post(reverse("portal:submit"), {"key": key, **typed})
    assert response.status_code == 400
    page = response.content.decode()
    for message in (
        "所选问题类别不存在",
        "反映的内容太短",
        "请填写姓名",
        "联系电话格式不正确",
        "身份证号校验位不符",
        "请确认所反映的情况客观真实",
    ):
        assert message in page, message
    # the summary links to each field
    for anchor in ("#id_category", "#id_content", "#id_name", "#id_phone", "#id_id_number"):
        assert f'href="{anchor}"' in page, anchor
    # what was typed comes back
    assert "太短了</textarea>" in page
    assert 'value="12345"' in page and 'value="110101199003070000"' in page
    assert 'value="西湖街道某小区"' in page
    assert re.search(r'value="request"[^>]*checked', page)
    assert re.search(rf'<option value="{district.street_b.pk}" selected>', page)
    assert f'name="key" value="{key}"' in page
    assert Matter.objects.count() == 0
    # no purpose chosen, too long content
    response = post(client, key, purpose="", locality="", content="长" * (portal.CONTENT_MAX + 1))
    page = response.content.decode()
    assert "请选择信访目的" in page and "超过5000字上限" in page
    assert "请选择问题发生地" in page


def test_files_accepted_once_stay_with_the_form_until_it_is_submitted(district: District) -> None:
    client = Client()
    key = form_key(client)
    good = SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")
    bad = SimpleUploadedFile("说明.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("portal:submit"),
        {"key": key, **fields(content="太短"), "attachments": [good, bad]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "现场照片.png" in page and "无需重新选择" in page
    assert "“说明.pdf”不是允许的文件类型" in page and "请换一个文件重新选择" in page
    assert StagedUpload.objects.filter(form_key=key).count() == 1
    # the corrected form, sent without choosing the photo again, keeps it
    response = post(client, key)
    assert response.status_code == 302
    record = PortalSubmission.objects.get()
    attachments = Attachment.objects.filter(registration=record.registration)
    assert [a.original_name for a in attachments] == ["现场照片.png"]
    assert attachments[0].file.read() == PNG
    assert not StagedUpload.objects.exists()


def test_a_kept_file_can_be_removed_without_submitting(district: District) -> None:
    client = Client()
    key = form_key(client)
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    client.post(reverse("portal:submit"), {"key": key, **fields(content=""), "attachments": photo})
    staged = StagedUpload.objects.get(form_key=key)
    response = client.post(
        reverse("portal:submit"), {"key": key, **fields(), "remove_upload": str(staged.pk)}
    )
    assert response.status_code == 200  # the form again, with the file gone and nothing sent
    assert not StagedUpload.objects.exists()
    assert Matter.objects.count() == 0
    assert "小区东门路灯坏了三个月" in response.content.decode()


def test_double_click_is_one_matter_with_the_same_receipt(district: District) -> None:
    client = Client()
    key = form_key(client)
    first = post(client, key)
    codes = receipt_codes(client)
    other = Client()  # a retried request, without the first one's session
    again = post(other, key)
    assert first.status_code == again.status_code == 302
    assert receipt_codes(other) == codes
    assert Matter.objects.count() == Registration.objects.count() == 1


def test_the_receipt_names_the_matter_by_its_number(district: District) -> None:
    """The number on every later paper is the matter's, not the registration's 登记编号."""
    client = Client()
    record = submit(client)
    assert record.registration is not None
    matter, registration = record.registration.matter, record.registration
    assert matter.number != registration.number
    page = client.get(reverse("portal:receipt")).content.decode()
    assert f"事项编号 {matter.number}" in page
    assert registration.number not in page


# --- the code and secret -------------------------------------------------------------------------


def test_wrong_secret_is_refused_and_the_code_locks(district: District) -> None:
    client = Client()
    record = submit(client)
    code, secret = receipt_codes(client)
    stranger = Client()
    for _ in range(portal.MAX_FAILURES - 1):
        response = log_in(stranger, code.lower(), "AAAA-BBBB")
        assert response.status_code == 400
        page = response.content.decode()
        assert "查询码或查询密码不正确" in page
        assert f'value="{code.lower()}"' in page  # what was typed stays
    response = log_in(stranger, code, "AAAA-BBBB")
    assert "已暂时锁定" in response.content.decode()
    response = log_in(stranger, code, secret)  # even the right secret waits now
    assert response.status_code == 400 and "锁定" in response.content.decode()
    assert AuditEvent.objects.filter(action="portal.lockout", object_id=str(record.pk)).exists()
    assert stranger.get(reverse("portal:progress")).status_code == 302
    # after the wait, the right secret opens it
    assert QueryLock.objects.get().locked_until is not None
    QueryLock.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    response = log_in(stranger, portal.display_code(code), secret.lower())
    assert response.status_code == 302 and response["Location"] == reverse("portal:progress")


def test_unknown_code_and_empty_fields(district: District) -> None:
    client = Client()
    response = log_in(client, "ZZZZZZZZ", "ZZZZZZZZ")
    assert response.status_code == 400
    assert "查询码或查询密码不正确" in response.content.decode()
    response = log_in(client, "", "")
    page = response.content.decode()
    assert "请填写查询码" in page and "请填写查询密码" in page


def test_nothing_of_a_matter_without_code_and_secret(district: District) -> None:
    _, record = walk(district)
    matter = fresh(record.registration.matter)  # type: ignore[union-attr]
    accept(district, matter)
    matter = reply(district, matter)
    document = IssuedDocument.objects.get(matter=matter, kind="reply")
    anonymous = Client()
    for url in (
        reverse("portal:progress"),
        reverse("portal:document", args=[document.pk]),
        reverse("portal:document_docx", args=[document.pk]),
    ):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/portal/query/" in response["Location"], url
    for name in ("evaluate", "review", "rereview"):
        response = anonymous.post(reverse(f"portal:{name}"), {"version": matter.version})
        assert response.status_code == 302 and "/portal/query/" in response["Location"]
    assert MatterWorkflow.objects.get(matter=matter).reply_delivered_on is None
    # someone with another code does not reach this matter's documents either
    other = Client()
    submit(other)
    assert other.get(reverse("portal:document", args=[document.pk])).status_code == 404
    assert "小区东门路灯" not in anonymous.get(reverse("portal:receipt")).content.decode()


# --- progress, delivery, evaluation, review ------------------------------------------------------


def walk(district: District, **changes: Any) -> tuple[Client, PortalSubmission]:
    """A petition submitted on RECEIVED (via the service, dated), verified in a fresh client."""
    data = portal.PetitionInput(
        purpose=changes.pop("purpose", Purpose.REQUEST),
        content="小区东门路灯坏了三个月，夜间出行很不方便，请尽快修复。",
        category=Category.objects.get(name="物业管理"),
        locality=changes.pop("locality", district.street_a),
        name="李华",
        phone="13912345678",
        received_at=RECEIVED,
    )
    result = portal.online_petition_submit(data=data, idempotency_key=portal.new_idempotency_key())
    client = Client()
    assert log_in(client, result.query_code, result.secret).status_code == 302
    return client, result.record


def accept(district: District, matter: Matter) -> Matter:
    return step(wf.matter_accept, matter, district.users["officer"], on=STEP_DAY)


def reply(district: District, matter: Matter) -> Matter:
    officer = district.users["officer"]
    matter = step(
        wf.handling_record, matter, officer, notes="内部核查：物业经理张三13800000000", on=STEP_DAY
    )
    matter = step(wf.reply_issue, matter, officer, outcome="supported", on=STEP_DAY)
    return fresh(matter)  # the reply issued its 处理意见书


def test_progress_shows_the_petitioners_view_only(district: District) -> None:
    client, record = walk(district)
    matter = fresh(record.registration.matter)  # type: ignore[union-attr]
    matter = step(
        wf.matter_assign, matter, district.users["officer"], unit=district.street_a, on=STEP_DAY
    )
    staff = district.users["street_a_staff"]
    matter = step(wf.assignment_receive, matter, staff, on=STEP_DAY)
    matter = step(
        wf.handling_record, matter, staff, notes="内部核查：物业经理张三13800000000", on=STEP_DAY
    )
    page = progress_page(client)
    assert "已交办东风街道办理" in page and "承办单位已签收" in page
    assert "东风街道" in page  # 承办单位 is named for an ordinary matter
    for hidden in ("内部核查", "张三", "13800000000", "street_a_staff", "officer", "registrar"):
        assert hidden not in page, hidden
    assert "13912345678" not in page  # not even the petitioner's own phone


def test_confirming_the_reply_delivers_it_then_evaluate_and_ask_for_review(
    district: District,
) -> None:
    client, record = walk(district)
    matter = reply(district, accept(district, fresh(record.registration.matter)))  # type: ignore[union-attr]
    page = progress_page(client)
    assert "查看处理意见书" in page and "即视为送达" in page
    assert "内部核查" not in page
    document = IssuedDocument.objects.get(matter=matter, kind="reply")
    # opening the page (a GET, perhaps from a link elsewhere) shows it and delivers nothing
    response = client.get(reverse("portal:document", args=[document.pk]))
    assert response.status_code == 200
    opened = response.content.decode()
    assert document.number in opened and 'id="confirm-receipt"' in opened
    assert MatterWorkflow.objects.get(matter=matter).reply_delivered_on is None
    # a GET of the receipt address is refused; only the petitioner's POST with its token delivers
    receive = reverse("portal:document_receive", args=[document.pk])
    assert client.get(receive).status_code == 405
    response = client.post(receive)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:document", args=[document.pk])
    opened = client.get(response["Location"]).content.decode()
    assert "送达您" in opened and 'id="confirm-receipt"' not in opened
    flow = MatterWorkflow.objects.get(matter=matter)
    assert flow.reply_delivered_on == TODAY
    assert flow.review_request_due == date(2025, 10, 9)  # 30 days, ending on the next working day
    delivered = AuditEvent.objects.get(matter=matter, action="workflow.deliver_reply")
    assert str(delivered.actor) == portal.PORTAL_DISPLAY_NAME
    note = AuditEvent.objects.get(matter=matter, action="portal.action", data__step="deliver_reply")
    assert note.data["query_code"] == record.query_code
    # opening or confirming it again records nothing new
    client.get(reverse("portal:document_docx", args=[document.pk]))
    client.post(receive)
    assert AuditEvent.objects.filter(matter=matter, action="workflow.deliver_reply").count() == 1
    page = progress_page(client)
    assert "2025年10月9日" in page and 'id="request-review"' in page
    # evaluate: a missing choice is named, then recorded
    matter = fresh(matter)
    response = client.post(reverse("portal:evaluate"), {"version": matter.version})
    assert response.status_code == 400 and "请选择评价" in response.content.decode()
    response = client.post(
        reverse("portal:evaluate"),
        {"version": matter.version, "evaluation": Evaluation.DISSATISFIED},
    )
    assert response.status_code == 302
    matter = fresh(matter)
    assert matter.evaluation == Evaluation.DISSATISFIED
    assert "您已于2025年9月1日评价：不满意" in progress_page(client)
    # a stale page is refused with a Chinese message, nothing written
    response = client.post(reverse("portal:review"), {"version": matter.version - 1})
    assert response.status_code == 400 and "请查看最新进度后重试" in response.content.decode()
    response = client.post(reverse("portal:review"), {"version": matter.version})
    assert response.status_code == 302
    matter = fresh(matter)
    assert matter.review_requested_on == TODAY
    assert AuditEvent.objects.filter(
        matter=matter, action="portal.action", data__step="request_review"
    ).exists()
    assert "您已于2025年9月1日申请复查" in progress_page(client)


def test_review_is_refused_after_its_window(district: District) -> None:
    client, record = walk(district)
    matter = reply(district, accept(district, fresh(record.registration.matter)))  # type: ignore[union-attr]
    document = IssuedDocument.objects.get(matter=matter, kind="reply")
    client.post(reverse("portal:document_receive", args=[document.pk]))
    _today["day"] = date(2025, 10, 10)  # the day after the window's last day
    page = progress_page(client)
    assert 'id="request-review"' not in page
    assert "申请复查的期限已于2025年10月9日届满" in page
    matter = fresh(matter)
    response = client.post(reverse("portal:review"), {"version": matter.version})
    assert response.status_code == 400
    assert "已过，不再受理" in response.content.decode()
    assert fresh(matter).review_requested_on is None


def test_rereview_after_the_review_opinion(district: District) -> None:
    client, record = walk(district)
    matter = reply(district, accept(district, fresh(record.registration.matter)))  # type: ignore[union-attr]
    receive(client, IssuedDocument.objects.get(kind="reply"))
    client.post(reverse("portal:review"), {"version": fresh(matter).version})
    matter = step(
        wf.review_decide, fresh(matter), district.users["officer"], outcome="not_supported"
    )
    page = progress_page(client)  # the decision issued its 复查意见书
    assert "查看复查意见书" in page
    review = IssuedDocument.objects.get(matter=matter, kind="review")
    client.post(reverse("portal:document_receive", args=[review.pk]))
    assert MatterWorkflow.objects.get(matter=matter).review_delivered_on == TODAY
    response = client.post(reverse("portal:rereview"), {"version": fresh(matter).version})
    assert response.status_code == 302
    assert fresh(matter).rereview_requested_on == TODAY


def test_an_accusation_never_names_the_unit_handling_it(district: District) -> None:
    client, record = walk(district, purpose=Purpose.ACCUSATION)
    matter = fresh(record.registration.matter)  # type: ignore[union-attr]
    matter = step(
        wf.matter_forward, matter, district.users["officer"], unit=district.discipline, on=STEP_DAY
    )
    forward = IssuedDocument.objects.get(matter=matter, kind="forward")  # the step issued it
    page = progress_page(client)
    assert ACCUSATION_HANDOVER in page
    assert district.discipline.name not in page
    assert "转送告知书" not in page  # it names the organ
    assert client.get(reverse("portal:document", args=[forward.pk])).status_code == 404
    assert client.get(reverse("portal:document_docx", args=[forward.pk])).status_code == 404


def test_the_history_says_it_came_through_the_portal(district: District) -> None:
    client = Client()
    record = submit(client)
    registration = record.registration
    assert registration is not None
    event = AuditEvent.objects.get(action="registration.create", matter=registration.matter)
    assert str(event.actor) == portal.PORTAL_DISPLAY_NAME
    submitted = AuditEvent.objects.get(action="portal.submit", matter=registration.matter)
    assert submitted.data["query_code"] == record.query_code
    # the system account cannot log in
    assert not registration.registered_by.has_usable_password()  # type: ignore[union-attr]
    assert not Client().login(username=portal.PORTAL_USERNAME, password="")


def test_an_id_number_of_someone_else_on_file_is_not_linked(district: District) -> None:
    from .conftest import register

    number = make_id_number("320101", date(1960, 5, 17), 123)
    register(district, locality=district.street_a, name="王小明", id_number=number)
    client = Client()
    record = submit(client, id_number=number)  # typed by 李华
    registration = record.registration
    assert registration is not None and registration.petitioner is not None
    assert registration.petitioner.id_number is None
    assert record.claimed_id_number == number
    assert registration.petitioner.name == "李华"
    # the file of 王小明 is untouched: neither renamed nor given 李华's phone
    owner = Petitioner.objects.with_id_number(number).get()
    assert (owner.name, owner.phone) == ("王小明", "13800138000")


def test_asking_for_review_is_confirmed_first(district: District) -> None:
    client, record = walk(district)
    matter = reply(district, accept(district, fresh(record.registration.matter)))  # type: ignore[union-attr]
    receive(client, IssuedDocument.objects.get(kind="reply"))
    response = client.get(reverse("portal:review"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "确认申请复查" in page and "2025年10月9日" in page
    assert fresh(matter).review_requested_on is None  # looking asks nothing
    _today["day"] = date(2025, 10, 10)
    response = client.get(reverse("portal:review"))
    assert response.status_code == 400 and "届满" in response.content.decode()
    response = client.get(reverse("portal:rereview"))
    assert response.status_code == 400 and "复查意见出具后才能申请复核" in response.content.decode()


def test_a_refused_csrf_token_is_explained_in_chinese(district: District) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("portal:submit"), fields())
    assert response.status_code == 403
    assert "页面已过期，本次提交没有保存" in response.content.decode()


def test_many_new_petitions_from_one_address_wait(district: District, settings: Any) -> None:
    client = Client()
    for _ in range(views.SUBMITS_PER_HOUR):
        submit(client)
    key = form_key(client)
    response = post(client, key, content="第二十一件：小区南门积水严重，雨天无法通行，请尽快处理。")
    assert response.status_code == 400
    page = response.content.decode()
    assert "提交过于频繁" in page and "第二十一件：小区南门积水严重" in page
    assert Matter.objects.count() == views.SUBMITS_PER_HOUR


def test_the_receipt_is_shown_for_a_while_only(district: District) -> None:
    client = Client()
    submit(client)
    assert client.get(reverse("portal:receipt")).status_code == 200
    session = client.session
    session[views.RECEIPT] = {**session[views.RECEIPT], "until": 0}
    session.save()
    response = client.get(reverse("portal:receipt"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:query")


def test_a_decline_and_a_legal_channel_are_explained(district: District) -> None:
    client, record = walk(district)
    matter = fresh(record.registration.matter)  # type: ignore[union-attr]
    officer = district.users["officer"]
    step(wf.matter_decline, matter, officer, reason="已由法院判决，不属于信访受理范围", on=STEP_DAY)
    page = progress_page(client)
    assert "不予受理" in page and "已由法院判决，不属于信访受理范围" in page
    client, record = walk(district)
    matter = fresh(record.registration.matter)  # type: ignore[union-attr]
    step(wf.matter_sort_by_law, matter, officer, channel="arbitration", on=STEP_DAY)
    page = progress_page(client)
    assert "请通过法定途径解决" in page and "劳动人事争议仲裁委员会" in page


def test_every_field_has_a_label(district: District) -> None:
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.ids: list[str] = []
            self.labels: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
                assert a.get("id"), (tag, a)
                self.ids.append(str(a["id"]))
            if tag == "label" and a.get("for"):
                self.labels.add(str(a["for"]))

    client = Client()
    for url in (reverse("portal:submit"), reverse("portal:query")):
        parser = Fields()
        parser.feed(client.get(url).content.decode())
        assert parser.ids and set(parser.ids) <= parser.labels, url


def test_the_limit_per_address_can_be_lifted(district: District, settings: Any) -> None:
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 1
    client = Client()
    submit(client)
    assert post(client, form_key(client)).status_code == 400
    settings.XINFANG_PORTAL_SUBMITS_PER_HOUR = 0  # behind a proxy that hides the addresses
    assert post(client, form_key(client)).status_code == 302

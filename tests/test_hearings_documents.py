"""听证通知书 and 听证报告: numbered once per printed 代字, kind and year, text frozen, Word file
on the GB/T 9704 page; refusals in Chinese with nothing written; the SMS holds no content."""

import json
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.utils import timezone
from docx import Document

from xinfang.core.errors import ConflictError, PermissionRefusedError
from xinfang.hearings import services as hs
from xinfang.hearings.documents import hearing_document_docx, hearing_document_issue
from xinfang.hearings.models import HearingDocument

from .conftest import District
from .hearings_support import hearing_input, in_handling

pytestmark = pytest.mark.django_db


def test_notice_then_report_numbered_and_frozen(
    district: District,
    settings: LazySettings,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.XINFANG_NOTIFY = {
        "SMS_BACKEND": "xinfang.notifications.backends.FileBackend",
        "FILE_DIR": tmp_path,
    }
    staff, officer = district.users["street_a_staff"], district.users["officer"]
    m = in_handling(district)
    data = hearing_input(district, date(2025, 8, 20), date(2025, 8, 21))
    data.public = False
    hearing = hs.hearing_schedule(actor=staff, matter=m, data=data)
    with pytest.raises(ConflictError, match="听证尚未结束"):
        hearing_document_issue(actor=staff, hearing=hearing, kind="report")
    with django_capture_on_commit_callbacks(execute=True):
        notice = hearing_document_issue(actor=staff, hearing=hearing, kind="notice")
    year = timezone.localdate().year
    assert notice.number == f"东风听通〔{year}〕1号"
    assert notice.title == "信访听证通知书"
    text = notice.body
    assert text.startswith("王小明：")
    assert "不公开听证" in text and "区信访局听证室" in text
    assert "2025年8月20日至2025年8月21日" in text
    assert "人大代表：李代表（东风街道人大工委）。" in text
    assert "13800138000" not in text
    sms = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert len(sms) == 1 and m.number in sms[0]["text"] and "王小明" not in sms[0]["text"]
    with pytest.raises(ConflictError, match="请打印原件"):
        hearing_document_issue(actor=staff, hearing=hearing, kind="notice")
    # the bureau's officer holds it too; only someone who may hold it issues its documents
    with pytest.raises(PermissionRefusedError):
        hearing_document_issue(actor=district.users["supervisor"], hearing=hearing, kind="notice")
    hearing = hs.hearing_begin(actor=staff, hearing=hearing, on=date(2025, 8, 20))
    hearing = hs.hearing_conclude(
        actor=staff,
        hearing=hearing,
        record="信访人陈述诉求，电话13800138000。\n物业公司说明情况。",
        conclusion="责令物业公司限期整改。",
        on=date(2025, 8, 21),
    )
    report = hearing_document_issue(actor=officer, hearing=hearing, kind="report")
    assert report.number == f"示范信听报〔{year}〕1号"
    assert "听证阶段：办理" in report.body and "责令物业公司限期整改。" in report.body
    assert "13800138000" not in report.body  # numbers in the record are masked in print
    assert HearingDocument.objects.count() == 2
    # a reprint is the same text: the Word file is built from the frozen fields
    paragraphs = [p.text for p in Document(BytesIO(hearing_document_docx(report))).paragraphs]
    assert paragraphs[0] == "信访听证报告" and paragraphs[1] == report.number
    assert "听证结论：" in paragraphs
    section = Document(BytesIO(hearing_document_docx(notice))).sections[0]
    width, height = section.page_width, section.page_height
    assert width is not None and height is not None
    assert (round(width.mm), round(height.mm)) == (210, 297)

"""Word files are made from our own reference template (documents/data/reference.docx): small,
GB/T 9704 styles, the issuing unit as author and the product as application — not python-docx's
831 KB style gallery with a blank thumbnail and "Microsoft Macintosh Word"."""

import re
import zipfile
from io import BytesIO
from pathlib import Path

from django.test import Client

from xinfang.documents import reference_docx
from xinfang.documents.kinds import DocumentKind as K

from .conftest import PASSWORD, District
from .test_documents_support import (
    _default_templates,  # noqa: F401  (autouse: the default templates in every test)
    at_stage,
    issue,
)

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_template_is_what_the_builder_writes() -> None:
    assert reference_docx.REFERENCE.read_bytes() == reference_docx.build()
    assert reference_docx.REFERENCE.stat().st_size < 10_000


def test_no_word_file_is_made_from_python_docxs_default_template() -> None:
    makers = []
    for path in (ROOT / "xinfang").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bDocument\(\)", text):
            makers.append(str(path.relative_to(ROOT)))
    assert makers == []


def test_an_issued_documents_word_file_is_small_and_ours(district: District) -> None:
    document = issue(district, "officer", at_stage(district, "accepted"), K.ACCEPT)
    client = Client()
    assert client.login(username=district.users["officer"].username, password=PASSWORD)
    body = client.get(f"/documents/{document.pk}/docx").content
    archive = zipfile.ZipFile(BytesIO(body))
    names = set(archive.namelist())
    unpacked = sum(info.file_size for info in archive.infolist())
    assert len(body) < 100_000 and unpacked < 100_000, (len(body), unpacked)
    assert not any("thumbnail" in n or "stylesWithEffects" in n for n in names), names
    app = archive.read("docProps/app.xml").decode()
    assert "<Application>信访业务系统</Application>" in app and "Macintosh" not in app
    core = archive.read("docProps/core.xml").decode()
    assert "<dc:creator>示范区信访局</dc:creator>" in core
    styles = archive.read("word/styles.xml").decode()
    assert len(re.findall(r"<w:style ", styles)) <= 10
    assert 'w:eastAsia="仿宋_GB2312"' in styles and "方正小标宋简体" in styles

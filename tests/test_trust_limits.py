"""Issue 13: request bodies are capped before they are read — a 200 MB upload is answered 413 with
a Chinese reason, not one byte of it read; a multipart body is counted as it streams."""

import io
from typing import Any

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import Client

from xinfang.core.limits import LimitedUploadHandler, RequestTooLarge
from xinfang.intake.models import Registration

from .api_support import assert_error
from .conftest import District
from .views_support import client_for

MB = 1024 * 1024
BOUNDARY = "xinfangboundary"


class WatchedBody(io.RawIOBase):
    """A body that would be 200 MB, counting what anyone reads of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = b"x" * (64 * 1024 if size is None or size < 0 else min(size, 64 * 1024))
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        return self.read(size if size is not None else -1)


def _post_200_mb(client: Client, path: str) -> tuple[Any, WatchedBody]:
    body = WatchedBody()
    response = client.generic(
        "POST",
        path,
        b"",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(200 * MB),
        **{"wsgi.input": body},
    )
    return response, body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/portal/submit/", "/intake/register/", "/portal/query/", "/accounts/login/"]
)
def test_a_200_mb_upload_to_a_page_is_refused_unread(district: District, path: str) -> None:
    client = client_for(district, "registrar") if path.startswith("/intake/") else Client()
    response, body = _post_200_mb(client, path)
    assert response.status_code == 413
    page = response.content.decode()
    assert "提交的内容过大" in page and "不能超过64MB" in page
    assert body.read_bytes == 0
    assert response["Connection"] == "close"
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_a_200_mb_body_to_the_api_and_open311_is_their_413_unread(district: District) -> None:
    response, body = _post_200_mb(Client(), "/api/v1/registrations/")
    assert response.status_code == 413 and body.read_bytes == 0
    assert "不能超过64MB" in assert_error(response.json(), "request_too_large")["message"]
    response, body = _post_200_mb(Client(), "/open311/v2/requests.xml")
    assert response.status_code == 413 and body.read_bytes == 0
    assert "提交的内容过大" in response.content.decode()
    assert response["Content-Type"].startswith("text/xml") or "xml" in response["Content-Type"]


@pytest.mark.django_db
def test_the_cap_is_a_setting(district: District, settings: Any) -> None:
    settings.XINFANG_REQUEST_MAX_BYTES = 1 * MB
    client = client_for(district, "registrar")
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (2 * MB))
    big.name = "big.pdf"
    response = client.post("/intake/register/", {"attachments": big})
    assert response.status_code == 413
    assert "不能超过1MB" in response.content.decode()
    # under the cap the form is read as before (refused for its own reasons, not its size)
    small = io.BytesIO(b"%PDF-1.4\n" + b"0" * 1000)
    small.name = "small.pdf"
    assert client.post("/intake/register/", {"attachments": small}).status_code != 413


def _multipart(size: int) -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"0" * size
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def test_a_multipart_body_is_stopped_as_it_streams(settings: Any) -> None:
    settings.XINFANG_REQUEST_MAX_BYTES = 1 * MB
    body = _multipart(2 * MB)
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        # a declared length under the cap: the counting, not the header, stops it
        "CONTENT_LENGTH": str(MB // 2),
    }
    handlers = [LimitedUploadHandler(), MemoryFileUploadHandler()]
    handler = handlers[0]
    # the parser honours the declared length, so feed the handler the stream chunk by chunk
    stream = io.BytesIO(body)
    with pytest.raises(RequestTooLarge):
        while chunk := stream.read(64 * 1024):
            handler.receive_data_chunk(chunk, 0)
    assert handler.seen <= MB + 64 * 1024  # stopped within one chunk of the cap
    # and a declared length over the cap stops the parser before it reads
    meta["CONTENT_LENGTH"] = str(2 * MB)
    parser = MultiPartParser(meta, io.BytesIO(body), handlers)
    with pytest.raises(RequestTooLarge):
        parser.parse()

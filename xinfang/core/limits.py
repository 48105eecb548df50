"""Request bodies capped before they are read: a body larger than XINFANG_REQUEST_MAX_BYTES is
refused (413) by its Content-Length before a byte of it is read, and a multipart body is counted
as it streams, so no upload ever reaches memory or disk past the cap."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse


def request_max_bytes() -> int:
    return int(settings.XINFANG_REQUEST_MAX_BYTES)


def too_large_message() -> str:
    limit = request_max_bytes() / 1024 / 1024
    return (
        f"提交的内容过大：一次提交（所有附件合计）不能超过{limit:.0f}MB，未处理。"
        "请减少或压缩附件后重新提交。"
    )


class RequestTooLarge(RequestDataTooBig):
    """The body passed XINFANG_REQUEST_MAX_BYTES (a RequestDataTooBig: the API and Open311
    already answer that with their own 413)."""


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


class RequestSizeLimitMiddleware:
    """First of the middleware: a body whose declared length passes the cap is answered 413 at
    once, its content never read (the WSGI server reads no more than Content-Length, so a body
    without one is read as empty)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)  # unreadable: Django reads the body as empty
        if length is not None and length > request_max_bytes():
            response = too_large_response(request)
            response["Connection"] = "close"  # the unread body must not be taken as a request
            return response
        return self.get_response(request)


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413 in the form the caller reads: the API's and Open311's error bodies, a page elsewhere."""
    message = too_large_message()
    path = request.path_info
    if path.startswith("/api/"):
        from xinfang.api.errors import error_body

        return JsonResponse(error_body("request_too_large", message), status=413)
    if path.startswith("/open311/"):
        from xinfang.open311.render import error_response

        return error_response("xml" if path.endswith(".xml") else "json", 413, message)
    from django.shortcuts import render

    return render(request, "413.html", {"message": message}, status=413)


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts a multipart body as it streams and stops it at the
    cap, whatever the Content-Length said, before the next handler keeps the chunk."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.seen = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 (Django's name for it)
        content_length: int,
        boundary: Any,
        encoding: Any = None,
    ) -> None:
        if content_length > request_max_bytes():
            raise RequestTooLarge(too_large_message())

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.seen += len(raw_data)
        if self.seen > request_max_bytes():
            raise RequestTooLarge(too_large_message())
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler keeps the file

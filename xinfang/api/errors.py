"""The API's one error format, for every refusal from 400 to 500:

    {"error": {"code": "validation_error", "message": "中文说明", "fields": {"字段": ["中文"]}}}

`fields` is there only when particular fields are wrong (a nested field is named with dots:
"petitioner.id_number", "representatives.0.name").
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError, XinfangError

log = logging.getLogger(__name__)

NOT_FOUND = "没有找到该对象，或您无权查看"
NUL_MESSAGE = "不能包含空字符（\\0）"
SERVER_ERROR = "服务器内部错误，请求未完成；请稍后重试，或把时间告诉系统管理员"

# What each status means, for the OpenAPI document.
STATUS_TEXT = {
    "400": "请求有误（code: validation_error / parse_error），fields 指出哪些字段",
    "401": "缺少接口令牌，或令牌无效、已吊销（code: not_authenticated / authentication_failed）",
    "403": "令牌的账号无权做此事（code: permission_denied）",
    "404": "对象不存在或无权查看，两者不作区分（code: not_found）",
    "405": "接口不支持该方法（code: method_not_allowed）",
    "409": "事项已被他人更新或状态不允许，未保存（code: conflict）",
    "413": "请求正文过大（code: request_too_large）",
    "415": "请求正文须为 application/json（code: unsupported_media_type）",
    "429": "请求过于频繁（code: throttled），Retry-After 给出秒数",
    "500": "服务器内部错误（code: server_error）",
}


# The one error body as an OpenAPI schema (a component named "Error" in the document).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "description": "机器可读的错误类别"},
                "message": {"type": "string", "minLength": 1, "description": "给人看的中文说明"},
                "fields": {
                    "type": "object",
                    "description": "出错的字段及其中文说明",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"a.b.0.c": [message, ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key)
            if name in ("non_field_errors", "__all__"):
                name = ""
            for sub, messages in flatten(value, f"{prefix}.{name}" if prefix else name).items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix] = [str(item) for item in detail]
        else:
            for index, value in enumerate(detail):
                if value:
                    out.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    elif detail is not None:
        out[prefix] = [str(detail)]
    return out


def _name_nul(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Django's Chinese for a NUL character reads "no empty string": said plainly instead."""
    django_text = str(ProhibitNullCharactersValidator.message)
    return {
        name: [NUL_MESSAGE if m == django_text else m for m in messages]
        for name, messages in fields.items()
    }


def validation_response(fields: dict[str, list[str]], message: str = "") -> Response:
    named = {k: v for k, v in fields.items() if k}
    general = fields.get("", [])
    if not message:
        if general:
            message = "；".join(general)
        elif len(named) == 1:
            message = next(iter(named.values()))[0]
        else:
            message = f"提交的内容有{len(named)}处需要修改，见 fields"
    return Response(error_body("validation_error", message, named), status=400)


def _method(context: dict[str, Any]) -> str:
    request = context.get("request")
    return getattr(request, "method", "") or ""


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every exception of an API view becomes one body."""
    set_rollback()
    if isinstance(exc, Http404):
        return Response(error_body("not_found", NOT_FOUND), status=404)
    if isinstance(exc, PermissionDenied):
        message = str(exc) or "您没有执行此操作的权限"
        return Response(error_body("permission_denied", message), status=403)
    if isinstance(exc, PermissionRefusedError):
        return Response(error_body("permission_denied", exc.message), status=403)
    if isinstance(exc, ConflictError):
        return Response(error_body("conflict", exc.message), status=409)
    if isinstance(exc, InputError | XinfangError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return Response(error_body("validation_error", exc.message, fields), status=400)
    if isinstance(exc, exceptions.ValidationError):
        return validation_response(_name_nul(flatten(exc.detail)))
    if isinstance(exc, exceptions.APIException):
        return _api_exception(exc, context)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return Response(
            error_body("request_too_large", f"请求正文过大：上限为{limit / 1024 / 1024:.1f}MB"),
            status=413,
        )
    if isinstance(exc, SuspiciousOperation):  # Django's refusal of a malformed request
        return Response(error_body("bad_request", "请求不合规范，未处理"), status=400)
    log.exception("API: unhandled error", exc_info=exc)
    return Response(error_body("server_error", SERVER_ERROR), status=500)


def _api_exception(exc: exceptions.APIException, context: dict[str, Any]) -> Response:
    headers: dict[str, str] = {}
    code = exc.default_code
    message = str(exc.detail) if not isinstance(exc.detail, list | dict) else ""
    if isinstance(exc, exceptions.NotAuthenticated):
        message = "请提供接口令牌：请求头 Authorization: Token <密钥>"
    elif isinstance(exc, exceptions.AuthenticationFailed):
        code = "authentication_failed"
    elif isinstance(exc, exceptions.MethodNotAllowed):
        message = f"此接口不支持{_method(context)}方法"
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        message = "请求正文须为 JSON（Content-Type: application/json）"
    elif isinstance(exc, exceptions.ParseError):
        message = "请求正文不是有效的 JSON"
    elif isinstance(exc, exceptions.NotFound):
        message = NOT_FOUND if "页" not in message else message
    elif isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        message = f"请求过于频繁，请{wait}秒后再试"
    elif isinstance(exc, exceptions.PermissionDenied):
        message = message or "您没有执行此操作的权限"
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    return Response(
        error_body(code, message or "请求未完成"), status=exc.status_code, headers=headers
    )


@csrf_exempt  # no session here: a POST to a wrong address is told so, not asked for a cookie
def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Every address under /api/v1/ that is not an endpoint: a 404 in the error format."""
    return JsonResponse(
        error_body("not_found", f"没有这个接口：{request.path}（接口地址以“/”结尾）"),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def api_handler404(request: HttpRequest, exception: Exception) -> Any:
    """For handler404 in the root URLconf: JSON under /api/, the usual page elsewhere."""
    from django.views import defaults

    if request.path.startswith("/api/"):
        return not_found_view(request)
    return defaults.page_not_found(request, exception)


def api_handler500(request: HttpRequest) -> Any:
    """For handler500 in the root URLconf: JSON under /api/, the usual page elsewhere."""
    from django.views import defaults

    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", SERVER_ERROR),
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    return defaults.server_error(request)

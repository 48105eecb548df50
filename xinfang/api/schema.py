"""The OpenAPI document: every operation lists the one error body for each refusal it can give."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from xinfang.api.errors import ERROR_SCHEMA, STATUS_TEXT

ERROR_REF = {"$ref": "#/components/schemas/Error"}


class XinfangAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, text in STATUS_TEXT.items():
            responses.setdefault(
                code,
                {"description": text, "content": {"application/json": {"schema": ERROR_REF}}},
            )
        return responses


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "xinfang.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "每个系统账号的接口令牌：`Authorization: Token <密钥>`（也接受 Bearer）",
        }


def add_error_component(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: the error body as the component the responses refer to."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    return result

"""Who a request's API key belongs to: `user_for_key`, and DRF's authentication class for it."""

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from xinfang.accounts.models import User
from xinfang.api.models import ApiToken, key_hash
from xinfang.api.services import is_portal_account
from xinfang.core.permissions import may_hold_api_key

# Keys are "xf_" plus 43 URL-safe characters; anything far longer is not one of ours.
MAX_KEY_LENGTH = 200


def token_for_key(raw: str) -> ApiToken | None:
    """The live token of `raw`, or None (unknown, revoked, or its account inactive).

    The lookup is by SHA-256 of the key, so nothing compares secrets character by character.
    """
    if not raw or len(raw) > MAX_KEY_LENGTH:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__org_unit")
        .filter(key_hash=key_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not may_hold_api_key(token.user):
        return None
    if is_portal_account(token.user):  # never issued; a row made by hand opens nothing either
        return None
    return token


def user_for_key(raw: str) -> User | None:
    token = token_for_key(raw)
    return token.user if token is not None else None


def token_touch(token: ApiToken) -> None:
    """Records the use, at most once a minute per token (a busy client would write every call)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`)."""

    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确：应为“Authorization: Token 密钥”")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("令牌无效") from exc
        token = token_for_key(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效、已吊销或其账号已停用")
        token_touch(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Token"


def token_of(request: Any) -> ApiToken | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None

"""Issuing and revoking API tokens; each write is audited."""

import secrets

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.api.models import ApiToken, key_hash
from xinfang.core.audit import audit_record
from xinfang.core.errors import ConflictError, InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, may, may_hold_api_key

KEY_PREFIX = "xf_"
PREFIX_SHOWN = 10


def is_portal_account(user: User) -> bool:
    """网上信访平台: the portal's own hand, a registrar at the tree's root (sees everything)."""
    from xinfang.portal.services import PORTAL_USERNAME

    return user.username == PORTAL_USERNAME


def _may_manage(actor: Actor) -> bool:
    return may(actor, Action.MANAGE_USERS)


@transaction.atomic
def token_create(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw key is returned once and never stored."""
    if not _may_manage(actor):
        raise PermissionRefusedError("只有系统管理员可以签发接口令牌")
    name = (name or "").strip()
    if not name:
        raise InputError("请填写令牌名称（例如对接的系统名）", field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise InputError("令牌名称不能超过100个字符", field="name")
    if not user.is_active:
        raise InputError(f"账号“{user.username}”已停用，不能签发令牌", field="user")
    if is_portal_account(user):
        raise InputError(
            "网上信访平台的系统账号只供门户自身使用（它能看到全部事项，含检举控告），"
            "不能签发接口令牌；请为对接的系统另建业务账号",
            field="user",
        )
    if not may_hold_api_key(user) or user.org_unit_id is None:
        raise InputError(
            f"账号“{user.username}”须是有角色和所属单位的业务账号（系统管理员不能使用接口）",
            field="user",
        )
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:PREFIX_SHOWN], key_hash=key_hash(raw)
    )
    audit_record(
        actor=actor,
        action="apitoken.create",
        obj=token,
        data={"user": user.username, "name": name, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if not _may_manage(actor):
        raise PermissionRefusedError("只有系统管理员可以吊销接口令牌")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ConflictError(
            f"令牌“{token}”已于{timezone.localtime(token.revoked_at):%Y-%m-%d %H:%M}吊销"
        )
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="apitoken.revoke",
        obj=token,
        data={"user": token.user.username, "name": token.name, "prefix": token.prefix},
    )
    return token

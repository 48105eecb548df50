"""API tokens: one or more per system account (a user with a role and a unit, like staff)."""

import hashlib

from django.conf import settings
from django.db import models


def key_hash(raw: str) -> str:
    """SHA-256 of a raw key: the only form a key is stored in."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    """A key a system account sends as `Authorization: Token <key>`; the raw key is never kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField("名称", max_length=100)
    # the first characters of the key, so that people can tell their keys apart
    prefix = models.CharField("密钥前缀", max_length=12, editable=False)
    key_hash = models.CharField("密钥摘要", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a token's account sent with a POST, and what that POST made: a retry
    with the same key gets the first answer, never a second registration."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    # SHA-256 of the request body: the same key with another body is refused, not answered
    fingerprint = models.CharField(max_length=64)
    registration = models.ForeignKey(
        "intake.Registration", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

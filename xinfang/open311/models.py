"""One row per service request created through Open311: which online submission it became, which
system account posted it, its Open311 token and the client's idempotency key."""

from django.conf import settings
from django.db import models


class Open311Request(models.Model):
    """An Open311 POST that became an online petition (the portal's submission and registration).

    Only matters with such a row are ever listed by the public GET methods.
    """

    submission = models.OneToOneField(
        "portal.PortalSubmission",
        verbose_name="网上信访提交",
        on_delete=models.PROTECT,
        related_name="open311_request",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        on_delete=models.PROTECT,
        related_name="+",
    )
    api_token = models.ForeignKey(
        "api.ApiToken", verbose_name="接口令牌", on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField("Open311令牌", max_length=32, unique=True)
    # SHA-256 of the client's Idempotency-Key header (empty: none sent), and of what it posted,
    # so that the same key with other content is refused rather than answered with the first
    client_key = models.CharField(max_length=64, blank=True, default="")
    request_hash = models.CharField(max_length=64)
    service_code = models.CharField("服务代码", max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Open311请求"
        verbose_name_plural = "Open311请求"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "client_key"],
                condition=~models.Q(client_key=""),
                name="open311_client_key_once_per_account",
            )
        ]

    def __str__(self) -> str:
        return self.token

"""The audit history: one append-only row for every change, reveal and import."""

from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone

from xinfang.core import chain


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list["AuditEvent"]:
        """Many rows at once, chained in the order given (one lock, one read of the last hash)."""
        objs = list(objs)
        with transaction.atomic(using=self.db):
            chain.seal(objs, self.db)
            return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """Who did what to which object, when, from where. Rows are never updated or deleted (the
    database refuses it) and each carries a hash of its content and of the previous row's hash
    (core/chain.py)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    matter = models.ForeignKey(
        "intake.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, default="", editable=False)
    row_hash = models.CharField(max_length=64, default="", editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            chain.seal([self], using)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("audit events are append-only")


from xinfang.core.sequences import Sequence  # noqa: E402  (registered with the core app)

__all__ = ["AuditEvent", "Sequence"]

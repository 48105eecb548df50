"""Writing the audit history; every service that changes something calls `audit_record`."""

from typing import TYPE_CHECKING, Any

from django.db import models

from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor
    from xinfang.intake.models import Matter


def audit_record(
    *,
    actor: "Actor | None",
    action: str,
    obj: models.Model,
    matter: "Matter | None" = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """`actor`: the signed-in user, SYSTEM (the product by itself), or None for one with no
    account (a petitioner on the portal, a failed login); the row names only a user."""
    from xinfang.core.permissions import user_of

    return AuditEvent.objects.create(
        actor=user_of(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        matter=matter,
        data=data or {},
        ip=current_ip.get(),
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as {field: [old, new]} with values made JSON-safe."""
    return {
        key: [_plain(before.get(key)), _plain(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, models.Model):
        return str(value)
    return str(value)

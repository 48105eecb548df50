"""Searching for a person by ID number or phone: only those who may reveal personal data, and
each search logged like a reveal (personal_data.search) — with the masked number and a keyed hash
of it, never the number itself. A name search is open to every reader of matters.

A number is never put in an address either: the matter list takes it by POST (and pages on with
an opaque token kept in the session), the API by POST /api/v1/matters/search/, the registrar's
look-up by POST; a GET with a number in `person` is refused.
"""

import re
from typing import Any

from django.db import transaction

from xinfang.core.audit import audit_record
from xinfang.core.errors import PermissionRefusedError
from xinfang.core.masking import mask_id_number, mask_phone
from xinfang.core.permissions import Action, SystemActor, may
from xinfang.core.sealing import lookup_hash

ID_LIKE = re.compile(r"^\d{15,17}[\dXx]?$")
# a phone: digits with the separators people type
PHONE_LIKE = re.compile(r"^[\d\-+ ]{5,20}$")

REFUSED = "您没有按身份证号或电话查找的权限，请按姓名查找"
NOT_IN_ADDRESS = "身份证号和电话不能放在网址里查找：请在查询表单中输入后点“查询”（POST）"


def person_number_kind(text: str) -> str | None:
    """ "id_number" or "phone" when `text` is searched as one (xinfang.intake.selectors), else
    None (a name)."""
    value = text.strip()
    if ID_LIKE.match(value):
        return "id_number"
    if PHONE_LIKE.match(value):
        return "phone"
    return None


def keyed_hash(value: str) -> str:
    """A keyed hash of a number: the same number gives the same value, so searches can be
    compared (with each other and with the stored look-up index), but it cannot be read back or
    guessed offline. The one keyed hash of personal data: xinfang.core.sealing.lookup_hash."""
    return lookup_hash(value)


def person_search(*, actor: Any, text: str, where: str) -> bool:
    """Check a person search before it runs; True when it is by number (and was logged).

    Refuses (PermissionRefusedError) a search by number from a reader who may not reveal personal
    data — the same answer whether the number exists or not, since nothing has been looked up."""
    kind = person_number_kind(text)
    if kind is None:
        return False
    if not may(actor, Action.REVEAL_PERSONAL_DATA):
        raise PermissionRefusedError(REFUSED)
    value = text.strip().upper() if kind == "id_number" else text.strip().replace(" ", "")
    search_log(actor=actor, kind=kind, value=value, where=where)
    return True


def search_log(*, actor: Any, kind: str, value: str, where: str) -> None:
    """The audit row of one search by number ("id_number" or "phone"): who, where, the masked
    number and its keyed hash."""
    if isinstance(actor, SystemActor):
        return  # the system at the server's own console: no person searched
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="personal_data.search",
            obj=actor,
            data={
                "fields": [kind],
                "masked": mask_id_number(value) if kind == "id_number" else mask_phone(value),
                "hash": keyed_hash(value),
                "where": where,
            },
        )

"""Creating a service request: an Open311 POST becomes an online petition through the portal's
own `online_petition_submit` (same checks, same idempotency, same registration), posted under the
system account whose api_key was sent."""

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction

from xinfang.accounts.models import User
from xinfang.api.models import ApiToken
from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError
from xinfang.core.permissions import Action, may
from xinfang.intake.choices import Source
from xinfang.intake.models import Category
from xinfang.open311.models import Open311Request
from xinfang.open311.render import Open311Error
from xinfang.organisation.models import OrgUnit
from xinfang.portal.services import (
    PetitionInput,
    new_idempotency_key,
    online_petition_submit,
    secret_for,
)


@dataclass(frozen=True)
class RequestInput:
    """What an Open311 client posted, already parsed (views.py)."""

    service_code: str
    purpose: str
    description: str
    locality_code: str = ""
    name: str = ""
    phone: str = ""
    address_string: str = ""  # where the problem is; kept in the content, never as a position
    media_url: str = ""


@dataclass(frozen=True)
class Created:
    request: Open311Request
    query_code: str
    secret: str
    created: bool


KEY_REUSED = (
    "该 Idempotency-Key 已用于另一份内容不同的请求；重试时请原样重发，新的请求请换一个新的键"
)
# the portal's field names as the Open311 client knows them, to name them in refusals
PARAMETERS = {
    "purpose": "attribute[purpose]",
    "content": "description",
    "category": "service_code",
    "locality": "attribute[locality]",
    "name": "last_name / first_name",
    "phone": "phone",
    "address": "address_string",
}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def content_of(data: RequestInput) -> str:
    """The petition's text: the description, then where the problem is and the client's link."""
    parts = [data.description.strip()]
    if data.address_string.strip():
        parts.append(f"问题发生地点：{data.address_string.strip()}")
    if data.media_url.strip():
        parts.append(
            f"图片链接（Open311客户端提供，未下载，请核实后再打开）：{data.media_url.strip()}"
        )
    return "\n".join(parts)


def open311_request_create(
    *,
    actor: User,
    api_token: ApiToken,
    category: Category,
    locality: OrgUnit | None,
    data: RequestInput,
    idempotency_key: str = "",
) -> Created:
    """Register the request as an online petition (Channel.ONLINE, source 接口) and give its
    matter number and token. The same Idempotency-Key from the same account is the same request;
    with other content it is refused (409), since answering with the first would hide the second.
    """
    if not may(actor, Action.REGISTER):
        raise Open311Error(403, "该 api_key 所属账号没有登记信访事项的权限")
    request_hash = _hash(json.dumps(asdict(data), ensure_ascii=False, sort_keys=True))
    client_key = _hash(idempotency_key) if idempotency_key else ""
    if client_key:
        earlier = _earlier(actor, client_key, request_hash)
        if earlier is not None:
            return earlier
    # The portal's key space is shared with the portal's own forms: ours are namespaced by
    # account, so no outside client can repeat someone else's key and read its secret back.
    portal_key = (
        f"open311:{actor.pk}:{client_key}" if client_key else f"open311:{new_idempotency_key()}"
    )
    petition = PetitionInput(
        purpose=data.purpose,
        content=content_of(data),
        category=category,
        locality=locality,
        name=data.name,
        phone=data.phone,
    )
    try:
        with transaction.atomic():
            submission = online_petition_submit(
                data=petition, idempotency_key=portal_key, source=Source.API
            )
            if not submission.created:  # a racing twin with the same key committed first
                found = Open311Request.objects.get(submission=submission.record)
                if found.request_hash != request_hash:
                    raise Open311Error(409, KEY_REUSED)
                return Created(found, submission.query_code, submission.secret, created=False)
            request = Open311Request.objects.create(
                submission=submission.record,
                account=actor,
                api_token=api_token,
                token=secrets.token_hex(16),
                client_key=client_key,
                request_hash=request_hash,
                service_code=data.service_code,
            )
            audit_record(
                actor=actor,
                action="open311.request_create",
                obj=request,
                matter=submission.matter,
                data={
                    "registration": submission.registration.number,
                    "service_code": data.service_code,
                    "api_token": api_token.prefix,
                    "idempotency_key": bool(client_key),
                },
            )
    except InputError as exc:
        where = PARAMETERS.get(exc.field or "", "")
        raise Open311Error(400, f"{where}：{exc.message}" if where else exc.message) from exc
    except IntegrityError:
        # a racing twin with the same key committed first: answer with it
        earlier = _earlier(actor, client_key, request_hash) if client_key else None
        if earlier is None:
            raise
        return earlier
    return Created(request, submission.query_code, submission.secret, created=True)


def _earlier(actor: User, client_key: str, request_hash: str) -> Created | None:
    found = (
        Open311Request.objects.select_related("submission")
        .filter(account=actor, client_key=client_key)
        .first()
    )
    if found is None:
        return None
    if found.request_hash != request_hash:
        raise Open311Error(409, KEY_REUSED)
    submission = found.submission
    return Created(
        found,
        submission.query_code,
        secret_for(submission.idempotency_key),
        created=False,
    )

"""Helpers for the document tests: a matter brought to a stage, issuing as a role, the templates."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from unittest.mock import patch

import pytest
from django.utils import timezone

from xinfang.documents.models import IssuedDocument
from xinfang.documents.services import document_issue
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Matter
from xinfang.organisation.models import OrgUnit
from xinfang.workflow import services as wf
from xinfang.workflow.supervision import supervision_raise

from .conftest import TZ, District, ensure_default_templates, register
from .workflow_support import fresh, step

DAY = date(2025, 8, 5)
ID_NUMBER = make_id_number("320101", date(1960, 5, 17), 123)
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _default_templates(db: None) -> None:
    """Import it into each document test module: every test there starts with the defaults."""
    ensure_default_templates()


def year() -> int:
    return timezone.localdate().year


def issue(district: District, who: str, matter: Matter, kind: str, **kwargs: Any) -> IssuedDocument:
    return document_issue(actor=district.users[who], matter=matter, kind=kind, **kwargs)


def issued(matter: Matter, kind: str) -> IssuedDocument:
    """The document the latest step of `kind` on `matter` issued (one per step)."""
    return IssuedDocument.objects.filter(matter=matter, kind=kind).latest("id")


def _on(
    service: Callable[..., Matter], who: str, **kwargs: Any
) -> Callable[[District, Matter], Matter]:
    return lambda d, m: step(service, m, d.users[who], on=DAY, **kwargs)


def _supervise(d: District, m: Matter) -> Matter:
    current = fresh(m)
    supervision_raise(
        actor=d.users["officer"],
        matter=current,
        version=current.version,
        level="district",
        reason="电梯故障多次反映未果",
        on=DAY,
    )
    return fresh(m)


ACCEPT = _on(wf.matter_accept, "officer")
ASSIGN = [
    lambda d, m: step(wf.matter_assign, m, d.users["officer"], unit=d.street_a, on=DAY),
]
RECEIVE = [*ASSIGN, _on(wf.assignment_receive, "street_a_staff")]
EXTEND = [
    *RECEIVE,
    _on(wf.extension_request, "street_a_staff", days=20, reason="需委托第三方检测电梯"),
    _on(wf.extension_decide, "leader", approve=True),
]
REPLY = [*EXTEND, _on(wf.reply_issue, "street_a_staff", outcome="supported")]
REVIEW = [
    *REPLY,
    _on(wf.reply_deliver, "registrar"),
    _on(wf.review_request, "registrar"),
    _on(wf.review_decide, "officer", outcome="not_supported"),
]
STAGES: dict[str, list[Callable[[District, Matter], Matter]]] = {
    "registered": [],
    "accepted": [ACCEPT],
    "declined": [_on(wf.matter_decline, "officer", reason="不属于信访受理范围")],
    "forwarded": [
        lambda d, m: step(wf.matter_forward, m, d.users["officer"], unit=d.housing, on=DAY)
    ],
    "assigned": ASSIGN,
    "received": RECEIVE,
    "extended": EXTEND,
    "replied": REPLY,
    "reviewed": REVIEW,
    "final": [
        *REVIEW,
        _on(wf.review_deliver, "registrar"),
        _on(wf.rereview_request, "registrar"),
        _on(wf.rereview_decide, "officer", outcome="not_supported"),
    ],
    "supervised": [ACCEPT, _supervise],
}


@contextmanager
def steps_without_documents() -> Iterator[None]:
    """Steps recorded as a ledger import (or a step before steps issued their documents) records
    them: no document, no number taken, so the test issues it by hand (补出具)."""
    with (
        patch("xinfang.workflow.services.step_document"),
        patch("xinfang.workflow.supervision.step_document"),
    ):
        yield


def at_stage(
    district: District,
    stage: str,
    *,
    content: str = "反映东风社区小区电梯长期故障",
    locality: OrgUnit | None = None,
    step_documents: bool = False,
) -> Matter:
    """A matter brought to `stage`; its steps issue their documents only with `step_documents`
    (else they are recorded as an import records them, and the test issues by hand)."""
    if not step_documents:
        with steps_without_documents():
            return at_stage(
                district, stage, content=content, locality=locality, step_documents=True
            )
    matter = register(
        district,
        locality=locality or district.street_a,
        name="王小明",
        id_number=ID_NUMBER if content == "反映东风社区小区电梯长期故障" else "",
        phone=PHONE,
        content=content,
        when=datetime(2025, 8, 1, 9, 0, tzinfo=TZ),
    )
    for move in STAGES[stage]:
        matter = move(district, matter)
    return fresh(matter)

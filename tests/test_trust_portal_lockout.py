"""Issue 13: the portal's lock is kept per query code AND client — a stranger's wrong secrets never
keep the petitioner out on their own device — and a code that does not exist answers exactly
like one that does: the same words, the same status, the same work (queries), to the fifth answer
and while locked."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import InputError
from xinfang.core.models import AuditEvent
from xinfang.portal import services as portal
from xinfang.portal.models import QueryLock

from .conftest import District
from .test_portal_services import petition

STRANGER, OWNER = "203.0.113.9", "198.51.100.20"
UNKNOWN = "ZZZZ9999"  # of the alphabet, but no submission has it


def _submit(district: District, key: str = "q" * 32) -> portal.Submission:
    return portal.online_petition_submit(data=petition(district), idempotency_key=key)


def _try(code: str, secret: str, client: str) -> tuple[str, str]:
    """(kind of answer, its words)."""
    try:
        portal.submission_verify(query_code=code, secret=secret, client=client)
    except portal.LockedError as exc:
        return "locked", exc.message
    except InputError as exc:
        return "wrong", exc.message
    return "open", ""


@pytest.mark.django_db
def test_a_strangers_wrong_secrets_do_not_lock_the_petitioner_out(district: District) -> None:
    result = _submit(district)
    answers = [_try(result.query_code, "WRONGSEC", STRANGER) for _ in range(portal.MAX_FAILURES)]
    assert [kind for kind, _ in answers] == ["wrong"] * 4 + ["locked"]
    # the stranger is kept out, even with the right secret ...
    assert _try(result.query_code, result.secret, STRANGER)[0] == "locked"
    # ... the petitioner on their own phone is not
    assert _try(result.query_code, result.secret, OWNER) == ("open", "")
    # and the stranger's lock is on this code only: another code from the same address counts anew
    other = _submit(district, key="r" * 32)
    assert _try(other.query_code, "WRONGSEC", STRANGER)[0] == "wrong"


@pytest.mark.django_db
def test_the_lock_lifts_after_its_minutes_and_the_right_secret_ends_the_count(
    district: District,
) -> None:
    result = _submit(district)
    for _ in range(portal.MAX_FAILURES):
        _try(result.query_code, "WRONGSEC", STRANGER)
    QueryLock.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _try(result.query_code, result.secret, STRANGER) == ("open", "")
    assert not QueryLock.objects.exists()
    # four wrong, one right, four wrong again: never five in a row, never locked
    for _ in range(portal.MAX_FAILURES - 1):
        _try(result.query_code, "WRONGSEC", OWNER)
    assert _try(result.query_code, result.secret, OWNER)[0] == "open"
    kinds = [_try(result.query_code, "WRONGSEC", OWNER)[0] for _ in range(portal.MAX_FAILURES - 1)]
    assert kinds == ["wrong"] * 4


@pytest.mark.django_db
def test_a_real_and_an_unknown_code_answer_alike_to_the_lock_and_after(district: District) -> None:
    result = _submit(district)
    real = [_try(result.query_code, "WRONGSEC", STRANGER) for _ in range(portal.MAX_FAILURES + 1)]
    unknown = [_try(UNKNOWN, "WRONGSEC", STRANGER) for _ in range(portal.MAX_FAILURES + 1)]
    assert real == unknown
    assert [kind for kind, _ in real] == ["wrong"] * 4 + ["locked", "locked"]
    assert real[0][1] == "查询码或查询密码不正确，请核对后重新输入"
    assert "连续输错5次" in real[4][1] and "15分钟" in real[4][1]
    # both locks are in the audit history; only the real one belongs to a matter
    locks = AuditEvent.objects.filter(action="portal.lockout")
    assert locks.count() == 2
    assert locks.filter(matter=result.matter).count() == 1


def _page(response: Any, code: str) -> str:
    """The page without what differs by nature: the code as typed, the form's CSRF token."""
    page = response.content.decode().replace(code, "<code>").replace(code.lower(), "<code>")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


@pytest.mark.django_db
def test_the_query_page_answers_a_real_and_an_unknown_code_with_the_same_page_and_work(
    district: District,
) -> None:
    result = _submit(district)
    for attempt in range(portal.MAX_FAILURES + 1):
        answers = []
        for code in (result.query_code, UNKNOWN):
            client = Client(REMOTE_ADDR=STRANGER)
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    reverse("portal:query"), {"query_code": code, "secret": "WRONGSEC"}
                )
            answers.append((response.status_code, _page(response, code), len(queries)))
        (real_status, real_page, real_work), (status, page, work) = answers
        assert real_status == status == 400, attempt
        assert real_page == page, attempt
        assert real_work == work, attempt  # the same queries: no shortcut for an unknown code
        words = "该查询码在本设备上已暂时锁定" if attempt >= portal.MAX_FAILURES - 1 else "不正确"
        assert words in page, attempt
    # the petitioner, elsewhere, opens their progress page
    owner = Client(REMOTE_ADDR=OWNER)
    response = owner.post(
        reverse("portal:query"), {"query_code": result.query_code, "secret": result.secret}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal:progress")


@pytest.mark.django_db
def test_housekeeping_forgets_old_unlocked_rows_and_keeps_live_locks(district: District) -> None:
    old = QueryLock.objects.create(key="a" * 64, failures=2)
    locked = QueryLock.objects.create(
        key="b" * 64, locked_until=timezone.now() + timedelta(minutes=5)
    )
    fresh = QueryLock.objects.create(key="c" * 64, failures=1)
    QueryLock.objects.filter(pk__in=[old.pk, locked.pk]).update(
        updated_at=timezone.now() - timedelta(days=2)
    )
    assert portal.query_locks_clear() == 1
    assert set(QueryLock.objects.values_list("pk", flat=True)) == {locked.pk, fresh.pk}

"""Documents on PostgreSQL: many people issuing at the same moment get consecutive numbers."""

import threading

import pytest
from django.db import connection, connections

from xinfang.core.errors import ConflictError
from xinfang.core.sequences import Sequence
from xinfang.documents.kinds import DocumentKind as K
from xinfang.documents.models import IssuedDocument
from xinfang.documents.services import document_issue

from .conftest import District
from .test_documents_support import at_stage, ensure_default_templates, year

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 30


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections are tested on PostgreSQL")


def test_thirty_issues_at_once_get_thirty_consecutive_numbers(district: District) -> None:
    _postgres_only()
    ensure_default_templates()
    officer = district.users["officer"]
    matters = [at_stage(district, "accepted") for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    failures: list[BaseException] = []

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            document = document_issue(actor=officer, matter=matters[index], kind=K.ACCEPT)
            numbers.append(document.number)
        except BaseException as exc:  # any failure is the test's failure, reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    expected = {f"示范信受〔{year()}〕{n}号" for n in range(1, THREADS + 1)}
    assert len(numbers) == THREADS and set(numbers) == expected
    stored = sorted(IssuedDocument.objects.values_list("sequence", flat=True))
    assert stored == list(range(1, THREADS + 1))
    assert Sequence.objects.get(key__startswith="document:").last == THREADS


def test_one_step_issued_at_once_by_many_gets_one_document(district: District) -> None:
    _postgres_only()
    ensure_default_templates()
    officer = district.users["officer"]
    matter = at_stage(district, "accepted")
    tries = 8
    barrier = threading.Barrier(tries)
    won: list[str] = []
    refused: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            won.append(document_issue(actor=officer, matter=matter, kind=K.ACCEPT).number)
        except ConflictError as exc:
            refused.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(tries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert won == [f"示范信受〔{year()}〕1号"]
    assert len(refused) == tries - 1 and all("请打印原件" in m for m in refused)
    assert IssuedDocument.objects.count() == 1
    assert Sequence.objects.get(key__startswith="document:").last == 1  # the refused took none

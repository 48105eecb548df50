"""The portal on PostgreSQL: the same submission sent twice at once (a double click, a retry that
overtakes the first request) is one matter; two evaluations at once on one page, one wins."""

import threading
from contextvars import copy_context
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection, connections

from xinfang.core.errors import ConflictError
from xinfang.intake.choices import Evaluation, Purpose
from xinfang.intake.models import Category, Matter, Registration
from xinfang.portal import services as portal
from xinfang.portal.models import PortalSubmission
from xinfang.workflow import services as wf

from .conftest import TZ, District
from .test_documents_support import ensure_default_templates

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")


def at_once(n: int, work: Any) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(n, timeout=60)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            value = work()
            with lock:
                results.append(value)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    # each thread in the test's context: its steps are the suite's history too (conftest)
    threads = [threading.Thread(target=copy_context().run, args=(run,)) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_one_key_sent_at_once_is_one_matter(district: District) -> None:
    postgres_only()
    portal.portal_actor()  # the account exists before the race, as after the first petition
    key = portal.new_idempotency_key()
    data = portal.PetitionInput(
        purpose=Purpose.REQUEST,
        content="小区东门路灯坏了三个月，夜间出行很不方便，请尽快修复。",
        category=Category.objects.get(name="物业管理"),
        locality=district.street_a,
        name="李华",
        phone="13912345678",
    )
    results, errors = at_once(
        THREADS, lambda: portal.online_petition_submit(data=data, idempotency_key=key)
    )
    assert errors == []
    assert len(results) == THREADS
    assert sum(1 for r in results if r.created) == 1
    assert {(r.matter.pk, r.query_code, r.secret) for r in results} == {
        (results[0].matter.pk, results[0].query_code, results[0].secret)
    }
    assert Matter.objects.count() == Registration.objects.count() == 1
    assert PortalSubmission.objects.count() == 1


def test_two_evaluations_from_one_page_at_once(district: District) -> None:
    postgres_only()
    ensure_default_templates()  # a transactional test's flush removed what migrations loaded
    received = portal.PetitionInput(
        purpose=Purpose.REQUEST,
        content="小区东门路灯坏了三个月，夜间出行很不方便，请尽快修复。",
        category=Category.objects.get(name="物业管理"),
        locality=district.street_a,
        name="李华",
        phone="13912345678",
        received_at=datetime(2025, 8, 1, 10, tzinfo=TZ),
    )
    result = portal.online_petition_submit(
        data=received, idempotency_key=portal.new_idempotency_key()
    )
    officer, day = district.users["officer"], date(2025, 8, 5)
    m = wf.matter_accept(actor=officer, matter=result.matter, version=result.matter.version, on=day)
    m = wf.reply_issue(actor=officer, matter=m, version=m.version, outcome="supported", on=day)
    # the reply issued its 处理意见书 in the same act
    m = portal.opinion_open(record=result.record, on=date(2025, 8, 6))
    seen = m.version
    choices = iter([Evaluation.SATISFIED, Evaluation.DISSATISFIED] * THREADS)
    lock = threading.Lock()

    def evaluate() -> str:
        with lock:
            choice = next(choices)
        portal.evaluation_submit(
            record=result.record, version=seen, evaluation=choice, on=date(2025, 8, 7)
        )
        return choice

    won, errors = at_once(2, evaluate)
    assert len(won) == 1
    assert len(errors) == 1 and isinstance(errors[0], ConflictError)
    assert "请查看最新进度后重试" in errors[0].message
    assert Matter.objects.get(pk=m.pk).evaluation == won[0]

"""Issue 13, item 5: history that cannot be rewritten — append-only audit rows, a hash chain,
`xinfang audit verify`, the daily anchor, and admin resets of passwords in the history."""

import hashlib
import hmac
import itertools
import logging
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client

from tests.conftest import PASSWORD, District
from xinfang.core import chain, sealing
from xinfang.core.apps import _keep_audit_triggers
from xinfang.core.audit import audit_record
from xinfang.core.models import AuditEvent


def _three(district: District) -> list[AuditEvent]:
    unit = district.street_a
    return [
        audit_record(actor=district.users["admin"], action=f"test.step{n}", obj=unit, data={"n": n})
        for n in (1, 2, 3)
    ]


def _refused(run: Any) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        run()
    return str(caught.value)


@pytest.mark.django_db
def test_the_database_refuses_to_update_an_audit_row(district: District) -> None:
    first = _three(district)[0]
    message = _refused(lambda: AuditEvent.objects.filter(pk=first.pk).update(action="x.forged"))
    assert "只能追加" in message
    assert AuditEvent.objects.get(pk=first.pk).action == "test.step1"


@pytest.mark.django_db
def test_the_database_refuses_to_delete_an_audit_row(district: District) -> None:
    first = _three(district)[0]
    assert "只能追加" in _refused(lambda: AuditEvent.objects.filter(pk=first.pk).delete())
    assert AuditEvent.objects.filter(action__startswith="test.").count() == 3


@pytest.mark.django_db
def test_raw_sql_is_refused_too(district: District) -> None:
    first = _three(district)[0]

    def raw(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    _refused(lambda: raw(f"UPDATE core_auditevent SET data = '{{}}' WHERE id = {first.pk}"))
    _refused(lambda: raw("DELETE FROM core_auditevent"))
    if connection.vendor == "postgresql":
        _refused(lambda: raw("TRUNCATE core_auditevent CASCADE"))
    assert AuditEvent.objects.filter(action__startswith="test.").count() == 3


@pytest.mark.django_db
def test_each_row_links_to_the_one_before(district: District) -> None:
    before = AuditEvent.objects.order_by("id").last()  # the fixture's own rows come first
    one, two, three = _three(district)
    assert one.prev_hash == (before.row_hash if before else "")
    assert two.prev_hash == one.row_hash and three.prev_hash == two.row_hash
    assert len({one.row_hash, two.row_hash, three.row_hash}) == 3
    assert all(len(e.row_hash) == 64 for e in (one, two, three))
    checked = chain.verify()
    assert checked.broken is None
    assert checked.last_id == three.pk and checked.last_hash == three.row_hash


@pytest.mark.django_db
def test_a_bulk_insert_is_chained_in_order(district: District) -> None:
    unit = district.street_b
    made = AuditEvent.objects.bulk_create(
        [
            AuditEvent(action="test.bulk", object_type="x", object_id=str(n), data={"n": n})
            for n in range(5)
        ]
    )
    for earlier, later in itertools.pairwise(made):
        assert later.prev_hash == earlier.row_hash
    # through another database alias's queryset too (QuerySet.bulk_create, not the manager's)
    AuditEvent.objects.using("default").bulk_create(
        [AuditEvent(action="test.bulk", object_type="x", object_id="q")]
    )
    audit_record(actor=None, action="test.after", obj=unit)
    assert chain.verify().broken is None


def _tamper(sql: str, params: list[Any]) -> None:
    """What a superuser with psql can do: drop the guard, change a row, put the guard back."""
    chain.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    chain.install(connection)


@pytest.mark.django_db
def test_verify_names_a_changed_row(district: District) -> None:
    two = _three(district)[1]
    _tamper("UPDATE core_auditevent SET action = %s WHERE id = %s", ["test.forged", two.pk])
    broken = chain.verify().broken
    assert broken is not None and broken.id == two.pk
    assert "内容与其哈希不符" in broken.reason
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert f"第 {two.pk} 号" in str(caught.value)


@pytest.mark.django_db
def test_verify_names_the_row_after_a_removed_one(district: District) -> None:
    _one, two, three = _three(district)
    _tamper("DELETE FROM core_auditevent WHERE id = %s", [two.pk])
    broken = chain.verify().broken
    assert broken is not None and broken.id == three.pk
    assert "前一条" in broken.reason


@pytest.mark.django_db
def test_verify_on_a_whole_chain_says_it_holds(district: District, capsys: Any) -> None:
    three = _three(district)[2]
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "审计链完好" in out and f"最新记录 {three.pk}" in out


@pytest.mark.django_db
def test_the_daily_anchor_writes_the_latest_hash_to_the_log(
    district: District, caplog: pytest.LogCaptureFixture
) -> None:
    three = _three(district)[2]
    with caplog.at_level(logging.INFO, logger="xinfang.audit"):
        assert chain.anchor() == (three.pk, three.row_hash)
    assert three.row_hash in caplog.text and "审计链锚点" in caplog.text


@pytest.mark.django_db
def test_post_migrate_puts_lost_triggers_back(district: District) -> None:
    chain.uninstall(connection)  # what SQLite does to a table a migration rebuilds
    assert not chain.installed(connection)
    _keep_audit_triggers(sender=None, using="default")  # type: ignore[arg-type]
    assert chain.installed(connection)


@pytest.mark.django_db(transaction=True)
def test_the_flush_between_transactional_tests_may_empty_the_table(district: District) -> None:
    _three(district)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    # and the guard is back for everyone else: a row delete is refused again
    audit_record(actor=None, action="test.again", obj=district.street_a)
    assert "只能追加" in _refused(lambda: AuditEvent.objects.all().delete())


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(district: District) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    unit = district.street_a
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    audit_record(actor=None, action="test.race", obj=unit, data={"w": n, "i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert AuditEvent.objects.filter(action="test.race").count() == 40
    assert chain.verify().broken is None
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))  # no two rows claim the same predecessor


@pytest.mark.django_db
def test_an_admin_reset_of_a_password_is_in_the_history(district: District) -> None:
    client = Client()
    assert client.login(username="admin", password=PASSWORD)
    clerk = district.users["registrar"]
    response = client.post(
        f"/manage/accounts/user/{clerk.pk}/password/",
        {"password1": "Another-Pass-4821", "password2": "Another-Pass-4821"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="user.password_reset")
    assert event.actor == district.users["admin"]
    assert event.object_id == str(clerk.pk)
    assert "Another-Pass-4821" not in str(event.data)
    assert chain.verify().broken is None


def _rehash(from_id: int, link: Any) -> None:
    """What a superuser with psql and this code, but not the key, can do after changing a row:
    drop the guard, compute every hash again from that row on, put the guard back."""
    chain.uninstall(connection)
    prev = ""
    with connection.cursor() as cursor:
        for event in AuditEvent.objects.order_by("id"):
            if event.pk >= from_id:
                row_hash = link(prev, chain._content_of(event))
                cursor.execute(
                    "UPDATE core_auditevent SET prev_hash = %s, row_hash = %s WHERE id = %s",
                    [prev, row_hash, event.pk],
                )
                prev = row_hash
            else:
                prev = event.row_hash
    chain.install(connection)


@pytest.mark.django_db
def test_verify_names_a_changed_row_even_after_the_chain_is_rehashed_from_it(
    district: District,
) -> None:
    """The hashes are keyed (HMAC): a re-hash without the key, in the plain SHA-256 of the first
    scheme, shows at the changed row, and so does one with a guessed key."""
    two = _three(district)[1]
    _tamper("UPDATE core_auditevent SET action = %s WHERE id = %s", ["test.forged", two.pk])
    _rehash(two.pk, chain.plain_link)
    broken = chain.verify().broken
    assert broken is not None and broken.id == two.pk and broken.action == "test.forged"
    assert "重新计算过哈希" in broken.reason
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert f"第 {two.pk} 号" in str(caught.value)

    _rehash(two.pk, lambda prev, text: chain.link(prev, text, b"guessed-key" * 3))
    broken = chain.verify().broken
    assert broken is not None and broken.id == two.pk and "内容与其哈希不符" in broken.reason


@pytest.mark.django_db
def test_a_chain_rehashed_whole_without_the_key_does_not_hold(district: District) -> None:
    _three(district)
    first = AuditEvent.objects.order_by("id").first()
    assert first is not None
    _rehash(first.pk, chain.plain_link)
    broken = chain.verify().broken
    assert broken is not None and broken.id == first.pk
    assert "没有一条有密钥的记录" in broken.reason


@pytest.mark.django_db
def test_an_older_plain_chain_keeps_verifying_once_keyed(district: District) -> None:
    """An install upgraded from the plain chain: its rows keep their SHA-256 hashes; the
    migration ends the chain with a keyed row; new rows are keyed; the chain holds. Re-hashing
    it whole without the key after that does not."""
    _three(district)
    first = AuditEvent.objects.order_by("id").first()
    assert first is not None
    _rehash(first.pk, chain.plain_link)  # the chain as the first scheme wrote it
    chain.keyed_mark(connection, AuditEvent)
    mark = AuditEvent.objects.order_by("id").last()
    assert mark is not None and mark.action == "audit.chain_keyed"
    audit_record(actor=None, action="test.after", obj=district.street_a)
    checked = chain.verify()
    assert checked.broken is None and checked.rows == AuditEvent.objects.count()

    _rehash(first.pk, chain.plain_link)
    broken = chain.verify().broken
    assert broken is not None and "没有一条有密钥的记录" in broken.reason


@pytest.mark.django_db
def test_the_chain_is_keyed_by_the_audit_key(district: District, settings: Any) -> None:
    one = _three(district)[0]
    content = chain._content_of(AuditEvent.objects.get(pk=one.pk))
    key = sealing.audit_key()
    expected = hmac.new(key, f"{one.prev_hash}\n{content}".encode(), hashlib.sha256).hexdigest()
    assert one.row_hash == expected
    # a key of its own from the environment: the chain written under another one does not hold
    settings.XINFANG_AUDIT_KEY = sealing.new_key()
    broken = chain.verify().broken
    assert broken is not None and "XINFANG_AUDIT_KEY" in broken.reason

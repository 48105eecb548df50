"""A bulk ledger import (analytics.summary.BULK_ROWS new registrations or more) brings the word
index up to date once at the end instead of row by row (intake.word_index.bulk_insert), and one of
more than REINDEX_ABOVE matters queues the similar-matters index's whole rebuild for when it
commits (intake.tasks.reindex_similar): afterwards both answer as after a small import, row by
row; the triggers and the index are back; a failed import leaves nothing and queues nothing.

Each test runs twice: "rows" keeps the row-by-row path (the default thresholds, far above these
ledgers), "bulk" lowers the thresholds so the same ledgers take the bulk path."""

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.db import connection

from tests.conftest import TZ, District, register
from tests.ledger_rows import row, write_csv
from xinfang.analytics import summary
from xinfang.core.permissions import SYSTEM
from xinfang.intake import selectors, word_index, word_search
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Registration
from xinfang.intake.similar import index as similar_index
from xinfang.intake.similar.lookup import Probe, similar_matters
from xinfang.intake.word_index import HasGrams

pytestmark = pytest.mark.django_db

WAGES = "东风社区华美建筑公司拖欠农民工工资八万元，我们多次讨要未果，要求尽快支付。"
WAGES_AGAIN = "我们多次讨要末果：华美建筑公司欠农民工工钱８万元，年底了还不给，请尽快支付。"
FILLER = [
    "反映小区物业管理问题，要求物业公司整改。",
    "建议增设公交线路，方便居民出行。",
    "反映道路施工噪音扰民，夜间仍在施工。",
    "征地补偿款未到位，要求依法补偿。",
    "老旧小区改造进度缓慢，雨天漏水严重。",
]
# The registrations that hold a word, by hand: 登记编号 DJ00..DJ29 of the first ledger.
SPECIAL = {
    3: "反映地铁站施工夜间扰民。",
    5: "小区电梯多次故障，要求更换。",
    9: WAGES,
    12: "小区ETC道闸收费问题。",
    17: "地铁三号线工地噪音；要求限时施工。",
}
WORDS = {
    "地铁": {"DJ03", "DJ17"},
    "梯": {"DJ05"},
    "拖欠": {"DJ09"},
    "etc": {"DJ12"},  # the index folds ASCII letters to lower case
    "物业": {f"DJ{i:02d}" for i in (0, 10, 15, 20, 25)},  # FILLER[0], less 5 (SPECIAL)
    "火车": set(),
}


def _content(i: int) -> str:
    return SPECIAL.get(i, FILLER[i % len(FILLER)])


def _ledger(path: Path, numbers: range, *, prefix: str = "DJ") -> Path:
    rows = [
        row(
            登记编号=f"{prefix}{i:02d}",
            事项编号=f"S{prefix}{i:02d}",
            登记日期=f"2024-03-{i % 28 + 1:02d}",
            问题属地="东风街道",
            反映内容=_content(i),
        )
        for i in numbers
    ]
    return write_csv(path, rows)


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(params=["rows", "bulk"])
def bulk(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, settings: LazySettings
) -> bool:
    if request.param == "bulk":
        monkeypatch.setattr(summary, "BULK_ROWS", 20)
        monkeypatch.setattr(similar_index, "REINDEX_ABOVE", 10)
        settings.TASKS = IMMEDIATE  # the queued re-index runs as the import commits
        monkeypatch.setattr(word_index, "FILL_BATCH", 7)  # tokenised beside (core.beside)
    return request.param == "bulk"


def _import(path: Path, capture: Any) -> None:
    """ledger_import, its transaction's on-commit work run as a commit runs it."""
    with capture(execute=True):
        ledger_import(actor=SYSTEM, path=path)


def _indexed(word: str) -> set[str]:
    """The registrations the word index alone says may hold `word`, by 登记编号."""
    return set(Registration.objects.filter(HasGrams(word)).values_list("number", flat=True))


def _found(word: str, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The matters the list's word search finds, through the index (no walk)."""
    monkeypatch.setattr(word_search, "WALK", 0)
    monkeypatch.setattr(word_search, "COUNT_WALK", 0)
    page = selectors.matter_page(actor=SYSTEM, filters=selectors.MatterFilters(words=word))
    return {m.number for m in page.rows}


def _fts_intact() -> None:
    """SQLite: FTS5's own check that the index holds exactly the grams of every row."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            fts = word_index.FTS
            # rank 1: against the content too (each row's grams as the delete trigger gives them)
            cursor.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")


def _table_indexes() -> set[tuple[str, str]]:
    """The indexes of the tables a ledger import fills (SQLite sets them aside while it fills a
    table it at least doubles: intake.ledger.bulk.sqlite_indexes_set_aside)."""
    tables = ["intake_petitioner", "intake_matter", "intake_registration", "intake_similargram"]
    marks = ", ".join("%s" for _ in tables)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name IN ({marks})",
                tables,
            )
        else:
            cursor.execute(
                f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({marks})", tables
            )
        found = {(name, sql or "") for name, sql in cursor.fetchall()}
    assert len(found) > 20, found  # the tables' own indexes, not an empty answer
    return found


def _sketches() -> set[tuple[int, int]]:
    return similar_index.kept_pairs()  # the posting lists and the desk's rows together


def _assert_indexes_answer(monkeypatch: pytest.MonkeyPatch, *, extra: dict[str, set[str]]) -> None:
    for word, numbers in WORDS.items():
        expected = numbers | extra.get(word, set())
        assert _indexed(word) == expected, word
        assert _found(word, monkeypatch) == {f"S{n}" for n in expected}, word
    _fts_intact()
    # the sketches are what the row-by-row path computes for each matter with these weights
    kept = _sketches()
    matters = set(Registration.objects.values_list("matter_id", flat=True))
    assert {matter for matter, _ in kept} == matters
    monkeypatch.setattr(similar_index, "REINDEX_ABOVE", 10**9)
    similar_index.index_matters(matters)
    assert _sketches() == kept


def test_bulk_import_indexes_as_rows_do_and_puts_the_triggers_back(
    district: District,
    tmp_path: Path,
    bulk: bool,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert Registration.objects.count() == 0
    indexes = _table_indexes()
    _import(_ledger(tmp_path / "a.csv", range(30)), django_capture_on_commit_callbacks)
    assert Registration.objects.count() == 30
    assert _table_indexes() == indexes
    _assert_indexes_answer(monkeypatch, extra={})
    found = similar_matters(actor=SYSTEM, probe=Probe(content=WAGES_AGAIN), top=3)
    assert [m.matter.number for m in found] == ["SDJ09"]
    assert word_index.installed(connection) and summary.installed(connection)
    if bulk:
        monkeypatch.setattr(summary, "BULK_ROWS", 20)
        monkeypatch.setattr(similar_index, "REINDEX_ABOVE", 10)

    # a second bulk import into a table that holds rows (PostgreSQL then keeps its index)
    _import(_ledger(tmp_path / "b.csv", range(25), prefix="EJ"), django_capture_on_commit_callbacks)
    second = {"地铁": {"EJ03", "EJ17"}, "梯": {"EJ05"}, "拖欠": {"EJ09"}, "etc": {"EJ12"}}
    second["物业"] = {f"EJ{i:02d}" for i in (0, 10, 15, 20)}
    _assert_indexes_answer(monkeypatch, extra=second)
    assert word_index.installed(connection) and summary.installed(connection)
    assert _table_indexes() == indexes

    # the triggers are back: a registration at the desk is indexed as it is written
    matter = register(
        district,
        locality=district.street_a,
        content="再次反映地铁施工",
        when=datetime(2024, 3, 8, 9, 30, tzinfo=TZ),
    )
    desk = Registration.objects.get(matter=matter)
    assert desk.number in _indexed("地铁")
    Registration.objects.filter(pk=desk.pk).update(content="反映火车站施工")
    assert desk.number in _indexed("火车") and desk.number not in _indexed("地铁")
    _fts_intact()


def test_a_failed_bulk_import_leaves_the_indexes_as_they_were(
    district: District,
    tmp_path: Path,
    bulk: bool,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ledger_import(actor=SYSTEM, path=_ledger(tmp_path / "a.csv", range(8), prefix="FJ"))
    words = {word: _indexed(word) for word in WORDS}
    sketches = _sketches()
    assert words["地铁"] == {"FJ03"} and len({matter for matter, _ in sketches}) == 8

    import xinfang.leaders.ledger

    def fail() -> None:  # the last step of the import's transaction
        raise RuntimeError("stopped")

    monkeypatch.setattr(xinfang.leaders.ledger, "packages_from_ledger", fail)
    indexes = _table_indexes()
    with (
        django_capture_on_commit_callbacks() as queued,
        pytest.raises(RuntimeError, match="stopped"),
    ):
        ledger_import(actor=SYSTEM, path=_ledger(tmp_path / "b.csv", range(30)))
    assert queued == []  # no re-index queued for what was not written
    assert Registration.objects.count() == 8
    assert _table_indexes() == indexes
    assert {word: _indexed(word) for word in WORDS} == words
    assert _sketches() == sketches
    _fts_intact()
    assert word_index.installed(connection) and summary.installed(connection)
    matter = register(
        district, locality=district.street_a, content="地铁", when=datetime(2024, 3, 8, tzinfo=TZ)
    )
    assert _indexed("地铁") == {"FJ03", Registration.objects.get(matter=matter).number}


@pytest.mark.django_db(transaction=True)
def test_a_big_import_leaves_the_similar_index_to_the_worker(
    district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More than REINDEX_ABOVE matters: the import commits without the new matters' sketches and
    says so; the database worker then rebuilds the index whole, and the look-up finds them."""
    monkeypatch.setattr(similar_index, "REINDEX_ABOVE", 10)
    done = ledger_import(actor=SYSTEM, path=_ledger(tmp_path / "a.csv", range(30)))
    assert done.similar_later and "相似事项索引已交后台任务重建" in done.text()
    assert Registration.objects.count() == 30 and _sketches() == set()
    assert similar_matters(actor=SYSTEM, probe=Probe(content=WAGES_AGAIN), top=3) == []
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    matters = set(Registration.objects.values_list("matter_id", flat=True))
    assert {matter for matter, _ in _sketches()} == matters and len(matters) == 30
    found = similar_matters(actor=SYSTEM, probe=Probe(content=WAGES_AGAIN), top=3)
    assert [m.matter.number for m in found] == ["SDJ09"]
    small = ledger_import(actor=SYSTEM, path=_ledger(tmp_path / "b.csv", range(3), prefix="GJ"))
    assert not small.similar_later and "后台" not in small.text()

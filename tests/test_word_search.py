"""Words of the content in the staff list, through the word index (intake.grams, word_index,
word_search): one- and two-character words, absent words, both ways of finding them, the index
kept current by every write, and the excerpt that marks where a word was found."""

import random
from datetime import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import TZ, District, register
from tests.ledger_rows import row, write_csv
from tests.test_views_matters import LIST, listed, names
from tests.views_support import Matters, client_for, make_matters
from xinfang.core.permissions import SYSTEM
from xinfang.intake import grams, selectors, word_index, word_search
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Registration
from xinfang.intake.word_index import HasGrams


@pytest.fixture
def matters(district: District) -> Matters:
    return make_matters(district)


@pytest.fixture(params=["walk", "index"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every search both ways: each matter looked into (a walk longer than the list), or the
    word index asked at once (a walk of none)."""
    walk = 10**6 if request.param == "walk" else 0
    monkeypatch.setattr(word_search, "WALK", walk)
    monkeypatch.setattr(word_search, "COUNT_WALK", walk)
    return str(request.param)


# --- the tokeniser -----------------------------------------------------------------------------


def test_grams_are_every_character_and_pair() -> None:
    assert grams.grams("拆迁房") == ["拆", "迁", "房", "拆迁", "迁房"]
    assert grams.grams("ETC道闸") == ["e", "t", "c", "道", "闸", "et", "tc", "c道", "道闸"]
    assert grams.grams("") == []
    assert grams.query_grams("梯") == ["梯"]
    assert grams.query_grams("有关部门") == ["有关", "关部", "部门"]
    assert grams.query_grams("哈哈哈") == ["哈哈"]
    assert grams.fts_query("地铁") == '"地铁"'
    # nothing the FTS5 table holds (its tokens have no ASCII punctuation): searched without it
    assert grams.fts_query("a-b") is None
    assert grams.gram_text("a-b") == "a b"


@pytest.mark.django_db
def test_postgresql_computes_the_same_grams() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the SQL function is PostgreSQL's")
    texts = [
        "反映小区ETC道闸收费问题",
        "电话：138 1234 5678，\n地址：东风路1号 Ｘ（全角）",
        "😀表情与组合字符é",
        "AbC abc",
        "",
        "单",
    ]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(f"SELECT {grams.GRAMS_FUNCTION}(%s)", [text])
            assert sorted(cursor.fetchone()[0]) == sorted(grams.grams(text)), text


# --- finding words -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("梯", ["street_a"]),  # one character
        ("拆迁", ["housing"]),  # two
        ("地铁", []),  # absent
        ("社区电", []),  # its pairs 社区 and 区电 are both in 东风社区小区电梯, the word is not
        ("社区小区", ["street_a"]),
        ("西湖街道 拆迁", ["housing"]),
        ("西湖 电梯", []),  # each word in a different matter
        ("反映", ["unplaced", "housing", "street_b", "street_a"]),
    ],
)
def test_words_found_both_ways(
    district: District, matters: Matters, way: str, words: str, expected: list[str]
) -> None:
    assert listed(client_for(district, "officer"), words=words) == names(matters, *expected)


@pytest.mark.django_db
def test_accusations_stay_hidden_from_the_accused_unit(
    district: District, matters: Matters, way: str
) -> None:
    assert listed(client_for(district, "street_a_staff"), words="检举") == []
    assert listed(client_for(district, "street_a_staff"), words="干部") == []
    found = listed(client_for(district, "discipline_staff"), words="干部")
    assert found == [matters.accusation.number]


@pytest.mark.django_db
@pytest.mark.parametrize(("walk", "count_walk"), [(0, 0), (1, 1), (2, 3), (3, 10), (99, 99)])
def test_pages_and_count_whatever_the_walk(
    district: District,
    matters: Matters,
    walk: int,
    count_walk: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(word_search, "WALK", walk)
    monkeypatch.setattr(word_search, "COUNT_WALK", count_walk)
    officer = district.users["officer"]
    filters = selectors.MatterFilters(words="反映")
    first = selectors.matter_page(actor=officer, filters=filters, size=2)
    assert first.rows == [matters.unplaced, matters.housing]
    assert (first.total, first.total_capped) == (4, False)
    second = selectors.matter_page(actor=officer, filters=filters, size=2, after=first.next_cursor)
    assert second.rows == [matters.street_b, matters.street_a]
    assert second.next_cursor is None
    back = selectors.matter_page(actor=officer, filters=filters, size=2, before=second.prev_cursor)
    assert back.rows == [matters.unplaced, matters.housing]
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    capped = selectors.matter_page(actor=officer, filters=filters, size=2)
    assert (capped.total, capped.total_capped) == (3, True)


# --- the index kept current ----------------------------------------------------------------------


def _indexed(word: str) -> set[int]:
    """The registrations the index alone says may hold `word`."""
    return set(Registration.objects.filter(HasGrams(word)).values_list("pk", flat=True))


@pytest.mark.django_db
def test_index_follows_every_write(district: District, matters: Matters) -> None:
    reg = Registration.objects.get(matter=matters.street_b)
    assert _indexed("施工") == {reg.pk}
    assert _indexed("地铁") == set()
    Registration.objects.filter(pk=reg.pk).update(content="反映地铁站施工")
    assert _indexed("地铁") == {reg.pk}
    assert _indexed("扰民") == set()
    assert listed(client_for(district, "officer"), words="地铁") == [matters.street_b.number]
    # a repeat registration of another matter brings the word to that matter too
    register(
        district,
        locality=district.street_b,
        matter=matters.housing,
        content="再次反映地铁施工",
        when=datetime(2026, 3, 8, 9, 30, tzinfo=TZ),
    )
    assert listed(client_for(district, "officer"), words="地铁") == names(
        matters, "housing", "street_b"
    )
    Registration.objects.filter(pk=reg.pk).delete()
    assert reg.pk not in _indexed("地铁")


@pytest.mark.django_db
def test_index_follows_the_ledger_import(district: District, tmp_path: Path) -> None:
    content = "反映地铁施工夜间扰民"
    rows = [row(登记编号="DJ1", 事项编号="SX1", 问题属地="东风街道", 反映内容=content)]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "ledger.csv", rows))
    imported = Registration.objects.get(number="DJ1")
    assert _indexed("地铁") == {imported.pk}
    found = selectors.matter_page(actor=SYSTEM, filters=selectors.MatterFilters(words="地铁"))
    assert [m.number for m in found.rows] == ["SX1"]
    rows = [row(登记编号="DJ1", 事项编号="SX1", 问题属地="东风街道", 反映内容="反映公交改线")]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "again.csv", rows), update=True)
    assert _indexed("地铁") == set()
    assert _indexed("改线") == {imported.pk}


@pytest.mark.django_db
def test_index_is_whole_after_migrations() -> None:
    assert word_index.installed(connection)
    if connection.vendor == "sqlite":  # a table rebuilt by a migration loses its triggers
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER intake_grams_ins")
        assert not word_index.installed(connection)
        from xinfang.intake.apps import _keep_word_index

        _keep_word_index(sender=None)  # type: ignore[arg-type]
        assert word_index.installed(connection)


# --- the excerpt ---------------------------------------------------------------------------------


def _excerpts(client: Client, words: str) -> list[str]:
    body = client.get(LIST, {"words": words}).content.decode().split("<tbody>")[-1]
    return [part.split("</div>")[0] for part in body.split('<div class="clamp snippet">')[1:]]


@pytest.mark.django_db
def test_excerpt_marks_the_word_and_escapes_the_rest(district: District) -> None:
    register(
        district,
        locality=district.street_a,
        content="前面的话" * 10 + "<b>拆迁</b>补偿 & 安置，拆迁户要求公开",
    )
    (excerpt,) = _excerpts(client_for(district, "officer"), "拆迁")
    assert excerpt.startswith("…")  # cut before the first hit
    assert "&lt;b&gt;<mark>拆迁</mark>&lt;/b&gt;补偿 &amp; 安置，<mark>拆迁</mark>户" in excerpt
    assert "<b>" not in excerpt


@pytest.mark.django_db
def test_excerpt_masks_numbers_before_marking(district: District) -> None:
    register(district, locality=district.street_a, content="请回电13812345678联系张先生")
    leader = client_for(district, "leader")  # may not reveal personal data
    assert _excerpts(leader, "78联系") == ["请回电138****56<mark>78联系</mark>张先生"]
    # only in the hidden digits: not found at all (it would tell what they hide)
    assert _excerpts(leader, "23") == []
    officer = client_for(district, "officer")  # may reveal
    assert _excerpts(officer, "23") == ["请回电1381<mark>23</mark>45678联系张先生"]


def test_gram_text_is_the_grams_fts5_keeps() -> None:
    """gram_text (computed run by run for speed: SQLite calls it for every registration written)
    is the grams of the text that FTS5's 'ascii' tokeniser keeps whole, joined by spaces."""
    assert grams.gram_text("拆迁, A-b房") == "拆 迁 a b 房 拆迁 b房"
    assert grams.gram_text("") == "" and grams.gram_text(None) == ""
    rng = random.Random(14)
    alphabet = "aZ09 -,.;:!_\n\t\x7f\x00拆迁房é😀Ｘ地铁，"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        kept = [g for g in grams.grams(text) if all(not c.isascii() or c.isalnum() for c in g)]
        assert grams.gram_text(text) == " ".join(kept), repr(text)

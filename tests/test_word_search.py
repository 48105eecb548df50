"""Words of the content in the staff list, through the word index (intake.grams, word_index,
word_search): one- and two-character words, absent words, both ways of finding them, the index
kept current by every write, and the excerpt that marks where a word was found."""

import random
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.api_support import api_for
from tests.conftest import TZ, District, register
from tests.ledger_rows import row, write_csv
from tests.test_views_matters import LIST, listed, names
from tests.views_support import Matters, client_for, make_matters
from xinfang.core.permissions import SYSTEM, visible_matters
from xinfang.intake import grams, selectors, word_index, word_search
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import Registration
from xinfang.intake.word_index import HasGrams


@pytest.fixture
def matters(district: District) -> Matters:
    return make_matters(district)


def _ways(monkeypatch: pytest.MonkeyPatch, way: str) -> None:
    """ "walk": each matter looked into (a walk longer than the list, no word taken as rare);
    "index": the word index asked at once (a walk of none); "estimate": walked, the count
    estimated from any page the walk found."""
    walk = 0 if way == "index" else 10**6
    monkeypatch.setattr(word_search, "WALK", walk)
    monkeypatch.setattr(word_search, "COUNT_WALK", {"walk": walk, "index": 0, "estimate": 0}[way])
    monkeypatch.setattr(word_search, "FEW", 10**6 if way == "index" else 0)
    monkeypatch.setattr(word_search, "ESTIMATE_MIN_FOUND", 1)


@pytest.fixture(params=["walk", "index", "estimate"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every search every way (_ways)."""
    _ways(monkeypatch, str(request.param))
    return str(request.param)


# --- the tokeniser -----------------------------------------------------------------------------


def test_grams_are_every_character_and_pair() -> None:
    assert grams.grams("拆迁房") == ["拆", "迁", "房", "拆迁", "迁房"]
    assert grams.grams("ETC道闸") == ["e", "t", "c", "道", "闸", "et", "tc", "c道", "道闸"]
    assert grams.grams("") == []
    assert grams.query_grams("梯") == ["梯"]
    assert grams.query_grams("有关部门") == ["有关", "关部", "部门"]
    assert grams.query_grams("哈哈哈") == ["哈哈"]
    # a run of ASCII letters and digits: its 4-grams too (pairs of digits narrow little)
    assert grams.grams("号12345")[-2:] == ["1234", "2345"]
    assert grams.query_grams("编号777777") == ["编号", "号7", "77", "7777"]
    assert grams.query_grams("Ab12-3") == ["ab", "b1", "12", "2-", "-3", "ab12"]
    assert grams.fts_query("地铁") == '"地铁"'
    # nothing the FTS5 table holds (its tokens have no ASCII punctuation): searched without it
    assert grams.fts_query("a-b") is None
    assert grams.gram_text("a-b") == "a b"
    assert grams.gram_text("哈哈哈") == "哈 哈 哈 哈哈 哈哈"  # a token met twice is written twice


@pytest.mark.django_db
def test_postgresql_computes_the_same_grams() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the SQL function is PostgreSQL's")
    texts = [
        "反映小区ETC道闸收费问题",
        "电话：138 1234 5678，\n地址：东风路1号 Ｘ（全角）",
        "😀表情与组合字符é",
        "AbC abc",
        "编号777777，ABCd-12345 x9y8z7",
        "",
        "单",
    ]
    rng = random.Random(22)  # and texts of the characters that trouble a tokeniser
    alphabet = "拆迁房aZ09 -,.;\n\t😀Ｘé\u0301\u3000，"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(300)]
    with connection.cursor() as cursor:
        for text in texts:
            cursor.execute(f"SELECT {grams.GRAMS_FUNCTION}(%s)", [text])
            # each gram at least once (GIN keeps it once a row): the same set
            assert set(cursor.fetchone()[0]) == set(grams.grams(text)), text


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
    monkeypatch.setattr(word_search, "FEW", 0)  # no word is rare to the index
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


def test_the_latest_migration_defines_the_function_of_this_version() -> None:
    """A database migrated to the end holds the function the code describes (the migration
    writes its body out; a change of GRAMS_FUNCTION_SQL needs a migration)."""
    from importlib import import_module

    latest = import_module("xinfang.intake.migrations.0024_word_index_faster_build")
    expected = grams.GRAMS_FUNCTION_SQL.replace(grams.GRAMS_FUNCTION, "xf_grams")
    assert latest.WITHOUT_SORTING.split() == expected.split()
    index = f"CREATE INDEX {word_index.PG_INDEX} ON {word_index.TABLE} USING gin "
    assert index + f"({word_index.pg_grams('content')})" == latest.INDEX_C


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
    holds the grams of the text that FTS5's 'ascii' tokeniser keeps whole, and nothing else."""
    assert grams.gram_text("拆迁, A-b房") == "拆 迁 拆迁 a b 房 b房"
    assert grams.gram_text("") == "" and grams.gram_text(None) == ""
    # U+3000 and the other non-ASCII spaces are token characters to FTS5's 'ascii' tokeniser
    assert grams.gram_text("甲\u3000") == "甲 \u3000 甲\u3000"
    rng = random.Random(14)
    alphabet = "aZ09 -,.;:!_\n\t\x7f\x00拆迁房é😀Ｘ地铁，\u3000\xa0\x85"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        kept = [g for g in grams.grams(text) if all(not c.isascii() or c.isalnum() for c in g)]
        written = grams.gram_text(text)
        assert set(written.split(" ")) - {""} == set(kept), repr(text)
        assert "  " not in written and written.strip(" ") == written, repr(text)


def test_gram_texts_are_gram_text_for_many_texts_at_once() -> None:
    """The bulk tokeniser (numpy) writes each text's tokens as often as gram_text does; their
    order is free (FTS5 keeps no positions with detail='none')."""
    assert grams.gram_texts([]) == []
    assert grams.gram_texts(["拆迁, A-b房", None, "", "号1234x"]) == [
        "拆 拆迁 迁 a b b房 房",
        "",
        "",
        "号 号1 1 12 2 23 3 34 4 4x x 1234 234x",
    ]
    assert grams.gram_texts(["\u3000\u30002024年"]) == [
        "\u3000 \u3000\u3000 \u3000 \u30002 2 20 0 02 2 24 4 4年 年 2024"
    ]
    rng = random.Random(15)
    alphabet = "aZ09 -,.;:!_\n\t\x7f\x00拆迁房é😀Ｘ地铁，AbCdXyZ1234\u3000\xa0\x85"
    for longest in (0, 1, 2, 3, 5, 30):
        texts = ["".join(rng.choices(alphabet, k=rng.randint(0, longest))) for _ in range(500)]
        for text, written in zip(texts, grams.gram_texts(texts), strict=True):
            tokens = sorted(t for t in written.split(" ") if t)
            assert tokens == sorted(t for t in grams.gram_text(text).split(" ") if t), repr(text)
            assert written.strip(" ") == written and "  " not in written, repr(text)


# --- which way, and the count ------------------------------------------------------------------


def _every_other(district: District) -> list[str]:
    """Ten matters of 2026-03-01 .. 10, newest first; 地铁 in the 1st, 3rd, 5th, 7th and 9th
    (the even days). Returns their numbers newest first."""
    numbers = []
    for day in range(10, 0, -1):
        content = "反映地铁施工夜间扰民" if day % 2 == 0 else "反映公交线路调整不便"
        when = datetime(2026, 3, day, 9, 30, tzinfo=TZ)
        matter = register(district, locality=district.street_a, content=content, when=when)
        numbers.append(matter.number)
    return numbers


@pytest.mark.django_db
def test_a_count_past_the_walk_is_estimated_from_what_the_walk_saw(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = _every_other(district)
    monkeypatch.setattr(word_search, "WALK", 10**6)
    monkeypatch.setattr(word_search, "FEW", 0)  # not rare to the index: walked
    monkeypatch.setattr(word_search, "COUNT_WALK", 0)  # not counted one by one
    monkeypatch.setattr(word_search, "ESTIMATE_MIN_FOUND", 3)
    officer = district.users["officer"]
    filters = selectors.MatterFilters(words="地铁")
    # a page of 2: the walk finds 3 (one more than the page) in the 5 newest (days 10 .. 6), so
    # 3/5 of the 10 matters: 6 (there are 5)
    page = selectors.matter_page(actor=officer, filters=filters, size=2)
    assert [m.number for m in page.rows] == [numbers[0], numbers[2]]
    assert (page.total, page.total_capped) == (6, False)
    assert page.estimate == selectors.Estimate(found=3, looked=5)
    # past the cap: 3/5 of 9 or more matters passes 5
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    page = selectors.matter_page(actor=officer, filters=filters, size=2)
    assert (page.total, page.total_capped) == (5, True)
    assert page.estimate == selectors.Estimate(found=3, looked=5)
    # too few found to judge by: the index counts exactly
    monkeypatch.setattr(word_search, "ESTIMATE_MIN_FOUND", 4)
    monkeypatch.setattr(selectors, "COUNT_CAP", 1000)
    page = selectors.matter_page(actor=officer, filters=filters, size=2)
    assert (page.total, page.total_capped, page.estimate) == (5, False, None)
    # a scope small enough is counted one by one, exactly
    monkeypatch.setattr(word_search, "ESTIMATE_MIN_FOUND", 3)
    monkeypatch.setattr(word_search, "COUNT_WALK", 10)
    page = selectors.matter_page(actor=officer, filters=filters, size=2)
    assert (page.total, page.total_capped, page.estimate) == (5, False, None)


@pytest.mark.django_db
def test_the_list_says_an_estimate_is_one(
    district: District, monkeypatch: pytest.MonkeyPatch, settings: LazySettings
) -> None:
    _every_other(district)
    monkeypatch.setattr(word_search, "WALK", 10**6)
    monkeypatch.setattr(word_search, "FEW", 0)
    monkeypatch.setattr(word_search, "COUNT_WALK", 0)
    monkeypatch.setattr(word_search, "ESTIMATE_MIN_FOUND", 3)
    settings.XINFANG = {**settings.XINFANG, "MATTER_LIST_PAGE_SIZE": 2}
    page = client_for(district, "officer").get(LIST, {"words": "地铁"}).content.decode()
    assert "符合条件的事项约 6 件（估计：查看的 5 件事项中有 3 件含这些词，按此比例推算）" in page
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    page = client_for(district, "officer").get(LIST, {"words": "地铁"}).content.decode()
    assert "符合条件的事项估计超过 5 件（估计：查看的 5 件事项中有 3 件含这些词" in page
    # an exact count says so plainly
    monkeypatch.setattr(word_search, "COUNT_WALK", 10)
    page = client_for(district, "officer").get(LIST, {"words": "地铁"}).content.decode()
    assert "共 5 件，按首次登记日期从新到旧排列" in page


@pytest.mark.django_db
def test_candidates_up_to_the_limit_after_statistics(district: District) -> None:
    """PostgreSQL answers a word whose every gram its statistics hold often from them (without
    reading the index's entries); a gram they do not hold, from the index. Both databases
    answer the same."""
    for day in range(1, 13):
        content = f"反映编号{7770 + day}的电梯故障" if day < 3 else "反映物业管理问题"
        register(
            district,
            locality=district.street_a,
            content=content,
            when=datetime(2026, 2, day, 9, 30, tzinfo=TZ),
        )
    word_index.analyze(connection)
    if connection.vendor == "postgresql":  # from the statistics, not the index
        with connection.cursor() as cursor:
            assert word_index._pg_common(cursor, grams.query_grams("反映"), 5)
            assert not word_index._pg_common(cursor, grams.query_grams("编号7771"), 5)
    assert word_search.candidates("反映", 5) == 5
    assert word_search.candidates("物业管理", 5) == 5
    assert word_search.candidates("编号7771", 5) == 1  # its 4-gram 7771: in one
    assert word_search.candidates("77", 50) == 2
    assert word_search.candidates("地铁", 5) == 0


@pytest.mark.django_db
def test_a_word_rare_to_the_index_is_not_walked(
    district: District, matters: Matters, monkeypatch: pytest.MonkeyPatch
) -> None:
    def walked(*args: object) -> None:
        raise AssertionError("walked")

    monkeypatch.setattr(word_search, "WALK", 10**6)
    monkeypatch.setattr(word_search, "probe", walked)
    officer = district.users["officer"]
    # 拆迁: one registration holds both characters; 地铁: none
    page = selectors.matter_page(actor=officer, filters=selectors.MatterFilters(words="拆迁"))
    assert (page.rows, page.total, page.estimate) == ([matters.housing], 1, None)
    page = selectors.matter_page(actor=officer, filters=selectors.MatterFilters(words="地铁"))
    assert (page.rows, page.total) == ([], 0)
    # a word the index holds often enough is walked
    monkeypatch.setattr(word_search, "FEW", 1)
    with pytest.raises(AssertionError, match="walked"):
        selectors.matter_page(actor=officer, filters=selectors.MatterFilters(words="拆迁"))


@pytest.mark.django_db
def test_an_estimated_count_keeps_accusations_from_the_accused_unit(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk and the count the estimate rests on are the reader's matters only: eleven
    accusations of street A's cadres, newer than everything, are neither listed nor counted."""
    numbers = _every_other(district)
    for day in range(11, 22):
        register(
            district,
            locality=district.street_a,
            responsible=district.discipline,
            purpose="accusation",
            content="检举东风街道干部在地铁项目中收受好处",
            category="其他",
            when=datetime(2026, 3, day, 9, 30, tzinfo=TZ),
        )
    _ways(monkeypatch, "estimate")
    monkeypatch.setattr(word_search, "ESTIMATE_MIN_FOUND", 3)
    staff = district.users["street_a_staff"]
    page = selectors.matter_page(actor=staff, filters=selectors.MatterFilters(words="地铁"), size=2)
    assert [m.number for m in page.rows] == [numbers[0], numbers[2]]
    assert (page.total, page.estimate) == (6, selectors.Estimate(found=3, looked=5))
    discipline = district.users["discipline_staff"]
    page = selectors.matter_page(
        actor=discipline, filters=selectors.MatterFilters(words="地铁"), size=2
    )
    assert page.estimate == selectors.Estimate(found=3, looked=3)  # its 11 accusations
    assert (page.total, page.total_capped) == (11, False)  # 3/3 of its 11


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("walk", "frame"), [(0, 4), (1, 2), (2, 2), (2, 4), (3, 1), (10, 3), (10**6, 4)]
)
def test_every_window_lists_what_a_plain_scan_finds(
    district: District, walk: int, frame: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever window the walk takes (the reader's first WALK within the newest of the frame,
    within more of the frame, or among all of theirs: selectors._walk_window), every page
    lists what a plain LIKE scan of the reader's matters finds, newest first."""
    rng = random.Random(walk * 10 + frame)
    places = [district.street_a, district.street_b, district.village_a, None]
    words = ["电梯", "拆迁", "地铁", "物业"]
    for day in range(1, 29):
        accusation = rng.random() < 0.15
        register(
            district,
            locality=rng.choice(places),
            responsible=district.discipline if accusation else rng.choice([None, district.housing]),
            purpose="accusation" if accusation else "request",
            content=f"反映{rng.choice(words)}问题，又及{rng.choice(words)}",
            when=datetime(2026, 2, day, 9, 30, tzinfo=TZ),
        )
    monkeypatch.setattr(word_search, "WALK", walk)
    monkeypatch.setattr(word_search, "FRAME", frame)
    monkeypatch.setattr(word_search, "FEW", 0)  # walked first, the index after
    for user in ("officer", "street_a_staff", "discipline_staff"):
        actor = district.users[user]
        for word in words:
            plain = (
                visible_matters(actor)
                .filter(registrations__content__contains=word)
                .distinct()
                .order_by("-first_received_on", "-id")
            )
            expected = [m.pk for m in plain]
            filters = selectors.MatterFilters(words=word)
            listed_pks: list[int] = []
            page = selectors.matter_page(actor=actor, filters=filters, size=3)
            while True:
                listed_pks += [m.pk for m in page.rows]
                if page.next_cursor is None:
                    break
                page = selectors.matter_page(
                    actor=actor, filters=filters, size=3, after=page.next_cursor
                )
            assert listed_pks == expected, (user, word)
            if page.prev_cursor is not None:  # and back from the last page
                back = selectors.matter_page(
                    actor=actor, filters=filters, size=3, before=page.prev_cursor
                )
                before_last = expected[: expected.index(page.rows[0].pk)][-3:]
                assert [m.pk for m in back.rows] == before_last, (user, word)


# --- the excerpt in the API ----------------------------------------------------------------------


@pytest.mark.django_db
def test_api_rows_carry_the_excerpt_with_the_words_marked(district: District) -> None:
    content = "前面的话" * 10 + "请回电13812345678，拆迁补偿不到位，拆迁户要求公开"
    matter = register(district, locality=district.street_a, content=content)
    register(district, locality=district.street_a, content="反映公交线路调整不便")
    status, body = api_for(district, "officer").get("/api/v1/matters/", words="拆迁")
    assert status == 200
    (found,) = body["results"]
    assert found["id"] == matter.pk
    # cut 16 characters before the first 拆迁 (at 55 of the content): "…" and from 39 on
    text = "…话请回电13812345678，拆迁补偿不到位，拆迁户要求公开"
    assert found["snippet"] == {"text": text, "marks": [[17, 19], [25, 27]]}
    assert [text[s:e] for s, e in found["snippet"]["marks"]] == ["拆迁", "拆迁"]
    # the same through the search by body
    status, body = api_for(district, "registrar").post(
        "/api/v1/matters/search/", {"person": "王小明", "words": "拆迁"}
    )
    assert status == 200 and body["results"][0]["snippet"]["text"] == text
    # no words, no excerpt
    status, body = api_for(district, "officer").get("/api/v1/matters/")
    assert [row["snippet"] for row in body["results"]] == [None, None]


@pytest.mark.django_db
def test_api_excerpt_masks_numbers_for_who_may_not_reveal(district: District) -> None:
    register(district, locality=district.street_a, content="请回电13812345678联系张先生")
    status, body = api_for(district, "leader").get("/api/v1/matters/", words="联系")
    assert status == 200
    snippet = body["results"][0]["snippet"]
    assert snippet == {"text": "请回电138****5678联系张先生", "marks": [[14, 16]]}
    assert "12345678" not in str(body)
    # a word only in the hidden digits is not found by who cannot see them (as_seen)
    assert api_for(district, "leader").get("/api/v1/matters/", words="23")[1]["results"] == []
    body = api_for(district, "officer").get("/api/v1/matters/", words="23")[1]
    assert body["results"][0]["snippet"] == {
        "text": "请回电13812345678联系张先生",
        "marks": [[7, 9]],
    }


# --- xinfang rebuild-word-index ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # PostgreSQL builds no index in a transaction with
def test_rebuild_word_index_fills_an_index_rows_went_around(district: District) -> None:  # writes
    try:
        _rebuild_word_index(district)
    finally:  # whatever failed, the index is whole for the tests after this one
        if not word_index.installed(connection):
            word_index.install(connection, build=True)


def _rebuild_word_index(district: District) -> None:
    register(district, locality=district.street_a, content="反映地铁施工夜间扰民")
    officer = district.users["officer"]
    word_index.uninstall(connection)  # a bulk load with the index dropped, as a restore does
    register(district, locality=district.street_a, content="再次反映地铁站扰民")
    assert not word_index.installed(connection)
    out = StringIO()
    call_command("rebuild_word_index", stdout=out)
    assert "反映内容检索索引已重建：登记2条" in out.getvalue()
    assert word_index.installed(connection)
    assert len(_indexed("地铁")) == 2
    found = selectors.matter_page(actor=officer, filters=selectors.MatterFilters(words="地铁站"))
    assert len(found.rows) == 1
    if connection.vendor == "sqlite":  # rows the triggers missed: the FTS5 table rebuilt
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {word_index.FTS}({word_index.FTS}) VALUES ('delete-all')")
        assert _indexed("地铁") == set()
    call_command("rebuild_word_index", stdout=StringIO())  # run again on a whole index
    assert len(_indexed("地铁")) == 2

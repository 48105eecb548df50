"""The similar index's two tables: the posting lists a full re-index writes (one row a pair, the
matters packed) and the rows the desk writes since, read together as one list a pair — each
matter once — and their stale entries (a matter indexed again, or gone) never an answer."""

import numpy as np
import pytest

from tests.conftest import District, register
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Registration, SimilarGram, SimilarPosting
from xinfang.intake.similar import lookup
from xinfang.intake.similar.index import index_matters, postings, reindex, weights
from xinfang.intake.similar.lookup import Probe, similar_matters
from xinfang.intake.similar.text import gram_of, grams

WAGES = "东风社区华美建筑公司拖欠农民工工资八万元，要求尽快支付。"
LIFT = "西湖街道物业不修电梯，老人上下楼困难，要求更换电梯。"
NOISE = "学校门口早晚交通拥堵，希望增设红绿灯。"
HUAMEI, LIFT_PAIR, NONE = gram_of("华", "美"), gram_of("电", "梯"), gram_of("无", "有")


def _found(district: District, text: str, role: str = "registrar") -> list[int]:
    found = similar_matters(actor=district.users[role], probe=Probe(content=text), top=5)
    return [m.matter.pk for m in found]


def _lists(*grams_: int) -> list[list[int]]:
    return [listed.tolist() for listed in postings(list(grams_))]


def test_the_lists_and_the_desks_rows_are_read_as_one(district: District) -> None:
    wages = register(district, locality=district.street_a, content=WAGES)
    lift = register(district, locality=district.street_a, content=LIFT)
    assert not SimilarPosting.objects.exists()  # before a re-index: the desk's rows only
    assert _lists(HUAMEI, LIFT_PAIR, NONE) == [[wages.pk], [lift.pk], []]
    reindex()
    assert not SimilarGram.objects.exists()
    # 华美 and 电梯 are each in one petition: two lists of one matter; no list for 无有
    assert SimilarPosting.objects.filter(gram__in=(HUAMEI, LIFT_PAIR, NONE)).count() == 2
    assert _lists(HUAMEI, LIFT_PAIR, NONE) == [[wages.pk], [lift.pk], []]
    again = register(district, locality=district.street_a, content=WAGES)  # at the desk, after
    assert list(SimilarGram.objects.filter(gram=HUAMEI).values_list("matter_id", flat=True)) == [
        again.pk
    ]
    assert _lists(HUAMEI, LIFT_PAIR, NONE) == [[wages.pk, again.pk], [lift.pk], []]
    # one from the list, one from the rows: the same text, so the later matter first
    assert _found(district, WAGES) == [again.pk, wages.pk]
    assert _found(district, LIFT) == [lift.pk]


def test_a_matter_in_both_counts_once(district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    first = register(district, locality=district.street_a, content=WAGES)
    second = register(district, locality=district.street_a, content=WAGES)
    register(district, locality=district.street_a, content=NOISE)
    reindex()
    index_matters([first.pk])  # indexed again at the desk, its text unchanged: in both tables
    assert SimilarGram.objects.filter(gram=HUAMEI).count() == 1
    assert _lists(HUAMEI) == [[first.pk, second.pk]]
    # equal sums: the higher id first; the first matter counted twice would come first
    monkeypatch.setattr(lookup, "CANDIDATES", 1)
    assert lookup._text_candidates(weights(), grams(WAGES)) == [second.pk]
    monkeypatch.setattr(lookup, "CANDIDATES", 2)
    assert lookup._text_candidates(weights(), grams(WAGES)) == [second.pk, first.pk]


def test_stale_entries_are_no_answer(district: District) -> None:
    wages = register(district, locality=district.street_a, content=WAGES)
    lift = register(district, locality=district.street_a, content=LIFT)
    reindex()
    # the wage claim's text corrected to the noise petition and indexed again: its old pairs
    # stay in the lists until the next re-index, its new ones are the desk's rows
    Registration.objects.filter(matter=wages).update(content=NOISE)
    index_matters([wages.pk])
    assert _lists(HUAMEI, gram_of("红", "绿")) == [[wages.pk], [wages.pk]]
    assert _found(district, WAGES) == []  # a candidate by its old pairs, scored on its text
    assert _found(district, NOISE) == [wages.pk]
    # a matter merged away stays in the lists (its rows went with it): no answer, no error
    gone = max(lift.pk, wages.pk) + 1000
    SimilarPosting.objects.filter(gram=LIFT_PAIR).update(
        matters=np.array([lift.pk, gone], dtype="<u4").tobytes()
    )
    assert _lists(LIFT_PAIR) == [[lift.pk, gone]]
    assert _found(district, LIFT) == [lift.pk]
    reindex()  # the next re-index writes the lists as the texts are now
    assert _lists(HUAMEI, gram_of("红", "绿"), LIFT_PAIR) == [[], [wages.pk], [lift.pk]]


def test_an_accusation_in_the_lists_only_to_those_who_may_see_it(district: District) -> None:
    text = "检举东风街道某干部在拆迁项目审批中收受好处费十万元"
    accused = register(
        district,
        locality=district.street_a,
        responsible=district.discipline,
        purpose=Purpose.ACCUSATION,
        content=text,
    )
    reindex()
    assert not SimilarGram.objects.exists()
    probe = "举报东风街道干部拆迁审批收受好处费"
    for role, sees in (("registrar", True), ("leader", False), ("discipline_staff", True)):
        assert _found(district, probe, role) == ([accused.pk] if sees else []), role


def test_a_petition_asks_no_more_lists_than_the_budget(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QUERY_MATTERS bounds what the lists hold together; the heaviest pair is always asked."""
    wages = register(district, locality=district.street_a, content=WAGES)
    reindex()
    asked: list[list[int]] = []

    def spy(grams_: list[int]) -> list[np.ndarray]:
        asked.append(list(grams_))
        return postings(grams_)

    monkeypatch.setattr(lookup, "postings", spy)
    monkeypatch.setattr(lookup, "QUERY_MATTERS", 0)
    assert lookup._text_candidates(weights(), grams(WAGES)) == [wages.pk]
    assert len(asked[-1]) == 1
    monkeypatch.setattr(lookup, "QUERY_MATTERS", 10**6)
    lookup._text_candidates(weights(), grams(WAGES))
    assert len(asked[-1]) == len(grams(WAGES)) == 24  # 19 pairs and 5: fewer than QUERY_GRAMS

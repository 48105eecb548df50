"""The re-index's array pairs and sketches (intake.similar.batch) equal the per-text definitions:
`text.grams` for the pairs, `Weights.heaviest` for the sketch, text for text."""

import random

import numpy as np

from xinfang.intake.similar import batch
from xinfang.intake.similar.index import SKETCH_SIZE, Weights
from xinfang.intake.similar.text import grams

# characters a petition holds: Chinese, look-alikes, full-width digits and letters, ASCII upper
# case, punctuation of both widths, spaces, a circled number, a character beyond the BMP
ALPHABET = "拆迁补偿款工资拖欠已己巳未末帐账的得地１２３ＡＢｃABCxyz0189，。！、 ,.;-\n㈠①𠀀"


def _texts(rng: random.Random, n: int) -> list[str]:
    texts = ["", "。", "拆", "拆。迁", "ＡＢ１", "a", "，拆，", "拆迁", "𠀀𠀀"]
    for _ in range(n):
        texts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 60))))
    return texts


def _sets(keys: np.ndarray) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for key in keys.tolist():
        found.setdefault(key // batch.KEY, set()).add(key % batch.KEY)
    return found


def test_pair_keys_are_the_grams_of_each_owners_texts() -> None:
    rng = random.Random(7)
    texts = _texts(rng, 400)
    owners = [rng.randrange(0, 60) for _ in texts]
    expected: dict[int, set[int]] = {}
    for owner, text in zip(owners, texts, strict=True):
        found = grams(text)
        if found:
            expected.setdefault(owner, set()).update(found)
    assert _sets(batch.pair_keys(owners, texts)) == expected
    assert batch.pair_keys([], []).size == 0


def test_a_pair_never_crosses_from_one_text_into_the_next() -> None:
    keys = batch.pair_keys([0, 0], ["甲乙", "丙丁"])
    assert _sets(keys)[0] == grams("甲乙") | grams("丙丁")
    assert ord("乙") * 0x110000 + ord("丙") not in _sets(keys)[0]


def test_sketches_are_weights_heaviest() -> None:
    rng = random.Random(11)
    texts = _texts(rng, 300)
    owners = list(range(len(texts)))
    keys = batch.pair_keys(owners, texts)
    found = _sets(keys)
    df: dict[int, int] = {}
    for pairs in found.values():
        for gram in pairs:
            df[gram] = df.get(gram, 0) + 1
    # a total that makes some pairs common and lighter than the rare ones
    table = Weights(total=len(found), token=3, common={g: n for g, n in df.items() if n >= 3})
    assert table.lighter, "the data must exercise both orders"
    lighter = np.array(sorted(table.rank), dtype=np.int64)
    rank = np.array([table.rank[g] for g in lighter.tolist()], dtype=np.int64)
    for count in (1, 5, SKETCH_SIZE):
        by, kept = batch.heaviest(keys, lighter, rank, count)
        got: dict[int, list[int]] = {}
        for owner, gram in zip(by.tolist(), kept.tolist(), strict=True):
            got.setdefault(owner, []).append(gram)
        assert got == {o: table.heaviest(p, count) for o, p in found.items()}


def test_tie_hashes_match_the_python_hash() -> None:
    from xinfang.intake.similar.index import tie_hash

    grams_ = np.array([0, 1, 0x110000 * 0x10FFFF + 0x10FFFF, 123456789012], dtype=np.int64)
    assert batch.tie_hashes(grams_).tolist() == [tie_hash(g) for g in grams_.tolist()]

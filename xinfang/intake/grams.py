"""The search index's tokeniser: every character of a text and every pair of neighbouring
characters (unigrams and bigrams), and every four neighbouring characters of a run of ASCII
letters and digits (a number's 4-grams), ASCII letters in lower case — nothing else.

Chinese is written without spaces and is full of one- and two-character words (拆迁, 地铁, 梯),
which trigrams cannot index; a text holding a word holds every character and every pair of it,
so the grams narrow a search to few rows, and the rows are then checked for the word itself
(the index finds candidates, LIKE decides). Digits need the 4-grams: ten digits make only a
hundred pairs, so the pairs of 编号777777 are in tens of thousands of registrations of a
million, its 4-gram 7777 in a few hundred. The rule is kept this plain on purpose: PostgreSQL
computes it in SQL for its index (GRAMS_FUNCTION_SQL), SQLite and the queries in Python
(`grams`), and the two must agree character for character (tests/test_word_search.py).

Used by the staff list's word search (xinfang.intake.search) and free to reuse for other
look-ups of short Chinese words.
"""

import re
from collections.abc import Sequence
from operator import add

import numpy as np

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UPPER = re.compile("[A-Z]")
# What FTS5's 'ascii' tokeniser separates at: every ASCII character but letters and digits.
_SEPARATORS = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
# A run of ASCII letters and digits (folded) long enough for 4-grams.
_ALNUM_RUN = re.compile(r"[0-9a-z]{4,}")


def fold(text: str) -> str:
    """The text as it is indexed: ASCII letters in lower case (only those: PostgreSQL's lower()
    depends on the server's locale, translate() does not)."""
    return text.translate(_ASCII_LOWER) if _UPPER.search(text) else text


def _quads(folded: str) -> list[str]:
    """Every four neighbouring characters of each run of ASCII letters and digits, in order:
    "号12345" -> ["1234", "2345"]."""
    return [run[i : i + 4] for run in _ALNUM_RUN.findall(folded) for i in range(len(run) - 3)]


def grams(text: str | None) -> list[str]:
    """Every distinct character and pair of neighbouring characters of the folded text, then
    every 4-gram of its runs of ASCII letters and digits, in the order they first appear:
    "拆迁房" -> ["拆", "迁", "房", "拆迁", "迁房"]; "号12345" -> [..., "1234", "2345"]."""
    folded = fold(text or "")
    seen: dict[str, None] = dict.fromkeys(folded)
    seen.update(dict.fromkeys(map(add, folded, folded[1:])))
    seen.update(dict.fromkeys(_quads(folded)))
    return list(seen)


def gram_text(text: str | None) -> str:
    """The grams of `text` as one string for SQLite's FTS5 table (tokenize 'ascii': a gram is
    one token whatever its characters; the separators are the ASCII controls and punctuation,
    so grams made of them are left out — words are checked in full afterwards anyway).

    The grams that pass _fts_token, each at least once: a gram met twice is written twice (FTS5
    with detail='none' keeps a document once per token however often it holds it; dropping the
    repeats in Python cost more than FTS5 spends on them). Computed a run between separators at
    a time: SQLite calls it for every registration written (tests/test_word_search.py)."""
    folded = fold(text or "")
    runs = _SEPARATORS.split(folded)
    if len(runs) == 1:
        run = runs[0]
        written = f"{' '.join(run)} {' '.join(map(add, run, run[1:]))}".rstrip(" ")
    else:
        written = " ".join(
            f"{' '.join(run)} {' '.join(map(add, run, run[1:]))}".rstrip(" ") for run in runs if run
        )
    quads = _quads(folded)
    return f"{written} {' '.join(quads)}" if quads else written


# ASCII code points that FTS5's 'ascii' tokeniser separates at (_SEPARATORS), as a table.
_SEPARATOR_POINT = np.array([not chr(c).isalnum() for c in range(128)], dtype=bool)


def gram_texts(texts: Sequence[str | None]) -> list[str]:
    """`gram_text` of many texts at once, with numpy: the same tokens as many times each (FTS5's
    table keeps no positions, so their order is free: each character followed by the pair it
    begins, then the text's 4-grams). A Python string per gram costs some 20 µs a registration;
    these array operations a few (a bulk import indexes 1,000,000; tests/test_word_search.py)."""
    if not texts:
        return []
    joined = "\n".join(text or "" for text in texts) + "\n"  # a separator after each text
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    points = points + ((points >= 65) & (points <= 90)) * np.uint32(32)  # fold(): A-Z only
    ascii_ = points < 128
    token = np.ones(len(points), dtype=bool)
    token[ascii_] = ~_SEPARATOR_POINT[points[ascii_]]
    pair = np.append(token[:-1] & token[1:], False)  # the last point is the final separator
    # five slots a point: the character and a space, then the pair it begins and a space
    slots = np.empty((len(points), 5), dtype=np.uint32)
    slots[:, 0] = slots[:, 2] = points
    slots[:-1, 3] = points[1:]
    slots[:, 1] = slots[:, 4] = 32
    slots[-1, 3] = 32
    keep = np.empty((len(points), 5), dtype=bool)
    keep[:, 0] = keep[:, 1] = token
    keep[:, 2] = keep[:, 3] = keep[:, 4] = pair
    ends = np.cumsum(token * 2 + pair * 3)  # characters written up to each point's end
    whole = slots[keep].tobytes().decode("utf-32-le", "surrogatepass")
    # each text's last point is the separator after it: its grams end there
    last = np.cumsum(np.fromiter((len(text or "") + 1 for text in texts), dtype=np.int64))
    bounds = [0, *ends[last - 1].tolist()]
    # " " only: U+3000 and the other non-ASCII spaces are token characters to FTS5's tokeniser
    out = [whole[bounds[i] : bounds[i + 1]].rstrip(" ") for i in range(len(texts))]
    alnum = ascii_ & token  # the 4-grams: only texts with a run of 4 ASCII letters or digits
    quads = np.flatnonzero(alnum[:-3] & alnum[1:-2] & alnum[2:-1] & alnum[3:])
    for i in np.unique(np.searchsorted(last, quads, side="right")).tolist():
        out[i] = f"{out[i]} {' '.join(_quads(fold(texts[i] or '')))}".lstrip(" ")
    return out


def query_grams(word: str) -> list[str]:
    """Grams that every text holding `word` holds: one character alone, else each distinct pair
    of neighbouring characters ("有关部门" -> 有关, 关部, 部门) and each 4-gram of its runs of
    ASCII letters and digits (a text's run holding the word's holds its 4-grams). Empty for an
    empty word. All of them, not a cover: each one narrows, and both indexes skip through the
    common ones."""
    folded = fold(word)
    if len(folded) <= 1:
        return [folded] if folded else []
    pairs = (folded[i : i + 2] for i in range(len(folded) - 1))
    return list(dict.fromkeys([*pairs, *_quads(folded)]))


def _fts_token(gram: str) -> bool:
    """Whether FTS5's 'ascii' tokeniser keeps `gram` as one token: no ASCII character other than
    letters and digits (every non-ASCII character is a token character to it)."""
    return all(not c.isascii() or c.isalnum() for c in gram)


def fts_query(word: str) -> str | None:
    """The FTS5 MATCH expression for `word`'s grams, each one quoted; None when the word has
    no gram the FTS5 table holds (all ASCII punctuation): search it without the index."""
    kept = [gram for gram in query_grams(word) if _fts_token(gram)]
    if not kept:
        return None
    return " AND ".join(f'"{gram}"' for gram in kept)


# The same rule in SQL, for PostgreSQL's expression index (intake migrations 0017, 0022-0024):
# an IMMUTABLE function of the content, so the index keeps itself current on every insert and
# update. The characters are split once (string_to_array with a NULL delimiter) and zipped with
# themselves shifted by one for the pairs: substr(t, i, …) for each i walked the UTF-8 text from
# its start every time (quadratic: 1.6 ms a registration, the most of a 1,000,000-row import).
# The array may hold a gram more than once (GIN keeps each once a row, and @> asks for each
# once): removing repeats sorted every row's grams, and a regular expression looked for 4-grams
# in every row, for 175 µs a registration; 80 µs without (0024). The 4-grams are cut from the
# short ASCII runs a regular expression finds, only in a text that has one. COST: a planner that
# thought it cheap would rather compute it for every registration (a sequential scan) than
# read the index's entries for a common gram.
GRAMS_FUNCTION = "xf_grams"
GRAMS_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {GRAMS_FUNCTION}(content text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
  SELECT a || ARRAY(SELECT c || n FROM unnest(a, a[2:]) AS u(c, n) WHERE n IS NOT NULL)
    || CASE WHEN content ~ '[0-9A-Za-z]{{4}}' THEN ARRAY(
      SELECT substr(m.run[1], i, 4)
      FROM regexp_matches(translate(content,
          'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '[0-9a-z]{{4,}}', 'g')
          AS m(run),
        generate_series(1, length(m.run[1]) - 3) AS i) ELSE '{{}}'::text[] END
  FROM (SELECT string_to_array(translate(content,
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), NULL) AS a) s
$$
"""

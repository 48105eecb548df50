"""The search index's tokeniser: every character of a text and every pair of neighbouring
characters (unigrams and bigrams), ASCII letters in lower case — nothing else.

Chinese is written without spaces and is full of one- and two-character words (拆迁, 地铁, 梯),
which trigrams cannot index; a text holding a word holds every character and every pair of it,
so the grams narrow a search to few rows, and the rows are then checked for the word itself
(the index finds candidates, LIKE decides). The rule is kept this plain on purpose: PostgreSQL
computes it in SQL for its index (GRAMS_FUNCTION_SQL), SQLite and the queries in Python
(`grams`), and the two must agree character for character (tests/test_word_search.py).

Used by the staff list's word search (xinfang.intake.search) and free to reuse for other
look-ups of short Chinese words.
"""

import re
from operator import add

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UPPER = re.compile("[A-Z]")
# What FTS5's 'ascii' tokeniser separates at: every ASCII character but letters and digits.
_SEPARATORS = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")


def fold(text: str) -> str:
    """The text as it is indexed: ASCII letters in lower case (only those: PostgreSQL's lower()
    depends on the server's locale, translate() does not)."""
    return text.translate(_ASCII_LOWER) if _UPPER.search(text) else text


def grams(text: str | None) -> list[str]:
    """Every distinct character and pair of neighbouring characters of the folded text, in the
    order they first appear, characters first: "拆迁房" -> ["拆", "迁", "房", "拆迁", "迁房"]."""
    folded = fold(text or "")
    seen: dict[str, None] = dict.fromkeys(folded)
    seen.update(dict.fromkeys(map(add, folded, folded[1:])))
    return list(seen)


def gram_text(text: str | None) -> str:
    """The grams of `text` as one string for SQLite's FTS5 table (tokenize 'ascii': a gram is
    one token whatever its characters; the separators are the ASCII controls and punctuation,
    so grams made of them are left out — words are checked in full afterwards anyway).

    The grams that pass _fts_token, each at least once: a gram met twice is written twice (FTS5
    with detail='none' keeps a document once per token however often it holds it; dropping the
    repeats in Python cost more than FTS5 spends on them). Computed a run between separators at
    a time: SQLite calls it for every registration written (tests/test_word_search.py)."""
    runs = _SEPARATORS.split(fold(text or ""))
    if len(runs) == 1:
        run = runs[0]
        return f"{' '.join(run)} {' '.join(map(add, run, run[1:]))}".rstrip()
    return " ".join(
        f"{' '.join(run)} {' '.join(map(add, run, run[1:]))}".rstrip() for run in runs if run
    )


def query_grams(word: str) -> list[str]:
    """Grams that every text holding `word` holds: one character alone, else each distinct pair
    of neighbouring characters ("有关部门" -> 有关, 关部, 部门). Empty for an empty word. All the
    pairs, not a cover: each one narrows, and both indexes skip through the common ones."""
    folded = fold(word)
    if len(folded) <= 1:
        return [folded] if folded else []
    return list(dict.fromkeys(folded[i : i + 2] for i in range(len(folded) - 1)))


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


# The same rule in SQL, for PostgreSQL's expression index (intake migrations 0017, 0022): an
# IMMUTABLE function of the content, so the index keeps itself current on every insert and
# update. The characters are split once (string_to_array with a NULL delimiter) and zipped with
# themselves shifted by one for the pairs: substr(t, i, …) for each i walked the UTF-8 text from
# its start every time (quadratic: 1.6 ms a registration, the most of a 1,000,000-row import).
GRAMS_FUNCTION = "xf_grams"
GRAMS_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {GRAMS_FUNCTION}(content text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{{}}') FROM (
    SELECT unnest(ARRAY[c, c || n]) AS g
    FROM (SELECT string_to_array(translate(content,
        'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), NULL) AS a) s,
      unnest(a, a[2:]) AS u(c, n)
  ) grams WHERE g IS NOT NULL
$$
"""

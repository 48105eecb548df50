"""Ranking: the place of a figure among its peers (列第N位), largest first, ties sharing."""

from collections.abc import Iterable


def competition_rank(value: int, values: Iterable[int]) -> list[int]:
    """[k, n]: place of `value` among `values` (which include it), largest first, ties 1,2,2,4."""
    values = list(values)
    return [1 + sum(1 for v in values if v > value), len(values)]

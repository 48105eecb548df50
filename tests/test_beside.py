"""core.beside: a forked child computes each batch a batch ahead; results come back in order,
only what `sent` picks crosses, a failure in the child is raised here, and a caller that stops
early leaves no child behind."""

import os

import pytest

from xinfang.core.beside import BesideError, beside


def _pid_and_square(numbers: list[int]) -> tuple[int, list[int]]:
    return os.getpid(), [n * n for n in numbers]


def test_results_in_order_computed_in_a_child() -> None:
    batches = [[1, 2], [3], [4, 5, 6], [7]]
    found = list(beside(_pid_and_square, iter(batches)))
    assert [batch for batch, _ in found] == batches
    assert [result[1] for _, result in found] == [[1, 4], [9], [16, 25, 36], [49]]
    pids = {result[0] for _, result in found}
    assert len(pids) == 1 and os.getpid() not in pids  # one child did them all
    assert list(beside(_pid_and_square, iter([]))) == []


def test_only_what_is_sent_crosses() -> None:
    rows = [[(1, "a"), (2, "bb")], [(3, "ccc")]]
    found = list(beside(lambda texts: [len(t) for t in texts], rows, lambda b: [r[1] for r in b]))
    assert found == [(rows[0], [1, 2]), (rows[1], [3])]


def _fails_on_three(numbers: list[int]) -> list[int]:
    if 3 in numbers:
        raise ValueError("three is not allowed")
    return numbers


def test_a_failure_in_the_child_is_raised_here() -> None:
    done = []
    with pytest.raises(BesideError, match="three is not allowed"):
        for batch, _ in beside(_fails_on_three, iter([[1], [2], [3], [4]])):
            done.append(batch)
    assert done == [[1], [2]]


def test_a_caller_that_stops_early_leaves_no_child() -> None:
    import multiprocessing

    computed = beside(_pid_and_square, iter([[1], [2], [3], [4]]))
    first = next(computed)
    assert first[0] == [1]
    assert len(multiprocessing.active_children()) == 1
    computed.close()  # the caller stopped (an error in its writing)
    assert multiprocessing.active_children() == []


def test_the_child_ends_when_the_parent_is_gone() -> None:
    """A parent killed without a word: the child reads the end of its pipe and returns (it holds
    no end of its own open: sealed copies of the parent's sockets must not outlive it)."""
    import multiprocessing

    from xinfang.core.beside import _serve

    parent, child = multiprocessing.Pipe()
    parent.close()  # as a killed parent's end
    spare, other = multiprocessing.Pipe()
    _serve(lambda batch: batch, child, spare)  # returns: EOF, nothing sent, no error
    assert spare.closed
    other.close()

"""Matters registered before and after a period count in it only with a registration within it
(PostgreSQL's scan asks those apart: counting/matters.py `_spanning_matters`). By hand."""

from pathlib import Path

import pytest

from tests.analytics_support import Ledger, report
from tests.conftest import District

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(district: District, tmp_path: Path) -> Ledger:
    book = Ledger(tmp_path)
    # A: before, within and after March 2024; B: before and after, nothing within
    for day in ("2024-01-10", "2024-03-05", "2024-06-10"):
        book.add(day, locality="32010101", 事项编号="A")
    for day in ("2023-12-01", "2024-05-01"):
        book.add(day, locality="32010102", 事项编号="B")
    # C, a year earlier: before, within and after March 2023 (the 同比's spanning matter)
    for day in ("2023-02-01", "2023-03-15", "2023-04-20"):
        book.add(day, locality="32010102", 事项编号="C")
    book.add("2024-03-20", locality="32010102")  # D: first registered in March 2024
    book.load()
    return book


def test_a_matter_spanning_the_period_counts_with_a_registration_within(
    district: District, ledger: Ledger
) -> None:
    rep = report("320101", "2024-03-01", "2024-03-31")
    totals = rep["totals"]
    # March 2024: A (within) and D (first); B spans March without a registration in it
    assert (totals["matters"], totals["first_matters"], totals["batches"]) == (2, 1, 2)
    # March 2023: C (within); B began only in December 2023
    assert (totals["previous"]["matters"], totals["previous"]["first_matters"]) == (1, 0)
    street = report("32010101", "2024-03-01", "2024-03-31")["totals"]
    assert (street["matters"], street["first_matters"]) == (1, 0)  # A alone
    april = report("320101", "2024-04-01", "2024-04-30")["totals"]
    assert (april["matters"], april["batches"]) == (0, 0)  # A, B and C all span April

"""How dates are written for people: 2026年11月22日, as GB/T 9704 writes them."""

from datetime import date


def cn_date(day: date | None) -> str:
    """Arabic numerals, no leading zeros; empty for no date."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""

"""How the reports write numbers: percentages, changes and scores, rounded half up (contract B).

Figures with a fixed number of decimals travel as strings ("96.0"), so that nothing on the way
(JSON, Excel, Word) drops a trailing zero or rounds again.
"""

from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")
THREE_DECIMALS = Decimal("0.001")


def half_up(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def pct(num: int, den: int) -> str:
    """num / den in percent, one decimal, half up; "0.0" when there is nothing to divide."""
    if den == 0:
        return "0.0"
    return str(half_up(Decimal(num) * 100 / Decimal(den), ONE_DECIMAL))


def change(current: int, previous: int) -> str:
    """ "上升16.0%", "下降5.2%", "持平" when equal (both 0 included), "新增" from 0."""
    if current == previous:
        return "持平"
    if previous == 0:
        return "新增"
    ratio = half_up(Decimal(abs(current - previous)) * 100 / Decimal(previous), ONE_DECIMAL)
    return f"{'上升' if current > previous else '下降'}{ratio}%"


def weighted_score(num: int, den: int, weight: Decimal) -> Decimal:
    """num / den × weight rounded to three decimals half up; 0 when the denominator is 0."""
    if den == 0:
        return Decimal("0.000")
    return half_up(Decimal(num) * weight / Decimal(den), THREE_DECIMALS)

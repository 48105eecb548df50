"""The proportions of the demo district: how often each channel, level, category and outcome occurs.

Figures are shaped on the seed reports: mostly local petitions with a share going up, letters
and online items beside visits, collective visits of a dozen or two people, 征地拆迁 first.
"""

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")


class Table(Generic[T]):
    """Weighted choices drawn with one random number and a bisection."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        kept = [(item, weight) for item, weight in pairs if weight > 0]
        self.items = [item for item, _ in kept]
        self.cum = list(accumulate(weight for _, weight in kept))
        self.total = self.cum[-1]

    def pick(self, u: float) -> T:
        """The item for a uniform number u in [0, 1)."""
        return self.items[bisect(self.cum, u * self.total)]


CHANNELS_WORKDAY = [("网上", 0.34), ("来访", 0.34), ("来信", 0.18), ("来电", 0.14)]
CHANNELS_REST_DAY = [("网上", 0.62), ("来访", 0.08), ("来信", 0.05), ("来电", 0.25)]

LEVELS = {
    "来访": [("来区", 0.66), ("到市", 0.18), ("赴省", 0.11), ("进京", 0.05)],
    "来信": [("来区", 0.72), ("到市", 0.14), ("赴省", 0.09), ("进京", 0.05)],
    "网上": [("来区", 0.55), ("到市", 0.20), ("赴省", 0.15), ("进京", 0.10)],
    "来电": [("来区", 0.88), ("到市", 0.12)],
}
LEVEL_ORDER = ("来区", "到市", "赴省", "进京")
# Share of visits that are collective, by level (seed 000: 12 of 38 到市, 17 of 170 来区).
COLLECTIVE_SHARE = {"来区": 0.08, "到市": 0.25, "赴省": 0.20, "进京": 0.10}
JOINT_LETTER_SHARE = 0.08

CATEGORY_WEIGHTS = {
    "征地拆迁": 13,
    "房产纠纷": 9,
    "物业管理": 10,
    "房地产开发": 6,
    "规划": 3,
    "城乡建设": 4,
    "劳动保障": 6,
    "拖欠工资": 10,
    "三农": 3,
    "村务管理": 5,
    "涉法涉诉": 7,
    "涉军": 1,
    "企业改制": 2,
    "环境保护": 5,
    "教育": 4,
    "医疗卫生": 4,
    "非法集资": 2,
    "民政优抚": 3,
    "交通": 3,
    "其他": 4,
}
# Unpaid wages pile up before the Spring Festival.
WINTER_FACTORS = {"拖欠工资": 2.5}

# (suggestion, accusation) shares by category; the rest are requests (申诉求决).
PURPOSE_SHARES = {
    "村务管理": (0.03, 0.35),
    "征地拆迁": (0.02, 0.10),
    "规划": (0.25, 0.05),
    "环境保护": (0.15, 0.10),
    "交通": (0.30, 0.03),
    "教育": (0.15, 0.10),
    "医疗卫生": (0.10, 0.12),
    "其他": (0.15, 0.20),
    "城乡建设": (0.20, 0.05),
    "涉法涉诉": (0.0, 0.08),
    "非法集资": (0.0, 0.15),
    "三农": (0.10, 0.05),
    "物业管理": (0.05, 0.02),
    "劳动保障": (0.02, 0.05),
    "房地产开发": (0.02, 0.06),
    "涉军": (0.0, 0.03),
    "企业改制": (0.0, 0.05),
    "拖欠工资": (0.0, 0.04),
}
DEFAULT_PURPOSE_SHARES = (0.04, 0.04)

# Where a category's problems are: villages, urban communities, or anywhere.
LOCALITY_PREFERENCE = {
    "三农": "rural",
    "村务管理": "rural",
    "征地拆迁": "land",
    "物业管理": "urban",
    "房产纠纷": "urban",
    "房地产开发": "urban",
    "规划": "urban",
    "城乡建设": "urban",
}
KIND_FACTORS = {
    "rural": {"village": 3.0, "community": 0.1, "street": 0.6},
    "land": {"village": 2.5, "community": 0.6, "street": 0.8},
    "urban": {"village": 0.1, "community": 2.0, "street": 0.5},
    "any": {"village": 1.0, "community": 1.2, "street": 0.8},
}
# Streets where land is being taken for new projects.
LAND_STREETS = {"桃源街道": 2.5, "新城街道": 2.5, "白沙镇": 1.5, "石门镇": 1.2, "柳溪镇": 1.2}

# The responsible unit (责任单位) by category: "street" is the locality's street or town.
RESPONSIBLE = {
    "征地拆迁": [("street", 5), ("property", 3), ("housing", 1), ("planning", 1)],
    "房产纠纷": [("property", 5), ("housing", 2), ("street", 2)],
    "房地产开发": [("housing", 5), ("property", 3), ("planning", 1)],
    "物业管理": [("street", 5), ("property", 4)],
    "规划": [("planning", 6), ("urban", 2), ("street", 1)],
    "城乡建设": [("housing", 4), ("urban", 3), ("street", 3)],
    "劳动保障": [("hrss", 8), ("medical_insurance", 1)],
    "拖欠工资": [("hrss", 6), ("housing", 2), ("street", 2)],
    "三农": [("agriculture", 5), ("street", 4)],
    "村务管理": [("street", 8), ("agriculture", 1), ("civil", 1)],
    "涉法涉诉": [("court", 5), ("police", 3), ("procuratorate", 1), ("justice", 1)],
    "涉军": [("veterans", 9), ("hrss", 1)],
    "企业改制": [("state_assets", 5), ("hrss", 4), ("development", 1)],
    "环境保护": [("environment", 7), ("urban", 2), ("street", 1)],
    "教育": [("education", 10)],
    "医疗卫生": [("health", 7), ("medical_insurance", 3)],
    "非法集资": [("illegal_fundraising", 6), ("police", 4)],
    "民政优抚": [("civil", 7), ("veterans", 2), ("street", 1)],
    "交通": [("transport", 5), ("police", 3), ("urban", 1), ("street", 1)],
    "其他": [
        ("street", 4),
        ("market", 3),
        ("data", 1),
        ("emergency", 1),
        ("finance", 1),
        ("development", 1),
    ],
}

# How matters are routed (处理方式), by purpose; requests also by category (依法分类 share).
HANDLING_ACCUSATION = [("转送", 0.85), ("受理", 0.15)]
HANDLING_SUGGESTION = [("转送", 0.45), ("受理", 0.45), ("交办", 0.10)]
HANDLING_REQUEST = {"交办": 0.40, "转送": 0.22, "受理": 0.27, "不予受理": 0.04}
LEGAL_CHANNEL_SHARE = {
    "涉法涉诉": 0.80,
    "劳动保障": 0.22,
    "拖欠工资": 0.18,
    "房产纠纷": 0.20,
    "物业管理": 0.08,
}
DEFAULT_LEGAL_CHANNEL_SHARE = 0.06

EVALUATION_USUAL = [("满意", 0.64), ("基本满意", 0.24), ("不满意", 0.12)]
EVALUATION_TROUBLED = [("满意", 0.40), ("基本满意", 0.30), ("不满意", 0.30)]

# District leaders who own cases (包案领导).
LEADERS = ("李振华", "王立平", "陈志远", "赵建民", "刘红梅", "孙国栋", "周文涛", "吴晓光")

# Spring Festival dates: the weeks around them are quiet at the bureau.
SPRING_FESTIVAL = {
    2018: (2, 16),
    2019: (2, 5),
    2020: (1, 25),
    2021: (2, 12),
    2022: (2, 1),
    2023: (1, 22),
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
    2031: (1, 23),
    2032: (2, 11),
    2033: (1, 31),
    2034: (2, 19),
    2035: (2, 8),
}
WEEKDAY_WEIGHTS = (1.15, 1.05, 1.0, 1.1, 0.9, 0.3, 0.25)  # Thursday: leaders' reception day


def words(text: str) -> tuple[str, ...]:
    """A word list written as one string separated by spaces (keeps long lists readable)."""
    return tuple(text.split())


class QuickRandom(random.Random):
    """random.Random with choice and randint taken from one random() call: a million rows draw
    tens of millions of them, and the standard ones cost several times more. Still seeded."""

    def choice(self, seq: "SupportsLenAndGetItem[T]") -> T:
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        if step != 1:
            return super().randrange(start, stop, step)
        return start + int(self.random() * (stop - start))

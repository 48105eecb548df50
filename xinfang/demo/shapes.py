"""The shape of a demo matter: how many came, and when they wrote, visited or came back.

A registration is drawn as (day, channel, level, people, form, parallel), day a day ordinal.
"""

import random
from datetime import date

from xinfang.demo import weights as w

Registration = tuple[int, str, str, int, str, bool]

_FIXED_HOLIDAYS = frozenset(
    [(1, 1), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5)] + [(10, d) for d in range(1, 8)]
)


def size(rng: random.Random, channel: str, level: str) -> tuple[int, str, str]:
    """People, form, and the kind of opener: 个访, 集体访 or 联名 (a joint letter)."""
    if channel == "来访":
        if rng.random() < w.COLLECTIVE_SHARE[level]:
            return collective_size(rng), "集体访", "集体访"
        u = rng.random()
        return (1 if u < 0.75 else 2 if u < 0.92 else 3 if u < 0.98 else 4), "个访", "个访"
    if channel == "来信" and rng.random() < w.JOINT_LETTER_SHARE:
        return rng.randint(2, 25), "个访", "联名"
    return 1, "个访", "个访"


def collective_size(rng: random.Random) -> int:
    """A dozen or two as a rule (seed 000: 235 people in 12 collective visits), a few crowds."""
    if rng.random() < 0.02:
        return rng.randint(60, 300)
    return min(200, 5 + int(rng.expovariate(1 / 12)))


def registrations(
    rng: random.Random,
    channels: w.Table[str],
    day: int,
    channel: str,
    level: str,
    people: int,
    form: str,
    anonymous: bool,
) -> list[Registration]:
    """The matter's registrations, the first one first; some lie beyond the end date."""
    rows = [(day, channel, level, people, form, False)]
    u = rng.random()
    if u < 0.12 and not anonymous:  # 信访并行: the same person writes and visits
        if channel == "来访":
            other = "网上" if rng.random() < 0.5 else "来信"
            # A group that visited may also send a joint letter.
            other_people = people if form == "集体访" and other == "来信" else 1
        else:
            other = "来访" if rng.random() < 0.75 else ("来信" if channel != "来信" else "网上")
            other_people = 1
        rows.append((day + rng.randint(1, 10), other, level, other_people, "个访", True))
        if rng.random() < 0.3:
            rows.extend(repeats(rng, channels, rows[-1], 1))
    elif u < 0.36:  # 重复信访: back again months later
        count = 1
        while count < 6 and rng.random() < 0.45:
            count += 1
        rows.extend(repeats(rng, channels, rows[-1], count, keep_channel=anonymous))
    return rows


def repeats(
    rng: random.Random,
    channels: w.Table[str],
    last: Registration,
    count: int,
    keep_channel: bool = False,
) -> list[Registration]:
    """Later registrations weeks or months apart; some go a level up (越级), some come home."""
    day, channel, level, people, form, _ = last
    out = []
    for _ in range(count):
        day += int(rng.triangular(12, 160, 40))
        if not keep_channel and rng.random() >= 0.45:
            channel = channels.pick(rng.random())
        u = rng.random()
        index = w.LEVEL_ORDER.index(level)
        if u < 0.2 and index < 3:
            level = w.LEVEL_ORDER[index + 1]
        elif u < 0.45:
            level = "来区"
        if channel == "来访" and form == "集体访":
            reg_people, reg_form = max(5, people + rng.randint(-people // 3, people // 3)), form
        elif channel == "来访":
            reg_people, reg_form = 1, "个访"
        else:
            reg_people, reg_form = (people if people > 1 and channel == "来信" else 1), "个访"
        out.append((day, channel, level, reg_people, reg_form, False))
    return out


def is_holiday(day: date) -> bool:
    """Close enough for volumes: the Spring Festival week, New Year, May Day, National Day."""
    festival = date(day.year, *w.SPRING_FESTIVAL.get(day.year, (2, 1))).toordinal()
    if -3 <= day.toordinal() - festival <= 6:
        return True
    upcoming = date(day.year + 1, *w.SPRING_FESTIVAL.get(day.year + 1, (2, 1))).toordinal()
    if upcoming - day.toordinal() <= 3:
        return True
    return (day.month, day.day) in _FIXED_HOLIDAYS

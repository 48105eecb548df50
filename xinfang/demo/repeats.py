"""Planted repeats: matters of the demo ledger that are another matter written again (纯件数 too
high), for `xinfang propose-merges` to find.

Now and then a matter of our district takes the problem of a recent one about the same place,
category and purpose: the same person writes it again in other words as a new matter, or one of
the household does (家属: the same surname and address, a phone of their own, no ID number
given). Drawn with a random source of its own, so that every other row of the ledger stays as it
was; only the repeat's petitioner and 反映内容 change. `LedgerMaker.planter.planted` lists them
(the earlier matter's number, the repeat's, and who wrote it again).
"""

import random
import re
from collections import deque
from dataclasses import dataclass

from xinfang.demo.people import PeopleMaker, Person

SHARE = 0.1  # of our district's matters, those that look for an earlier one to repeat
WITHIN = 240  # days: how far back the earlier matter may lie
KEEP = 400  # recent matters remembered
MARGIN = 45  # days before the ledger's end: a repeat is never cut off by it
SAME_PERSON = 0.6  # the rest are written by one of the household

# The same problem told again: words a petitioner uses for the ledger's, and clauses they add.
SYNONYMS = (
    ("要求", "请求"),
    ("至今", "到现在"),
    ("补偿", "赔偿"),
    ("尽快", "早日"),
    ("问题", "情况"),
    ("房屋", "房子"),
    ("拖欠", "欠"),
    ("多次", "好几次"),
    ("明显", "非常"),
)
ADDED = (
    "此事拖了很久，一直没有结果。",
    "家里为此十分着急。",
    "希望有关部门重视。",
    "之前也向社区反映过。",
)


@dataclass(frozen=True)
class Earlier:
    day: int
    number: str
    key: tuple[str, str, str]  # category, purpose, place
    person: Person
    core: str


@dataclass(frozen=True)
class Planted:
    original: str  # the earlier matter's number
    repeat: str  # the matter that repeats it
    who: str  # "本人" or "家属"


def reword(text: str, rng: random.Random) -> str:
    """The same problem in other words: clauses in another order, synonyms, a clause added."""
    clauses = [c for c in re.split(r"(?<=[，。；])", text) if c]
    demand = clauses.pop() if len(clauses) > 1 else ""
    rng.shuffle(clauses)
    clauses.insert(rng.randrange(len(clauses) + 1), rng.choice(ADDED))
    out = "".join(clauses) + demand
    for old, new in rng.sample(SYNONYMS, 4):
        out = out.replace(old, new, 1)
    return out


class Planter:
    """Decides, matter by matter, which become repeats; keeps the recent ones to repeat."""

    def __init__(self, seed: int, people: PeopleMaker) -> None:
        self.rng = random.Random(seed * 7919 + 1)
        self.people = people
        self.recent: deque[Earlier] = deque(maxlen=KEEP)
        self.planted: list[Planted] = []
        self.used: set[str] = set()  # an earlier matter is repeated once at most

    def repeat(
        self, *, day: int, last_day: int, key: tuple[str, str, str]
    ) -> tuple[Earlier, Person, str] | None:
        """The earlier matter this one repeats, who writes it, and in what words; or None."""
        if day > last_day - MARGIN or self.rng.random() >= SHARE:
            return None
        for earlier in reversed(self.recent):
            if day - earlier.day > WITHIN:
                break
            if earlier.key != key or earlier.number in self.used or earlier.day == day:
                continue
            same = self.rng.random() < SAME_PERSON
            person = earlier.person if same else self._relative(earlier.person)
            self.used.add(earlier.number)
            return earlier, person, reword(earlier.core, self.rng)
        return None

    def remember(self, earlier: Earlier) -> None:
        self.recent.append(earlier)

    def record(self, earlier: Earlier, number: str, person: Person) -> None:
        who = "本人" if person is earlier.person else "家属"
        self.planted.append(Planted(earlier.number, number, who))

    def _relative(self, person: Person) -> Person:
        """One of the household: the same surname and address, a phone of their own."""
        sex = "M" if self.rng.random() < 0.5 else "F"
        name = person.name[0] + self.people.given_name(sex)
        if name == person.name:
            name = person.name[0] + self.people.given_name("F" if sex == "M" else "M")
        return Person(name, "", self.people.phone(), person.address, sex)

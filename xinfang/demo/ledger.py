"""The demo ledger: two years of registrations as contract A rows, drawn lazily and in date order.

Matters are started day by day; each brings its first registration and, for some, later ones
(信访并行: the same person writes and visits within days; 重复信访: comes back months later).
Rows wait in a heap until their day comes, so the output is sorted by date while staying lazy.
"""

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from xinfang.core.sequences import serial_number
from xinfang.demo import shapes
from xinfang.demo import weights as w
from xinfang.demo.content import ContentMaker
from xinfang.demo.facts import Facts, MatterShape, make_facts
from xinfang.demo.org import DISTRICT_NAME, SIBLING_DISTRICTS, Place, Tree, build_tree
from xinfang.demo.people import OTHER_REGIONS, PeopleMaker, Person
from xinfang.demo.repeats import Earlier, Planter
from xinfang.intake.default_categories import DEFAULT_CATEGORIES

# the demo district's own prefix (a bureau sets its own: XINFANG_MATTER_NUMBER_PREFIX)
DEMO_MATTER_PREFIX = "SX"

REGISTRATION_COLUMNS = (
    "登记编号",
    "事项编号",
    "登记日期",
    "渠道",
    "层级",
    "人数",
    "形式",
    "信访人",
    "身份证号",
    "联系电话",
    "住址",
    "问题属地",
    "内容分类",
    "信访目的",
    "反映内容",
    "责任单位",
    "来信类型",  # beyond contract A (README): the letter sub-types seed 000 counts
)
MATTER_COLUMNS = (
    "处理方式",
    "处理日期",
    "办理期限",
    "延期至",
    "答复日期",
    "评价",
    "评价日期",
    "复查申请日期",
    "复查答复日期",
    "复核申请日期",
    "复核答复日期",
    "包案领导",
    "包案日期",
    "督办级别",
    "督办日期",
    "督办期限",
    "化解日期",
    "备注",
)
LEDGER_COLUMNS = REGISTRATION_COLUMNS + MATTER_COLUMNS

# Other districts' people are a little more likely to go up a level (江北区 most).
_UPWARD = {DISTRICT_NAME: 1.0, "滨江区": 0.8, "江北区": 1.7, "南湖区": 1.0, "云溪区": 0.7}
_CITY_REGIONS = tuple(code for code, *_ in SIBLING_DISTRICTS)
# The 来信类型 of a matter's first letter, from the remark _remark gave it.
_LETTER_KIND_OF_REMARK = {
    "领导批示件": "领导批示件",
    "国家信访局转送件": "转送件",
    "国家投诉受理办公室交办件": "国家投诉受理办公室交办件",  # seed 000 counts it by this name
}


def default_category_names() -> list[str]:
    names: list[str] = []
    for parent, children in DEFAULT_CATEGORIES:
        names.extend([parent, *children])
    return names


def two_years_before(end: date) -> date:
    """The first day of the two whole years that end on `end`."""
    try:
        return end.replace(year=end.year - 2) + timedelta(days=1)
    except ValueError:  # 29 February
        return end.replace(year=end.year - 2, day=28) + timedelta(days=1)


@dataclass(frozen=True)
class OpenWindow:
    """Which of our district's latest matters the ledger leaves open (no handling facts), for
    the live workflow to take over: all first received on or after `all_since`, and every
    `every`-th (by matter number) first received on or after `since`."""

    since: date
    all_since: date
    every: int = 1

    def leaves_open(self, first: date, serial: int) -> bool:
        return first >= self.all_since or (first >= self.since and serial % self.every == 0)


class LedgerMaker:
    """Draws the rows; one instance is one run (its random state is consumed as rows are made)."""

    def __init__(
        self,
        *,
        seed: int,
        end: date,
        registrations: int,
        sibling_share: float = 0.25,
        open_window: OpenWindow | None = None,
    ) -> None:
        self.open_window = open_window
        self.rng: random.Random = w.QuickRandom(seed)
        self.end_date = end
        self.start_date = two_years_before(end)
        self.start, self.end = self.start_date.toordinal(), end.toordinal()
        self.total = registrations
        self.sibling_share = sibling_share
        self.tree: Tree = build_tree()
        self.categories = default_category_names()
        self.people = PeopleMaker(self.rng, end)
        self.content = ContentMaker(self.rng, end.year, self.categories)
        self.known: list[Person] = []  # recent petitioners, some of whom come with a new matter
        # repeats of recent matters (xinfang.demo.repeats), drawn apart from `rng`
        self.planter = Planter(seed, PeopleMaker(random.Random(seed * 31 + 7), end))
        self.matter_serials: dict[int, int] = {}
        self._tables()
        self._date_strings()
        self._calendar()

    # ---- set-up -------------------------------------------------------------------------

    def _tables(self) -> None:
        weights = [(c, w.CATEGORY_WEIGHTS.get(c, 1.0)) for c in self.categories]
        self.category_table = w.Table(weights)
        self.winter_category_table = w.Table(
            [(c, x * w.WINTER_FACTORS.get(c, 1.0)) for c, x in weights]
        )
        self.purpose_tables = {}
        self.handling_tables = {}
        for category in self.categories:
            suggestion, accusation = w.PURPOSE_SHARES.get(category, w.DEFAULT_PURPOSE_SHARES)
            self.purpose_tables[category] = w.Table(
                [
                    ("建议意见", suggestion),
                    ("检举控告", accusation),
                    ("申诉求决", 1 - suggestion - accusation),
                ]
            )
            legal = w.LEGAL_CHANNEL_SHARE.get(category, w.DEFAULT_LEGAL_CHANNEL_SHARE)
            scale = (1 - legal) / sum(w.HANDLING_REQUEST.values())
            self.handling_tables[category] = w.Table(
                [(m, x * scale) for m, x in w.HANDLING_REQUEST.items()] + [("依法分类", legal)]
            )
        # The department each category concerns, which accusations name.
        self.category_depts = {
            category: next(
                (
                    self.tree.departments[k]
                    for k, _ in w.RESPONSIBLE.get(category, [])
                    if k != "street"
                ),
                "",
            )
            for category in self.categories
        }
        self.accusation_handling = w.Table(w.HANDLING_ACCUSATION)
        self.suggestion_handling = w.Table(w.HANDLING_SUGGESTION)
        self.place_tables = {
            category: self._place_table(w.LOCALITY_PREFERENCE.get(category, "any"))
            for category in self.categories
        }
        self.responsible_tables = {
            category: w.Table(w.RESPONSIBLE.get(category, [("street", 1.0)]))
            for category in self.categories
        }
        self.sibling_table = w.Table(
            [(name, share) for _, name, _, share in SIBLING_DISTRICTS if name in _UPWARD]
        )
        self.channel_tables = (w.Table(w.CHANNELS_WORKDAY), w.Table(w.CHANNELS_REST_DAY))
        self.level_tables = {
            (district, channel): w.Table(
                [(lv, x * (1 if lv == "来区" else up)) for lv, x in w.LEVELS[channel]]
            )
            for district, up in _UPWARD.items()
            for channel in w.LEVELS
        }

    def _place_table(self, preference: str) -> w.Table[Place]:
        factors = w.KIND_FACTORS[preference]
        per_street: dict[str, int] = {}
        for place in self.tree.places:
            per_street[place.street] = per_street.get(place.street, 0) + 1
        street_weight = {p.name: p.weight for p in self.tree.places if p.kind == "street"}
        pairs = []
        for place in self.tree.places:
            weight = street_weight[place.street] / per_street[place.street]
            if preference == "land":
                weight *= w.LAND_STREETS.get(place.street, 1.0)
            pairs.append((place, weight * factors[place.kind]))
        return w.Table(pairs)

    def _date_strings(self) -> None:
        # Deadlines may run up to a few months past the end date; dates are looked up, not
        # formatted, because a million rows carry several each.
        first = date.fromordinal(self.start)
        days = self.end - self.start + 400
        self.iso = [(first + timedelta(days=i)).isoformat() for i in range(days)]
        self.cn = [
            f"{d.year}年{d.month}月{d.day}日"
            for d in (first + timedelta(days=i) for i in range(self.end - self.start + 1))
        ]

    def _calendar(self) -> None:
        """Per day: its weight (weekdays, holidays, a slow rise), rest day, and winter."""
        self.weights: list[float] = []
        self.rest_days: list[int] = []
        self.winter: list[bool] = []
        span = max(1, self.end - self.start)
        for ordinal in range(self.start, self.end + 1):
            day = date.fromordinal(ordinal)
            holiday = shapes.is_holiday(day)
            weight = w.WEEKDAY_WEIGHTS[day.weekday()] * (1 + 0.10 * (ordinal - self.start) / span)
            self.weights.append(weight * 0.3 if holiday else weight)
            self.rest_days.append(int(holiday or day.weekday() >= 5))
            self.winter.append(day.month in (12, 1))

    def day_weights(self) -> list[float]:
        return self.weights

    # ---- the rows -----------------------------------------------------------------------

    def rows(self) -> Iterator[tuple[str, ...]]:
        """Exactly `registrations` rows, sorted by date; each day gets its share of the total."""
        weights = self.day_weights()
        total_weight = sum(weights)
        scheduled = [0] * len(weights)  # later registrations already promised to each day
        pending: list[tuple[int, int, tuple[str, ...]]] = []
        emitted, made, carry, running = 0, 0, 0, 0.0
        serials: dict[int, int] = {}
        for index, weight in enumerate(weights):
            before = round(self.total * running / total_weight)
            running += weight
            quota = round(self.total * running / total_weight) - before
            need = quota + carry - scheduled[index]
            carry = min(0, need)  # a day crowded with returning petitioners borrows from the next
            day = self.start + index
            for _ in range(max(0, need)):
                for ordinal, row in self._matter(day, index):
                    heapq.heappush(pending, (ordinal, made, row))
                    made += 1
                    if ordinal != day:
                        scheduled[ordinal - self.start] += 1
            year = int(self.iso[index][:4])
            while pending and pending[0][0] == day and emitted < self.total:
                _, _, row = heapq.heappop(pending)
                serials[year] = serial = serials.get(year, 0) + 1
                emitted += 1
                yield (serial_number("DJ", year, serial), *row)

    def _matter(self, day: int, index: int) -> list[tuple[int, tuple[str, ...]]]:
        rng = self.rng
        random_ = rng.random
        sibling = random_() < self.sibling_share
        district = self.sibling_table.pick(random_()) if sibling else DISTRICT_NAME
        table = self.winter_category_table if self.winter[index] else self.category_table
        category = table.pick(random_())
        purpose = self.purpose_tables[category].pick(random_())
        if sibling:
            places = self.tree.sibling_places[district]
            place = places[int(random_() * len(places))]
        else:
            place = self.place_tables[category].pick(random_())
        responsible = self._responsible(district, category, purpose, place)
        channel = self.channel_tables[self.rest_days[index]].pick(random_())
        anonymous = purpose == "检举控告" and channel in ("来信", "网上") and random_() < 0.35
        level = self.level_tables[(district, channel)].pick(random_())
        people, form, kind = shapes.size(rng, channel, level)
        person = None if anonymous else self._person(place, category)
        registrations = shapes.registrations(
            rng, self.channel_tables[0], day, channel, level, people, form, anonymous
        )
        registrations = [r for r in registrations if r[0] <= self.end]

        year = int(self.iso[index][:4])
        self.matter_serials[year] = serial = self.matter_serials.get(year, 0) + 1
        matter_number = serial_number(DEMO_MATTER_PREFIX, year, serial)
        method = self._method(category, purpose)
        top = max((r[2] for r in registrations), key=w.LEVEL_ORDER.index)
        shape = MatterShape(day, method, len(registrations), top, form == "集体访")
        facts = make_facts(rng, shape, self.end)
        tail = self._tail(facts, channel, kind, level)
        window = self.open_window
        left_open = bool(
            window and not sibling and window.leaves_open(date.fromordinal(day), serial)
        )
        if left_open:
            # drawn all the same, so every other row stays as it would be; only a remark that
            # is not about the handling (a letter's kind, a transfer) is kept
            tail = ("",) * (len(tail) - 1) + ("" if facts.remark else tail[-1],)
        core = self.content.core(
            category=category, purpose=purpose, place=place, dept=self.category_depts[category]
        )
        if person is not None and not sibling and not left_open:
            key = (category, purpose, place.street + place.name)
            found = self.planter.repeat(day=day, last_day=self.end, key=key)
            if found is None:
                self.planter.remember(Earlier(day, matter_number, key, person, core))
            else:
                earlier, person, core = found
                self.planter.record(earlier, matter_number, person)
        name = person.name if person else ""
        who = (name, person.id_number, person.phone, person.address) if person else ("", "", "", "")
        locality = place.name
        first_kind = _LETTER_KIND_OF_REMARK.get(tail[-1], "") if channel == "来信" else ""
        rows = []
        previous: tuple[int, str] | None = None
        for ordinal, reg_channel, reg_level, reg_people, reg_form, parallel in registrations:
            if previous is None:
                opener = self.content.opener(
                    channel=reg_channel,
                    kind="匿名" if anonymous else kind,
                    name=name,
                    people=reg_people,
                )
            else:
                opener = self.content.again(
                    channel=reg_channel,
                    prev=self.cn[previous[0] - self.start],
                    prev_channel=previous[1],
                    parallel=parallel,
                )
            if reg_channel == "来信" and reg_people > 1:
                letter_kind = "联名信"  # signed by several people (domain brief, section 2)
            else:
                letter_kind = first_kind if previous is None else ""
            previous = (ordinal, reg_channel)
            row = (
                matter_number,
                self.iso[ordinal - self.start],
                reg_channel,
                reg_level,
                str(reg_people),
                reg_form,
                *who,
                locality,
                category,
                purpose,
                opener + core,
                responsible,
                letter_kind,
                *tail,
            )
            rows.append((ordinal, row))
        return rows

    def _responsible(self, district: str, category: str, purpose: str, place: Place) -> str:
        if district != DISTRICT_NAME:
            if purpose == "检举控告":
                return self.tree.sibling_discipline[district]
            return place.street
        if purpose == "检举控告":
            return self.tree.departments["discipline"]
        key = self.responsible_tables[category].pick(self.rng.random())
        return place.street if key == "street" else self.tree.departments[key]

    def _person(self, place: Place, category: str) -> Person:
        rng = self.rng
        if self.known and rng.random() < 0.03:
            return self.known[int(rng.random() * len(self.known))]
        u = rng.random()
        outside = 0.45 if category == "拖欠工资" else 0.16
        if u < outside:
            region = OTHER_REGIONS[int(rng.random() * len(OTHER_REGIONS))]
        elif u < outside + 0.08:
            region = _CITY_REGIONS[int(rng.random() * len(_CITY_REGIONS))]
        else:
            region = place.region
        person = self.people.person(
            region=region,
            district=place.district,
            street=place.street,
            place="" if place.kind == "street" else place.name,
            place_kind=place.kind,
        )
        if len(self.known) < 500:
            self.known.append(person)
        else:
            self.known[int(rng.random() * 500)] = person
        return person

    def _method(self, category: str, purpose: str) -> str:
        u = self.rng.random()
        if purpose == "检举控告":
            return self.accusation_handling.pick(u)
        if purpose == "建议意见":
            return self.suggestion_handling.pick(u)
        return self.handling_tables[category].pick(u)

    def _tail(self, facts: Facts, channel: str, kind: str, level: str) -> tuple[str, ...]:
        iso, start = self.iso, self.start

        def day(ordinal: int | None) -> str:
            return "" if ordinal is None else iso[ordinal - start]

        return (
            facts.method,
            day(facts.decided),
            day(facts.deadline),
            day(facts.extended_to),
            day(facts.replied),
            facts.evaluation,
            day(facts.evaluated),
            day(facts.review_requested),
            day(facts.review_replied),
            day(facts.rereview_requested),
            day(facts.rereview_replied),
            facts.leader,
            day(facts.packaged),
            facts.supervision,
            day(facts.supervised),
            day(facts.supervision_due),
            day(facts.resolved),
            facts.remark or self._remark(channel, kind, level),
        )

    def _remark(self, channel: str, kind: str, level: str) -> str:
        """Letter sub-types and transfers the reports count separately (seed 000)."""
        u = self.rng.random()
        if kind == "联名":
            return "联名信"
        if channel == "来信" and u < 0.04:
            return "领导批示件"
        if level == "进京" and channel in ("来信", "网上") and u < 0.4:
            return "国家信访局转送件" if u < 0.3 else "国家投诉受理办公室交办件"
        if level == "到市" and channel == "来电" and u < 0.5:
            return "12345热线转办件"
        return ""

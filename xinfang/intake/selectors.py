"""Reading intake for the staff pages: the matter list, a person's earlier matters, one history."""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db import connection, models, transaction
from django.db.models import (
    BigIntegerField,
    ExpressionWrapper,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Substr
from django.db.models.lookups import IsNull

from xinfang.core.models import AuditEvent
from xinfang.core.permissions import Actor, visible_matters
from xinfang.core.sealing import lookup_hash
from xinfang.intake import word_search
from xinfang.intake.choices import Channel
from xinfang.intake.models import (
    Category,
    Matter,
    Petitioner,
    Registration,
    Representative,
    id_prefix_lookup,
)
from xinfang.intake.searches import ID_LIKE, PHONE_LIKE
from xinfang.organisation.models import OrgUnit
from xinfang.organisation.selectors import holds_unlocated, subtree_ids

# Counting past this many rows costs more than it tells; the list says "1000 件以上".
COUNT_CAP = 1000
EXCERPT_CHARS = 60
# read past what is shown, so that a number at the edge is read whole and can be masked
EXCERPT_READ = EXCERPT_CHARS + 25


@dataclass(frozen=True)
class MatterFilters:
    channel: str = ""
    level: str = ""
    form: str = ""
    category: Category | None = None
    purpose: str = ""
    locality: OrgUnit | None = None
    responsible_unit: OrgUnit | None = None
    received_from: date | None = None
    received_to: date | None = None
    status: str = ""
    person: str = ""  # a name, an ID number or a phone
    words: str = ""  # words of the content, all of them
    # The statistics' drill-down (contract B): what a figure of the report counted.
    registered_from: date | None = None  # the matter has a registration received in the range
    registered_to: date | None = None
    # "registration": channel, level, form, purpose, category and locality are those of one
    # registration received in the range (a breakdown row counts registrations), not the
    # matter's first registration; a root unit's locality also takes an empty one (contract B).
    basis: str = ""
    only: frozenset[str] = frozenset()  # locality / category / responsible_unit without below
    empty: frozenset[str] = frozenset()  # locality / category / purpose / responsible_unit unset
    long_standing: bool = False  # 积案 only (xinfang.casework.LongStanding)
    # a registration of the letters' kind (LETTER_KIND_ORDINARY: 普通来信), and/or the first
    # of its matter or a repeat ("first" / "repeat"): B2 `letters`' figures
    letter_kind: str = ""
    first: str = ""


LETTER_KIND_ORDINARY = "ordinary"  # the list's name for LetterKind.ORDINARY (stored as "")


@dataclass(frozen=True)
class Cursor:
    """A place in the list, newest first: the (first_received_on, id) of a row."""

    day: date
    pk: int

    def encode(self) -> str:
        return f"{self.day.isoformat()}_{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> "Cursor | None":
        try:
            day, pk = (raw or "").split("_")
            return cls(date.fromisoformat(day), int(pk))
        except ValueError:
            return None


@dataclass
class MatterPage:
    # Matter rows, each with `excerpt`: the start of its first content (EXCERPT_READ characters,
    # unmasked: pass it through core.masking.excerpt_for before showing it)
    rows: list[Any]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None
    total: int
    total_capped: bool  # True: there are more than `total`
    # Not None: `total` is estimated (a word search, xinfang.intake.word_search): the share of
    # the matters looked into that hold the words, times the matters; `total_capped` then says
    # the estimate passes `total`
    estimate: "Estimate | None" = None


@dataclass(frozen=True)
class Estimate:
    """What an estimated count rests on: `found` of the `looked` matters looked into hold the
    words (the newest of those the list may show, or those after the page's cursor)."""

    found: int
    looked: int


def category_ids(category: Category) -> list[int]:
    """The category and every category below it."""
    below = Category.objects.filter(Q(pk=category.pk) | Q(path__startswith=f"{category.path}/"))
    return list(below.values_list("pk", flat=True))


def person_matter_ids(text: str) -> list[int] | None:
    """Matters of the person named by `text` (an ID number, a phone or a name); None: no search."""
    value = text.strip()
    if not value:
        return None
    if ID_LIKE.match(value):
        number = value.upper()
        if len(number) == 18:
            return _matter_ids(Petitioner.objects.with_id_number(number))
        return _matter_ids(Petitioner.objects.id_number_starting(number))
    if PHONE_LIKE.match(value):
        phone = value.replace(" ", "")
        return _matter_ids(Petitioner.objects.with_phone(phone), _snapshot_phone(phone))
    return _matter_ids(Petitioner.objects.filter(name=value), Q(petitioner_name=value))


@dataclass(frozen=True)
class _Sets:
    """The id lists the filters stand for, looked up once per page."""

    category: list[int] | None
    locality: list[int] | None
    responsible: list[int] | None
    person: list[int] | None


def _resolve(filters: MatterFilters) -> _Sets:
    only = filters.only

    def units(unit: OrgUnit | None, name: str) -> list[int] | None:
        if unit is None:
            return None
        return [unit.pk] if name in only else subtree_ids(unit)

    category = filters.category
    return _Sets(
        category=(
            ([category.pk] if "category" in only else category_ids(category)) if category else None
        ),
        locality=units(filters.locality, "locality"),
        responsible=units(filters.responsible_unit, "responsible_unit"),
        person=person_matter_ids(filters.person),
    )


def _unset(name: str) -> Q:
    """The field is not filled: an empty 信访目的, or no unit or category."""
    return Q(purpose="") if name == "purpose" else Q(**{f"{name}__isnull": True})


def _received_in(filters: MatterFilters) -> QuerySet[Registration]:
    regs = Registration.objects.all()
    if filters.registered_from is not None:
        regs = regs.filter(received_on__gte=filters.registered_from)
    if filters.registered_to is not None:
        regs = regs.filter(received_on__lte=filters.registered_to)
    return regs


def _registration_kind(
    regs: QuerySet[Registration], filters: MatterFilters
) -> QuerySet[Registration]:
    """Registrations of the filters' 来信类型 and 初次/重复 (none asked: all)."""
    if filters.letter_kind:
        kind = "" if filters.letter_kind == LETTER_KIND_ORDINARY else filters.letter_kind
        regs = regs.filter(channel=Channel.LETTER, letter_kind=kind)
    if filters.first:
        regs = regs.filter(is_first=filters.first == "first")
    return regs


def _registration_scope(filters: MatterFilters, sets: _Sets) -> QuerySet[Registration]:
    """The registrations a breakdown row of the report counted (basis "registration")."""
    regs = _registration_kind(_received_in(filters), filters)
    exact = {key: getattr(filters, key) for key in ("channel", "level", "form", "purpose")}
    regs = regs.filter(**{key: value for key, value in exact.items() if value})
    if sets.category is not None:
        regs = regs.filter(category_id__in=sets.category)
    if sets.locality is not None:
        place = Q(locality_id__in=sets.locality)
        if filters.locality is not None and holds_unlocated(filters.locality):
            place |= Q(locality__isnull=True)  # an empty 问题属地 belongs to the (first) root
        regs = regs.filter(place)
    for name in filters.empty - {"responsible_unit"}:
        regs = regs.filter(_unset(name))
    return regs


def matters_filtered(
    actor: Actor,
    filters: MatterFilters,
    *,
    sets: _Sets | None = None,
    broad: bool = False,
    probe_words: bool = False,
) -> QuerySet[Matter]:
    """The matters `actor` may see that pass `filters`; each filter can use a Matter index.

    `broad`: the filters match many rows, so walking the date index newest first finds a page
    sooner than the filters' own indexes would (SQLite sorts every row an IN list matches).
    `probe_words`: look into each matter's registrations for the words (word_search.probe)
    instead of asking the word index (word_search.hits).
    """
    sets = sets or _resolve(filters)
    matters = visible_matters(actor)
    if filters.long_standing:
        matters = matters.filter(long_standing__isnull=False)
    if filters.basis == "registration":
        regs = _registration_scope(filters, sets)
        matters = matters.filter(pk__in=regs.values("matter_id"))
        matters = _matter_filters(matters, filters, replace(sets, category=None, locality=None))
        if filters.status:
            matters = matters.filter(status=filters.status)
        if "responsible_unit" in filters.empty:
            matters = matters.filter(responsible_unit__isnull=True)
        return _person_and_words(actor, matters, filters, sets, probe_words=probe_words)
    if filters.registered_from is not None or filters.registered_to is not None:
        matters = matters.filter(pk__in=_received_in(filters).values("matter_id"))
    if filters.letter_kind or filters.first:
        regs = _registration_kind(Registration.objects.all(), filters)
        matters = matters.filter(pk__in=regs.values("matter_id"))
    for name in filters.empty:
        matters = matters.filter(_unset(name))
    exact = {
        "channel": filters.channel,
        "level": filters.level,
        "form": filters.form,
        "purpose": filters.purpose,
        "status": filters.status,
    }
    matters = matters.filter(**{key: value for key, value in exact.items() if value})
    matters = _matter_filters(matters, filters, sets, broad=broad)
    return _person_and_words(actor, matters, filters, sets, probe_words=probe_words)


def _matter_filters(
    matters: QuerySet[Matter], filters: MatterFilters, sets: _Sets, *, broad: bool = False
) -> QuerySet[Matter]:
    for column, ids in (
        ("category_id", sets.category),
        ("locality_id", sets.locality),
        ("responsible_unit_id", sets.responsible),
    ):
        if ids is not None:
            matters = _within(matters, column, ids, broad=broad)
    if filters.received_from is not None:
        matters = matters.filter(first_received_on__gte=filters.received_from)
    if filters.received_to is not None:
        matters = matters.filter(first_received_on__lte=filters.received_to)
    return matters


def _person_and_words(
    actor: Actor,
    matters: QuerySet[Matter],
    filters: MatterFilters,
    sets: _Sets,
    *,
    probe_words: bool,
) -> QuerySet[Matter]:
    if sets.person is not None:
        matters = matters.filter(pk__in=sets.person)
    words = filters.words.split()
    if not words:
        return matters
    # a reader who may not reveal personal data finds a word with digits only where they see it
    matters, words = word_search.as_seen(actor, matters, words)
    if not words:
        return matters
    return word_search.probe(matters, words) if probe_words else word_search.hits(matters, words)


def _within(
    matters: QuerySet[Matter], column: str, ids: list[int], *, broad: bool
) -> QuerySet[Matter]:
    if len(ids) == 1:  # one value: its (column, first_received_on) index is already in order
        return matters.filter(**{column: ids[0]})
    if not broad:
        return matters.filter(**{f"{column}__in": ids})
    # Adding 0 hides the column's index from the planner, which then walks the date index.
    plain = ExpressionWrapper(F(column) + 0, output_field=BigIntegerField())
    return matters.alias(**{f"{column}_plain": plain}).filter(**{f"{column}_plain__in": ids})


def matter_page(
    *,
    actor: Actor,
    filters: MatterFilters,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = 50,
) -> MatterPage:
    """One page of the list, newest first, paged by keyset so page 1000 costs what page 1 does."""
    sets = _resolve(filters)
    words = filters.words.split()
    if words:  # planned as the person look-up's are: no parallel workers for a few rows
        with _probing():
            return _word_page(actor, filters, sets, words, after=after, before=before, size=size)
    matters = matters_filtered(actor, filters, sets=sets)
    total = matters.order_by()[: COUNT_CAP + 1].count()
    if total > COUNT_CAP and connection.vendor == "sqlite":
        matters = matters_filtered(actor, filters, sets=sets, broad=True)
    return _page_of(matters, total, after=after, before=before, size=size)


NEWEST = ("-first_received_on", "-id")
OLDEST = ("first_received_on", "id")


def _older(cursor: Cursor, *, including: bool = False) -> Q:
    """Rows after `cursor` newest first. The first bound makes the date an index condition; the
    second settles ties by id."""
    ties = Q(pk__lte=cursor.pk) if including else Q(pk__lt=cursor.pk)
    return Q(first_received_on__lte=cursor.day) & (Q(first_received_on__lt=cursor.day) | ties)


def _newer(cursor: Cursor, *, including: bool = False) -> Q:
    ties = Q(pk__gte=cursor.pk) if including else Q(pk__gt=cursor.pk)
    return Q(first_received_on__gte=cursor.day) & (Q(first_received_on__gt=cursor.day) | ties)


def _page_of(
    matters: QuerySet[Matter],
    total: int,
    *,
    after: Cursor | None,
    before: Cursor | None,
    size: int,
    rows: list[Matter] | None = None,
) -> MatterPage:
    """The page of `matters` after (or before) a cursor, with each row's first content.
    `rows`: the page's matters already found (size + 1 of them when there are more)."""
    if rows is None:
        rows_qs = matters
        if before is not None:
            rows_qs = rows_qs.filter(_newer(before))
        elif after is not None:
            rows_qs = rows_qs.filter(_older(after))
        rows = list(_with_excerpt(rows_qs).order_by(*(OLDEST if before else NEWEST))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if before is not None:
        rows = rows[::-1]
        return MatterPage(
            rows=rows,
            next_cursor=_cursor(rows[-1]) if rows else None,
            prev_cursor=_cursor(rows[0]) if rows and more else None,
            total=min(total, COUNT_CAP),
            total_capped=total > COUNT_CAP,
        )
    return MatterPage(
        rows=rows,
        next_cursor=_cursor(rows[-1]) if rows and more else None,
        prev_cursor=_cursor(rows[0]) if rows and after is not None else None,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


def _with_excerpt(matters: QuerySet[Matter]) -> QuerySet[Matter]:
    return matters.select_related(
        "petitioner", "category", "locality", "responsible_unit"
    ).annotate(
        excerpt=Subquery(
            Registration.objects.filter(matter_id=OuterRef("pk"), is_first=True)
            .order_by("id")
            .annotate(cut=Substr("content", 1, EXCERPT_READ))
            .values("cut")[:1]
        )
    )


def _window(
    matters: QuerySet[Matter], order: tuple[str, str], n: int, *, sort: bool = False
) -> Q | None:
    """The first `n` rows of `matters` in `order`, as a range of (first_received_on, id); None
    when there are no more than `n` (the range would be all of them). `sort`: the rows are few
    (a range of dates of a unit's matters): SQLite finds them by the filters' indexes and sorts
    them, rather than walking the date index through everyone's to have them in order."""
    ordering: list[Any] = list(order)
    if sort and connection.vendor == "sqlite":  # a unary + hides the column's index
        ordering = [
            _unindexed(name.lstrip("-")).desc() if name.startswith("-") else _unindexed(name).asc()
            for name in order
        ]
    edge = list(matters.order_by(*ordering).values_list("first_received_on", "pk")[n : n + 1])
    if not edge:
        return None
    bound = Cursor(*edge[0])
    return _newer(bound) if order == NEWEST else _older(bound)


def _unindexed(name: str) -> Func:
    """SQLite's `+column`: the same value, but no index is used to find or order by it."""
    field = Matter._meta.get_field(name)
    assert isinstance(field, models.Field)
    return Func(F(name), template="+%(expressions)s", output_field=field)


def _frame(
    filters: MatterFilters, *, after: Cursor | None, before: Cursor | None
) -> QuerySet[Matter]:
    """Every matter in the filters' dates past the cursor, whoever may see it: a range of the
    date index, cheap to count along however few of them the filters keep."""
    frame = _matter_filters(Matter.objects.all(), filters, _Sets(None, None, None, None))
    if before is not None:
        return frame.filter(_newer(before))
    if after is not None:
        return frame.filter(_older(after))
    return frame


def _walk_window(
    ahead: QuerySet[Matter],
    ahead_counted: QuerySet[Matter],
    frame: QuerySet[Matter],
    order: tuple[str, str],
    walk: int,
) -> Q | None:
    """The matters a word search looks into one by one: the first `walk` of `ahead` in
    `order`, as a range of (first_received_on, id). None: all of `ahead`.

    Found within the newest `walk` × FRAME of the frame (the same dates, everyone's matters), or
    once within up to four times as many when the share of `ahead` those hold says so (else
    among all of `ahead`, by their own indexes: they are few in the frame): a unit's staff
    see matters by an OR of two columns, and the first of an OR come from sorting every
    matter it matches (SQLite's plan: 58,000 for a street of a 1,000,000-registration database),
    while within a range of dates each column's index reads only its part of the range.
    `ahead_counted`: the same matters, for counting and sorting them (each filter's index: the
    range holds few enough to sort)."""
    span = walk * word_search.FRAME
    for _ in range(2):
        frame_range = _window(frame, order, span)
        if frame_range is None:  # the frame is no bigger: the first `walk` of all of `ahead`
            break
        inside = ahead_counted.filter(frame_range)
        held = inside.order_by()[: walk + 1].count()
        if held > walk:
            return _window(inside, order, walk, sort=True)
        # as many more as the share held says are needed, and a quarter over
        grow = 5 * (walk + 1) // (4 * max(held, 1))
        if grow > 4:  # the reader's are rare in the frame: by their own indexes
            break
        span = max(span * max(grow, 2), 1)
    return _window(ahead, order, walk)


def _word_page(
    actor: Actor,
    filters: MatterFilters,
    sets: _Sets,
    words: list[str],
    *,
    after: Cursor | None,
    before: Cursor | None,
    size: int,
) -> MatterPage:
    """A page of the matters holding the words, found the cheaper way (xinfang.intake
    .word_search): a word the index holds in few registrations is taken from the index at once;
    else the newest matters are looked into one by one, up to WALK of them, and a word not
    found there for a page is taken from the index. The count: exact from the index when the
    page came from it, exact by walking a scope of at most COUNT_WALK matters, else estimated
    from the share of the matters looked into that hold the words (_word_total)."""
    others = replace(filters, words="")
    # `counted` for counts (each filter's own index), `matters` for walks newest first (SQLite:
    # down the date index, as for a long list)
    counted = matters_filtered(actor, others, sets=sets)
    # a reader who may not reveal personal data finds a word with digits only where they see it
    seen, seen_words = word_search.as_seen(actor, counted, words)
    if seen_words != words:  # narrowed to the matters where they see those words: a list
        counted = matters = seen
    elif connection.vendor == "sqlite":
        matters = matters_filtered(actor, others, sets=sets, broad=True)
    else:
        matters = counted
    words = seen_words
    if not words:
        total = matters.order_by()[: COUNT_CAP + 1].count()
        return _page_of(matters, total, after=after, before=before, size=size)
    order = OLDEST if before else NEWEST
    ahead, ahead_counted = matters, counted
    if before is not None:
        ahead, ahead_counted = matters.filter(_newer(before)), counted.filter(_newer(before))
    elif after is not None:
        ahead, ahead_counted = matters.filter(_older(after)), counted.filter(_older(after))
    if word_search.few(words):  # rare or absent: the index answers page and count at once
        return _index_page(matters, ahead, words, order, after=after, before=before, size=size)
    frame = _frame(others, after=after, before=before)
    # a first walk of a fifth: a word in a tenth of the matters fills its page there
    walks = list(dict.fromkeys(w for w in (word_search.WALK // 5, word_search.WALK) if w))
    rows: list[Matter] = []
    within = None if walks else _window(ahead, order, 0)  # a walk of none: none looked into
    for walk in walks:
        within = _walk_window(ahead, ahead_counted, frame, order, walk)
        found = word_search.probe(ahead if within is None else ahead.filter(within), words)
        rows = list(_with_excerpt(found).order_by(*order)[: size + 1])
        if len(rows) > size or within is None:
            break
    if len(rows) <= size and within is not None:  # not a page in the walk: ask the index
        return _index_page(matters, ahead, words, order, after=after, before=before, size=size)
    if within is None and after is None and before is None and len(rows) <= size:
        # the walk looked into every matter: these are all
        return _page_of(matters, len(rows), after=after, before=before, size=size, rows=rows)
    total, estimate = _word_total(counted, ahead_counted, words, order, rows)
    page = _page_of(matters, total, after=after, before=before, size=size, rows=rows)
    if estimate is not None:
        page.estimate = estimate
    return page


def _index_page(
    matters: QuerySet[Matter],
    ahead: QuerySet[Matter],
    words: list[str],
    order: tuple[str, str],
    *,
    after: Cursor | None,
    before: Cursor | None,
    size: int,
) -> MatterPage:
    """The page and its exact count (up to COUNT_CAP + 1) from the word index."""
    rows = list(_with_excerpt(word_search.hits(ahead, words)).order_by(*order)[: size + 1])
    total = word_search.hits(matters, words).order_by()[: COUNT_CAP + 1].count()
    return _page_of(matters, total, after=after, before=before, size=size, rows=rows)


def _word_total(
    matters: QuerySet[Matter],
    ahead: QuerySet[Matter],
    words: list[str],
    order: tuple[str, str],
    rows: list[Matter],
) -> tuple[int, "Estimate | None"]:
    """How many of `matters` hold the words, the walk having found `rows` (in `order`, from the
    start of `ahead`). Exact when the matters are at most COUNT_WALK (each looked into) or the
    walk found too few to judge by (the index counts); else estimated: the share of the matters
    the walk looked into that hold the words, times the matters — counted only as far as
    needed to tell whether the estimate passes COUNT_CAP."""
    enough = 0  # this many matters: the estimate passes COUNT_CAP
    looked = 0
    if len(rows) >= word_search.ESTIMATE_MIN_FOUND:
        last = _cursor(rows[-1])
        upto = _newer(last, including=True) if order == NEWEST else _older(last, including=True)
        looked = ahead.filter(upto).order_by().count()
        enough = COUNT_CAP * looked // len(rows) + 1
    scope = matters.order_by()[: max(enough, word_search.COUNT_WALK + 1)].count()
    if scope <= word_search.COUNT_WALK:
        return word_search.probe(matters, words).order_by()[: COUNT_CAP + 1].count(), None
    if not looked:
        return word_search.hits(matters, words).order_by()[: COUNT_CAP + 1].count(), None
    estimate = Estimate(found=len(rows), looked=looked)
    if scope >= enough:
        return COUNT_CAP + 1, estimate
    return _two_figures(len(rows) * scope / looked), estimate


def _two_figures(value: float) -> int:
    """`value` to two significant figures (an estimate claims no more): 8_537.2 -> 8_500."""
    whole = max(round(value), 1)
    step = 10 ** max(len(str(whole)) - 2, 0)
    return round(whole / step) * step


@dataclass
class PersonMatch:
    matter: Matter
    reasons: list[str] = field(default_factory=list)


# From this many people (ten digits of an ID number: a district's people born in one year; a
# common name), their matters are found by walking the most recent matters until `limit` are
# theirs; below it, all their matters are gathered and the most recent taken. Each from an index
# alone: Registration "registration_matter_person" for the walk, "registration_person_matter"
# for the gathering. The walk finds one of their matters in (everyone / them) walked, gathering
# costs each of theirs: the two cost the same near √(WALK_RATIO × everyone) people — 2,000 of
# the 400,000 of 1,000,000 registrations, 630 of 40,000 (benchmarks/person_lookup.py) — and
# never more than WALK_FROM are gathered. Everyone: the highest person id, an index's last entry.
WALK_FROM = 2000
WALK_RATIO = 10
RECENT = ("-last_received_on", "-id")

# who the person is, as a Petitioner lookup (field=value): the walk asks it of each matter's
# petitioners through the join, the gathering of the people table
Lookup = dict[str, Any]


def person_matches(
    *,
    actor: Actor,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    limit: int = 8,
) -> list[PersonMatch]:
    """The matters the actor may see of the person being typed: ID first, then phone, then name.
    For each, the database answers with the ids of its `limit` most recent matters (the people
    found by their keyed hashes, their matters from the indexes), after a count of the people
    (up to WALK_FROM) that tells it which way to look: nothing is loaded to be filtered here,
    however many people share the ten digits typed so far. No one with the number and nothing
    given with it on the day (a phone half typed): no more query."""
    found: dict[int, PersonMatch] = {}
    with _probing():
        for reason, who, snapshot in _person_sources(name=name, id_number=id_number, phone=phone):
            _person_probe(actor, reason, who, snapshot, limit, found)
    return list(found.values())[:limit]


# PostgreSQL, for the look-up's statements only: an index page read priced as the cache serves it
# (not the default 4, for disks), no parallel workers and no JIT (each costs more to start than
# the look-up takes). With the defaults, to gather a thousand people's matters it reads all
# 100,000 representatives and all 700,000 matters of 1,000,000 registrations rather than probe
# their indexes (3–10× slower).
PROBING = {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0", "jit": "off"}


@contextmanager
def _probing() -> Iterator[None]:
    """The look-up's statements in one transaction with PROBING (PostgreSQL); inside a caller's
    transaction, its settings are put back after."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(PROBING)
    pairs = ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in names)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT {pairs}", [v for n in names for v in (n, n, PROBING[n])])
        row = cursor.fetchone()
        assert row is not None
        yield
        restore = ", ".join("set_config(%s, %s, true)" for _ in names)
        cursor.execute(
            f"SELECT {restore}", [v for i, n in enumerate(names) for v in (n, row[2 * i])]
        )


def _person_probe(
    actor: Actor,
    reason: str,
    who: Lookup,
    snapshot: Q | None,
    limit: int,
    found: dict[int, PersonMatch],
) -> None:
    """One of person_matches' probes: its matters added to `found`, with `reason`."""
    people = Petitioner.objects.filter(**who)
    known = people.order_by().values("pk")[:WALK_FROM].count()
    if not known and (snapshot is None or not Registration.objects.filter(snapshot).exists()):
        return
    if _walks(known):
        ids = list(
            visible_matters(actor)
            .filter(_matters_walked(who, snapshot))
            .order_by(*RECENT)
            .values_list("pk", flat=True)[:limit]
        )
    else:
        ids = _recent_gathered(actor, people, snapshot, limit)
    if not ids:
        return
    matters = (
        Matter.objects.filter(pk__in=ids)
        .select_related("petitioner", "category", "locality")
        .order_by(*RECENT)
    )
    for matter in matters:
        found.setdefault(matter.pk, PersonMatch(matter)).reasons.append(reason)


def _walks(known: int) -> bool:
    """Whether `known` people (counted up to WALK_FROM) are walked for, not gathered: from
    √(WALK_RATIO × everyone), asked of the database only when `known` could reach it."""
    if known >= WALK_FROM:
        return True
    if WALK_RATIO * known >= (known + 1) ** 2:  # everyone ≥ known: the root is above known
        return False
    everyone = Petitioner.objects.aggregate(top=Max("pk"))["top"] or 0
    return known >= math.isqrt(WALK_RATIO * everyone)


def person_probes(
    *, name: str = "", id_number: str = "", phone: str = ""
) -> list[tuple[str, "QuerySet[Registration, int]"]]:
    """(reason, matter ids) for each of the person's numbers and name given (_person_sources).
    The ids are a subquery (slice it to read some): every matter, seen or not, the caller
    narrows to the actor's."""
    return [
        (reason, _matters_of(Petitioner.objects.filter(**who), snapshot))
        for reason, who, snapshot in _person_sources(name=name, id_number=id_number, phone=phone)
    ]


def _person_sources(
    *, name: str = "", id_number: str = "", phone: str = ""
) -> list[tuple[str, Lookup, Q | None]]:
    """(reason, who, what they gave on the day) for each of the person's numbers and name
    given: a whole ID number or its first 10+ digits, a phone of 7+ digits, a name of 2+
    characters — found by the keyed hashes of the sealed numbers."""
    id_number = id_number.strip().upper()
    phone = phone.strip().replace(" ", "")
    name = name.strip()
    sources: list[tuple[str, Lookup, Q | None]] = []
    if len(id_number) == 18:
        sources.append(("身份证号相同", {"id_number_hash": lookup_hash(id_number)}, None))
    elif len(id_number) >= 10 and id_number.isdigit():
        starting = id_prefix_lookup(id_number)
        if starting is not None:
            sources.append(("身份证号开头相同", starting, None))
    if len(phone) >= 7:
        sources.append(("电话相同", {"phone_hash": lookup_hash(phone)}, _snapshot_phone(phone)))
    if len(name) >= 2:
        sources.append(("姓名相同", {"name": name}, Q(petitioner_name=name)))
    return sources


def _matters_of(
    people: "QuerySet[Petitioner, Any]", snapshot: Q | None = None
) -> "QuerySet[Registration, int]":
    """The ids of these people's matters, as petitioner or representative, or by what they gave
    that day: one UNION for the database to answer as a subquery (an OR of subqueries makes
    PostgreSQL walk every matter)."""
    pks = people.order_by().values("pk")
    regs = Registration.objects.order_by()
    represented = Representative.objects.filter(petitioner__in=pks).values("registration_id")
    parts = [
        regs.filter(petitioner__in=pks),
        regs.filter(pk__in=represented),
        *([regs.filter(snapshot)] if snapshot is not None else []),
    ]
    first, *rest = (part.values_list("matter_id", flat=True) for part in parts)
    return first.union(*rest)


def _recent_gathered(
    actor: Actor, people: "QuerySet[Petitioner, Any]", snapshot: Q | None, limit: int
) -> list[int]:
    """The ids of the `limit` most recent matters the actor may see of these (few) people
    (_matters_of): their registrations from index registration_person_matter, each matter
    by its primary key (PostgreSQL only under PROBING: with its default costs it reads every
    matter rather than probe for a few thousand), the database sorting them."""
    return list(
        visible_matters(actor)
        .filter(pk__in=_matters_of(people, snapshot))
        .order_by(*RECENT)
        .values_list("pk", flat=True)[:limit]
    )


def _matters_walked(who: Lookup, snapshot: Q | None = None) -> Q:
    """The same matters as _matters_of, asked of each matter in turn: the database then walks
    the most recent matters (index matter_recent) and stops at the page's last, instead of
    gathering the many people's every matter to sort them. Each matter's petitioners are
    joined and asked `who` (not looked up among the many people's ids, which both databases
    would gather first). Scalar subqueries, not EXISTS: PostgreSQL turns an OR of EXISTS into
    hashed subplans that gather every registration of the people before the first matter."""
    through = {f"petitioner__{field}": value for field, value in who.items()}
    regs = Registration.objects.order_by().filter(matter_id=OuterRef("pk"))
    reps = Representative.objects.order_by().filter(registration__matter_id=OuterRef("pk"))
    checks = [regs.filter(**through), reps.filter(**through)]
    if snapshot is not None:
        checks.append(regs.filter(snapshot))
    first = Coalesce(*(Subquery(check.values("pk")[:1]) for check in checks))
    return Q(IsNull(first, False))


def matter_registrations(matter: Matter) -> list[Registration]:
    """Every registration of a matter, oldest first, with what the detail page shows of each."""
    return list(
        matter.registrations.order_by("received_at", "id")
        .select_related("petitioner", "category", "locality", "responsible_unit", "registered_by")
        .prefetch_related(
            Prefetch(
                "representatives",
                queryset=Representative.objects.select_related("petitioner").order_by("position"),
            ),
            "attachments",
        )
    )


def matter_events(matter: Matter) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(matter=matter).select_related("actor").order_by("at", "id")
    )


def petitioner_registrations(actor: Actor, petitioner: Petitioner) -> list[Registration]:
    """Everything the actor may see of one person (一人一档): as petitioner or representative."""
    represented = Representative.objects.filter(petitioner=petitioner).values("registration_id")
    return list(
        Registration.objects.filter(
            Q(petitioner=petitioner) | Q(pk__in=represented),
            matter__in=visible_matters(actor).values("pk"),
        )
        .select_related("matter", "category", "locality", "responsible_unit", "registered_by")
        .order_by("-received_at", "-id")
    )


def _snapshot_phone(phone: str) -> Q:
    """Registrations where the phone was given on the day (by its keyed hash: it is sealed)."""
    return Q(petitioner_phone_hash=lookup_hash(phone))


def _matter_ids(people: QuerySet[Petitioner], snapshot: Q | None = None) -> list[int]:
    """Matters of these people, as petitioner or representative, or by what they gave that day
    (the matter list's person filter takes them as a list)."""
    return list(_matters_of(people, snapshot))


def _cursor(matter: Matter) -> Cursor:
    return Cursor(matter.first_received_on, matter.pk)


def matter_facts(matter: Matter) -> list[tuple[str, str, str]]:
    """(field, label, shown value) of each recorded handling fact (contract A) that has a value —
    for the matter page and the API alike."""
    from xinfang.intake.ledger.columns import MATTER_FIELDS

    facts = []
    for name in MATTER_FIELDS:
        value = getattr(matter, name)
        if value in (None, ""):
            continue
        field = Matter._meta.get_field(name)
        assert isinstance(field, models.Field)
        display = getattr(matter, f"get_{name}_display")() if field.choices else value
        shown = display.isoformat() if hasattr(display, "isoformat") else str(display)
        facts.append((name, str(field.verbose_name), shown))
    return facts

"""Matters of the history that look like one matter (`xinfang propose-merges`): groups, each with
its evidence, for a person to review. Nothing here merges (xinfang.workflow.merges does, for the
groups the reviewer marked).

Two matters look like one when one person — or one household — wrote the same problem twice: the
same ID number, petitioner, phone or address (a son writing his father's claim gives the family's
address), and texts at least PERSON_TEXT alike. Texts alone are no evidence: different people
about one place often write alike (a factory's workers, a village's households — a hotspot,
several matters), and one person's other problems are other matters. An accusation (检举控告) is
only ever grouped with accusations. The texts are compared as the look-up compares them
(xinfang.intake.similar.lookup: weighted Dice of the character pairs, the best pair of
registrations), and the score adds the person's reasons as the look-up does.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Count

from xinfang.core.permissions import Actor, visible_matters
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter, Petitioner, Registration
from xinfang.intake.similar.index import Weights, weights
from xinfang.intake.similar.lookup import BOOSTS
from xinfang.intake.similar.text import grams, shared_words
from xinfang.workflow.merges import STAGE, holders, merge_problems
from xinfang.workflow.states import MatterStatus

# on the demo's history one household's repeats scored 0.70–0.90, its other matters 0.17 at most
PERSON_TEXT = 0.35
# what each reason adds, as in the look-up: score = 1 − (1 − text) · Π(1 − boost)
REASONS = {**BOOSTS, "同一信访人": BOOSTS["身份证号相同"], "住址相同": 0.4}
PERSON = ("身份证号相同", "同一信访人", "电话相同", "住址相同")
PERSON_MATTERS = 30  # a phone or address on more matters is an office's, not one household's
MAX_TEXTS = 6  # registrations of a matter compared (the first ones: they state the problem)


@dataclass
class Facts:
    """What one matter gives to the comparison."""

    matter_id: int
    texts: list[tuple[str, set[int]]] = field(default_factory=list)
    people: set[int] = field(default_factory=set)
    with_id: set[int] = field(default_factory=set)  # those of `people` known by an ID number
    phones: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    accusation: bool = False


@dataclass
class Evidence:
    score: float
    text_score: float
    reasons: list[str]
    words: list[str]


@dataclass
class Member:
    matter: Matter
    evidence: Evidence | None  # against the kept matter; None for the kept matter itself
    held: list[str]  # what else refers to it (it can only keep)


@dataclass
class MergeGroup:
    members: list[Member]  # the kept matter first
    problems: list[str] = field(default_factory=list)  # why it cannot merge as proposed

    @property
    def kept(self) -> Matter:
        return self.members[0].matter


def propose_groups(*, actor: Actor, matter_ids: Iterable[int] | None = None) -> list[MergeGroup]:
    """The groups of matters `actor` may see that look like one matter, oldest first."""
    table = weights()
    seen = visible_matters(actor)
    if matter_ids is not None:
        seen = seen.filter(pk__in=list(matter_ids))
    pairs = _person_pairs()
    visible = set(
        seen.filter(pk__in={pk for pair in pairs for pk in pair}).values_list("pk", flat=True)
    )
    pairs = {pair for pair in pairs if pair[0] in visible and pair[1] in visible}
    facts = _facts(visible)
    matters = {m.pk: m for m in Matter.objects.filter(pk__in=visible).select_related("locality")}
    linked: dict[int, int] = {}  # union-find over the pairs that look like one matter

    def root(pk: int) -> int:
        while linked.get(pk, pk) != pk:
            pk = linked[pk]
        return pk

    for a, b in sorted(pairs):
        evidence = compare(table, facts[a], facts[b], matters[a], matters[b])
        if evidence is not None:
            linked.setdefault(a, a)
            linked.setdefault(b, b)
            linked[root(b)] = root(a)
    groups: dict[int, list[int]] = defaultdict(list)
    for pk in linked:
        groups[root(pk)].append(pk)
    found = []
    for ids in groups.values():
        members = [matters[pk] for pk in ids]
        held = {m.pk: holders(m) for m in members}
        kept = min(members, key=lambda m: _keep_order(m, held[m.pk]))
        rest = sorted((m for m in members if m.pk != kept.pk), key=_date_order)
        found.append(
            MergeGroup(
                [Member(kept, None, held[kept.pk])]
                + [Member(m, _against(table, facts, kept, m), held[m.pk]) for m in rest],
                problems=merge_problems(kept, rest),
            )
        )
    found.sort(key=lambda g: _date_order(g.kept))
    return found


def _keep_order(matter: Matter, held: list[str]) -> tuple[int, int, int, int]:
    """The kept matter: one that cannot be absorbed, then the furthest handled, the earliest."""
    stage = STAGE[MatterStatus(matter.status)]
    return (0 if held else 1, -stage, matter.first_received_on.toordinal(), matter.pk)


def _date_order(matter: Matter) -> tuple[int, int]:
    return (matter.first_received_on.toordinal(), matter.pk)


def _against(table: Weights, facts: dict[int, Facts], kept: Matter, other: Matter) -> Evidence:
    found = compare(table, facts[kept.pk], facts[other.pk], kept, other, always=True)
    assert found is not None
    return found


def compare(
    table: Weights, a: Facts, b: Facts, ma: Matter, mb: Matter, *, always: bool = False
) -> Evidence | None:
    """The evidence that two matters are one, or None when they do not look like one."""
    if a.accusation != b.accusation and not always:
        return None
    best, best_text, best_shared = 0.0, "", set[int]()
    for _, grams_a in a.texts:
        weight_a = table.total_weight(grams_a)
        for text_b, grams_b in b.texts:
            shared = grams_a & grams_b
            if not shared:
                continue
            score = 2 * table.total_weight(shared) / (weight_a + table.total_weight(grams_b))
            if score > best:
                best, best_text, best_shared = score, text_b, shared
    reasons = []
    both = a.people & b.people
    if both:
        reasons.append("身份证号相同" if both & a.with_id else "同一信访人")
    if a.phones & b.phones:
        reasons.append("电话相同")
    if a.addresses & b.addresses:
        reasons.append("住址相同")
    if a.names & b.names:
        reasons.append("姓名相同")
    same_place = ma.locality_id is not None and ma.locality_id == mb.locality_id
    if same_place and ma.category_id is not None and ma.category_id == mb.category_id:
        reasons.append("同一属地同一分类")
    person = any(reason in PERSON for reason in reasons)
    if not (person and best >= PERSON_TEXT) and not always:
        return None
    rest = 1 - best
    for reason in reasons:
        rest *= 1 - REASONS[reason]
    if best > 0:
        reasons.append(f"内容相近{best:.2f}")
    return Evidence(
        score=1 - rest,
        text_score=best,
        reasons=reasons,
        words=shared_words(best_text, best_shared)[:12],
    )


def _facts(ids: set[int]) -> dict[int, Facts]:
    facts = {pk: Facts(pk) for pk in ids}
    rows = Registration.objects.filter(matter_id__in=ids).order_by("received_at", "id")
    people: set[int] = set()
    for pk, content, person, phone, address, name, purpose in rows.values_list(
        "matter_id",
        "content",
        "petitioner_id",
        "petitioner_phone_hash",
        "petitioner_address",
        "petitioner_name",
        "purpose",
    ):
        one = facts[pk]
        if len(one.texts) < MAX_TEXTS and content:
            one.texts.append((content, grams(content)))
        if person is not None:
            one.people.add(person)
            people.add(person)
        if phone:
            one.phones.add(phone)
        if address:
            one.addresses.add(address)
        if name:
            one.names.add(name)
        one.accusation = one.accusation or purpose == Purpose.ACCUSATION
    with_id = set(
        Petitioner.objects.filter(pk__in=people, id_number_hash__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for one in facts.values():
        one.with_id = one.people & with_id
    return facts


def _person_pairs() -> set[tuple[int, int]]:
    """Matters of one petitioner, or of one phone or address given at registration."""
    pairs: set[tuple[int, int]] = set()
    for key, rows in (
        ("petitioner_id", Registration.objects.filter(petitioner_id__isnull=False)),
        ("petitioner_phone_hash", Registration.objects.exclude(petitioner_phone_hash="")),
        ("petitioner_address", Registration.objects.exclude(petitioner_address="")),
    ):
        several = (
            rows.values(key)
            .annotate(n=Count("matter_id", distinct=True))
            .filter(n__gt=1, n__lte=PERSON_MATTERS)
            .values(key)
        )
        by: dict[object, set[int]] = defaultdict(set)
        for value, matter_id in rows.filter(**{f"{key}__in": several}).values_list(
            key, "matter_id"
        ):
            by[value].add(matter_id)
        for found in by.values():
            pairs.update(combinations(sorted(found), 2))
    return pairs

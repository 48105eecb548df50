"""The one question the desk, the API and `xinfang similar` ask: which matters look like this
petition, how much (0–1), and why.

Candidates are the CANDIDATES matters whose sketches in the index (xinfang.intake.similar.index)
share the most weight of the petition's heaviest character pairs (their lists of matters read
and summed with numpy), and the matters of the same ID
number or phone (found by the keyed hashes of the sealed numbers). Each is scored on its
registrations' whole text (all of them at once, with numpy): the weighted Dice of the two sets
of pairs, 2·w(A∩B) / (w(A) + w(B)), the best registration counting;
then the person and the place raise it: score = 1 − (1 − text)·Π(1 − boost). Only matters the
actor may see (core.permissions.visible_matters: an accusation never reaches a reader who may not
see it), and at the desk only open or recent ones. Equal scores: the later matter first, then
the higher number.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Q
from django.utils import timezone

from xinfang.core.config import domain_setting
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.masking import free_text_for, reads_numbers
from xinfang.core.permissions import Action, may, visible_matters
from xinfang.intake.models import Category, Matter, Registration
from xinfang.intake.searches import REFUSED, keyed_hash, search_log
from xinfang.intake.selectors import person_probes
from xinfang.intake.similar import batch
from xinfang.intake.similar.index import Weights, postings, weights
from xinfang.intake.similar.text import BASE, grams, shared_spans, shared_words
from xinfang.organisation.models import OrgUnit
from xinfang.workflow.states import MatterStatus

# (benchmarks/results/similar.md)
QUERY_GRAMS = 64  # the petition's heaviest pairs looked up in the index, at most
QUERY_MATTERS = 1_000_000  # and no more than their lists hold together (by the pair counts)
CANDIDATES = 300  # matters scored on their whole text
TIE_PLACES = 9  # scores equal to this many places are ties
LEAST_TEXT = 0.12  # a text score below this is no reason on its own
OPEN = (
    MatterStatus.REGISTERED,
    MatterStatus.ASSIGNED,
    MatterStatus.RETURNED,
    MatterStatus.IN_HANDLING,
    MatterStatus.UNDER_REVIEW,
    MatterStatus.UNDER_REREVIEW,
)
# what each reason adds: score = 1 − (1 − text) · Π(1 − boost)
BOOSTS = {
    "身份证号相同": 0.6,
    "身份证号开头相同": 0.3,
    "电话相同": 0.5,
    "姓名相同": 0.15,
    "同一属地同一分类": 0.2,
}


class Scope(StrEnum):
    DESK = "desk"  # open matters, and those received in the last SIMILAR_RECENT_DAYS
    ALL = "all"  # the whole history (propose-merges)


@dataclass
class Probe:
    """A petition as typed (any part may be empty)."""

    content: str = ""
    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    place: OrgUnit | None = None
    category: Category | None = None

    def has_person_number(self) -> bool:
        return bool(self.id_number.strip() or self.phone.strip())


@dataclass
class SimilarMatch:
    matter: Matter
    score: float
    text_score: float
    reasons: list[str]
    content: str = ""  # the best registration's content, as the actor may read it
    pieces: list[tuple[str, bool]] = field(default_factory=list)  # content, shared words marked
    words: list[str] = field(default_factory=list)  # the shared words

    def as_json(self) -> dict[str, Any]:
        return {
            "matter": self.matter.number,
            "score": round(self.score, 3),
            "text_score": round(self.text_score, 3),
            "reasons": self.reasons,
            "shared_words": self.words,
            "status": self.matter.status,
            "first_received_on": self.matter.first_received_on.isoformat(),
            "category": self.matter.category.path if self.matter.category else "",
            "place": self.matter.locality.name if self.matter.locality else "",
        }


FIELDS = ("content", "name", "phone", "id_number", "address", "place", "category")


def probe_from(data: dict[str, Any]) -> Probe:
    """A probe from JSON (`xinfang similar`, the API): `place` a unit's code or name, `category`
    a category's path or name; InputError naming the field for anything else."""
    values: dict[str, str] = {}
    for name in FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InputError(f"“{name}”应为文字", field=name)
        values[name] = value.strip()
    unknown = sorted(set(data) - set(FIELDS) - {"top"})
    if unknown:
        raise InputError(f"不认识的字段：{'、'.join(unknown)}", field=unknown[0])
    place = category = None
    if values.get("place"):
        raw = values["place"]
        place = OrgUnit.objects.filter(Q(code=raw) | Q(name=raw)).order_by("depth", "pk").first()
        if place is None:
            raise InputError(f"没有“{raw}”这个属地", field="place")
    if values.get("category"):
        raw = values["category"]
        category = Category.objects.filter(Q(path=raw) | Q(name=raw)).first()
        if category is None:
            raise InputError(f"没有“{raw}”这个内容分类", field="category")
    return Probe(
        content=values.get("content", ""),
        name=values.get("name", ""),
        id_number=values.get("id_number", ""),
        phone=values.get("phone", ""),
        address=values.get("address", ""),
        place=place,
        category=category,
    )


def similar_matters(
    *,
    actor: Any,
    probe: Probe,
    top: int = 5,
    scope: Scope = Scope.DESK,
    where: str = "similar",
    logged: set[str] | None = None,
) -> list[SimilarMatch]:
    """The `top` matters most like `probe` that `actor` may see, best first.

    A probe with an ID number or phone is a search by number: refused to a reader who may not
    reveal personal data, and written to the audit (personal_data.search, `where`) — once per
    number when the caller passes the set of keyed hashes it `logged` already (the desk, which
    asks again at every pause in the typing)."""
    if probe.has_person_number():
        _log_numbers(actor, probe, where, logged)
    table = weights()
    reads = reads_numbers(actor)
    # A reader who may not reveal personal data compares no digits: the pairs holding one are
    # left out of the petition and of every registration (their hidden phone and ID digits are
    # not there to match, so a guessed number scores as a wrong one, and as no number at all).
    query = _compared(grams(probe.content), reads)
    boosts: dict[int, list[str]] = {}
    for reason, person_ids in person_probes(id_number=probe.id_number, phone=probe.phone):
        for pk in person_ids[:CANDIDATES]:
            boosts.setdefault(pk, []).append(reason)
    ids = set(boosts) | set(_text_candidates(table, query))
    if not ids:
        return []
    matters = visible_matters(actor).filter(pk__in=ids)
    if scope == Scope.DESK:
        days = int(domain_setting("SIMILAR_RECENT_DAYS"))
        since = timezone.localdate() - timedelta(days=days)
        matters = matters.filter(Q(status__in=OPEN) | Q(last_received_on__gte=since))
    facts = {
        pk: (locality, category, last)
        for pk, locality, category, last in matters.values_list(
            "pk", "locality_id", "category_id", "last_received_on"
        )
    }
    texts: dict[int, list[tuple[str, str]]] = {}
    rows = Registration.objects.filter(matter_id__in=list(facts)).order_by("received_at", "id")
    owners: list[int] = []
    contents: list[str] = []
    for matter_id, content, name in rows.values_list("matter_id", "content", "petitioner_name"):
        texts.setdefault(matter_id, []).append((content, name))
        owners.append(matter_id)
        contents.append(content)
    text_scores = _text_scores(table, query, contents, reads)
    name = probe.name.strip()
    place = (probe.place.pk, probe.category.pk) if probe.place and probe.category else None
    best_of: dict[int, tuple[float, str]] = {}
    for matter_id, content, score in zip(owners, contents, text_scores.tolist(), strict=True):
        if score > best_of.get(matter_id, (0.0, ""))[0]:  # the first of equal ones
            best_of[matter_id] = (score, content)
    scored: list[tuple[float, int, int, float, list[str], str]] = []
    for pk, (locality, category, last) in facts.items():
        best, best_text = best_of.get(pk, (0.0, ""))
        names = {given for _, given in texts.get(pk, [])}
        reasons = list(boosts.get(pk, []))
        if name and name in names and "身份证号相同" not in reasons:
            reasons.append("姓名相同")
        if place is not None and (locality, category) == place:
            reasons.append("同一属地同一分类")
        if best < LEAST_TEXT and pk not in boosts:
            continue  # neither the text nor the person: a name or a place alone is no match
        rest = 1 - best
        for reason in reasons:
            rest *= 1 - BOOSTS[reason]
        if best >= LEAST_TEXT:
            reasons.append("内容相近")
        if not best_text and texts.get(pk):
            best_text = texts[pk][0][0]
        scored.append((1 - rest, last.toordinal(), pk, best, reasons, best_text))
    # equal scores (to TIE_PLACES: sums in another order differ in the last bits) by the later
    # matter, then the higher number: the same order on both databases and in the benchmark
    scored.sort(key=lambda r: (-round(r[0], TIE_PLACES), -r[1], -r[2]))
    top_rows = scored[:top]
    loaded = Matter.objects.filter(pk__in=[r[2] for r in top_rows]).select_related(
        "category", "locality", "petitioner"
    )
    by_pk = {matter.pk: matter for matter in loaded}
    found = []
    for score, _, pk, text_score, reasons, content in top_rows:
        shared = query & _compared(grams(content), reads) if text_score else set()
        shown = free_text_for(actor, content, reads=reads)
        found.append(
            SimilarMatch(
                by_pk[pk],
                score,
                text_score,
                reasons,
                content=shown,
                pieces=shared_spans(shown, shared),
                words=shared_words(shown, shared),
            )
        )
    return found


def _compared(pairs: set[int], reads: bool) -> set[int]:
    """The pairs compared for a reader: all of them for one who may reveal personal data, else
    those without a digit (the one rule of similar_matters for the numbers in a text)."""
    if reads or not pairs:
        return pairs
    found = np.fromiter(pairs, dtype=np.int64, count=len(pairs))
    return set(found[~_digit_pairs(found)].tolist())


def _text_scores(
    table: Weights, query: set[int], contents: list[str], reads: bool
) -> npt.NDArray[np.float64]:
    """The text score of each content against the petition's pairs `query`: the weighted Dice
    2·w(A∩B) / (w(A) + w(B)) of their pairs as `_compared` leaves them, 0 when they share none;
    all the contents' pairs at once (intake.similar.batch), not a Python step per pair."""
    scores = np.zeros(len(contents))
    if not query or not contents:
        return scores
    keys = batch.pair_keys(range(len(contents)), contents)
    owners, pairs = keys // batch.KEY, keys % batch.KEY
    if not reads:
        keep = ~_digit_pairs(pairs)
        owners, pairs = owners[keep], pairs[keep]
    weight = table.weights_of(pairs)
    total = np.bincount(owners, weights=weight, minlength=len(contents))
    mine = np.fromiter(query, dtype=np.int64, count=len(query))
    shared = np.isin(pairs, mine)
    both = np.bincount(owners[shared], weights=weight[shared], minlength=len(contents))
    query_weight = float(table.weights_of(mine).sum())
    return np.where(both > 0, 2 * both / (query_weight + total), 0.0)


def _digit_pairs(pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which pairs hold a digit: the rule of `_compared` and `_text_scores`."""
    chars = np.concatenate((pairs // BASE, pairs % BASE))
    distinct = np.unique(chars)
    digits = np.array([chr(c).isdigit() for c in distinct.tolist()], dtype=bool)
    found = digits[np.searchsorted(distinct, chars)]
    return found[: len(pairs)] | found[len(pairs) :]


def _text_candidates(table: Weights, query: set[int]) -> list[int]:
    """The CANDIDATES matters whose kept pairs hold the most weight of the petition's heaviest
    pairs: QUERY_GRAMS of them at most, and no more than the pairs' lists of matters hold
    QUERY_MATTERS together (by the counts of the last re-index), the lists (index.postings)
    scored in numpy. Weights in integer millionths: sums exact, ties by the higher matter id,
    alike on both databases."""
    if len(query) < 2:
        return []
    asked: list[int] = []
    listed = 0
    for gram in table.heaviest(query, QUERY_GRAMS):
        listed += table.matters_with(gram)
        if asked and listed > QUERY_MATTERS:
            break
        asked.append(gram)
    lists = postings(asked)
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    if not lengths.sum():
        return []
    weight = np.array([round(table.weight(gram) * 1_000_000) for gram in asked], dtype=np.int64)
    owners = np.concatenate(lists)
    sums = np.bincount(owners, weights=np.repeat(weight, lengths)).astype(np.int64)
    found = np.flatnonzero(sums)
    # one key a matter, its sum above its id: the largest keys are the best, ties the later id
    keys = (sums[found] << 32) | found
    if len(keys) > CANDIDATES:
        keys = keys[np.argpartition(keys, len(keys) - CANDIDATES)[-CANDIDATES:]]
    return (np.sort(keys)[::-1] & 0xFFFFFFFF).tolist()


def _log_numbers(actor: Any, probe: Probe, where: str, logged: set[str] | None) -> None:
    if not may(actor, Action.REVEAL_PERSONAL_DATA):
        raise PermissionRefusedError(REFUSED)
    for kind, value in (
        ("id_number", probe.id_number.strip().upper()),
        ("phone", probe.phone.strip().replace(" ", "")),
    ):
        if not value:
            continue
        digest = keyed_hash(value)
        if logged is not None and digest in logged:
            continue
        search_log(actor=actor, kind=kind, value=value, where=where)
        if logged is not None:
            logged.add(digest)

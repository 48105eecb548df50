"""Suggested 内容分类 and 责任单位 for a petition's text: the top three of each, with confidence.

A model trained on this installation's own history (`xinfang train-suggestions`): character
1–2-gram TF-IDF of the content and one logistic-loss linear model per field (scikit-learn), kept in
the data directory (XINFANG_DATA_DIR/suggestions/model.joblib) and retrained when the daily scan
finds it older than SUGGESTION_RETRAIN_DAYS. Until there is one — a new installation, fewer than
SUGGESTION_MIN_EXAMPLES matters with both fields — the admin's keyword rules (SuggestionRule, in
/manage/) answer. Nothing fills a field: the registrar picks, and the pick is what is stored.
"""

import os
import tempfile
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from xinfang.core.config import domain_setting

MODEL_VERSION = 1
TOP = 3


@dataclass(frozen=True)
class Choice:
    pk: int
    name: str
    confidence: float  # 0–1; the model's probability, or a rule's share of the hits


@dataclass
class Suggestions:
    categories: list[Choice] = field(default_factory=list)
    units: list[Choice] = field(default_factory=list)
    source: str = "none"  # "model", "rules" or "none"
    trained_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "suggestions" / "model.joblib"


# --- the keyword rules ---------------------------------------------------------------------------


def rule_scores(text: str, rules: list[Any]) -> tuple[dict[int, float], dict[int, float]]:
    """Hits per category and per unit: each keyword of an active rule found in the text."""
    cats: dict[int, float] = defaultdict(float)
    units: dict[int, float] = defaultdict(float)
    for rule in rules:
        hits = sum(1 for word in rule.words() if word in text)
        if not hits:
            continue
        if rule.category_id:
            cats[rule.category_id] += hits
        if rule.responsible_unit_id:
            units[rule.responsible_unit_id] += hits
    return cats, units


def _ranked(scores: dict[int, float], names: dict[int, str], top: int) -> list[Choice]:
    total = sum(scores.values())
    if not total:
        return []
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [Choice(pk, names.get(pk, ""), round(score / total, 3)) for pk, score in best]


def by_rules(text: str, *, top: int = TOP, rules: list[Any] | None = None) -> Suggestions:
    from xinfang.intake.models import SuggestionRule

    if rules is None:
        rules = list(SuggestionRule.objects.filter(active=True))
    cats, units = rule_scores(text, rules)
    if not cats and not units:
        return Suggestions()
    return Suggestions(
        categories=_ranked(cats, _category_names(set(cats)), top),
        units=_ranked(units, _unit_names(set(units)), top),
        source="rules",
    )


def _category_names(pks: set[int]) -> dict[int, str]:
    from xinfang.intake.models import Category

    return dict(Category.objects.filter(pk__in=pks).values_list("pk", "path"))


def _unit_names(pks: set[int]) -> dict[int, str]:
    from xinfang.organisation.models import OrgUnit

    return {u.pk: u.name for u in OrgUnit.objects.filter(pk__in=pks)}


# --- the model -----------------------------------------------------------------------------------


def fit(texts: list[str], categories: list[Any], units: list[Any]) -> dict[str, Any]:
    """The vectoriser and one classifier per field, fitted on (text, category, unit) rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier

    vectoriser = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000
    )
    matrix = vectoriser.fit_transform(texts)
    models = {}
    for name, labels in (("category", categories), ("unit", units)):
        # logistic loss, so that each label has a probability to show as confidence; 5 passes
        # and 1–2-grams: as accurate on hand-written texts as 20 passes and 1–3-grams, 9x faster
        # to train (benchmarks/results/suggestions.md)
        clf = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=5, tol=None, random_state=0)
        clf.fit(matrix, labels)
        models[name] = clf
    return {"version": MODEL_VERSION, "vectoriser": vectoriser, **models}


def _plain(label: Any) -> Any:
    return label.item() if hasattr(label, "item") else label  # numpy scalars to Python


def predict(model: dict[str, Any], text: str, top: int = TOP) -> dict[str, list[tuple[Any, float]]]:
    """(label, probability) of the `top` most likely categories and units for one text."""
    row = model["vectoriser"].transform([text])
    out = {}
    for name in ("category", "unit"):
        clf = model[name]
        probs = clf.predict_proba(row)[0]
        order = probs.argsort()[::-1][:top]
        out[name] = [(_plain(clf.classes_[i]), float(probs[i])) for i in order]
    return out


def history(limit: int) -> tuple[list[str], list[int], list[int]]:
    """The newest `limit` matters with a category and a unit: their first registration's content."""
    from xinfang.intake.models import Registration

    rows = (
        Registration.objects.filter(
            is_first=True,
            matter__category__isnull=False,
            matter__responsible_unit__isnull=False,
        )
        .exclude(content="")
        .order_by("-received_on", "-id")
        .values_list("content", "matter__category_id", "matter__responsible_unit_id")[:limit]
    )
    texts, cats, units = [], [], []
    for content, cat, unit in rows.iterator(chunk_size=5000):
        texts.append(content)
        cats.append(cat)
        units.append(unit)
    return texts, cats, units


@dataclass
class TrainResult:
    examples: int
    categories: int
    units: int
    trained: bool
    path: str
    seconds: float

    def summary(self) -> str:
        if not self.trained:
            return (
                f"分类建议：可用于训练的事项{self.examples}件，少于"
                f"{domain_setting('SUGGESTION_MIN_EXAMPLES')}件，未训练（沿用关键词规则）"
            )
        return (
            f"分类建议：以{self.examples}件事项训练（内容分类{self.categories}类，"
            f"责任单位{self.units}个），用时{self.seconds:.1f}秒，模型保存在{self.path}"
        )


def train(*, limit: int | None = None) -> TrainResult:
    """Fit on the history and write the model file (atomically: a reader never sees half)."""
    import joblib

    started = timezone.now()
    limit = limit or int(domain_setting("SUGGESTION_TRAIN_LIMIT"))
    texts, cats, units = history(limit)
    path = model_path()
    enough = len(texts) >= int(domain_setting("SUGGESTION_MIN_EXAMPLES"))
    if not enough or len(set(cats)) < 2 or len(set(units)) < 2:
        return TrainResult(len(texts), len(set(cats)), len(set(units)), False, str(path), 0.0)
    model = fit(texts, cats, units)
    model["trained_at"] = timezone.now().isoformat(timespec="seconds")
    model["examples"] = len(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    joblib.dump(model, tmp, compress=3)
    Path(tmp).replace(path)
    seconds = (timezone.now() - started).total_seconds()
    return TrainResult(len(texts), len(set(cats)), len(set(units)), True, str(path), seconds)


def retrain_due(now: datetime | None = None) -> bool:
    """The daily scan's question: no model yet, or one older than SUGGESTION_RETRAIN_DAYS."""
    path = model_path()
    if not path.exists():
        return True
    age = (now or timezone.now()).timestamp() - path.stat().st_mtime
    return age > timedelta(days=int(domain_setting("SUGGESTION_RETRAIN_DAYS"))).total_seconds()


_loaded: dict[str, Any] = {}
_lock = threading.Lock()


def load() -> dict[str, Any] | None:
    """The installation's model, read again when its file changes; None when there is none."""
    import joblib

    path = model_path()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    with _lock:
        if _loaded.get("stamp") != stamp:
            model = joblib.load(path)
            if model.get("version") != MODEL_VERSION:
                return None
            _loaded.update(stamp=stamp, model=model)
        return _loaded["model"]


def suggest(text: str, *, top: int = TOP) -> Suggestions:
    """The top categories and units for `text`: the model's when there is one, else the rules'."""
    text = text.strip()
    if not text:
        return Suggestions()
    model = load()
    if model is None:
        return by_rules(text, top=top)
    found = predict(model, text, top)
    from xinfang.intake.models import Category
    from xinfang.organisation.models import OrgUnit

    # a category switched off or a unit removed since the training is not offered
    cat_ids = {pk for pk, _ in found["category"]}
    unit_ids = {pk for pk, _ in found["unit"]}
    cats = dict(Category.objects.filter(pk__in=cat_ids, active=True).values_list("pk", "path"))
    units = {u.pk: u.name for u in OrgUnit.objects.filter(pk__in=unit_ids)}
    return Suggestions(
        categories=[Choice(pk, cats[pk], round(p, 3)) for pk, p in found["category"] if pk in cats],
        units=[Choice(pk, units[pk], round(p, 3)) for pk, p in found["unit"] if pk in units],
        source="model",
        trained_at=model.get("trained_at"),
    )

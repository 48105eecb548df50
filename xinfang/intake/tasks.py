"""Background work of intake (django-tasks): the suggestion model retrained, put on the queue
by the daily scan when its file is older than SUGGESTION_RETRAIN_DAYS; the similar-matters index
rebuilt whole after a big ledger import."""

from dataclasses import asdict
from typing import Any

from django.db import transaction
from django_tasks import task


@task()
def train_suggestions() -> dict[str, Any]:
    from xinfang.intake import suggestions

    return asdict(suggestions.train())


def enqueue_training_if_due() -> bool:
    """Whether a retraining was put on the queue."""
    from xinfang.intake import suggestions

    if not suggestions.retrain_due():
        return False
    train_suggestions.enqueue()
    return True


@task()
def reindex_similar() -> dict[str, int]:
    """The similar-matters index rebuilt whole (xinfang.intake.similar.index.reindex)."""
    from xinfang.intake.similar.index import reindex

    return asdict(reindex())


def reindex_similar_after_commit() -> None:
    """Queue reindex_similar for when the current transaction commits (nothing on a rollback).
    Robust: the import has committed by then, and a queue that fails (logged by Django) must not
    tell its user that the import failed."""
    transaction.on_commit(reindex_similar.enqueue, robust=True)

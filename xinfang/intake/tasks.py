"""Background work of intake: the suggestion model retrained (django-tasks), put on the queue
by the daily scan when its file is older than SUGGESTION_RETRAIN_DAYS."""

from typing import Any

from django_tasks import task


@task()
def train_suggestions() -> dict[str, Any]:
    from dataclasses import asdict

    from xinfang.intake import suggestions

    return asdict(suggestions.train())


def enqueue_training_if_due() -> bool:
    """Whether a retraining was put on the queue."""
    from xinfang.intake import suggestions

    if not suggestions.retrain_due():
        return False
    train_suggestions.enqueue()
    return True

"""Serial numbers that are never reused, even when two people take one at the same moment."""

from django.db import models, transaction


class Sequence(models.Model):
    key = models.CharField(max_length=128, unique=True)  # e.g. "registration:2026"
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


def next_value(key: str) -> int:
    """The next number of `key`; the row lock makes concurrent callers wait their turn."""
    with transaction.atomic():
        Sequence.objects.get_or_create(key=key)
        row = Sequence.objects.select_for_update().get(key=key)
        row.last += 1
        row.save(update_fields=["last"])
        return row.last


def serial_number(prefix: str, year: int, serial: int) -> str:
    """The one form of a matter's and a registration's number: SX-2026-000747 (the demo's, and
    a bureau's own prefix from settings for the numbers it makes)."""
    return f"{prefix}-{year}-{serial:06d}"


def next_values(key: str, count: int) -> range:
    """`count` consecutive numbers of `key` taken at once (bulk imports), as next_value would."""
    with transaction.atomic():
        Sequence.objects.get_or_create(key=key)
        row = Sequence.objects.select_for_update().get(key=key)
        first = row.last + 1
        row.last += count
        row.save(update_fields=["last"])
        return range(first, first + count)

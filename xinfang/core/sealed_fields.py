"""Model fields for sealed personal data (xinfang.core.sealing): the value, sealed in its column
and read back in clear, and its keyed-hash index, kept in step by every save and bulk_create.

A sealed column cannot be compared in SQL, so it answers only `isnull`; searches use the hash
field (`Petitioner.objects.filter(phone_hash=lookup_hash(phone))`). QuerySet.update() and
bulk_update() skip pre_save: callers that write the value that way set the hash beside it
(`hashes_of`).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from xinfang.core.sealing import ID_PREFIX_LENGTHS, hasher, seal, unseal

SEALED_MAX_LENGTH = 160  # a 64-character value sealed: 8 + 1 + base64 of 12 + 64 + 16 bytes
PLAIN_MAX_LENGTH = 64  # the longest value a form may give: its sealed form fits the column


class SealedCharField(models.CharField):
    """A short text stored sealed; compared only through its LookupHashField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", SEALED_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return unseal(value)

    def formfield(self, *args: Any, **kwargs: Any) -> Any:
        # the column's length is that of the sealed value; a form limits the value itself
        kwargs.setdefault("max_length", PLAIN_MAX_LENGTH)
        return super().formfield(*args, **kwargs)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return seal(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} 已加密，不能按值查找（{lookup_name}）："
                f"请按 {self.name}_hash = lookup_hash(值) 查找"
            )
        return super().get_lookup(lookup_name)


class LookupHashField(models.CharField):
    """The keyed hash of another field's value, recomputed whenever the row is saved."""

    # kind -> (method of sealing.Hasher, its extra arguments): id_prefix_12 hashes the first 12
    KINDS: dict[str, tuple[str, tuple[int, ...]]] = {
        "exact": ("exact", ()),
        "id_prefix": ("id_prefix", ()),
        **{f"id_prefix_{n}": ("id_prefix", (n,)) for n in ID_PREFIX_LENGTHS[1:]},
    }

    def __init__(self, *args: Any, source: str, kind: str = "exact", **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.kind != "exact":
            kwargs["kind"] = self.kind
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 32:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value: str | None = self.hash_of(getattr(model_instance, self.source))
        if value == "" and self.null:
            value = None  # NULL for none: a unique index then lets many rows have no number
        setattr(model_instance, self.attname, value)
        return value

    def hash_of(self, value: str | None) -> str:
        return self.hasher()(value)

    def hasher(self) -> Callable[[str | None], str]:
        """The hash function of this field under the current key (bind once for many rows)."""
        name, extra = self.KINDS[self.kind]
        method: Callable[..., str] = getattr(hasher(), name)
        if not extra:
            return method
        return lambda value: method(value, *extra)


def hash_fields(model: type[models.Model]) -> list[LookupHashField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, LookupHashField)]


def with_hashes(model: type[models.Model], names: Iterable[str]) -> list[str]:
    """`names` and the hash fields of those among them that are sealed (for update_fields)."""
    names = list(names)
    extra = [f.name for f in hash_fields(model) if f.source in names and f.name not in names]
    return names + extra


def hashes_of(instance: models.Model) -> None:
    """Set every hash field of `instance` from its current values (before a bulk_update)."""
    for field in hash_fields(type(instance)):
        field.pre_save(instance, add=False)


class SealedModel(models.Model):
    """A model with sealed fields: a save with update_fields also saves their hashes."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = with_hashes(type(self), kwargs["update_fields"])
        super().save(*args, **kwargs)

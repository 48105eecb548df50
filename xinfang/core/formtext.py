"""Forms refuse the characters the ledger importer refuses (control, bidi and zero-width ones,
xinfang.core.spreadsheets.UNSAFE_CHARS): stored, they would hide or reorder what a reader sees,
and an export holding them would not import again.

One rule, three doors: every Django form of xinfang is a SafeForm / SafeModelForm (or carries
SafeTextMixin; tests/test_trust_formtext.py walks every Form subclass and every /manage/ form and
fails on one without it); a view or service that reads a posted text itself asks `refuse_unsafe`;
the message is `unsafe_char_message`'s, the importer's, everywhere."""

from typing import Any

from django import forms
from django.http import QueryDict

from xinfang.core.errors import InputError
from xinfang.core.spreadsheets import unsafe_char, unsafe_char_message

THEN = "重新提交"


def unsafe_text_message(text: Any) -> str | None:
    """The refusal of a text holding an unsafe character ("" label), or None."""
    ch = unsafe_char(text) if isinstance(text, str) else None
    return None if ch is None else unsafe_char_message(ch, then=THEN)


def refuse_unsafe(value: Any, *, field: str, label: str = "") -> None:
    """InputError(field) when `value` (a text, or a list of them) holds an unsafe character."""
    for text in value if isinstance(value, list | tuple) else [value]:
        message = unsafe_text_message(text)
        if message is not None:
            raise InputError(f"{label}{message}", field=field)


def posted_text(post: QueryDict, name: str, label: str = "") -> str:
    """A text posted to a view that reads the form itself, refused like a form's field."""
    value = str(post.get(name, ""))
    refuse_unsafe(value, field=name, label=label)
    return value


class SafeTextMixin:
    """Put first in a form's bases: each text a field cleaned is checked, once, in one place."""

    cleaned_data: dict[str, Any]

    def _clean_fields(self) -> None:
        super()._clean_fields()  # type: ignore[misc]
        for name, value in list(self.cleaned_data.items()):
            try:
                refuse_unsafe(value, field=name)
            except InputError as exc:
                self.add_error(name, exc.message)  # type: ignore[attr-defined]


class SafeForm(SafeTextMixin, forms.Form):
    """The base of every form of xinfang that is not a model form."""


class SafeModelForm(SafeTextMixin, forms.ModelForm):
    """The base of every model form of xinfang (/manage/ wraps the ones Django makes)."""


def safe_form_class(form: type[Any]) -> type[Any]:
    """`form` itself when it already refuses unsafe text, else a subclass of it that does (the
    forms the admin site builds: Django's user forms, modelform_factory's)."""
    if issubclass(form, SafeTextMixin):
        return form
    return type(form.__name__, (SafeTextMixin, form), {"__module__": form.__module__})

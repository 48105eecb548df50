"""Forms refuse the characters the ledger importer refuses (control, bidi and zero-width ones,
xinfang.core.spreadsheets.UNSAFE_CHARS): stored, they would hide or reorder what a reader sees,
and an export holding them would not import again."""

from typing import Any

from xinfang.core.spreadsheets import unsafe_char, unsafe_char_message


class SafeTextMixin:
    """Put first in a form's bases: each text a field cleaned is checked, once, in one place."""

    cleaned_data: dict[str, Any]

    def _clean_fields(self) -> None:
        super()._clean_fields()  # type: ignore[misc]
        for name, value in list(self.cleaned_data.items()):
            texts = value if isinstance(value, list | tuple) else [value]
            for text in texts:
                ch = unsafe_char(text) if isinstance(text, str) else None
                if ch is not None:
                    self.add_error(name, unsafe_char_message(ch, then="重新提交"))  # type: ignore[attr-defined]
                    break

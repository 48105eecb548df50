"""The type-ahead picker of units, categories and people: a <select> whose options carry their
pinyin; static/js/picker.js turns it into a combobox, and without JavaScript it stays a select.

The select keeps its name and posts the same id, so a form's validation does not change."""

from typing import Any

from django import forms

from xinfang.core.pinyin import readings

INDENT = "\u3000"  # a full-width space per tree level, readable in a plain <select>


class Picker(forms.Select):
    kind = "item"  # what is picked; the page remembers recent choices per kind and field

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__({"data-picker": self.kind, **(attrs or {})}, choices)

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        text = str(label)
        bare = text.lstrip(INDENT)
        if str(value) != "":
            option["attrs"]["data-py"] = "|".join(readings(bare))
            if bare != text:
                option["attrs"]["data-depth"] = len(text) - len(bare)
        return option


class UnitPicker(Picker):
    kind = "unit"


class CategoryPicker(Picker):
    kind = "category"


class PersonPicker(Picker):
    kind = "person"

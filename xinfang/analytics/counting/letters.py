"""B2 `letters`: the letters (渠道 来信) of P by 来信类型, 初信/重信 and purpose, with 同比/环比."""

from typing import Any

from xinfang.analytics.counting.cubes import LETTERS, Cube, Figures, RegistrationCubes
from xinfang.analytics.figures import change
from xinfang.intake.choices import LetterKind, Purpose


def _row(head: dict[str, Any], cube: Cube, key: tuple[Any, ...]) -> dict[str, Any]:
    cur: Figures = cube.get(0, None, key)
    prev: Figures = cube.get(1, None, key)
    return head | cur | {"previous": prev, "change": {k: change(cur[k], prev[k]) for k in cur}}


class LetterCounts(RegistrationCubes):
    def letters(self) -> dict[str, Any]:
        """All letters; `kinds`: a row per 来信类型 (普通来信 "" included, vocabulary order);
        `first` / `repeat`: 初信 / 重信 (the matter's first registration or not);
        `first_by_purpose`: 初信 per 信访目的 (seed 000's 求决类初信), empty purpose as null.

        Read from the letters' monthly summary and the partial months' rows (one grouped query,
        on PostgreSQL part of the report's one scan)."""
        cube = Cube()
        for g in self._groups(LETTERS):
            if not self.scope.in_node(g["locality_id"]):
                continue
            b, p, bucket = g["batches"], g["people"] or 0, g["bucket"]
            first = "first" if g["is_first"] else "repeat"
            for key in (
                ("all",),
                ("kind", g["letter_kind"] or ""),
                (first,),
                *([("first", g["purpose"] or None)] if first == "first" else []),
            ):
                cube.add(bucket, None, key, b, p)
        purposes: list[str | None] = [*Purpose.values]
        if (
            cube.get(0, None, ("first", None))["batches"]
            or cube.get(1, None, ("first", None))["batches"]
        ):
            purposes.append(None)
        return _row({}, cube, ("all",)) | {
            "kinds": [
                _row({"kind": kind.value, "name": kind.label}, cube, ("kind", kind.value))
                for kind in LetterKind
            ],
            "first": _row({}, cube, ("first",)),
            "repeat": _row({}, cube, ("repeat",)),
            "first_by_purpose": [
                _row({"purpose": purpose}, cube, ("first", purpose)) for purpose in purposes
            ],
        }

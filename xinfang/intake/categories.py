"""The category tree: its order on screen, and writing it (a path follows the names above it)."""

from collections.abc import Iterable

from django.db import transaction

from xinfang.core.errors import InputError
from xinfang.intake.models import Category

OTHER = "其他"  # 其他, 其他城建…: the last of their siblings, whatever their 排序


def categories_in_order(categories: Iterable[Category]) -> list[Category]:
    """Tree order: each category under its parent, siblings by 排序 then name, 其他… last
    (names are unique in the whole tree, so a branch's own 其他 is named 其他城建 and the like)."""
    rows = list(categories)
    by_path = {c.path: c for c in rows}

    def key(category: Category) -> list[tuple[bool, int, str]]:
        parts = category.path.split("/")
        steps = []
        for depth in range(1, len(parts) + 1):
            node = by_path.get("/".join(parts[:depth]))
            name = parts[depth - 1]
            steps.append((name.startswith(OTHER), node.sort_order if node else 0, name))
        return steps

    return sorted(rows, key=key)


def category_check(category: Category) -> None:
    """Refuses an empty name, a slash in it (the path's separator) and a loop (InputError);
    /manage/'s form asks it before saving, so that a refusal is a form error, not a 500."""
    name = (category.name or "").strip()
    if not name or "/" in name:
        raise InputError("分类名称不能为空，也不能含有“/”", field="name")
    parent = category.parent
    while parent is not None:
        if category.pk is not None and parent.pk == category.pk:
            raise InputError("不能把分类放到它自己的下级之下", field="parent")
        parent = parent.parent


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Save `category` and re-derive the paths below it; refuses loops and slashes in names."""
    category_check(category)
    name = category.name.strip()
    category.name = name
    category.path = f"{category.parent.path}/{name}" if category.parent else name
    category.save()
    for child in category.children.all():
        category_save(category=child)
    return category

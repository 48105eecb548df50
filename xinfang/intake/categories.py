"""Writing the category tree: a category's path follows its name and its parent's path."""

from django.db import transaction

from xinfang.core.errors import InputError
from xinfang.intake.models import Category


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Save `category` and re-derive the paths below it; refuses loops and slashes in names."""
    name = category.name.strip()
    if not name or "/" in name:
        raise InputError("分类名称不能为空，也不能含有“/”", field="name")
    category.name = name
    parent = category.parent
    while parent is not None:
        if category.pk is not None and parent.pk == category.pk:
            raise InputError("不能把分类放到它自己的下级之下", field="parent")
        parent = parent.parent
    category.path = f"{category.parent.path}/{name}" if category.parent else name
    category.save()
    for child in category.children.all():
        category_save(category=child)
    return category

"""Loads the default category tree; reversing removes the rows it added (if unused)."""

from django.db import migrations


def load(apps, schema_editor):
    from xinfang.intake.default_categories import DEFAULT_CATEGORIES

    Category = apps.get_model("intake", "Category")
    for order, (parent_name, children) in enumerate(DEFAULT_CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            name=parent_name, defaults={"path": parent_name, "sort_order": order * 100}
        )
        for sub_order, child in enumerate(children, start=1):
            Category.objects.get_or_create(
                name=child,
                defaults={"parent": parent, "path": f"{parent_name}/{child}", "sort_order": order * 100 + sub_order},
            )


def unload(apps, schema_editor):
    from xinfang.intake.default_categories import DEFAULT_CATEGORIES

    Category = apps.get_model("intake", "Category")
    names = [child for _, children in DEFAULT_CATEGORIES for child in children]
    Category.objects.filter(name__in=names).delete()
    Category.objects.filter(name__in=[p for p, _ in DEFAULT_CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

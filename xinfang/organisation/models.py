"""Units of the organisation tree, each with a materialised path for fast subtree queries."""

from django.db import models


class UnitKind(models.TextChoices):
    CITY = "city", "市"
    DISTRICT = "district", "区县"
    STREET = "street", "街道乡镇"
    VILLAGE = "village", "村社区"
    DEPARTMENT = "department", "部门"


class OrgUnit(models.Model):
    code = models.CharField("编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=128, db_index=True)
    short_name = models.CharField("简称", max_length=32, blank=True)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "/<id>/<id>/.../" from the root down to this unit; kept by organisation.services only.
    path = models.CharField(max_length=512, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # Discipline and supervision organs (纪委监委) are the only receivers of accusation material.
    is_discipline_organ = models.BooleanField("纪检监察机关", default=False)
    sort_order = models.IntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "组织单位"
        verbose_name_plural = "组织单位"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_sibling_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_within(self, other: "OrgUnit") -> bool:
        """True when this unit is `other` or lies below it."""
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

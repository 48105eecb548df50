"""Leader packages (领导包案) from the ledger's 包案领导 and 包案日期; 回流 from its 化解日期.

A ledger (contract A) records a package as two facts of a matter. Each matter with both becomes
one Package of source 台账导入 with what the ledger knows — the leader (by name), 包案日期, the
matter's 责任单位, its 化解日期 — and no 办结时限 (the ledger never records one). The first
registration of the matter after its 化解日期 is a 回流 (PackageReflow): it reopened the package,
as leaders.services.on_registration does for a live registration; the matter's 化解日期 itself is
left as the ledger states it.

packages_from_ledger() is idempotent: called again it changes nothing; after `import-ledger
--update` it brings the packages in line with the matters' new facts. Matters that hold a
package opened in the product (领导包案, 接访包案) are left to it.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F, Q

from xinfang.core.middleware import current_ip
from xinfang.core.models import AuditEvent
from xinfang.core.sequences import next_values
from xinfang.intake.models import Matter, Registration
from xinfang.intake.reflow import registered_after_resolution, registered_after_resolution_q
from xinfang.leaders.choices import LeaderTier, PackageSource, PackageStatus
from xinfang.leaders.models import Leader, Package, PackageMatter, PackageReflow

# The tier of a 包案领导 the tree does not know yet: packages are the district leadership's work.
NEW_LEADER_TIER = LeaderTier.MEMBER


@dataclass
class PackageCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # the matter no longer states a package (import-ledger --update)
    reflows: int = 0
    leaders_created: list[str] = field(default_factory=list)
    skipped: int = 0  # the matter holds a package opened in the product
    incomplete: int = 0  # 包案领导 without 包案日期, or the reverse

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.reflows)

    def text(self) -> str:
        parts = [
            f"领导包案：新建{self.created}件",
            f"更新{self.updated}件",
            f"回流{self.reflows}次",
        ]
        if self.removed:
            parts.append(f"撤销{self.removed}件")
        line = "，".join(parts) + "。"
        if self.leaders_created:
            line += f"新建包案领导：{'、'.join(self.leaders_created[:20])}。"
        if self.incomplete:
            line += f"{self.incomplete}件事项只填了包案领导或包案日期之一，未建包案。"
        return line


@dataclass
class _Wanted:
    matter: int
    number: str
    leader: str
    started_on: date
    resolved_on: date | None
    unit: int | None
    reflow: tuple[int, date] | None = None  # (registration, received_on)

    def status(self, reflowed_after: bool) -> str:
        if self.resolved_on is None or reflowed_after:
            return PackageStatus.OPEN
        return PackageStatus.RESOLVED


def _root_id() -> int | None:
    from xinfang.organisation.selectors import unlocated_root_id

    return unlocated_root_id()


def packages_from_ledger() -> PackageCounts:
    """Make the ledger packages match the matters' 包案领导/包案日期/化解日期 (in a transaction)."""
    counts = PackageCounts()
    wanted: dict[int, _Wanted] = {}
    for pk, number, leader, started, resolved, unit in Matter.objects.filter(
        ~Q(package_leader="") | Q(package_started_on__isnull=False)
    ).values_list(
        "id", "number", "package_leader", "package_started_on", "resolved_on", "responsible_unit_id"
    ):
        if not leader or started is None:
            counts.incomplete += 1
            continue
        wanted[pk] = _Wanted(pk, number, leader, started, resolved, unit)
    ours: dict[int, dict[str, Any]] = {}
    for row in PackageMatter.objects.filter(package__source=PackageSource.LEDGER).values(
        "matter_id",
        "package_id",
        "package__leader__name",
        "package__started_on",
        "package__status",
        "package__resolved_on",
        "package__responsible_unit_id",
    ):
        ours[row["matter_id"]] = dict(row)
    if not wanted and not ours:
        return counts
    theirs = set(
        PackageMatter.objects.exclude(package__source=PackageSource.LEDGER).values_list(
            "matter_id", flat=True
        )
    )
    for pk in list(wanted):
        if pk in theirs:
            counts.skipped += 1
            del wanted[pk]
    _first_after_resolution(wanted)
    reflowed = _reflows_after(ours, wanted)
    leaders = _leaders(wanted, counts)
    audit: list[AuditEvent] = []
    _remove(ours, wanted, counts)
    _update(ours, wanted, leaders, reflowed, counts, audit)
    _create(ours, wanted, leaders, counts, audit)
    _add_reflows(wanted, counts, audit)
    AuditEvent.objects.bulk_create(audit, batch_size=1000)
    return counts


def _first_after_resolution(wanted: dict[int, _Wanted]) -> None:
    """The first registration of each resolved matter after its 化解日期 (one query)."""
    later = (
        Registration.objects.filter(
            registered_after_resolution_q("received_on", "matter__resolved_on"),
            matter__package_started_on__isnull=False,
        )
        .exclude(matter__package_leader="")
        .order_by("matter_id", "received_at", "number")
        .values_list("matter_id", "id", "received_on")
    )
    for matter, registration, received in later:
        item = wanted.get(matter)
        if item is not None and item.reflow is None:
            item.reflow = (registration, received)


def _reflows_after(ours: dict[int, dict[str, Any]], wanted: dict[int, _Wanted]) -> set[int]:
    """Matters whose ledger package has a 回流 after the matter's 化解日期 (stored or to come)."""
    found = set()
    stored = PackageReflow.objects.filter(package__source=PackageSource.LEDGER).values_list(
        "matter_id", "on"
    )
    for matter, on in stored:
        item = wanted.get(matter)
        if item is not None and registered_after_resolution(on, item.resolved_on):
            found.add(matter)
    found.update(pk for pk, item in wanted.items() if item.reflow is not None)
    return found


def _leaders(wanted: dict[int, _Wanted], counts: PackageCounts) -> dict[str, int]:
    """Leader id by name: the one of that name (of the root first, then the earliest); a name
    nobody has is created under the root with tier 班子成员."""
    names = sorted({item.leader for item in wanted.values()})
    root = _root_id()
    found: dict[str, tuple[bool, int]] = {}
    for start in range(0, len(names), 2000):
        for pk, name, unit in Leader.objects.filter(
            name__in=names[start : start + 2000]
        ).values_list("id", "name", "unit_id"):
            rank = (unit != root, pk)
            if name not in found or rank < found[name]:
                found[name] = rank
    by_name = {name: rank[1] for name, rank in found.items()}
    missing = [name for name in names if name not in by_name]
    if missing and root is not None:
        Leader.objects.bulk_create(
            Leader(name=name, tier=NEW_LEADER_TIER, unit_id=root) for name in missing
        )
        by_name.update(
            Leader.objects.filter(unit_id=root, name__in=missing).values_list("name", "id")
        )
        counts.leaders_created = missing
    return by_name


def _event(action: str, package: int, matter: int, data: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        actor=None,
        action=action,
        object_type=Package._meta.label_lower,
        object_id=str(package),
        matter_id=matter,
        data={"source": "ledger", **data},
        ip=current_ip.get(),
    )


def _remove(
    ours: dict[int, dict[str, Any]], wanted: dict[int, _Wanted], counts: PackageCounts
) -> None:
    gone = [row["package_id"] for matter, row in ours.items() if matter not in wanted]
    if not gone:
        return
    kept = set(
        Package.objects.filter(pk__in=gone, progress__isnull=False).values_list("pk", flat=True)
    )
    removable = [pk for pk in gone if pk not in kept]
    PackageReflow.objects.filter(package_id__in=removable).delete()
    PackageMatter.objects.filter(package_id__in=removable).delete()
    Package.objects.filter(pk__in=removable).delete()
    counts.removed = len(removable)


def _update(
    ours: dict[int, dict[str, Any]],
    wanted: dict[int, _Wanted],
    leaders: dict[str, int],
    reflowed: set[int],
    counts: PackageCounts,
    audit: list[AuditEvent],
) -> None:
    for matter, row in ours.items():
        item = wanted.get(matter)
        if item is None:
            continue
        status = item.status(matter in reflowed)
        resolved = item.resolved_on if status == PackageStatus.RESOLVED else None
        target = {
            "leader__name": item.leader,
            "started_on": item.started_on,
            "status": status,
            "resolved_on": resolved,
            "responsible_unit_id": item.unit,
        }
        before = {name: row[f"package__{name}"] for name in target}
        if before == target:
            counts.unchanged += 1
            continue
        Package.objects.filter(pk=row["package_id"]).update(
            leader_id=leaders[item.leader],
            started_on=item.started_on,
            status=status,
            resolved_on=resolved,
            responsible_unit_id=item.unit,
            version=F("version") + 1,
        )
        PackageMatter.objects.filter(package_id=row["package_id"]).update(
            open=status == PackageStatus.OPEN
        )
        changes = {k: [str(before[k]), str(v)] for k, v in target.items() if before[k] != v}
        audit.append(_event("package.ledger_update", row["package_id"], matter, changes))
        counts.updated += 1


def _create(
    ours: dict[int, dict[str, Any]],
    wanted: dict[int, _Wanted],
    leaders: dict[str, int],
    counts: PackageCounts,
    audit: list[AuditEvent],
) -> None:
    new = [item for pk, item in wanted.items() if pk not in ours]
    if not new:
        return
    by_year: dict[int, list[_Wanted]] = {}
    for item in new:
        by_year.setdefault(item.started_on.year, []).append(item)
    packages: list[Package] = []
    for year, items in sorted(by_year.items()):
        numbers = next_values(f"package:{year}", len(items))  # the numbers package_open gives
        for item, serial in zip(items, numbers, strict=True):
            status = item.status(item.reflow is not None)
            packages.append(
                Package(
                    number=f"BA{year}{serial:05d}",
                    status=status,
                    source=PackageSource.LEDGER,
                    leader_id=leaders[item.leader],
                    responsible_unit_id=item.unit,
                    started_on=item.started_on,
                    resolved_on=item.resolved_on if status == PackageStatus.RESOLVED else None,
                )
            )
    Package.objects.bulk_create(packages, batch_size=1000)
    ids = dict(
        Package.objects.filter(number__in=[p.number for p in packages]).values_list("number", "id")
    )
    items = [item for _, group in sorted(by_year.items()) for item in group]
    PackageMatter.objects.bulk_create(
        (
            PackageMatter(
                package_id=ids[p.number], matter_id=item.matter, open=p.status == PackageStatus.OPEN
            )
            for p, item in zip(packages, items, strict=True)
        ),
        batch_size=1000,
    )
    for p, item in zip(packages, items, strict=True):
        audit.append(
            _event(
                "package.open",
                ids[p.number],
                item.matter,
                {
                    "number": p.number,
                    "leader": item.leader,
                    "started_on": item.started_on.isoformat(),
                    "resolved_on": item.resolved_on.isoformat() if item.resolved_on else None,
                },
            )
        )
    counts.created = len(packages)


def _add_reflows(
    wanted: dict[int, _Wanted], counts: PackageCounts, audit: list[AuditEvent]
) -> None:
    registrations = [item.reflow[0] for item in wanted.values() if item.reflow is not None]
    if not registrations:
        return
    taken = set(
        PackageReflow.objects.filter(registration_id__in=registrations).values_list(
            "registration_id", flat=True
        )
    )
    package_of = dict(
        PackageMatter.objects.filter(
            package__source=PackageSource.LEDGER,
            matter_id__in=[item.matter for item in wanted.values() if item.reflow is not None],
        ).values_list("matter_id", "package_id")
    )
    reflows = []
    for item in wanted.values():
        if item.reflow is None or item.reflow[0] in taken or item.resolved_on is None:
            continue
        registration, on = item.reflow
        package = package_of[item.matter]
        reflows.append(
            PackageReflow(
                package_id=package,
                matter_id=item.matter,
                registration_id=registration,
                on=on,
                resolved_before=item.resolved_on,
            )
        )
        audit.append(
            _event(
                "package.reflow",
                package,
                item.matter,
                {"on": on.isoformat(), "resolved_before": item.resolved_on.isoformat()},
            )
        )
    PackageReflow.objects.bulk_create(reflows, batch_size=1000)
    counts.reflows = len(reflows)

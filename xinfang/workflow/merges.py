"""Merging matters of the history that are one matter (纯件数 too high), and undoing a merge.

One matter keeps; each absorbed matter's registrations move to it and its row goes, its fields
kept in a MatterMerge row so that `matter_unmerge` puts it back as it was. Only a matter that
nothing but its registrations holds can be absorbed (an imported one: no 交办, 文书, audit
rows …); a matter the workflow has touched can only keep. An accusation (检举控告) is never
merged with a matter that is not one: the unit that handles the other might be the accused.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import CASCADE, ForeignObjectRel, ManyToManyRel
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, Actor, may, user_of
from xinfang.intake.choices import Purpose
from xinfang.intake.models import Matter, Registration
from xinfang.workflow.models import MatterMerge, MatterWorkflow
from xinfang.workflow.states import MatterStatus

# How far a matter's handling has gone: an absorbed matter may not be further than the kept one,
# or its reply (or review) would leave the figures with it.
STAGE = {
    MatterStatus.REGISTERED: 0,
    MatterStatus.ASSIGNED: 1,
    MatterStatus.RETURNED: 1,
    MatterStatus.IN_HANDLING: 2,
    MatterStatus.DECLINED: 2,
    MatterStatus.LEGAL_CHANNEL: 2,
    MatterStatus.REPLIED: 3,
    MatterStatus.UNDER_REVIEW: 4,
    MatterStatus.REVIEWED: 5,
    MatterStatus.UNDER_REREVIEW: 6,
    MatterStatus.FINAL: 7,
}
# what may point at an absorbed matter: its registrations move (its index rows, below, go with it)
_MOVES = {Registration}
_NAMES = {"core.AuditEvent": "审计记录", "leaders.PackageMatter": "领导包案"}


def holders(matter: Matter) -> list[str]:
    """The kinds of record other than its registrations that refer to `matter` (交办, 文书, 审计
    记录 …): a matter with any of them has a history of its own and can only keep."""
    found = []
    for relation in Matter._meta.get_fields(include_hidden=True):
        # every relation that points here, the hidden ones (related_name="+") too; a plain
        # many-to-many's own table (a hotspot's matters) goes with the row, as it should
        if not isinstance(relation, ForeignObjectRel) or isinstance(relation, ManyToManyRel):
            continue
        model = relation.related_model
        if not isinstance(model, type) or model in _MOVES or model._meta.auto_created:
            continue
        if model._meta.app_label == "intake" and relation.on_delete is CASCADE:
            continue  # the similar index's rows: they go with the row, index_matters makes them
        field = relation.field.name
        if model._default_manager.filter(**{field: matter.pk}).exists():
            found.append(_NAMES.get(model._meta.label, str(model._meta.verbose_name)))
    return sorted(set(found))


def _is_accusation(matter: Matter) -> bool:
    purposes = set(matter.registrations.values_list("purpose", flat=True)) | {matter.purpose}
    return Purpose.ACCUSATION in purposes


def merge_problems(kept: Matter, absorbed: list[Matter]) -> list[str]:
    """Why these matters cannot be merged into `kept` (none: they can). The file check and the
    service ask this one function."""
    problems = []
    accusation = _is_accusation(kept)
    # a matter the workflow runs has its clocks from its first registration: none may move earlier
    running = MatterWorkflow.objects.filter(matter=kept).exists()
    for matter in absorbed:
        if matter.pk == kept.pk:
            problems.append(f"{matter.number}不能并入自身")
            continue
        if _is_accusation(matter) != accusation:
            problems.append(
                f"{matter.number}与{kept.number}一件是检举控告、一件不是，不能合并"
                "（检举控告只交纪检监察机关办理，不能让其他单位看到）"
            )
        held = holders(matter)
        if held:
            problems.append(
                f"{matter.number}已有{'、'.join(held)}，不能并入其他事项（可改为保留该事项）"
            )
        if running and matter.first_received_on < kept.first_received_on:
            problems.append(
                f"{matter.number}的首次登记早于{kept.number}，而{kept.number}已在办理中"
                "（其期限自首次登记起算），不能并入"
            )
        if STAGE[MatterStatus(matter.status)] > STAGE[MatterStatus(kept.status)]:
            problems.append(
                f"{matter.number}（{matter.get_status_display()}）的办理进度超过保留事项"
                f"{kept.number}（{kept.get_status_display()}），请改为保留办理进度最远的事项"
            )
    return problems


def _snapshot(matter: Matter) -> dict[str, Any]:
    """The row as JSON; dates and times in full (DjangoJSONEncoder cuts microseconds)."""
    values = {f.attname: getattr(matter, f.attname) for f in Matter._meta.concrete_fields}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _restore(snapshot: dict[str, Any]) -> Matter:
    fields = {f.attname: f for f in Matter._meta.concrete_fields}
    values = {name: fields[name].to_python(value) for name, value in snapshot.items()}
    return Matter(**values)


@dataclass
class MergeResult:
    kept: Matter
    merges: list[MatterMerge]


@transaction.atomic
def matters_merge(
    *,
    actor: Actor,
    kept: Matter,
    absorbed: list[Matter],
    evidence: str = "",
    source: str = "",
) -> MergeResult:
    """Merge `absorbed` into `kept`: their registrations move to it, their rows go (each kept in
    a MatterMerge row), the kept matter's summary, repeat marks and index are made again, and
    each merge is audited on the kept matter."""
    from xinfang.intake.services import matter_refresh_summary
    from xinfang.intake.similar.index import index_matters

    everyone = [kept, *absorbed]
    for matter in everyone:
        if not may(actor, Action.MERGE_MATTERS, matter):
            raise PermissionRefusedError("您没有合并信访事项的权限")
    locked = {
        m.pk: m for m in Matter.objects.select_for_update().filter(pk__in=[m.pk for m in everyone])
    }
    missing = [m.number for m in everyone if m.pk not in locked]
    if missing:
        raise InputError(f"事项{'、'.join(missing)}已不存在（可能已被合并）")
    kept = locked[kept.pk]
    absorbed = [locked[m.pk] for m in absorbed]
    problems = merge_problems(kept, absorbed)
    if problems:
        raise InputError("；".join(problems))
    merges = []
    for matter in absorbed:
        moved = list(matter.registrations.order_by("id").values_list("id", flat=True))
        merge = MatterMerge.objects.create(
            kept=kept,
            absorbed_number=matter.number,
            absorbed_id=matter.pk,
            snapshot=_snapshot(matter),
            registrations=moved,
            evidence=evidence,
            source=source,
            merged_by=user_of(actor),
        )
        Registration.objects.filter(pk__in=moved).update(matter=kept)
        matter.delete()  # its index rows go with it
        audit_record(
            actor=actor,
            action="matter.merge",
            obj=merge,
            matter=kept,
            data={
                "kept": kept.number,
                "absorbed": merge.absorbed_number,
                "registrations": len(moved),
                **({"source": source} if source else {}),
            },
        )
        merges.append(merge)
    matter_refresh_summary(matter=kept)
    index_matters([kept.pk])
    return MergeResult(kept=kept, merges=merges)


@transaction.atomic
def matter_unmerge(*, actor: Actor, merge: MatterMerge) -> Matter:
    """Undo one merge: the absorbed matter comes back as it was, with its registrations."""
    from xinfang.intake.services import matter_refresh_summary
    from xinfang.intake.similar.index import index_matters

    merge = MatterMerge.objects.select_for_update().get(pk=merge.pk)
    kept = Matter.objects.select_for_update().get(pk=merge.kept_id)
    if not may(actor, Action.MERGE_MATTERS, kept):
        raise PermissionRefusedError("您没有撤销事项合并的权限")
    if merge.undone_at is not None:
        raise InputError(f"{merge.absorbed_number}并入{kept.number}的合并已于此前撤销")
    if Matter.objects.filter(number=merge.absorbed_number).exists():
        raise InputError(f"事项编号{merge.absorbed_number}已被另一事项使用，无法恢复")
    ids = list(merge.registrations)
    here = Registration.objects.filter(pk__in=ids, matter=kept).count()
    if here != len(ids):
        raise InputError(
            f"{merge.absorbed_number}原有的登记已不全在{kept.number}中（其后又有合并或更改），"
            "请先撤销其后的合并"
        )
    if len(ids) >= kept.registrations.count():
        raise InputError(f"{kept.number}没有自己的登记了，无法撤销")
    restored = _restore(merge.snapshot)
    stamps = {"created_at": restored.created_at, "updated_at": restored.updated_at}
    restored.save(force_insert=True)
    Registration.objects.filter(pk__in=ids).update(matter=restored)
    merge.undone_at = timezone.now()
    merge.undone_by = user_of(actor)
    merge.save(update_fields=["undone_at", "undone_by"])
    matter_refresh_summary(matter=kept)
    matter_refresh_summary(matter=restored)
    # the row comes back as it was: auto_now(_add) stamped it anew as it was written
    Matter.objects.filter(pk=restored.pk).update(**stamps)
    index_matters([kept.pk, restored.pk])
    audit_record(
        actor=actor,
        action="matter.unmerge",
        obj=merge,
        matter=kept,
        data={"kept": kept.number, "restored": restored.number, "registrations": len(ids)},
    )
    return restored


def merges_to_undo(number: str) -> list[MatterMerge]:
    """The merges `xinfang unmerge NUMBER` undoes: that absorbed matter's, or every one into the
    kept matter of that number (latest first)."""
    live = MatterMerge.objects.filter(undone_at__isnull=True).order_by("-merged_at", "-id")
    found = list(live.filter(absorbed_number=number))
    if found:
        return found[:1]
    return list(live.filter(kept__number=number))

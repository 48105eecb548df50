"""Importing the dispute ledger (A4): check the whole file, then write it in one transaction.

Each good row becomes the real records the services keep — a Dispute at its current level with
its level clock (disputes.clocks.level_due), one Escalation per step of 升级记录, the last
Mediation, the link to its petition — written here in bulk because the ledger states a history
(past dates, results without sessions) the one-step services refuse. Each dispute written has
one audit event (`dispute.import`, on the matter too when it became a petition) and the run has
its ImportBatch and a `disputes.import` event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.core.audit import audit_record
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.permissions import Action, may, user_of
from xinfang.disputes.choices import (
    DisputeLevel,
    DisputeStatus,
    EscalationReason,
    MediationResult,
)
from xinfang.disputes.clocks import level_due, rises_to
from xinfang.disputes.ledger.check import WHAT, DisputeCheck, DisputePlan
from xinfang.disputes.models import Dispute, Escalation, Mediation
from xinfang.intake.ledger.importer import LedgerRejectedError, write_rejects
from xinfang.intake.ledger.readers import file_sha256
from xinfang.intake.ledger.rows import Problem
from xinfang.intake.models import ImportBatch, Matter
from xinfang.organisation.models import OrgUnit

IMPORT_NOTE = "台账导入"

if TYPE_CHECKING:
    from xinfang.core.permissions import Actor


@dataclass
class DisputeImportResult:
    """What an import of the dispute ledger did (or, with dry_run, would do)."""

    file_name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    escalations: int = 0
    mediations: int = 0
    petitions: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    seconds: float = 0.0

    def text(self) -> str:
        verb = "检查完毕（试运行，未写入）" if self.dry_run else "导入完成"
        line = (
            f"{self.file_name} {verb}：共{self.rows}行，新增矛盾纠纷{self.created}件"
            f"（升级记录{self.escalations}条，调解{self.mediations}次，转信访{self.petitions}件），"
            f"已有纠纷{self.unchanged}件未变，退回{self.rejected}行。"
        )
        if not self.created and not self.dry_run:
            line += "\n文件内容与数据库中已有的相同，没有改动任何数据。"
        if self.rejects_path is not None:
            line += f"\n退回的行及原因已写入 {self.rejects_path}，改正后可再次导入。"
        return line


def import_disputes(
    path: Path | str,
    *,
    actor: Actor,
    partial: bool = False,
    rejects_path: Path | None = None,
    dry_run: bool = False,
) -> DisputeImportResult:
    """Check the whole dispute ledger, then write it; LedgerRejectedError when refused whole."""
    for action in (Action.IMPORT_LEDGER, Action.RECORD_DISPUTE):
        if not may(actor, action):
            raise PermissionRefusedError("您没有导入纠纷台账的权限")
    started = time.monotonic()
    path = Path(path)
    result = DisputeImportResult(file_name=path.name, dry_run=dry_run)
    check = DisputeCheck(actor=actor).run(path)
    result.rows = check.rows
    if check.fatal or (check.problems and not partial):
        raise LedgerRejectedError(check.problems, what=WHAT)
    reasons = check.rejected_rows()
    result.rejected = len(reasons)
    result.problems = check.problems
    good = check.good()
    new = [plan for plan in good if plan.new]
    result.created, result.unchanged = len(new), len(good) - len(new)
    result.escalations = sum(len(p.values["escalations"]) for p in new)
    result.mediations = sum(1 for p in new if p.values["mediation_kind"])
    result.petitions = sum(1 for p in new if p.registration_id)
    if not dry_run:
        if new:
            _write(result, new, actor=actor, path=path, partial=partial)
        if reasons:
            result.rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
            write_rejects(path, result.rejects_path, reasons)
    result.seconds = time.monotonic() - started
    return result


def _dispute(plan: DisputePlan, actor: Actor) -> Dispute:
    v = plan.values
    settled = v["settled_on"]
    status = DisputeStatus.OPEN
    if settled is not None:
        status = DisputeStatus.SETTLED
    elif plan.registration_id:
        status = DisputeStatus.PETITION
    assert plan.level_since is not None
    return Dispute(
        number=v["number"],
        found_on=v["found_on"],
        source=v["source"],
        campaign_id=plan.campaign,
        place_id=v["place"],
        category_id=v["category"],
        parties=v["parties"],
        description=v["description"],
        risk=v["risk"],
        status=status,
        owner_unit_id=plan.owner_unit,
        street_unit_id=plan.owners.get(DisputeLevel.STREET),
        district_unit_id=plan.owners.get(DisputeLevel.DISTRICT),
        level=v["level"],
        level_since=plan.level_since,
        level_due=level_due(v["level"], plan.level_since),
        settled_on=settled,
        settled_level=v["level"] if settled is not None else "",
        rescreened=v["rescreened"],
        matter_id=plan.matter_id,
        registration_id=plan.registration_id,
        petition_on=plan.petition_on,
        created_by=user_of(actor),
    )


def _history(plan: DisputePlan, dispute: Dispute, actor: Actor) -> None:
    v = plan.values
    level = plan.first_level
    now = timezone.now()
    for on, to in v["escalations"]:
        # checked: each step goes where the clock takes it (a missing level skipped)
        assert rises_to(level, plan.owners) == (to, plan.owners[to])
        Escalation.objects.create(
            dispute=dispute,
            on=on,
            from_level=level,
            to_level=to,
            reason=EscalationReason.MANUAL,
            note=IMPORT_NOTE,
            created_at=now,
        )
        level = to
    kind, result = v["mediation_kind"], v["mediation_result"] or ""
    if not kind:
        return
    # the ledger keeps no mediation dates: begun the day the dispute reached its level, ended
    # the day it was settled (调解成功), or it became a petition, or that same day (调解不成)
    started = dispute.level_since
    ended = None
    if result == MediationResult.SUCCESS:
        ended = dispute.settled_on
    elif result:
        ended = dispute.petition_on or started
    owner = OrgUnit.objects.only("name").get(pk=dispute.owner_unit_id)
    Mediation.objects.create(
        dispute=dispute,
        kind=kind,
        level=dispute.level,
        mediator=owner.name[:100],
        organisation=owner,
        started_on=started,
        result=result,
        concluded_on=ended,
        created_by=user_of(actor),
    )


def _write(
    result: DisputeImportResult,
    plans: list[DisputePlan],
    *,
    actor: Actor,
    path: Path,
    partial: bool,
) -> None:
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                file_name=path.name,
                sha256=file_sha256(path),
                actor=user_of(actor),
                mode="disputes+partial" if partial else "disputes",
            )
            matters = Matter.objects.in_bulk([p.matter_id for p in plans if p.matter_id])
            for plan in plans:
                dispute = _dispute(plan, actor)
                dispute.save(force_insert=True)
                _history(plan, dispute, actor)
                audit_record(
                    actor=actor,
                    action="dispute.import",
                    obj=dispute,
                    matter=matters.get(plan.matter_id) if plan.matter_id else None,
                    data={
                        "number": dispute.number,
                        "batch": batch.pk,
                        "row": plan.row,
                        "level": dispute.level,
                        "status": dispute.status,
                        "registration": plan.values["registration"],
                    },
                )
            batch.rows = result.rows
            batch.created = result.created
            batch.unchanged = result.unchanged
            batch.rejected = result.rejected
            batch.finished_at = timezone.now()
            batch.save()
            audit_record(
                actor=actor,
                action="disputes.import",
                obj=batch,
                data={
                    "file": path.name,
                    "sha256": batch.sha256,
                    "rows": result.rows,
                    "created": result.created,
                    "unchanged": result.unchanged,
                    "rejected": result.rejected,
                },
            )
            result.batch_id = batch.pk
    except IntegrityError as exc:  # someone wrote the same disputes after the check
        raise InputError(f"检查之后数据库有了变化，没有写入任何数据，请重新导入（{exc}）") from exc

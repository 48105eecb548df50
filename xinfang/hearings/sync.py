"""The workflow's steps hearing_start / hearing_end open and close the re-review hearing record.

Called by xinfang.workflow.services inside the step's transaction, after the step wrote
MatterWorkflow.hearing_started_on / hearing_ended_on (the re-review clock's pause). The record
follows those dates, so there is one source for the pause: a re-review hearing is begun and
concluded only through the two steps (xinfang.hearings.services calls them too). The step's own
audit event (workflow.start_hearing / end_hearing, with the date) is the audit of this change.
"""

from datetime import date

from xinfang.core.permissions import Actor, user_of
from xinfang.hearings.choices import HearingStage, HearingStatus
from xinfang.hearings.models import Hearing
from xinfang.intake.models import Matter


def _rereview_hearing(matter: Matter) -> Hearing | None:
    return (
        Hearing.objects.select_for_update()
        .filter(matter=matter, stage=HearingStage.REREVIEW)
        .first()
    )


def rereview_hearing_started(*, actor: Actor, matter: Matter, on: date) -> Hearing:
    """开始听证: the matter's planned re-review hearing begins, or a bare record is opened."""
    hearing = _rereview_hearing(matter)
    if hearing is None:
        hearing = Hearing.objects.create(
            matter=matter,
            stage=HearingStage.REREVIEW,
            status=HearingStatus.IN_PROGRESS,
            starts_on=on,
            host_unit=getattr(actor, "org_unit", None),
            created_by=user_of(actor),
        )
    else:
        hearing.status, hearing.starts_on, hearing.ends_on = HearingStatus.IN_PROGRESS, on, None
        hearing.save(update_fields=["status", "starts_on", "ends_on", "updated_at"])
    return hearing


def rereview_hearing_ended(*, actor: Actor, matter: Matter, started: date, on: date) -> Hearing:
    """结束听证: the re-review hearing is held from `started` to `on`."""
    hearing = _rereview_hearing(matter)
    if hearing is None:  # begun before hearings were records
        hearing = Hearing(
            matter=matter,
            stage=HearingStage.REREVIEW,
            host_unit=getattr(actor, "org_unit", None),
            created_by=user_of(actor),
        )
    hearing.status, hearing.starts_on, hearing.ends_on = HearingStatus.HELD, started, on
    hearing.save()
    return hearing

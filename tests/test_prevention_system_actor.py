"""The system (SYSTEM) acts in the prevention apps — disputes, casework, hearings — and is never
stored as who did it; nobody (None) is refused by each of them, nothing written."""

from datetime import date, datetime

import pytest

from xinfang.casework.choices import BatchSource, BodyKind, MeetingKind
from xinfang.casework.models import BatchItem, BatchReflow, JointBody
from xinfang.casework.services import (
    batch_create_from_csv,
    body_create,
    item_resolve,
    item_verify,
    meeting_record,
)
from xinfang.core import permissions as p
from xinfang.core.errors import PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.disputes import services as ds
from xinfang.disputes.choices import DisputeLevel, DisputeSource, MediationKind, Risk
from xinfang.disputes.models import Dispute
from xinfang.hearings import services as hs
from xinfang.hearings.choices import HearingStatus

from .conftest import TZ, District, register
from .hearings_support import hearing_input, in_handling, under_rereview
from .workflow_support import fresh, new_matter

pytestmark = pytest.mark.django_db


def _dispute_input(d: District, **kw: object) -> ds.DisputeInput:
    data = {
        "found_on": date(2026, 3, 2),
        "source": DisputeSource.ROUTINE,
        "place": d.village_a,
        "parties": 2,
        "description": "相邻两户因宅基地界址发生争执",
        "risk": Risk.MEDIUM,
    }
    data.update(kw)
    return ds.DisputeInput(**data)  # type: ignore[arg-type]


def _actors(action: str) -> set[int | None]:
    return set(AuditEvent.objects.filter(action=action).values_list("actor_id", flat=True))


def test_the_system_records_reports_and_settles_a_dispute_anywhere(district: District) -> None:
    d = district
    # anywhere in the tree: the system has no unit, and is not refused for it
    dispute = ds.record_dispute(actor=SYSTEM, data=_dispute_input(d, level=DisputeLevel.STREET))
    assert (dispute.owner_unit, dispute.created_by) == (d.street_a, None)
    mediation = ds.mediation_start(
        actor=SYSTEM, dispute=dispute, kind=MediationKind.PEOPLE, mediator="东风街道调委会",
        started_on=date(2026, 3, 3),
    )  # fmt: skip
    assert mediation.created_by is None
    report = ds.report_submit(
        actor=SYSTEM, unit=d.street_a, month=date(2026, 3, 1), disputes=[dispute],
        on=date(2026, 4, 1),
    )  # fmt: skip
    assert report.submitted_by is None
    feedback = ds.feedback_give(
        actor=SYSTEM, report=report, dispute=dispute, text="已督促化解", on=date(2026, 4, 2)
    )
    assert feedback.given_by is None
    ds.escalate(actor=SYSTEM, dispute=dispute, on=date(2026, 3, 5))
    assert Dispute.objects.get(pk=dispute.pk).level == DisputeLevel.DISTRICT
    assert _actors("dispute.record") == _actors("dispute.report") == {None}


def test_nobody_is_refused_by_each_prevention_service(district: District) -> None:
    d = district
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionRefusedError):
        ds.record_dispute(actor=None, data=_dispute_input(d))  # type: ignore[arg-type]
    with pytest.raises(PermissionRefusedError):
        ds.report_submit(actor=None, unit=d.village_a, month=date(2026, 3, 1))  # type: ignore[arg-type]
    with pytest.raises(PermissionRefusedError):
        batch_create_from_csv(
            actor=None,  # type: ignore[arg-type]
            source=BatchSource.CITY, name="第二批", unit=d.district, handed_on=date(2025, 9, 1),
            deadline=date(2025, 12, 31), text=f"事项编号\n{new_matter(d).number}\n",
        )  # fmt: skip
    with pytest.raises(PermissionRefusedError):
        hs.hearing_schedule(
            actor=None,  # type: ignore[arg-type]
            matter=in_handling(d), data=hearing_input(d, date(2025, 9, 1)),
        )  # fmt: skip
    assert AuditEvent.objects.filter(action__startswith="dispute").count() == 0
    assert AuditEvent.objects.filter(action__startswith="hearing").count() == 0
    assert not AuditEvent.objects.filter(action__startswith="casework").exists()
    assert AuditEvent.objects.count() >= events  # the matters made above


def test_a_batch_from_a_csv_by_the_system_names_no_user(district: District) -> None:
    d = district
    m1, m2 = new_matter(d), new_matter(d)
    batch = batch_create_from_csv(
        actor=SYSTEM,
        source=BatchSource.CITY,
        name="第二批",
        unit=d.district,
        handed_on=date(2025, 9, 1),
        deadline=date(2025, 12, 31),
        text=f"事项编号\n{m1.number}\n{m2.number}\n",
    )
    assert batch.created_by is None
    assert BatchItem.objects.filter(batch=batch).count() == 2
    assert _actors("casework.batch_create") == _actors("casework.batch_item_add") == {None}
    # a person resolves (the workflow's step); the system may verify it for the upper level
    officer = d.users["officer"]
    item_resolve(actor=officer, batch=batch, matter=fresh(m1), on=date(2025, 9, 10))
    item = item_verify(actor=SYSTEM, batch=batch, matter=m1, passed=True, on=date(2025, 9, 20))
    assert item.verified_by is None
    # 回流 follows a registration by itself: the system's event, no user named
    register(d, locality=d.street_a, matter=m1, when=datetime(2025, 10, 8, 9, 0, tzinfo=TZ))
    assert BatchReflow.objects.count() == 1
    assert _actors("casework.item_reflow") == {None}


def test_the_system_records_a_meeting_and_sees_every_body(district: District) -> None:
    d = district
    body = body_create(actor=SYSTEM, name="示范区联席会议", kind=BodyKind.JOINT, unit=d.district)
    meeting = meeting_record(
        actor=SYSTEM, body=body, kind=MeetingKind.JOINT, held_on=date(2025, 9, 1)
    )
    assert meeting.created_by is None
    assert list(p.visible_bodies(SYSTEM)) == [body]
    assert not p.visible_bodies(None).exists()  # nobody sees nothing, bodies included
    assert list(p.visible_bodies(d.users["officer"])) == [body]
    assert JointBody.objects.count() == 1


def test_the_system_holds_a_hearing_in_handling_but_not_a_rereview_one(district: District) -> None:
    d = district
    hearing = hs.hearing_record(
        actor=SYSTEM,
        matter=in_handling(d),
        data=hearing_input(d, date(2025, 9, 1)),
        record="各方陈述意见",
        conclusion="诉求部分合理",
    )
    assert (hearing.status, hearing.created_by) == (HearingStatus.HELD, None)
    # re-review's pause is the workflow's step, which a person takes
    matter = under_rereview(d)
    planned = hs.hearing_schedule(
        actor=SYSTEM, matter=matter, data=hearing_input(d, date(2025, 9, 25))
    )
    with pytest.raises(PermissionRefusedError, match="复核听证须由经办人登记"):
        hs.hearing_begin(actor=SYSTEM, hearing=planned, on=date(2025, 9, 25))
    assert fresh(matter).version == matter.version

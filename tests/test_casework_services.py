"""Casework: a meeting's decision assigns matters through the workflow; a batch handed down with
化解, 审核 and 回流; the 积案 flag. Figures typed by hand from the steps below."""

from datetime import date, datetime
from typing import Any

import pytest

from xinfang.analytics.counting.prevention import (
    casework_handed_down_figures,
    casework_meeting_figures,
)
from xinfang.analytics.preventiontext import (
    casework_handed_down_sentence,
    casework_meeting_sentence,
)
from xinfang.casework.choices import BatchSource, BodyKind, LongStandingReason, MeetingKind
from xinfang.casework.models import (
    BatchItem,
    BatchReflow,
    Decision,
    DecisionItem,
    HandedDownBatch,
    JointBody,
    LongStanding,
    Meeting,
)
from xinfang.casework.services import (
    DecisionAssignment,
    batch_create,
    batch_create_from_csv,
    body_create,
    decision_make,
    flag_long_standing,
    item_resolve,
    item_verify,
    meeting_record,
)
from xinfang.core.errors import InputError, PermissionRefusedError
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import visible_batch_items
from xinfang.intake.choices import Purpose
from xinfang.intake.forms import MatterFilterForm
from xinfang.intake.models import Matter
from xinfang.intake.selectors import matters_filtered
from xinfang.workflow.clocks import matter_clocks
from xinfang.workflow.models import Assignment
from xinfang.workflow.states import ClockKind, MatterStatus

from .conftest import TZ, District, register
from .workflow_support import fresh, new_matter


def _body(d: District) -> JointBody:
    return body_create(
        actor=d.users["officer"],
        name="示范区信访工作联席会议",
        kind=BodyKind.JOINT,
        unit=d.district,
        members=[d.street_a, d.housing, d.discipline],
        groups={"农村征用土地问题组": [d.street_a], "住房问题组": [d.housing]},
    )


def _meeting(d: District) -> Meeting:
    return meeting_record(
        actor=d.users["officer"],
        body=_body(d),
        kind=MeetingKind.COORDINATION,
        held_on=date(2025, 9, 1),
        place="区信访局会议室",
        minutes="研究两件征地问题",
    )


def test_a_decision_assigns_two_matters_through_the_workflow(district: District) -> None:
    d = district
    meeting = _meeting(d)
    group = meeting.body.groups.get(name="农村征用土地问题组")
    first, second = new_matter(d), new_matter(d, locality=d.street_b)
    decision = decision_make(
        actor=d.users["officer"],
        meeting=meeting,
        text="两件征地补偿问题由东风街道、区住建局限期办结",
        group=group,
        on=date(2025, 9, 1),
        assignments=[
            DecisionAssignment(first, d.street_a, date(2025, 10, 15)),
            DecisionAssignment(second, d.housing, date(2025, 10, 31)),
        ],
    )
    assert decision.items.count() == 2
    for matter, unit in ((first, d.street_a), (second, d.housing)):
        m = fresh(matter)
        assert m.status == MatterStatus.ASSIGNED
        assert m.responsible_unit == unit
        assignment = Assignment.objects.get(matter=m, active=True)
        assert assignment.assigned_on == date(2025, 9, 1)
        # the workflow's 60-day handling clock from 2025-09-01: 2025-10-31 (a Friday)
        assert assignment.due == date(2025, 10, 31)
        handle = [c for c in matter_clocks(m, date(2025, 9, 2)) if c.kind == ClockKind.HANDLE]
        assert handle and handle[0].deadline == date(2025, 10, 31)
        assert AuditEvent.objects.filter(matter=m, action="workflow.assign").count() == 1
        assert AuditEvent.objects.filter(matter=m, action="casework.decision_assign").count() == 1
    # 办结 of one: replied by the end of P (set directly, as the figure reads it)
    type(first).objects.filter(pk=first.pk).update(replied_on=date(2025, 10, 10))
    figures = casework_meeting_figures(d.district, date(2025, 9, 1), date(2025, 12, 31))
    assert figures["held"] == 1
    assert figures["by_kind"] == {"联席会议": 0, "会办会": 1, "专题会": 0}
    assert figures["assigned"] == 2
    assert figures["done"] == 1
    assert figures["by_group"] == [{"group": "农村征用土地问题组", "assigned": 2, "done": 1}]
    assert casework_meeting_sentence(figures) == (
        "召开会办会1场次，共向我区交办2个案件，已办结1个，其中：农村征用土地问题组有2个案件，已办结1个。"
    )


def test_a_decision_on_an_accusation_for_a_non_discipline_unit_is_refused_whole(
    district: District,
) -> None:
    d = district
    meeting = _meeting(d)
    fine = new_matter(d)
    accusation = new_matter(d, purpose=Purpose.ACCUSATION)
    with pytest.raises(InputError, match="检举控告类事项只能转送、交办纪检监察机关") as exc:
        decision_make(
            actor=d.users["officer"],
            meeting=meeting,
            text="交办",
            on=date(2025, 9, 1),
            assignments=[
                DecisionAssignment(fine, d.street_a, date(2025, 10, 15)),
                DecisionAssignment(accusation, d.housing, date(2025, 10, 15)),
            ],
        )
    assert fresh(accusation).number in exc.value.message
    assert not Decision.objects.exists() and not DecisionItem.objects.exists()
    assert fresh(fine).status == MatterStatus.REGISTERED  # nothing written, the first included
    assert not Assignment.objects.exists()


def test_a_decision_on_a_matter_already_assigned_is_a_chinese_error(district: District) -> None:
    d = district
    meeting = _meeting(d)
    m = new_matter(d)
    args: dict[str, Any] = {
        "actor": d.users["officer"],
        "meeting": meeting,
        "text": "交办",
        "on": date(2025, 9, 1),
    }
    decision_make(**args, assignments=[DecisionAssignment(m, d.street_a, date(2025, 10, 1))])
    with pytest.raises(InputError, match="当前状态为「已转交待签收」，不能由会议交办"):
        decision_make(**args, assignments=[DecisionAssignment(m, d.housing, date(2025, 10, 1))])
    assert Decision.objects.count() == 1
    with pytest.raises(PermissionRefusedError):
        decision_make(
            **{**args, "actor": d.users["supervisor"]},
            assignments=[DecisionAssignment(new_matter(d), d.street_a, date(2025, 10, 1))],
        )


def _batch(d: District, count: int = 3) -> tuple[HandedDownBatch, list[Matter]]:
    matters = [new_matter(d) for _ in range(count)]
    batch = batch_create(
        actor=d.users["officer"],
        source=BatchSource.PROVINCE,
        name="第一批",
        unit=d.district,
        handed_on=date(2025, 9, 1),
        deadline=date(2025, 12, 31),
        numbers=[m.number for m in matters],
    )
    return batch, [fresh(m) for m in matters]


def test_a_batch_of_three_two_resolved_one_verified_one_came_back(district: District) -> None:
    d = district
    officer = d.users["officer"]
    batch, (a, b, c) = _batch(d)
    item_resolve(actor=officer, batch=batch, matter=a, on=date(2025, 9, 10))
    item_resolve(actor=officer, batch=batch, matter=b, on=date(2025, 9, 15))
    assert fresh(a).resolved_on == date(2025, 9, 10)  # the matter's own 化解日期 (workflow)
    item_verify(actor=officer, batch=batch, matter=a, passed=True, on=date(2025, 9, 20))
    # b comes back: registered again after its 化解日期
    register(d, locality=d.street_a, matter=b, when=datetime(2025, 10, 8, 9, 0, tzinfo=TZ))
    assert BatchReflow.objects.count() == 1
    reflow = BatchReflow.objects.get()
    assert (reflow.on, reflow.resolved_before) == (date(2025, 10, 8), date(2025, 9, 15))
    (row,) = casework_handed_down_figures(d.district, date(2025, 1, 1), date(2025, 12, 31))
    assert (row["matters"], row["resolved"], row["verified"], row["reflowed"]) == (3, 2, 1, 1)
    assert row["rate"]["pct"] == "66.7"
    assert casework_handed_down_sentence(row) == (
        "省第一批交办我区信访积案3件，已化解2件，化解率66.7%，通过审核1件，已化解后回流1件。"
    )
    # 积案: handed down as one, from the batch's day
    flags = LongStanding.objects.filter(matter__in=[a, b, c])
    assert {(f.reason, f.since) for f in flags} == {
        (LongStandingReason.HANDED_DOWN, date(2025, 9, 1))
    }
    # after the 回流 it may be 化解 again; a second 化解 without one is refused
    item_resolve(actor=officer, batch=batch, matter=b, on=date(2025, 10, 20))
    with pytest.raises(InputError, match="已于2025年9月10日化解，不能重复化解"):
        item_resolve(actor=officer, batch=batch, matter=a, on=date(2025, 10, 21))
    # a handling unit sees only its own matters' items (none assigned to it here)
    assert not visible_batch_items(d.users["housing_staff"]).exists()
    assert visible_batch_items(d.users["supervisor"]).count() == 3


def test_verifying_a_matter_not_in_the_batch_writes_nothing(district: District) -> None:
    d = district
    batch, (a, _, _) = _batch(d)
    outsider = new_matter(d)
    before = AuditEvent.objects.count()
    with pytest.raises(InputError, match=f"事项{outsider.number}不在省第一批交办积案中"):
        item_verify(actor=d.users["officer"], batch=batch, matter=outsider, passed=True)
    assert AuditEvent.objects.count() == before
    with pytest.raises(InputError, match="尚未化解，不能审核"):
        item_verify(actor=d.users["officer"], batch=batch, matter=a, passed=True)
    item_resolve(actor=d.users["officer"], batch=batch, matter=a, on=date(2025, 9, 10))
    with pytest.raises(InputError, match="退回须填写理由"):
        item_verify(actor=d.users["officer"], batch=batch, matter=a, passed=False)
    sent = item_verify(
        actor=d.users["officer"],
        batch=batch,
        matter=a,
        passed=False,
        reason="诉求未落实",
        on=date(2025, 9, 12),
    )
    assert sent.resolved_on is None and sent.sent_back_reason == "诉求未落实"


def test_a_batch_from_a_small_csv_names_bad_rows(district: District) -> None:
    d = district
    m1, m2 = new_matter(d), new_matter(d)
    args: dict[str, Any] = {
        "actor": d.users["officer"],
        "source": BatchSource.CITY,
        "name": "第二批",
        "unit": d.district,
        "handed_on": date(2025, 9, 1),
        "deadline": date(2025, 12, 31),
    }
    with pytest.raises(InputError, match="第3行「事项编号」为空"):
        batch_create_from_csv(**args, text=f"事项编号,备注\n{m1.number},x\n,y\n")
    with pytest.raises(InputError, match="找不到事项XF-NONE"):
        batch_create_from_csv(**args, text=f"事项编号\n{m1.number}\nXF-NONE\n")
    assert not HandedDownBatch.objects.exists() and not LongStanding.objects.exists()
    batch = batch_create_from_csv(**args, text=f"\ufeff事项编号\n{m1.number}\n{m2.number}\n")
    assert BatchItem.objects.filter(batch=batch).count() == 2


def test_long_standing_after_365_days_and_the_list_filter(district: District) -> None:
    d = district
    old = new_matter(d, received=date(2025, 8, 1))
    settled = new_matter(d, received=date(2025, 8, 1))
    type(settled).objects.filter(pk=settled.pk).update(resolved_on=date(2025, 9, 1))
    # 2025-08-01 + 365 days = 2026-08-01
    assert flag_long_standing(date(2026, 7, 31)) == 0
    assert flag_long_standing(date(2026, 8, 1)) == 1
    flag = LongStanding.objects.get()
    assert (flag.matter_id, flag.since, flag.reason) == (
        old.pk,
        date(2026, 8, 1),
        LongStandingReason.UNRESOLVED,
    )
    assert flag_long_standing(date(2026, 8, 2)) == 0  # a fact, once
    assert AuditEvent.objects.filter(matter=old, action="casework.long_standing").count() == 1
    form = MatterFilterForm({"long_standing": "1"}, user=d.users["officer"])
    found = matters_filtered(d.users["officer"], form.filters())
    assert list(found.values_list("pk", flat=True)) == [old.pk]


def test_the_matter_page_shows_the_long_standing_fact(district: District, client: Any) -> None:
    d = district
    old = new_matter(d, received=date(2025, 8, 1))
    plain = new_matter(d, received=date(2026, 11, 2))
    flag_long_standing(date(2026, 8, 1))
    client.force_login(d.users["officer"])
    page = client.get(f"/intake/matters/{old.pk}/").content.decode()
    assert "2026-08-01起 · 长期未化解" in page
    assert "长期未化解" not in client.get(f"/intake/matters/{plain.pk}/").content.decode()

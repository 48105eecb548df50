"""The disputes' documents: a mediation's 调解协议书 and the month's 矛盾纠纷排查化解通报.

The month (2026-03, 示范区), counted by hand from the rows below:
- found in March, all at 东风社区 and found at 村社区: JF1 (日常排查, 03-02, settled 03-10 by
  调解成功), JF2 (网格上报, 03-05, rose to 东风街道 03-20, became DJ1's petition on 04-01),
  JF5 (日常排查, 03-25, open), JF6 (日常排查, 03-26, open): found 4, settled 1 (村社区),
  escalated 1, petitions 0 (April), 重排 0 — all of them 东风街道's.
- the units that report: 东风街道, 西湖街道, 东风社区 (3). 东风社区 reported JF1, JF2, JF5, JF6;
  西湖街道 a 零报告; 东风街道 nothing.
- awaiting feedback: of the reported, open: JF5, JF6; JF6 has its feedback → JF5 only.
"""

# ruff: noqa: E501 (rows of the ledger are kept one to a line, as a spreadsheet shows them)

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from docx import Document

from tests.conftest import PASSWORD, District, make_user
from tests.ledger_rows import row, write_csv
from tests.test_disputes_ledger import LEDGER, command, write
from xinfang.accounts.models import Role
from xinfang.core.permissions import SYSTEM
from xinfang.disputes import services
from xinfang.disputes.choices import DisputeSource, MediationKind, MediationResult, NextStep, Risk
from xinfang.disputes.circular import build_circular, render_circular_text
from xinfang.disputes.documents import agreement_of
from xinfang.disputes.ledger import import_disputes
from xinfang.disputes.models import Dispute, Mediation
from xinfang.leaders.circular import Month

pytestmark = pytest.mark.django_db

MARCH = [
    ["JF5", "2026-03-25", "日常排查", "东风社区", "", "2", "低", "", "楼上漏水", "村社区", "", "", "", "", "", ""],
    ["JF6", "2026-03-26", "日常排查", "东风社区", "", "5", "中", "", "广场舞噪音", "村社区", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture
def clerk(district: District):  # type: ignore[no-untyped-def]
    return make_user("village_clerk", Role.UNIT_STAFF, district.village_a)


def _agreed(district: District, clerk) -> Mediation:  # type: ignore[no-untyped-def]
    dispute = services.record_dispute(
        actor=clerk,
        data=services.DisputeInput(
            found_on=date(2026, 3, 2),
            source=DisputeSource.ROUTINE,
            place=district.village_a,
            parties=2,
            description="相邻两户因宅基地界址发生争执，联系电话13812345678",
            risk=Risk.MEDIUM,
        ),
    )
    mediation = services.mediation_start(
        actor=clerk,
        dispute=dispute,
        kind=MediationKind.PEOPLE,
        mediator="东风社区人民调解委员会 王调解员",
        started_on=date(2026, 3, 4),
        organisation=district.village_a,
    )
    for day, present in ((date(2026, 3, 5), 2), (date(2026, 3, 9), 2)):
        services.mediation_session_add(
            actor=clerk,
            mediation=mediation,
            held_on=day,
            parties_present=present,
            positions="各执一词",
        )
    return services.mediation_conclude(
        actor=clerk,
        mediation=mediation,
        result=MediationResult.SUCCESS,
        on=date(2026, 3, 10),
        agreement="一、甲方于2026年3月20日前拆除越界围墙。\n二、乙方不再主张赔偿。",
    )


def test_the_agreement_of_a_successful_mediation(district: District, clerk) -> None:  # type: ignore[no-untyped-def]
    mediation = _agreed(district, clerk)
    doc = agreement_of(mediation)
    assert doc.title == "人民调解协议书"
    assert doc.number.endswith("调协〔2026〕JF202600001号")
    assert (doc.issuer_name, doc.date_text) == ("东风社区（印章）", "2026年3月10日")
    lines = doc.paragraphs()
    assert lines[:3] == [
        "纠纷编号：JF202600001；排查日期：2026年3月2日；内容分类：—。",
        "纠纷发生地：东风社区。",
        "当事各方：涉及2人（当事人姓名、身份证件号码及住址由当事人在协议原件上填写，本系统不记录）。",
    ]
    assert "相邻两户因宅基地界址发生争执，联系电话138****5678" in lines  # masked, as everywhere
    assert "调解经过：2026年3月4日开始调解，共调解2次。" in lines
    assert "2026年3月9日第2次调解，到场当事方2方。" in lines
    at = lines.index("经调解，当事各方自愿达成如下协议：")
    assert lines[at + 1 : at + 3] == [
        "一、甲方于2026年3月20日前拆除越界围墙。",
        "二、乙方不再主张赔偿。",
    ]
    # the same every time: it is read from the concluded record, which nothing changes
    assert agreement_of(Mediation.objects.get(pk=mediation.pk)).paragraphs() == lines


def test_the_agreement_page_and_word_are_for_those_who_see_the_dispute(
    district: District,
    clerk,  # type: ignore[no-untyped-def]
) -> None:
    mediation = _agreed(district, clerk)
    client = Client()
    client.login(username="village_clerk", password=PASSWORD)
    page = client.get(f"/disputes/agreements/{mediation.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "人民调解协议书" in html and "二、乙方不再主张赔偿。" in html and "返回纠纷" in html
    word = client.get(f"/disputes/agreements/{mediation.pk}/docx")
    assert word.status_code == 200
    Path("/tmp/agreement.docx").write_bytes(word.content)
    text = "\n".join(p.text for p in Document(BytesIO(word.content)).paragraphs)
    assert "人民调解协议书" in text and "一、甲方于2026年3月20日前拆除越界围墙。" in text
    # another street's staff: no such document
    other = Client()
    other.login(username="street_b_staff", password=PASSWORD)
    assert other.get(f"/disputes/agreements/{mediation.pk}/").status_code == 404


def test_no_agreement_for_a_failed_or_an_imported_mediation(
    district: District,
    clerk,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    dispute = services.record_dispute(
        actor=clerk,
        data=services.DisputeInput(
            found_on=date(2026, 3, 2), source=DisputeSource.ROUTINE, place=district.village_a,
            parties=3, description="噪音", risk=Risk.LOW,
        ),
    )  # fmt: skip
    failed = services.mediation_start(
        actor=clerk, dispute=dispute, kind=MediationKind.PEOPLE, mediator="王调解员",
        started_on=date(2026, 3, 3),
    )  # fmt: skip
    services.mediation_session_add(
        actor=clerk,
        mediation=failed,
        held_on=date(2026, 3, 4),
        parties_present=2,
        positions="不同意",
    )
    services.mediation_conclude(
        actor=clerk, mediation=failed, result=MediationResult.FAILURE, on=date(2026, 3, 4),
        failure_reason="双方分歧大", next_step=NextStep.AGAIN,
    )  # fmt: skip
    import_disputes(write(tmp_path / "d.csv", LEDGER[:1]), actor=SYSTEM)  # JF1: 调解成功, no text
    imported = Mediation.objects.get(dispute__number="JF1")
    client = Client()
    client.login(username="officer", password=PASSWORD)
    assert client.get(f"/disputes/agreements/{failed.pk}/").status_code == 404
    assert client.get(f"/disputes/agreements/{imported.pk}/").status_code == 404


@pytest.fixture
def march(district: District, tmp_path: Path) -> None:
    rows = [row(登记编号="DJ1", 事项编号="SX1", 登记日期="2026-04-01", 问题属地="东风社区")]
    command("import_ledger", str(write_csv(tmp_path / "ledger.csv", rows)))
    import_disputes(write(tmp_path / "d.csv", [*LEDGER, *MARCH]), actor=SYSTEM)
    officer = district.users["officer"]
    found = {d.number: d for d in Dispute.objects.all()}
    report = services.report_submit(
        actor=officer,
        unit=district.village_a,
        month=date(2026, 3, 1),
        disputes=[found[n] for n in ("JF1", "JF2", "JF5", "JF6")],
    )
    services.report_submit(actor=officer, unit=district.street_b, month=date(2026, 3, 1))
    services.feedback_give(
        actor=officer, report=report, dispute=found["JF6"], text="已约双方协商", on=date(2026, 4, 2)
    )


def test_the_month_circular_by_unit_level_reporting_and_feedback(
    district: District, march: None
) -> None:
    c = build_circular(org=district.district, month=Month(2026, 3), issue_no=3)
    f = c["figures"]
    assert (f["found"], f["settled"], f["escalated"], f["petitions"], f["rescreened"]) == (
        4,
        1,
        1,
        0,
        0,
    )
    assert c["reporting"] == {
        "expected": 3,
        "submitted": [{"unit": "东风社区", "items": 4}],
        "zero": ["西湖街道"],
        "missing": ["东风街道"],
    }
    assert [i["number"] for i in c["awaiting_feedback"]] == ["JF5"]
    text = render_circular_text(c)
    for line in (
        "矛盾纠纷排查化解工作通报",
        "第3期",
        "关于2026年3月矛盾纠纷排查化解情况的通报",
        "东风街道：排查4件，化解1件，升级1件，转信访0件，重排0件。",
        "2026年3月应报送月排查的单位3个，已报送2个（其中零报告1个），未报送1个。",
        "报送纠纷清单的：东风社区（4件）。",
        "零报告的：西湖街道。",
        "未报送的：东风街道，请于下月5日前补报。",
        "以下1件纠纷尚未化解，请责任单位反馈化解进展：",
        "1. 纠纷JF5（东风社区，2026年3月25日排查，风险低）：现在村社区层级，由东风社区办理，东风社区报送。",
    ):
        assert line in text.splitlines(), line
    assert "西湖街道：" not in text  # nothing found or settled there: no line of its own


def test_the_circular_command_and_page_write_word(
    district: District, march: None, tmp_path: Path
) -> None:
    out = tmp_path / "c.docx"
    call_command("dispute_circular", "--month", "2026-03", "--org", "320101", "--output", str(out))
    Path("/tmp/circular.docx").write_bytes(out.read_bytes())
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "关于2026年3月矛盾纠纷排查化解情况的通报" in text
    assert "零报告的：西湖街道。" in text
    table = Document(str(out)).tables[0]
    assert [c.text for c in table.rows[1].cells] == ["东风街道", "4", "1", "1", "0", "0"]
    printed, _ = command(
        "dispute_circular", "--month", "2026-03", "--org", "320101", "--format", "text"
    )
    assert "未报送的：东风街道，请于下月5日前补报。" in printed
    client = Client()
    client.login(username="officer", password=PASSWORD)
    page = client.get("/disputes/circular/?month=2026-03")
    assert page.status_code == 200
    assert "零报告的：西湖街道。" in "\n".join(
        p.text for p in Document(BytesIO(page.content)).paragraphs
    )
    bad = client.get("/disputes/circular/?month=2026-13")
    assert bad.status_code == 400 and "月份“2026-13”无效" in bad.content.decode()

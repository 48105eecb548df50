"""The matter page's history: audit events merged in time with the ledger imports that fed it."""

import re
from pathlib import Path

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import District
from tests.ledger_rows import row, write_csv
from tests.views_support import client_for, make_matters
from xinfang.core.models import AuditEvent
from xinfang.core.permissions import SYSTEM
from xinfang.intake.ledger.importer import ledger_import
from xinfang.intake.models import ImportBatch, Matter

ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
TAG = re.compile(r"<[^>]+>")


def history(client: Client, matter: Matter) -> list[str]:
    """The history rows of the matter's page, each as its cells' text joined by " | "."""
    html = client.get(reverse("intake:matter_detail", args=[matter.pk])).content.decode()
    section = html.split('id="h-events"', 1)[1]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        " | ".join(TAG.sub("", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr))
        for tr in ROW.findall(body)
    ]


def when(file_name: str) -> str:
    batch = ImportBatch.objects.get(file_name=file_name)
    return timezone.localtime(batch.started_at).strftime("%Y-%m-%d %H:%M:%S")


def test_imports_show_in_the_history_in_time_order(district: District, tmp_path: Path) -> None:
    matter = make_matters(district).street_a  # registered at the desk: one registration.create
    officer = district.users["officer"]
    first = [
        row(登记编号="DJ1", 事项编号=matter.number, 登记日期="2026-03-10"),
        row(登记编号="DJ2", 事项编号="SX9", 问题属地="东风街道"),  # another matter of the same file
    ]
    events_before = AuditEvent.objects.filter(matter=matter).count()
    ledger_import(actor=officer, path=write_csv(tmp_path / "first.csv", first))
    # The import wrote no event of its own on the matter: the line comes from its batch.
    assert AuditEvent.objects.filter(matter=matter).count() == events_before
    assert matter.petitioner is not None
    reveal = reverse("intake:reveal", args=[matter.pk, matter.petitioner.pk])
    assert client_for(district, "street_a_staff").post(reveal).status_code == 200
    second = [row(登记编号="DJ3", 事项编号=matter.number, 登记日期="2026-03-12", 渠道="来信")]
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "second.csv", second))
    ledger_import(actor=SYSTEM, path=write_csv(tmp_path / "other.csv", [row(登记编号="DJ4")]))

    rows = history(client_for(district, "officer"), matter)
    assert len(rows) == 4, rows
    assert rows[0].split(" | ")[2] == "登记"
    assert rows[1] == f"台账导入：first.csv，{when('first.csv')}，officer"
    assert rows[2].split(" | ")[1:3] == ["street_a_staff", "查看完整个人信息"]
    assert rows[3] == f"台账导入：second.csv，{when('second.csv')}，系统"
    assert not any("other.csv" in text for text in rows)  # it brought nothing of this matter

    # A matter the ledger alone brought: its history is that import, not "没有记录".
    imported = Matter.objects.get(number="SX9")
    assert history(client_for(district, "supervisor"), imported) == [
        f"台账导入：first.csv，{when('first.csv')}，officer"
    ]


def test_only_those_who_may_read_the_history_see_the_imports(
    district: District, tmp_path: Path
) -> None:
    ledger_import(
        actor=SYSTEM, path=write_csv(tmp_path / "l.csv", [row(登记编号="DJ1", 问题属地="东风街道")])
    )
    matter = Matter.objects.get(number="DJ1")
    url = reverse("intake:matter_detail", args=[matter.pk])
    for who in ("officer", "supervisor"):
        assert "台账导入：l.csv" in client_for(district, who).get(url).content.decode(), who
    for who in ("registrar", "leader"):
        html = client_for(district, who).get(url).content.decode()
        assert response_ok(html) and "台账导入：" not in html and 'id="h-events"' not in html, who


def response_ok(html: str) -> bool:
    return "登记编号 DJ1" in html  # the page itself is shown; only the history is left out

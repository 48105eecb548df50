"""The home page: the counts of one's queues (我的待办), what is overdue, and this month's figures
for the roles that see the statistics — each a link to the list behind it. Figures typed by hand
from the data set of tests/test_workflow_queues.py (its EXPECTED) and four October arrivals."""

import re
from datetime import date, datetime

import pytest
from django.utils import timezone

from tests.conftest import TZ, District, register
from tests.test_workflow_queues import TODAY, build
from tests.views_support import client_for
from xinfang.intake.models import Registration

pytestmark = pytest.mark.django_db


def october(district: District) -> None:
    """2025-10-01 to 10-07: three new matters (one of 6 people) and a repeat of an old one."""
    board = build(district)
    for day in (1, 3, 6):
        register(
            district,
            locality=district.street_a,
            name=f"十月{day}",
            phone=f"1390000000{day}",
            when=datetime(2025, 10, day, 9, 0, tzinfo=TZ),
        )
    Registration.objects.filter(petitioner_name="十月3").update(people=6)
    register(
        district,
        locality=district.street_a,
        matter=board.by_key["todo"],
        when=datetime(2025, 10, 7, 8, 0, tzinfo=TZ),
    )


def figures(html: str, section: str) -> dict[str, tuple[str, str]]:
    """{key: (figure, link)} of a section's list."""
    found = re.search(rf'class="card {section}".*?</section>', html, re.S)
    assert found, section
    return {
        key: (value, href)
        for key, href, value in re.findall(
            r'<li id="home-[a-z]+-(\w+)"><a href="([^"]*)"><span class="figure[^"]*">(\d+)</span>',
            found.group(0),
        )
    }


def on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Look on TODAY (after the data is made: localdate(value) must still convert)."""
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: real(*a, **k) if a else TODAY)


def home_of(who: str, district: District, monkeypatch: pytest.MonkeyPatch) -> str:
    october(district)
    on_today(monkeypatch)
    return client_for(district, who).get("/").content.decode()


def test_the_officer_s_queues_overdue_and_month(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = home_of("officer", district, monkeypatch)
    queues = figures(html, "home-queues")
    # EXPECTED of test_workflow_queues, plus the three new October matters waiting to be routed
    expected = "to_route 5 receptions 0 extensions 1 due_soon 2 overdue 3 supervised 2 packages 0"
    assert " ".join(f"{k} {v}" for k, (v, _) in queues.items()) == expected
    assert queues["overdue"][1] == "/workflow/queues/#queue-overdue"
    overdue = re.search(r'class="card home-overdue".*?</section>', html, re.S)
    assert overdue is not None
    # late and accuse assigned 2025-07-01, due 09-01; other assigned 07-10, due 09-08
    assert overdue.group(0).count("已超期 36 天") == 2
    assert overdue.group(0).count("已超期 29 天") == 1
    month = figures(html, "home-month")
    # October to the 7th: 4 registrations (batches) of 1 + 6 + 1 + 1 people; 4 matters have one,
    # 3 of them first registered in October
    assert " ".join(f"{k} {v}" for k, (v, _) in month.items()) == (
        "batches 4 people 9 matters 4 first_matters 3"
    )
    href = month["first_matters"][1].replace("&amp;", "&")
    assert "received_from=2025-10-01" in href and "received_to=2025-10-07" in href
    listed = client_for(district, "officer").get(href).content.decode()
    assert listed.count('href="/intake/matters/') >= 3
    assert "十月1" in listed and "十月3" in listed and "十月6" in listed


def test_a_unit_sees_its_queues_and_no_statistics(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = home_of("street_a_staff", district, monkeypatch)
    queues = {k: v for k, (v, _) in figures(html, "home-queues").items()}
    assert queues == {"new": "1", "due_soon": "2", "overdue": "1"}
    assert "home-month" not in html  # handling units do not read the statistics
    assert "已超期 36 天" in html


def test_the_registrar_sees_the_desk_s_queues_and_the_month(
    district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = home_of("registrar", district, monkeypatch)
    queues = {k: v for k, (v, _) in figures(html, "home-queues").items()}
    assert queues == {"to_route": "5", "to_deliver": "1"}
    assert "home-overdue" not in html
    assert figures(html, "home-month")["batches"][0] == "4"


def test_an_admin_sees_neither(district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    on_today(monkeypatch)
    html = client_for(district, "admin").get("/").content.decode()
    assert "home-queues" not in html and "home-month" not in html
    assert date(2025, 10, 7).strftime("%Y") in html

"""Shared pieces of the intake page tests: five matters across the district, logged-in clients."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import PASSWORD, TZ, District, register
from xinfang.intake.choices import Purpose
from xinfang.intake.idcard import make_id_number
from xinfang.intake.models import Attachment, Matter

ROLES = (
    "registrar",
    "officer",
    "leader",
    "supervisor",
    "admin",
    "street_a_staff",
    "street_b_staff",
    "housing_staff",
    "discipline_staff",
)
ID_A = make_id_number("320101", date(1960, 5, 17), 123)  # 王小明
ID_ACCUSER = make_id_number("320101", date(1971, 2, 3), 456)  # 孙八
PHONE_A = "13812345678"
ACCUSATION_TEXT = "检举东风街道某干部收受好处费"


@dataclass
class Matters:
    street_a: Matter  # in 东风社区 (below 东风街道)
    street_b: Matter  # in 西湖街道
    housing: Matter  # in 西湖街道, responsible: 区住建局
    unplaced: Matter  # no locality yet
    accusation: Matter  # accuses 东风街道; responsible: 区纪委监委

    def all(self) -> dict[str, Matter]:
        return dict(vars(self))


# Who sees which matter: written out by hand from the rules, not computed by the code under test.
VISIBLE = {
    "registrar": {"street_a", "street_b", "housing", "unplaced", "accusation"},
    "officer": {"street_a", "street_b", "housing", "unplaced", "accusation"},
    "leader": {"street_a", "street_b", "housing", "unplaced"},
    "supervisor": {"street_a", "street_b", "housing", "unplaced"},
    "admin": set(),
    "street_a_staff": {"street_a"},
    "street_b_staff": {"street_b", "housing"},
    "housing_staff": {"housing"},
    "discipline_staff": {"accusation"},
}


def make_matters(d: District) -> Matters:
    return Matters(
        street_a=register(
            d,
            locality=d.village_a,
            name="王小明",
            id_number=ID_A,
            phone=PHONE_A,
            content="反映东风社区小区电梯长期故障",
            when=datetime(2026, 3, 2, 9, 30, tzinfo=TZ),
        ),
        street_b=register(
            d,
            locality=d.street_b,
            name="李四",
            phone="13900001111",
            content="反映西湖街道工地夜间施工扰民",
            category="环境保护",
            when=datetime(2026, 3, 3, 9, 30, tzinfo=TZ),
        ),
        housing=register(
            d,
            locality=d.street_b,
            responsible=d.housing,
            name="赵六",
            phone="13900002222",
            content="反映西湖街道拆迁补偿不到位",
            category="征地拆迁",
            when=datetime(2026, 3, 4, 9, 30, tzinfo=TZ),
        ),
        unplaced=register(
            d,
            locality=None,
            name="钱七",
            phone="13900003333",
            content="反映公交线路调整不便",
            category="交通",
            purpose=Purpose.SUGGESTION,
            when=datetime(2026, 3, 5, 9, 30, tzinfo=TZ),
        ),
        accusation=register(
            d,
            locality=d.street_a,
            responsible=d.discipline,
            purpose=Purpose.ACCUSATION,
            name="孙八",
            id_number=ID_ACCUSER,
            phone="13900004444",
            content=ACCUSATION_TEXT,
            category="其他",
            when=datetime(2026, 3, 6, 9, 30, tzinfo=TZ),
        ),
    )


def client_for(district: District, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        assert client.login(username=district.users[who].username, password=PASSWORD)
    return client


@pytest.fixture
def attachment_dir(tmp_path: Path) -> Iterator[Path]:
    """Attachments of one test go to its own folder (the storage keeps its location cached)."""
    storage = Attachment._meta.get_field("file").storage  # type: ignore[union-attr]
    saved = storage._location
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)
    storage._location = str(tmp_path)
    yield tmp_path
    storage._location = saved
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)

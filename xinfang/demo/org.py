"""The demo organisation tree: 临江市, its districts, and 青山区 with its streets and departments.

The tree is fixed (it does not depend on the seed), so unit codes and names stay stable.
Names are unique in the whole tree, so a ledger may name any unit by its name alone.
"""

from dataclasses import dataclass, field

CITY_CODE = "3391"
CITY_NAME = "临江市"
DISTRICT_CODE = "339102"
DISTRICT_NAME = "青山区"

# Region codes (first six digits of an ID number) of the city's districts.
SIBLING_DISTRICTS: list[tuple[str, str, list[str], float]] = [
    # code, name, streets, share of the siblings' registrations
    ("339101", "滨江区", ["滨江街道", "沿江街道", "江湾街道"], 0.30),
    ("339103", "江北区", ["江北街道", "北岸街道", "龙潭镇"], 0.28),
    ("339104", "南湖区", ["南湖街道", "湖西街道", "莲花街道"], 0.25),
    ("339105", "云溪区", ["云溪街道", "溪口镇", "凤凰山街道"], 0.17),
]

# Our streets and towns: code suffix, name, relative volume, communities, villages.
STREETS: list[tuple[str, str, float, list[str], list[str]]] = [
    ("001", "青山街道", 1.0, ["青山社区", "翠苑社区", "解放路社区", "文昌社区", "府前社区"], []),
    (
        "002",
        "望江街道",
        1.1,
        ["望江楼社区", "江畔社区", "锦绣社区", "滨湖社区", "建设路社区", "码头社区"],
        [],
    ),
    ("003", "东湖街道", 0.9, ["东湖社区", "湖滨社区", "月湖社区", "荷花塘社区", "学府社区"], []),
    ("004", "清河街道", 0.8, ["清河社区", "北门社区", "长丰社区", "红星社区", "纺织厂社区"], []),
    ("005", "桃源街道", 1.2, ["桃源社区", "梅林社区"], ["桃花村", "杨湾村", "金塘村", "大坝村"]),
    (
        "006",
        "新城街道",
        1.4,
        ["新城社区", "高铁站社区", "华府社区"],
        ["沙湾村", "龙井村", "五里墩村", "张家湾村"],
    ),
    ("101", "白沙镇", 0.8, ["白沙社区"], ["白沙村", "柳塘村", "谢家村", "马坪村", "河口村"]),
    ("102", "石门镇", 0.6, ["石门社区"], ["石门村", "上湾村", "下湾村", "岭头村", "茶园村"]),
    ("103", "柳溪镇", 0.6, ["柳溪社区"], ["柳溪村", "双河村", "黄土岭村", "新塘村", "鹿鸣村"]),
]

# Departments of the district: key used by the generator, code suffix, full name.
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("bureau", "BM01", "区信访局"),
    ("housing", "BM02", "区住房和城乡建设局"),
    ("hrss", "BM03", "区人力资源和社会保障局"),
    ("education", "BM04", "区教育局"),
    ("health", "BM05", "区卫生健康委员会"),
    ("police", "BM06", "临江市公安局青山分局"),
    ("market", "BM07", "区市场监督管理局"),
    ("environment", "BM08", "临江市生态环境局青山分局"),
    ("civil", "BM09", "区民政局"),
    ("urban", "BM10", "区城市管理局"),
    ("planning", "BM11", "临江市自然资源和规划局青山分局"),
    ("discipline", "BM12", "区纪委监委"),
    ("court", "BM13", "区人民法院"),
    ("procuratorate", "BM14", "区人民检察院"),
    ("justice", "BM15", "区司法局"),
    ("veterans", "BM16", "区退役军人事务局"),
    ("agriculture", "BM17", "区农业农村局"),
    ("transport", "BM18", "区交通运输局"),
    ("emergency", "BM19", "区应急管理局"),
    ("finance", "BM20", "区财政局"),
    ("development", "BM21", "区发展和改革委员会"),
    ("property", "BM22", "区住房保障和房产管理局"),
    ("medical_insurance", "BM23", "区医疗保障局"),
    ("illegal_fundraising", "BM24", "区防范和处置非法集资工作办公室"),
    ("state_assets", "BM25", "区国有资产监督管理办公室"),
    ("data", "BM26", "区数据局"),
]

DISCIPLINE_CODE = f"{DISTRICT_CODE}BM12"


@dataclass(frozen=True)
class Place:
    """A unit a petition can be located in (问题属地), with what content and addresses need."""

    name: str  # the unit's name as the ledger writes it
    street: str  # its street or town
    district: str  # its district
    kind: str  # "community", "village" or "street"
    region: str  # the district's region code, for ID numbers
    weight: float


@dataclass
class Tree:
    """The demo tree as the generator needs it."""

    rows: list[dict[str, str]] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)  # our district's streets and below
    sibling_places: dict[str, list[Place]] = field(default_factory=dict)  # per sibling name
    sibling_discipline: dict[str, str] = field(default_factory=dict)  # district -> 纪委监委
    departments: dict[str, str] = field(default_factory=dict)  # key -> name


def _row(code: str, name: str, parent: str, kind: str) -> dict[str, str]:
    return {"编码": code, "名称": name, "上级编码": parent, "类型": kind}


def build_tree() -> Tree:
    """The demo tree: contract A2 rows, parents before children, and the generator's view of it."""
    tree = Tree()
    tree.rows.append(_row(CITY_CODE, CITY_NAME, "", "市"))
    siblings = {code: (name, streets) for code, name, streets, _ in SIBLING_DISTRICTS}
    for code in sorted([*siblings, DISTRICT_CODE]):
        if code == DISTRICT_CODE:
            _add_our_district(tree)
            continue
        name, streets = siblings[code]
        tree.rows.append(_row(code, name, CITY_CODE, "区县"))
        places = tree.sibling_places.setdefault(name, [])
        for index, street in enumerate(streets, start=1):
            tree.rows.append(_row(f"{code}{index:03d}", street, code, "街道乡镇"))
            places.append(Place(street, street, name, "street", code, 1.0))
        discipline = f"{name}纪委监委"
        tree.rows.append(_row(f"{code}BM12", discipline, code, "部门"))
        tree.sibling_discipline[name] = discipline
    return tree


def _add_our_district(tree: Tree) -> None:
    tree.rows.append(_row(DISTRICT_CODE, DISTRICT_NAME, CITY_CODE, "区县"))
    for suffix, street, weight, communities, villages in STREETS:
        street_code = f"{DISTRICT_CODE}{suffix}"
        tree.rows.append(_row(street_code, street, DISTRICT_CODE, "街道乡镇"))
        tree.places.append(Place(street, street, DISTRICT_NAME, "street", DISTRICT_CODE, weight))
        # Community committees are numbered from 001 and village committees from 201, as in
        # the national statistical division codes.
        for index, name in enumerate(communities, start=1):
            tree.rows.append(_row(f"{street_code}{index:03d}", name, street_code, "村社区"))
            tree.places.append(Place(name, street, DISTRICT_NAME, "community", DISTRICT_CODE, 1.0))
        for index, name in enumerate(villages, start=201):
            tree.rows.append(_row(f"{street_code}{index:03d}", name, street_code, "村社区"))
            tree.places.append(Place(name, street, DISTRICT_NAME, "village", DISTRICT_CODE, 1.0))
    for key, suffix, name in DEPARTMENTS:
        tree.rows.append(_row(f"{DISTRICT_CODE}{suffix}", name, DISTRICT_CODE, "部门"))
        tree.departments[key] = name


def org_rows() -> list[dict[str, str]]:
    """The organisation file's rows (contract A2), parents before children."""
    return build_tree().rows

"""The report's prevention figures (B2 `hearings`, `handed_down`, `meetings`, `disputes`) as
tables, for Excel, Word and the dashboard alike — so the three agree with the JSON figure for
figure. Each cell may name the list it opens (`links`: a figure list of urls_prevention and its
query); Excel and Word ignore them, the dashboard makes them links.
"""

from dataclasses import dataclass, field
from typing import Any

from xinfang.analytics.tables import Cell, Table
from xinfang.hearings.choices import HearingStage

# a cell's list: (route name in the prevention_figures namespace, its query beyond org/start/end)
Link = tuple[str, dict[str, str]] | None

DISPUTE_LEVELS = (("village", "村社区"), ("street", "街道乡镇"), ("district", "区县"))
DISPUTE_SOURCES = (
    ("routine", "日常排查"),
    ("special", "专项排查"),
    ("grid", "网格上报"),
    ("public", "群众反映"),
)


@dataclass
class LinkedTable(Table):
    name: str = ""
    links: list[list[Link]] = field(default_factory=list)
    foot: str = ""  # the dashboard's note under the table (the report's sheets carry none)

    def add(self, cells: list[Cell], links: list[Link] | None = None) -> None:
        self.rows.append(cells)
        self.links.append(links or [None] * len(cells))


def _pct(share: dict[str, Any] | None) -> str:
    """The rate as the JSON writes it; "无" when there is nothing to divide (never "0.0")."""
    return share["pct"] if share and share["den"] else "无"


def _count(n: int | None, link: Link) -> Link:
    return link if n else None


def hearing_table(h: dict[str, Any]) -> LinkedTable:
    t = LinkedTable(
        "信访听证",
        [
            "办理阶段",
            "期内听证（件）",
            "期内作出决定的事项（件）",
            "其中听证过的（件）",
            "听证占比（%）",
        ],
        [],
        name="hearings",
        foot="听证占比：本阶段期内作出决定的事项中，期末前举行过本阶段听证的；本阶段无听证的不计算（无）。",
    )
    for code, label in HearingStage.choices:
        s = h["by_stage"][code]
        t.add(
            [label, s["held"], s["decided"], s["with_hearing"], _pct(s["share"])],
            [
                None,
                _count(s["held"], ("hearings", {"stage": code})),
                _count(s["decided"], ("hearings", {"stage": code, "figure": "decided"})),
                _count(s["with_hearing"], ("hearings", {"stage": code, "figure": "heard"})),
                None,
            ],
        )
    held = _count(h["held"], ("hearings", {}))
    t.add(["合计", h["held"], None, None, None], [None, held, None, None, None])
    return t


def handed_down_table(batches: list[dict[str, Any]]) -> LinkedTable:
    t = LinkedTable(
        "交办积案",
        [
            "批次",
            "交办层级",
            "交办日期",
            "事项（件）",
            "已化解（件）",
            "通过审核（件）",
            "回流（件）",
            "化解率（%）",
        ],
        [],
        name="handed_down",
        foot="交办积案按交办日期在期末前的批次统计，化解、审核、回流截至期末。",
    )
    for b in batches:
        links: list[Link] = [None, None, None]
        for figure in ("matters", "resolved", "verified", "reflowed"):
            links.append(_count(b[figure], ("batch", {"batch": str(b["batch"]), "figure": figure})))
        t.add(
            [
                b["name"],
                b["source"],
                b["handed_on"],
                b["matters"],
                b["resolved"],
                b["verified"],
                b["reflowed"],
                _pct(b["rate"]),
            ],
            [*links, None],
        )
    return t


def meeting_table(m: dict[str, Any]) -> LinkedTable:
    t = LinkedTable(
        "联席会议和会办会",
        ["项目", "会议（场次）", "交办事项（件）", "已办结（件）"],
        [],
        name="meetings",
        foot="会议按会议日期统计；交办事项按交办日期统计，办结截至期末（答复或化解）。",
    )
    t.add(
        ["合计", m["held"], m["assigned"], m["done"]],
        [
            None,
            _count(m["held"], ("meetings", {})),
            _count(m["assigned"], ("assigned", {})),
            _count(m["done"], ("assigned", {"figure": "done"})),
        ],
    )
    from xinfang.casework.choices import MeetingKind

    codes = {label: code for code, label in MeetingKind.choices}
    for label, n in m["by_kind"].items():
        t.add(
            [f"  其中{label}", n, None, None],
            [None, _count(n, ("meetings", {"kind": codes[label]})), None, None],
        )
    for b in m["by_body"]:
        body = {"body": str(b["body_id"])}
        t.add(
            [b["body"], None, b["assigned"], b["done"]],
            [
                None,
                None,
                _count(b["assigned"], ("assigned", body)),
                _count(b["done"], ("assigned", body | {"figure": "done"})),
            ],
        )
        for g in b["groups"]:
            group = {"group": str(g["group_id"])}
            t.add(
                [f"  {g['group']}", None, g["assigned"], g["done"]],
                [
                    None,
                    None,
                    _count(g["assigned"], ("assigned", group)),
                    _count(g["done"], ("assigned", group | {"figure": "done"})),
                ],
            )
    return t


def dispute_table(d: dict[str, Any]) -> LinkedTable:
    t = LinkedTable(
        "矛盾纠纷排查化解",
        ["项目", *[label for _, label in DISPUTE_LEVELS], "合计"],
        [],
        name="disputes",
        foot="排查按排查日期、记在录入时的层级；化解按化解日期、记在化解时的层级；升级按升级日期。",
    )

    def by_level(title: str, figure: str, values: dict[str, int], total: int) -> None:
        cells: list[Cell] = [title, *[values.get(code) for code, _ in DISPUTE_LEVELS], total]
        links: list[Link] = [None]
        for code, _ in DISPUTE_LEVELS:
            links.append(_count(values.get(code), ("disputes", {"figure": figure, "level": code})))
        links.append(_count(total, ("disputes", {"figure": figure})))
        t.add(cells, links)

    by_level("排查（件）", "found", d["found_by_level"], d["found"])
    by_level("化解（件）", "settled", d["settled_by_level"], d["settled"])
    risen = {k: v for k, v in d["escalated_to"].items() if k != "village"}
    by_level("升级至该层级（件）", "escalated", risen, d["escalated"])
    for code, label in DISPUTE_SOURCES:
        n = d["found_by_source"][code]
        t.add(
            [f"  排查来源：{label}（件）", None, None, None, n],
            [None, None, None, None, _count(n, ("disputes", {"figure": "found", "source": code}))],
        )
    for title, figure in (
        ("期内排查已化解（件）", "resolved"),
        ("转入信访程序（件）", "petitions"),
        ("重排（件）", "rescreened"),
    ):
        n = d[figure]
        t.add(
            [title, None, None, None, n],
            [None, None, None, None, _count(n, ("disputes", {"figure": figure}))],
        )
    t.add(["化解率（%）", None, None, None, _pct(d["resolution"])])
    return t


def dispute_unit_table(d: dict[str, Any]) -> LinkedTable:
    t = LinkedTable(
        "矛盾纠纷分单位",
        [
            "单位",
            "排查（件）",
            "化解（件）",
            "期内排查已化解（件）",
            "化解率（%）",
            "升级（件）",
            "转入信访（件）",
            "重排（件）",
        ],
        [],
        name="disputes_by_unit",
        foot="本单位一行只含问题属地为本单位的；各下级单位含其下属。",
    )
    for u in d["by_unit"]:
        unit = {"unit": u["unit"]}
        figures = ("found", "settled", "resolved", None, "escalated", "petitions", "rescreened")
        cells: list[Cell] = [f"{u['name']}（本级）" if u["own"] else u["name"]]
        links: list[Link] = [None]
        for figure in figures:
            if figure is None:
                cells.append(_pct(u["resolution"]))
                links.append(None)
                continue
            cells.append(u[figure])
            links.append(_count(u[figure], ("disputes", unit | {"figure": figure})))
        t.add(cells, links)
    return t


def prevention_tables(report: dict[str, Any]) -> list[LinkedTable]:
    """The tables of the keys the report carries (none when built without them)."""
    tables: list[LinkedTable] = []
    if "hearings" in report:
        tables.append(hearing_table(report["hearings"]))
    if "handed_down" in report:
        tables.append(handed_down_table(report["handed_down"]))
    if "meetings" in report:
        tables.append(meeting_table(report["meetings"]))
    if "disputes" in report:
        tables += [dispute_table(report["disputes"]), dispute_unit_table(report["disputes"])]
    return tables


# which figure lists a reader may open besides the statistics (preventionlists asks the same)
LIST_ACTIONS = {"batch": "view_casework", "meetings": "view_casework", "assigned": "view_casework"}
LIST_ACTIONS |= {"disputes": "view_disputes"}


def dashboard_tables(report: dict[str, Any], user: Any, query: Any) -> list[Any]:
    """The tables above as the dashboard's (analytics.dashboard.DashTable), each figure a link
    to its list for the reader's node and period — where the reader may open that list."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from xinfang.analytics.dashboard import Cell as DashCell
    from xinfang.analytics.dashboard import DashTable
    from xinfang.core.permissions import Action, may

    base = [
        ("org", query.node.code),
        ("start", query.period.start.isoformat()),
        ("end", query.period.end.isoformat()),
    ]

    def href(link: Link) -> str | None:
        if link is None:
            return None
        name, extra = link
        action = LIST_ACTIONS.get(name)
        if action is not None and not may(user, Action(action)):
            return None
        return f"{reverse(f'prevention_figures:{name}')}?{urlencode(base + list(extra.items()))}"

    out = []
    for t in prevention_tables(report):
        dash = DashTable(t.name, t.title, list(t.header), note=t.foot)
        for cells, links in zip(t.rows, t.links, strict=True):
            row = []
            for value, link in zip(cells, links, strict=True):
                url = href(link)
                label = f"{value}，查看明细" if url else ""
                row.append(DashCell(value, url, label))
            dash.rows.append(row)
        out.append(dash)
    return out

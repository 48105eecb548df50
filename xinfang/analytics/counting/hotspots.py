"""热点: matters of *different* petitioners about one problem — a company, a project, an estate,
a village — within a window (HOTSPOT_WINDOW_DAYS, default 90) ending on a day.

A problem is named by its subject: a name the texts give before a word such as 公司, 厂, 项目,
工程, 小区 or 村 (宏达建筑工程有限公司, 宏达公司 and 宏达建筑 all have the core 宏达 once the
legal form, the trade and the place words are taken off), together with the root of the matter's
内容分类 (the same company's wages and its dust are two problems). A text that writes the core
without such a word (在宏达干了半年) is found by the cores the window's other texts gave. Each
matter belongs to one hotspot at most — the core most petitioners wrote — so that one matter
naming two companies does not join their problems.

Petitioners are counted, never listed: a registration's petitioner (一人一档), else its name,
else the registration itself (an anonymous letter is one person). A hotspot is shown from
HOTSPOT_MIN_PETITIONERS; it is growing when more petitioners first wrote in the last third of
the window than in the third before it.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from xinfang.core.config import domain_limit
from xinfang.intake.models import Category, Matter, Registration
from xinfang.organisation.models import OrgUnit, UnitKind

# words after a name that make it a subject: a firm or a project (its core is the name without
# trade, legal form and place words: 宏达建筑工程有限公司 -> 宏达), or a named place or institution
# (kept as written, less a leading place and a trailing 小区: 锦绣华庭小区 -> 锦绣华庭)
FIRM_WORDS = [
    "有限责任公司",
    "股份有限公司",
    "有限公司",
    "公司",
    "集团",
    "工厂",
    "厂",
    "项目",
    "工程",
    "工地",
    "楼盘",
]
PLACE_WORDS = [
    "小区",
    "花园",
    "家园",
    "新村",
    "名苑",
    "华庭",
    "公馆",
    "嘉园",
    "雅居",
    "广场",
    "大厦",
    "商场",
    "超市",
    "酒店",
    "饭店",
    "医院",
    "学校",
    "小学",
    "中学",
    "幼儿园",
    "养老院",
    "村",
]
SUBJECT = re.compile("|".join(sorted(FIRM_WORDS + PLACE_WORDS, key=len, reverse=True)))
# characters that end a name on its left: function words, and verbs people write before a name
STOP = set(
    "的在是了给被和与向对从到我你他她它们这那个为于把将让欠拖找去来说跟替帮也都还就又及等叫家位"
    "该其一以入纳促求按经因后前由至自比要请称受乡农检查报领处弃"
)
# words taken off a firm's name to find its core: the trade, the legal form, the place, "former"
GENERIC = [
    "有限责任",
    "股份",
    "有限",
    "集团",
    "控股",
    "建筑工程",
    "建设工程",
    "建筑",
    "建设",
    "工程",
    "劳务",
    "装修",
    "装饰",
    "科技",
    "实业",
    "贸易",
    "商贸",
    "置业",
    "房地产",
    "地产",
    "开发",
    "物业服务",
    "物业",
    "服务",
    "投资管理",
    "投资",
    "管理",
    "电子",
    "机械制造",
    "机械",
    "制造",
    "服装",
    "食品",
    "物流",
    "餐饮",
    "纺织",
    "家具",
    "包装材料",
    "汽车配件",
    "新材料",
    "医疗器械",
    "印务",
    "保洁",
    "健身",
    "塑料制品",
    "拓宽改造",
    "改造",
    "棚户区",
    "片区",
    "安置",
    "二期",
    "一期",
    "扩建",
    "临江市",
    "临江",
    "青山区",
    "区",
    "市",
    "县",
    "原",
    "反映",
    "投诉",
    "举报",
    "检举",
    "控告",
    "关于",
    "公开",
    "中心",
    "人民",
    "第一",
    "实验",
    "周边",
    "同类",
    "房屋",
    "老旧",
    "督促",
]
_GENERIC = "|".join(sorted(GENERIC, key=len, reverse=True))
GENERIC_HEAD = re.compile(f"^(?:{_GENERIC})+")
GENERIC_TAIL = re.compile(f"(?:{_GENERIC})+$")
NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
DIGIT = re.compile(r"[0-9０-９]")
MAX_NAME = 12
MAX_ROOTS = 3
SMALL_PLACES = (UnitKind.VILLAGE, UnitKind.DEPARTMENT)  # a subject, not a place word


def subjects(text: str) -> list[str]:
    """The named subjects of a text, as written: 宏达建筑工程有限公司, 杨湾村 (what stands before a
    subject word that ends another, 公司 of 恒盛公司看工地, is no name of its own)."""
    found = list(SUBJECT.finditer(text))
    ends = {m.end() for m in found}
    out: list[str] = []
    last = (-1, -1)  # the span of the subject before
    for m in found:
        if m.start() == last[1] and last[0] >= 0:  # 宏达建筑工程 + 有限公司: one name
            last = (last[0], m.end())
            out[-1] = text[last[0] : last[1]]
            continue
        at = i = m.start()
        while i > 0 and at - i < MAX_NAME and NAME_CHAR.match(text[i - 1]):
            if text[i - 1] in STOP or i in ends:
                break
            i -= 1
        if at - i >= 2:
            out.append(text[i : m.end()])
            last = (i, m.end())
        else:
            last = (-1, -1)
    return out


def core(subject: str, places: frozenset[str] = frozenset()) -> str:
    """The distinctive part of a subject (宏达建筑工程有限公司 -> 宏达, 桃源街道杨湾村 -> 杨湾村);
    "" when nothing is left but trade and legal words, a place name of the tree (青山), or a
    phrase rather than a name (one with digits: 纳入2026年老旧小区)."""
    if DIGIT.search(subject):
        return ""
    name, rest = subject, subject
    for place in sorted(places, key=len, reverse=True):
        if subject.startswith(place) and len(subject) > len(place):
            rest = subject[len(place) :]
            break
    tail = SUBJECT.search(name, len(name) - 6 if len(name) > 6 else 0)
    while tail and tail.end() != len(name):
        tail = SUBJECT.search(name, tail.start() + 1)
    if tail and tail.group() in PLACE_WORDS:
        # 桃源街道杨湾村 -> 杨湾村, but 新城中心小学 stays: 中心小学 alone names no school
        if len(rest) - len(tail.group()) >= 2 and not GENERIC_HEAD.match(rest):
            name = rest
        name = name[: -len("小区")] if name.endswith("小区") else name
        return "" if len(name) < 3 or name in places else name
    name = rest
    tail = SUBJECT.search(name)
    name = name[: tail.start()] if tail else name
    name = GENERIC_HEAD.sub("", name)
    name = GENERIC_TAIL.sub("", name)
    if len(name) < 2 or name in places:
        return ""
    return name


@dataclass
class Hotspot:
    subject: str  # the name most of its texts give
    core: str
    category: str | None  # the root of the 内容分类
    matters: list[tuple[int, str]] = field(default_factory=list)  # (id, number), first first
    registrations: int = 0
    petitioners: int = 0
    places: list[str] = field(default_factory=list)  # the matters' 问题属地
    first_on: date | None = None
    last_on: date | None = None
    recent: int = 0  # petitioners who first wrote in the last third of the window
    before: int = 0  # … in the third before it
    growing: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "category": self.category,
            "matters": [{"id": pk, "number": number} for pk, number in self.matters],
            "matter_count": len(self.matters),
            "registrations": self.registrations,
            "petitioners": self.petitioners,
            "places": self.places,
            "first_on": self.first_on.isoformat() if self.first_on else None,
            "last_on": self.last_on.isoformat() if self.last_on else None,
            "recent": self.recent,
            "before": self.before,
            "growing": self.growing,
        }


def _place_words() -> frozenset[str]:
    names = OrgUnit.objects.exclude(kind__in=SMALL_PLACES).values_list("name", flat=True)
    return place_words(names)


def place_words(names: Iterable[str]) -> frozenset[str]:
    """Names of cities, districts and streets and their stems (青山区 -> 青山): taken off the front
    of a subject, and no subject alone. A village or a community is a subject (杨湾村)."""
    words = set()
    for name in names:
        words.add(name)
        for tail in ("街道", "镇", "乡", "区", "县", "市"):
            if name.endswith(tail) and len(name) - len(tail) >= 2:
                words.add(name[: -len(tail)])
    return frozenset(words)


def _roots() -> dict[int, tuple[int, str]]:
    """Category id -> (root id, root name)."""
    cats = {c.pk: c for c in Category.objects.all()}
    out = {}
    for pk, cat in cats.items():
        top = cat
        while top.parent_id is not None and top.parent_id in cats:
            top = cats[top.parent_id]
        out[pk] = (top.pk, top.name)
    return out


def window(as_of: date, days: int | None = None) -> tuple[date, date]:
    """The hotspots' window ending on `as_of`: `days` long (HOTSPOT_WINDOW_DAYS by default),
    both ends counted. The one rule of its length and start."""
    days = days or domain_limit("HOTSPOT_WINDOW_DAYS")
    return as_of - timedelta(days=days - 1), as_of


def find_hotspots(
    *,
    matters: QuerySet[Matter],
    as_of: date,
    window_days: int | None = None,
    min_petitioners: int | None = None,
) -> list[Hotspot]:
    """The hotspots among `matters` (already limited to what the reader may see, and to the
    node's area) in the window ending on `as_of`, biggest first."""
    start, _ = window(as_of, window_days)
    least = min_petitioners or domain_limit("HOTSPOT_MIN_PETITIONERS")
    rows = (
        Registration.objects.filter(
            received_on__range=(start, as_of), matter__in=matters.values("pk")
        )
        .order_by("received_on", "id")
        .values_list(
            "id",
            "matter_id",
            "content",
            "received_on",
            "petitioner_id",
            "petitioner_name",
            "matter__category_id",
        )
    )
    roots = _roots()
    shown = cluster(
        (
            (rid, mid, content, day, pid, pname, roots[cat][0] if cat in roots else None)
            for rid, mid, content, day, pid, pname, cat in rows.iterator(chunk_size=5000)
        ),
        as_of=as_of,
        days=(as_of - start).days + 1,
        least=least,
        places=_place_words(),
        root_names=dict(roots.values()),
    )
    _add_matters(shown)
    out = [spot for spot, _ in shown]
    out.sort(key=lambda h: (-h.petitioners, -len(h.matters), h.subject))
    return out


def _inner(name: str) -> set[str]:
    """The runs of 2 or more characters inside a core, shorter than it."""
    n = len(name)
    return {name[i : i + k] for k in range(2, n) for i in range(n - k + 1)}


def _written(text: str, by_head: dict[str, list[str]]) -> set[str]:
    """The known cores found in `text`, looked up by their first two characters."""
    found = set()
    for i in range(len(text) - 1):
        for c in by_head.get(text[i : i + 2], ()):
            if text.startswith(c, i):
                found.add(c)
    return found


def cluster(
    rows: Iterable[tuple[int, int, str, date, int | None, str, int | None]],
    *,
    as_of: date,
    days: int,
    least: int,
    places: frozenset[str],
    root_names: dict[int, str],
) -> list[tuple[Hotspot, list[int]]]:
    """The hotspots of (registration, matter, content, day, petitioner, name, category root)
    rows, each with its matters' ids — the counting itself, without the database."""
    texts: dict[int, list[str]] = defaultdict(list)
    regs: dict[int, list[tuple[date, str]]] = defaultdict(list)  # matter -> (day, person)
    root_of: dict[int, int | None] = {}
    for rid, mid, content, day, pid, pname, root in rows:
        texts[mid].append(content)
        regs[mid].append((day, _person(rid, pid, pname)))
        root_of[mid] = root
    # cores each matter names, and how many petitioners wrote each (core, root)
    named: dict[int, Counter[str]] = {}
    display: dict[str, Counter[str]] = defaultdict(Counter)
    for mid, contents in texts.items():
        found: Counter[str] = Counter()
        for text in contents:
            for subject in subjects(text):
                c = core(subject, places)
                if c:
                    found[c] += 1
                    display[c][subject] += 1
        named[mid] = found
    # a core with a word before it (收受鑫达) is the core others wrote alone (鑫达)
    writers = Counter(c for found in named.values() for c in found)
    merged = {}
    for c in writers:
        inner = [k for k in _inner(c) if writers.get(k, 0) >= 2]
        if inner:
            merged[c] = max(inner, key=lambda k: (writers[k], len(k), k))
    if merged:
        for mid, found in named.items():
            again: Counter[str] = Counter()
            for c, n in found.items():
                again[merged.get(c, c)] += n
            named[mid] = again
        for c, k in merged.items():
            display[k].update(display.pop(c))
    by_head: dict[str, list[str]] = defaultdict(list)
    for c in display:
        by_head[c[:2]].append(c)
    for mid, contents in texts.items():  # the core written alone: 在宏达干了半年
        if named[mid]:
            continue
        for text in contents:
            for c in _written(text, by_head):
                named[mid][c] += 1
    # a core written about under three or more category roots is a phrase, not one problem
    roots_of: dict[str, set[int | None]] = defaultdict(set)
    for mid, found in named.items():
        for c in found:
            roots_of[c].add(root_of[mid])
    phrases = {c for c, seen in roots_of.items() if len(seen) >= MAX_ROOTS}
    people_of: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    for mid, found in named.items():
        for c in phrases & found.keys():
            del found[c]
        for c in found:
            people_of[(c, root_of[mid])].update(p for _, p in regs[mid])
    groups: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for mid, found in named.items():
        if not found:
            continue
        key = max(
            ((c, root_of[mid]) for c in found),
            key=lambda k: (len(people_of[k]), found[k[0]], k[0]),
        )
        groups[key].append(mid)
    shown: list[tuple[Hotspot, list[int]]] = []
    for (c, root), mids in groups.items():
        counts = _tally([r for mid in mids for r in regs[mid]], as_of=as_of, days=days)
        if counts["petitioners"] < least:
            continue
        subject = display[c].most_common(1)[0][0] if display[c] else c
        category = root_names.get(root) if root else None
        shown.append((Hotspot(subject=subject, core=c, category=category, **counts), mids))
    return shown


def _person(rid: int, pid: int | None, pname: str) -> str:
    """Who wrote a registration: its petitioner (一人一档), else its name, else itself."""
    return f"p{pid}" if pid else (f"n{pname}" if pname else f"r{rid}")


def _tally(regs: list[tuple[date, str]], *, as_of: date, days: int) -> dict[str, Any]:
    """The figures of one hotspot from its (day, person) registrations in the window ending on
    `as_of`: people counted once at the day they first wrote; growing when more first wrote in
    the last third of the window than in the third before it."""
    third = max(days // 3, 1)
    recent_from = as_of - timedelta(days=third - 1)
    before_from = as_of - timedelta(days=2 * third - 1)
    firsts: dict[str, date] = {}
    for day, person in regs:
        firsts[person] = min(firsts.get(person, day), day)
    recent = sum(1 for d in firsts.values() if d >= recent_from)
    before = sum(1 for d in firsts.values() if before_from <= d < recent_from)
    return {
        "registrations": len(regs),
        "petitioners": len(firsts),
        "first_on": min(day for day, _ in regs),
        "last_on": max(day for day, _ in regs),
        "recent": recent,
        "before": before,
        "growing": recent > before,
    }


def _chunks(ids: list[int], size: int = 2000) -> Iterable[list[int]]:
    """Ids a query at a time (SQLite takes a limited number of parameters)."""
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _add_matters(shown: list[tuple[Hotspot, list[int]]]) -> None:
    """Each hotspot's matters (number, first registered first) and their places (问题属地)."""
    ids = sorted({mid for _, mids in shown for mid in mids})
    rows = {
        pk: (number, first, loc)
        for part in _chunks(ids)
        for pk, number, first, loc in Matter.objects.filter(pk__in=part).values_list(
            "pk", "number", "first_received_on", "locality__name"
        )
    }
    for spot, mids in shown:
        mids = sorted(mids, key=lambda m: (rows[m][1], rows[m][0]))
        spot.matters = [(m, rows[m][0]) for m in mids]
        spot.places = sorted({rows[m][2] for m in mids if rows[m][2]})


def scan_hotspots(today: date | None = None) -> int:
    """Find the hotspots of the window ending on `today` over every matter and keep them
    (HotspotScan, HotspotCluster) in place of the last scan's; run by the daily clock scan, since
    at a million matters one window takes half a minute. Returns the hotspots kept."""
    from django.db import transaction
    from django.utils import timezone

    from xinfang.analytics.models import HotspotCluster, HotspotScan
    from xinfang.core.permissions import SYSTEM, hotspot_matters

    today = today or timezone.localdate()
    start, end = window(today)
    found = find_hotspots(matters=hotspot_matters(SYSTEM), as_of=today)
    link = HotspotCluster.matters.through
    with transaction.atomic():
        HotspotScan.objects.all().delete()
        scan = HotspotScan.objects.create(
            computed_at=timezone.now(),
            window_start=start,
            window_end=end,
        )
        rows = []
        for h in found:
            assert h.first_on and h.last_on  # a hotspot has registrations
            rows.append(
                HotspotCluster(
                    scan=scan,
                    subject=h.subject[:200],
                    core=h.core[:100],
                    category=h.category,
                    registrations=h.registrations,
                    petitioners=h.petitioners,
                    places=h.places,
                    first_on=h.first_on,
                    last_on=h.last_on,
                    recent=h.recent,
                    before=h.before,
                    growing=h.growing,
                )
            )
        kept = HotspotCluster.objects.bulk_create(rows)
        link.objects.bulk_create(
            (
                link(hotspotcluster_id=row.pk, matter_id=pk)
                for row, h in zip(kept, found, strict=True)
                for pk, _ in h.matters
            ),
            batch_size=2000,
        )
    return len(found)


def last_scan() -> Any:
    """The kept scan (HotspotScan), or None before the first one (尚未扫描)."""
    from xinfang.analytics.models import HotspotScan

    return HotspotScan.objects.order_by("-computed_at").first()


def node_hotspots(*, reader: Any, node: OrgUnit) -> list[Hotspot]:
    """The kept scan's hotspots in `node`'s area as `reader` may see them: each one's matters
    limited to core.permissions.hotspot_matters and the area, and counted again from their
    registrations in the scan's window (so 领导 and 督查 count without 检举控告); those left
    with fewer than HOTSPOT_MIN_PETITIONERS petitioners are not shown. Which matters make one
    hotspot was decided over the whole bureau's matters by the scan."""
    from django.db.models import Q

    from xinfang.analytics.models import HotspotCluster
    from xinfang.core.permissions import hotspot_matters, sees_accusations
    from xinfang.intake.choices import Purpose
    from xinfang.organisation.selectors import holds_unlocated, subtree_ids

    scan = last_scan()
    if scan is None:
        return []
    scope = Q(locality_id__in=subtree_ids(node))
    if holds_unlocated(node):
        scope |= Q(locality__isnull=True)
    links = HotspotCluster.matters.through.objects.filter(
        hotspotcluster__scan=scan, matter__in=hotspot_matters(reader).filter(scope).values("pk")
    )
    mids_of: dict[int, list[int]] = defaultdict(list)
    for cid, mid in links.values_list("hotspotcluster_id", "matter_id"):
        mids_of[cid].append(mid)
    if not mids_of:
        return []
    regs: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for part in _chunks(sorted({mid for mids in mids_of.values() for mid in mids})):
        rows = Registration.objects.filter(
            matter__in=part, received_on__range=(scan.window_start, scan.window_end)
        ).values_list("id", "matter_id", "received_on", "petitioner_id", "petitioner_name")
        for rid, mid, day, pid, pname in rows:
            regs[mid].append((day, _person(rid, pid, pname)))
    # the subject kept is the wording most texts give, accusations' too: a reader who may not see
    # them gets the core (宏达, which each text of the hotspot holds) where one is in the hotspot
    veiled: set[int] = set()
    if not sees_accusations(reader):
        veiled = set(
            HotspotCluster.matters.through.objects.filter(
                hotspotcluster_id__in=list(mids_of), matter__purpose=Purpose.ACCUSATION
            ).values_list("hotspotcluster_id", flat=True)
        )
    days = (scan.window_end - scan.window_start).days + 1
    least = domain_limit("HOTSPOT_MIN_PETITIONERS")
    shown: list[tuple[Hotspot, list[int]]] = []
    for c in HotspotCluster.objects.filter(pk__in=list(mids_of)):
        mids = [m for m in mids_of[c.pk] if regs[m]]
        if not mids:
            continue
        counts = _tally([r for m in mids for r in regs[m]], as_of=scan.window_end, days=days)
        if counts["petitioners"] >= least:
            subject = c.core if c.pk in veiled else c.subject
            spot = Hotspot(subject=subject, core=c.core, category=c.category, **counts)
            shown.append((spot, mids))
    _add_matters(shown)
    out = [spot for spot, _ in shown]
    out.sort(key=lambda h: (-h.petitioners, -len(h.matters), h.subject))
    return out


def scan_words(scan: Any) -> str:
    """What the dashboard and the 简报 say of the hotspots' age: 热点按2026-12-07 06:00的扫描."""
    from django.utils import timezone

    if scan is None:
        return "尚未扫描"
    return f"热点按{timezone.localtime(scan.computed_at):%Y-%m-%d %H:%M}的扫描"

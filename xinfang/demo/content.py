"""Composing 反映内容 from the templates: slots filled with places, companies, amounts, years."""

import random
from collections.abc import Callable
from string import Formatter

from xinfang.demo import templates as t
from xinfang.demo.org import Place
from xinfang.demo.weights import words

_PREFIXES = words(
    "恒泰 鑫源 宏达 华盛 金鼎 兴隆 永信 瑞丰 天成 众和 汇通 福满 盛世 "
    "东方 富华 嘉禾 联创 明珠 正大 安居 青山 临江 江城 望江 百川 润泽 "
    "中鑫 泰和 锦程 德信"
)
_INDUSTRIES = words(
    "机械制造 服装 电子科技 商贸 餐饮管理 物流 食品 塑料制品 纺织 家具 "
    "包装材料 汽车配件 新材料 医疗器械 印务 酒店管理 保洁服务 健身服务"
)
_ESTATE_HEADS = words(
    "锦绣 翠湖 阳光 江南 金色 望江 御景 东方 紫荆 世纪 书香 滨江 和谐 "
    "幸福 万象 香樟 桂花 丽景 新城 青山 湖畔 云锦 枫林 春江 明月"
)
_ESTATE_TAILS = words("华庭 名苑 花园 家园 公馆 雅居 新村 嘉园 府 天地 小区 湾 苑 城")
_ROADS = words(
    "解放路 人民路 建设路 中山路 青山大道 望江路 东湖路 清河路 桃源路 "
    "新城大道 文昌路 府前街 滨湖路 长丰路 红星路 学府路 高铁大道 白沙路 "
    "石门路 柳溪路 沿江大道 工业园路"
)
_PROJECTS = (
    "{road}拓宽改造工程",
    "{short}片区棚户区改造项目",
    "临江绕城高速青山段",
    "地铁{line}号线{short}站",
    "{short}产业园二期",
    "{road}综合管廊工程",
    "{short}安置小区建设项目",
    "青山污水处理厂扩建工程",
)
_OLD_COMPANIES = (
    "原青山区纺织厂",
    "原临江第二机械厂",
    "原青山区粮油公司",
    "原青山区供销社",
    "原青山区建筑公司",
    "原临江电缆厂",
    "原青山区食品厂",
    "原临江化肥厂",
    "原青山区五金交电公司",
)
_CADRES = ("村党支部书记", "村委会主任", "村会计", "村监委会主任", "社区主任", "村出纳")
_CASES = (
    "离婚纠纷",
    "房屋租赁合同纠纷",
    "机动车交通事故责任纠纷",
    "劳动争议",
    "相邻关系纠纷",
    "建设工程施工合同纠纷",
    "民间借贷纠纷",
    "人身损害赔偿纠纷",
)
_CROPS = ("水稻", "油菜", "茶叶", "蔬菜", "葡萄", "柑橘", "莲藕", "苗木")
_SERVICES = ("不动产登记", "社保转移接续", "营业执照变更", "医保异地备案", "户口迁移", "居住证")
_DEPTS = (
    "区住房和城乡建设局",
    "区人力资源和社会保障局",
    "区市场监督管理局",
    "区城市管理局",
    "区农业农村局",
    "区民政局",
    "区交通运输局",
    "区财政局",
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"


class Filler:
    """Fills a template's slots for one matter; a slot is drawn only when the template uses it."""

    def __init__(self, rng: random.Random, end_year: int) -> None:
        self.rng = rng
        self.end_year = end_year
        self.place: Place | None = None
        self.category = ""
        self.dept = ""  # the department a complaint or accusation is about
        r = rng
        ri = rng.randint
        self.slots: dict[str, Callable[[], str]] = {
            "place": self._place,
            "street": lambda: self._p().street,
            "estate": lambda: r.choice(_ESTATE_HEADS) + r.choice(_ESTATE_TAILS),
            "developer": lambda: f"{r.choice(_PREFIXES)}置业有限公司",
            "property_co": lambda: f"{r.choice(_PREFIXES)}物业服务有限公司",
            "company": lambda: f"临江{r.choice(_PREFIXES)}{r.choice(_INDUSTRIES)}有限公司",
            "builder": lambda: f"{r.choice(_PREFIXES)}建设工程有限公司",
            "fin_company": lambda: f"{r.choice(_PREFIXES)}投资管理有限公司",
            "old_company": lambda: r.choice(_OLD_COMPANIES),
            "project": self._project,
            "road": lambda: r.choice(_ROADS),
            "road2": lambda: r.choice(_ROADS),
            "school": self._school,
            "hospital": self._hospital,
            "court": lambda: r.choice(("区人民法院", "临江市中级人民法院")),
            "case": lambda: r.choice(_CASES),
            "cadre": lambda: r.choice(_CADRES),
            "dept": lambda: self.dept,
            "person": lambda: r.choice(_SURNAMES) + "某" + r.choice(("", "", "某")),
            "crop": lambda: r.choice(_CROPS),
            "service": lambda: r.choice(_SERVICES),
            "bus": lambda: f"{ri(1, 86)}路公交",
            "year": lambda: str(ri(end_year - 12, end_year - 1)),
            "recent_year": lambda: str(ri(end_year - 2, end_year)),
            "old_year": lambda: str(ri(1985, 2010)),
            "army_year": lambda: str(ri(1970, 2012)),
            "month": lambda: str(ri(1, 12)),
            "month2": lambda: str(ri(1, 12)),
            "wage": lambda: str(ri(40, 980) * 100),
            "wan": lambda: f"{ri(15, 800) / 10:g}",
            "big_wan": lambda: f"{ri(200, 9000) / 10:g}",
            "per_head": lambda: f"{ri(8, 120) / 10:g}",
            "deposit": lambda: f"{ri(1, 30)}",
            "category": lambda: self.category,
            "income": lambda: f"{ri(20, 600) / 10:g}",
            "small_money": lambda: str(ri(12, 180) * 10),
            "fee": lambda: f"{ri(12, 45) / 10:.1f}",
            "area": lambda: str(ri(45, 260)),
            "small_area": lambda: str(ri(3, 40)),
            "households": lambda: str(ri(12, 360)),
            "workers": lambda: str(ri(8, 120)),
            "months": lambda: str(ri(2, 20)),
            "years": lambda: str(ri(2, 25)),
            "times": lambda: str(ri(2, 9)),
            "mu": lambda: f"{ri(5, 300) / 10:g}",
            "building": lambda: str(ri(1, 32)),
            "km": lambda: f"{ri(12, 60) / 10:g}",
            "meters": lambda: str(ri(3, 15) * 10),
            "depth": lambda: str(ri(10, 50)),
            "age": lambda: str(ri(80, 96)),
            "line": lambda: str(ri(1, 6)),
        }

    def _p(self) -> Place:
        assert self.place is not None
        return self.place

    def _place(self) -> str:
        place = self._p()
        return place.name if place.kind == "street" else place.street + place.name

    def _short(self) -> str:
        street = self._p().street
        return street[:-2] if street.endswith("街道") else street[:-1]

    def _project(self) -> str:
        pattern = self.rng.choice(_PROJECTS)
        return pattern.format(
            road=self.rng.choice(_ROADS), short=self._short(), line=self.rng.randint(1, 6)
        )

    def _school(self) -> str:
        district = self._p().district
        return self.rng.choice(
            (
                f"{district}实验小学",
                f"{self._short()}中心小学",
                f"{district}第{self.rng.randint(1, 9)}中学",
                f"{self._short()}中学",
                f"{self._short()}幼儿园",
            )
        )

    def _hospital(self) -> str:
        district = self._p().district
        return self.rng.choice(
            (
                f"{district}人民医院",
                f"{district}中医院",
                f"{self._short()}社区卫生服务中心",
                f"临江市第{self.rng.randint(1, 5)}人民医院",
            )
        )

    def fill(self, compiled: "Compiled") -> str:
        text, names = compiled
        return text.format_map({name: self.slots[name]() for name in names})


Compiled = tuple[str, tuple[str, ...]]


def compile_template(text: str) -> Compiled:
    names = tuple(dict.fromkeys(name for _, name, _, _ in Formatter().parse(text) if name))
    return text, names


class ContentMaker:
    """The core text of a matter (situation and demand) and the opener of each registration."""

    def __init__(self, rng: random.Random, end_year: int, categories: list[str]) -> None:
        self.rng = rng
        self.filler = Filler(rng, end_year)
        self.requests = {
            name: [(compile_template(body), ends) for body, ends in t.REQUESTS.get(name, [])]
            for name in categories
        }
        self.suggestions = {
            name: [compile_template(b) for b in t.SUGGESTIONS.get(name, [t.GENERIC_SUGGESTION])]
            for name in categories
        }
        generic = [compile_template(b) for b in t.GENERIC_ACCUSATIONS]
        self.accusations = {
            name: [compile_template(b) for b in t.ACCUSATIONS.get(name, [])] + generic
            for name in categories
        }
        fallback = [(compile_template(b), ends) for b, ends in t.REQUESTS["其他"]]
        for name, found in self.requests.items():
            if not found:
                self.requests[name] = fallback

    def core(self, *, category: str, purpose: str, place: Place, dept: str = "") -> str:
        """The situation and the demand; `dept` is the department the category concerns."""
        rng = self.rng
        self.filler.place = place
        self.filler.category = category
        self.filler.dept = dept or rng.choice(_DEPTS)
        if purpose == "检举控告":
            body = self.filler.fill(rng.choice(self.accusations[category]))
            return body + rng.choice(t.ACCUSATION_ENDINGS)
        if purpose == "建议意见":
            body = self.filler.fill(rng.choice(self.suggestions[category]))
            return body + rng.choice(t.SUGGESTION_ENDINGS)
        compiled, endings = rng.choice(self.requests[category])
        return self.filler.fill(compiled) + rng.choice(endings)

    def opener(self, *, channel: str, kind: str, name: str, people: int) -> str:
        options = t.OPENERS.get((channel, kind)) or t.OPENERS[(channel, "个访")]
        return self.rng.choice(options).format(name=name, people=people)

    def again(self, *, channel: str, prev: str, prev_channel: str, parallel: bool) -> str:
        options = t.PARALLEL_OPENERS if parallel else t.REPEAT_OPENERS
        return self.rng.choice(options).format(
            prev=prev, verb=t.VERBS[channel], prev_how=t.VERBS[prev_channel]
        )

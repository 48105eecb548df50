"""The default content-category tree (内容分类): every name of section 3 of the domain brief."""

DEFAULT_CATEGORIES: list[tuple[str, list[str]]] = [
    ("城乡建设", ["征地拆迁", "规划", "房地产开发", "房产纠纷", "物业管理"]),
    ("劳动保障", ["拖欠工资"]),
    ("三农", ["村务管理"]),
    ("涉法涉诉", []),
    ("涉军", []),
    ("企业改制", []),
    ("环境保护", []),
    ("教育", []),
    ("医疗卫生", []),
    ("非法集资", []),
    ("民政优抚", []),
    ("交通", []),
    ("其他", []),
]

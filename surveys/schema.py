"""The canonical survey record and plots: their columns, kinds and vocabularies.

Patrol files name things in many ways; this module holds the one table of the
words hailin reads for each code, in Chinese and English.
"""

import functools

COLUMNS = [
    "record_id",
    "record_key",
    "upload_id",
    "source_row",
    "observed_at",
    "patrol_type",
    "team",
    "observer",
    "finding",
    "cover_pct",
    "patch_area_m2",
    "survival_pct",
    "action",
    "notes",
    "extra",
    "geometry",
]

# Store kinds of the columns (see surveys.store.SQL_TYPES).
KINDS = {
    "record_id": "text",
    "record_key": "integer",
    "upload_id": "text",
    "source_row": "integer",
    "observed_at": "datetime",
    "patrol_type": "text",
    "team": "text",
    "observer": "text",
    "finding": "text",
    "cover_pct": "real",
    "patch_area_m2": "real",
    "survival_pct": "real",
    "action": "text",
    "notes": "text",
    "extra": "text",
}

# -- words -------------------------------------------------------------------------------
# The one table of the words hailin reads in patrol files: (vocabulary, code, Chinese
# words, English words). The first word of each language is the name shown to users.
# Patrol types are looked up whole. Findings and actions are read as phrases by
# read_phrase(): a phrase is cut into the words of this table, every part must be a
# known word, and the "word" rows say how the parts combine. Each word appears once.
WORDS = (
    # -- patrol types ----------------------------------------------------------------
    (
        "patrol_type",
        "contractor_daily",
        ("施工单位日常巡护", "施工单位日常巡查", "施工单位", "日常巡护", "日常巡查", "施工方"),
        ("contractor daily", "contractor", "daily"),
    ),
    (
        "patrol_type",
        "township_patrol",
        ("乡镇巡查队伍踏查", "乡镇巡查队伍", "乡镇巡查", "乡镇踏查", "踏查", "乡镇"),
        ("township patrol", "township"),
    ),
    (
        "patrol_type",
        "city_joint",
        ("市级专班联合巡护", "市级联合巡护", "市级专班", "联合巡护", "联合巡查", "市级"),
        ("city joint", "city", "joint"),
    ),
    (
        "patrol_type",
        "digital_monitoring",
        ("数字化监测预警", "数字化监测", "无人机", "遥感", "监测预警"),
        ("digital monitoring", "digital", "drone", "uav", "remote sensing"),
    ),
    # -- findings: a Spartina, damage or harvest finding under a negation reads "clear"
    (
        "finding",
        "spartina_regrowth",
        ("复萌", "复发", "再生", "萌发", "复生", "返青", "重新萌发", "重新长出"),
        ("regrowth", "regrown", "regrew", "recurrence", "resprouting", "resprouted"),
    ),
    (
        "finding",
        "spartina_new",
        ("新发", "新增", "新发现", "新长出"),
        ("new", "new infestation", "newinfestation"),
    ),
    # Read from its parts (已 + 清除, removed): a removal that names no other finding.
    ("finding", "spartina_removed", ("已清除", "已拔除"), ("removed", "cleared")),
    (
        "finding",
        "mangrove_damage",
        ("破坏", "毁林", "毁坏", "损毁", "损坏", "受损", "砍伐"),
        ("damage", "damaged", "destroyed", "felled", "mangrove damage"),
    ),
    (
        "finding",
        "seedling_harvest",
        ("采摘秋茄苗", "采摘", "采苗", "采挖", "盗挖"),
        ("harvest", "seedling harvest", "harvesting", "harvested", "picking"),
    ),
    (
        "finding",
        "planting_check",
        ("种植成活检查", "成活检查", "成活率检查", "成活率", "成活情况", "成活", "种植检查"),
        ("planting check", "survival check", "survivalcheck", "survival"),
    ),
    (
        "finding",
        "clear",
        ("未见异常", "正常"),
        ("clear", "ok", "normal", "all clear", "nothing to report"),
    ),
    # -- actions -------------------------------------------------------------------------
    (
        "action",
        "removed",
        (
            "清除",
            "拔除",
            "铲除",
            "挖除",
            "割除",
            "刈割",
            "清理",
            "除治",
            "根除",
            "处理",
            "处置",
        ),
        ("removed", "remove", "removal", "cleared", "pulled", "uprooted", "eradicated", "dug out"),
    ),
    ("action", "reported", ("上报", "报告", "报送", "通报"), ("reported", "report", "notified")),
    # Read from its parts: a bare negation (无), or an action negated (未处理 not done,
    # 待处理 pending). Pending is "none": nothing was done on the spot and reporting is
    # not implied; it is never a removal. A placeholder ("-", "/") is a blank.
    ("action", "none", ("无", "未处理", "待处理"), ("none", "not removed", "pending")),
    # -- how the words of a phrase combine -----------------------------------------------
    # Negation: covers the term after it (未见复萌), or the term before it when
    # nothing follows in its clause (清除未完成); alone it means "nothing" (无).
    (
        "word",
        "not",
        (
            "未",
            "没有",
            "没",
            "无",
            "不",
            "非",
            "尚未",
            "并未",
            "仍未",
            "还未",
            "暂未",
            "未能",
            "无法",
            "不能",
            "无需",
            "无须",
            "不需",
            "不用",
            "未见",
            "不见",
            "未发现",
            "未找到",
            "未查见",
        ),
        ("not", "no", "none", "nothing", "without", "never", "neither"),
    ),
    # Not yet done: like a negation, but only of an action, and alone it means
    # nothing was done (action none), never "clear".
    (
        "word",
        "pending",
        ("待", "尚待", "有待", "等待", "拟", "计划", "准备", "安排", "正在"),
        ("pending", "awaiting", "to be", "scheduled"),
    ),
    # Spartina itself: negated it reads clear (未见互花米草); alone it does not say
    # whether it is regrowth or new, so it is refused.
    (
        "word",
        "spartina",
        ("互花米草", "米草", "大米草", "互米"),
        ("spartina", "spartina alterniflora", "cordgrass"),
    ),
    # Something unnamed: negated it reads clear (无异常); alone it is refused.
    (
        "word",
        "anomaly",
        ("异常", "问题", "异样"),
        ("anomaly", "anomalies", "unusual", "problem", "problems", "issue", "issues"),
    ),
    # A list of terms: a negation covers every term of it (未见复萌及新发).
    ("word", "and", ("及", "和", "与", "或", "、", "以及", "或者"), ("or", "nor")),
    # Two statements: the second is not negated by the first (未清除，但已上报).
    (
        "word",
        "also",
        ("并", "并且", "且", "同时", "但", "但是", "+", "&"),
        ("and", "but", "then", "also"),
    ),
    # Words that add nothing to the finding or action: time, manner, place,
    # quantity, the mangroves named, the finding's "found".
    (
        "word",
        "filler",
        (
            *("已", "已经", "均已", "现已", "业已", "都", "均", "全部", "全", "彻底", "干净"),
            *("完毕", "完成", "完", "了", "的", "地"),
            *("发现", "见", "可见", "见到", "看到", "看见", "观察到", "查见", "查到"),
            *("监测到", "有", "存在", "出现", "受", "受到", "被", "遭", "遭到", "造成", "对"),
            *("把", "现场", "当场", "就地", "及时", "立即", "当即", "马上", "人工", "机械"),
            *("点", "点位", "处", "斑块", "图斑", "植株", "株", "丛", "片", "块", "地块"),
            *("区域", "范围", "现象", "情况", "约", "大约", "左右", "面积", "盖度", "一切"),
            *("目前", "本次", "红树林", "红树", "秋茄", "秋茄苗", "苗", "苗木", "白骨壤"),
            *("桐花树", "无人机", "巡查", "巡护", "复查", "有人", "人员", "林业站", "林业局"),
            *("管理站", "管理处", "保护区", "专班", "明显", "少量", "大量", "零星", "零散"),
            *("良好",),
            *("成片",),
        ),
        (
            *("found", "seen", "observed", "detected", "spotted", "noticed", "there", "is"),
            *("are", "was", "were", "be", "been", "has", "have", "had", "a", "an", "the"),
            *("of", "on", "at", "in", "by", "to", "spot", "site", "patch", "patches"),
            *("plant", "plants", "clump", "clumps", "area", "cover", "about", "approx"),
            *("approximately", "around", "roughly", "yet", "already", "all", "fully"),
            *("completely", "entirely", "immediately", "manually", "hand", "now", "any"),
            *("sign", "signs", "infestation", "point", "points", "mangrove", "mangroves"),
            *("seedling", "seedlings", "kandelia", "m", "sqm", "sq", "ha", "mu", "cm"),
            *("percent", "out"),
        ),
    ),
)


def _vocabulary(name):
    return {code: (*zh, *en) for vocabulary, code, zh, en in WORDS if vocabulary == name}


# Code -> its words, by vocabulary (views of WORDS).
PATROL_TYPES = _vocabulary("patrol_type")
FINDINGS = _vocabulary("finding")
ACTIONS = _vocabulary("action")

# -- plots -------------------------------------------------------------------------------
PLOT_KINDS = ("clearance", "restoration")
DATE_COLUMN = {"clearance": "cleared_on", "restoration": "planted_on"}

# Store kinds of the plot layers' columns: the same frame around each kind's own fields.
_OWN_FIELDS = {
    "clearance": {"cleared_on": "date", "method": "text", "contractor": "text"},
    "restoration": {"planted_on": "date", "species": "text", "funding": "text"},
}
PLOT_COLUMNS = {
    kind: {
        "plot_id": "text",
        "site": "text",
        "township": "text",
        **own,
        "declared_area_mu": "real",
        "area_mu": "real",
        "area_ha": "real",
        "notes": "text",
        "extra": "text",
        "upload_id": "text",
        "source_row": "integer",
    }
    for kind, own in _OWN_FIELDS.items()
}
# What each kind of plot holds besides its place, date and area.
TEXT_FIELDS = {"clearance": ("method", "contractor"), "restoration": ("species", "funding")}


@functools.cache
def allowed_words(vocabulary):
    """The codes of a vocabulary with their Chinese and English names, for messages.

    Examples
    --------
    >>> allowed_words("action")[:33]
    'removed (清除, removed), reported ('
    """
    names = ", ".join(f"{code} ({zh[0]}, {en[0]})" for v, code, zh, en in WORDS if v == vocabulary)
    if vocabulary == "finding":
        names += "; negated with 未, 没有, 无, 不, not, no; an action may follow (复萌已清除)"
    return names

"""The canonical survey record: its columns, vocabularies and header names.

Patrol files name things in many ways; this module says which header means
which column and which word means which value, in Chinese and English.
"""

import re

import pandas as pd

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

PATROL_TYPES = {
    "contractor_daily": (
        "施工单位日常巡护",
        "施工单位日常巡查",
        "施工单位",
        "日常巡护",
        "日常巡查",
        "施工方",
        "contractor",
        "contractordaily",
        "daily",
    ),
    "township_patrol": (
        "乡镇巡查队伍踏查",
        "乡镇巡查队伍",
        "乡镇巡查",
        "乡镇踏查",
        "踏查",
        "乡镇",
        "township",
        "townshippatrol",
    ),
    "city_joint": (
        "市级专班联合巡护",
        "市级联合巡护",
        "市级专班",
        "联合巡护",
        "联合巡查",
        "市级",
        "city",
        "cityjoint",
        "joint",
    ),
    "digital_monitoring": (
        "数字化监测预警",
        "数字化监测",
        "无人机",
        "遥感",
        "监测预警",
        "digital",
        "digitalmonitoring",
        "drone",
        "uav",
        "remotesensing",
    ),
}

FINDINGS = {
    "spartina_regrowth": (
        "互花米草复萌",
        "复萌",
        "复发",
        "再生",
        "萌发",
        "regrowth",
        "spartinaregrowth",
        "recurrence",
    ),
    "spartina_new": ("新发图斑", "新发现", "新发", "新增", "new", "spartinanew", "newinfestation"),
    "spartina_removed": (
        "已清除",
        "已拔除",
        "清除",
        "拔除",
        "铲除",
        "removed",
        "spartinaremoved",
        "cleared",
    ),
    "mangrove_damage": ("红树林破坏", "毁林", "破坏", "mangrovedamage", "damage"),
    "seedling_harvest": ("采摘秋茄苗", "采苗", "采摘", "seedlingharvest", "harvest"),
    "planting_check": ("种植成活检查", "成活检查", "成活率检查", "plantingcheck", "survivalcheck"),
    "clear": ("未见异常", "无异常", "未发现", "正常", "clear", "none", "ok", "normal", "nothing"),
}

ACTIONS = {
    "removed": (
        "已清除",
        "已拔除",
        "已处理",
        "清除",
        "拔除",
        "铲除",
        "处理",
        "removed",
        "remove",
        "cleared",
    ),
    "reported": ("已上报", "上报", "报告", "reported", "report"),
    "none": ("未处理", "无", "none", "no", "-"),
}

# Header names by canonical field; compared after _header_key().
HEADERS = {
    "lon": ("经度", "东经", "lon", "lng", "long", "longitude", "x", "x坐标", "横坐标", "easting"),
    "lat": ("纬度", "北纬", "lat", "latitude", "y", "y坐标", "纵坐标", "northing"),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "几何", "shape", "图形"),
    "datetime": (
        "日期时间",
        "巡查时间",
        "巡护时间",
        "监测时间",
        "发现时间",
        "记录时间",
        "观测时间",
        "observed_at",
        "datetime",
        "timestamp",
        "date_time",
    ),
    "date": ("日期", "巡查日期", "巡护日期", "date", "day"),
    "time": ("时间", "时刻", "time", "when"),
    "patrol_type": (
        "巡查类型",
        "巡护类型",
        "巡查方式",
        "巡护方式",
        "类型",
        "patrol_type",
        "patrol",
        "patroltype",
        "type",
    ),
    "team": ("队伍", "巡查队伍", "巡护队伍", "单位", "巡查单位", "巡护单位", "team", "unit"),
    "observer": (
        "巡查人",
        "巡护人",
        "巡护员",
        "记录人",
        "调查人",
        "observer",
        "recorder",
        "patroller",
    ),
    "finding": (
        "发现",
        "问题类型",
        "发现情况",
        "巡查结果",
        "巡护结果",
        "情况",
        "finding",
        "result",
        "status",
    ),
    "cover_pct": ("盖度", "覆盖度", "cover", "cover_pct", "coverage"),
    "patch_area_m2": ("斑块面积", "面积", "patch_area", "patch_area_m2", "area_m2", "area"),
    "survival_pct": ("成活率", "survival", "survival_pct"),
    "action": ("处理", "处置", "处理措施", "处置情况", "处理情况", "action"),
    "notes": (
        "备注",
        "说明",
        "描述",
        "notes",
        "note",
        "remark",
        "remarks",
        "comment",
        "comments",
        "description",
        "desc",
    ),
    "name": ("名称", "name", "标注", "点名"),
    "category": ("category", "类别", "分类"),
}


def _header_key(header):
    """Compare headers without case, spaces, units or brackets: '经度(°)' -> '经度'."""
    key = str(header).strip().lower()
    key = re.sub(r"[（(\[【].*?[)）\]】]", "", key)
    key = re.sub(r"[\s\u3000:：°%％]+", "", key)
    return key


def _lookup(table):
    lookup = {}
    for field, names in table.items():
        for name in names:
            lookup.setdefault(_header_key(name), field)
    return lookup


_LOCATION_HEADERS = {key: HEADERS[key] for key in ("lon", "lat", "wkt")}

# Plot files: 面积 is the declared plot area there, not a patch's.
PLOT_HEADERS = {
    **_LOCATION_HEADERS,
    "plot_id": (
        "图斑编号",
        "地块编号",
        "小班号",
        "编号",
        "图斑号",
        "plot_id",
        "plot",
        "id",
        "code",
    ),
    "site": ("保护区", "保护小区", "site", "site_id", "reserve"),
    "township": ("乡镇", "所在乡镇", "township", "town"),
    "date": (
        "除治日期",
        "清除日期",
        "除治时间",
        "完成日期",
        "种植日期",
        "造林日期",
        "种植时间",
        "cleared_on",
        "planted_on",
        "date",
    ),
    "method": ("除治方式", "治理方式", "除治方法", "method"),
    "contractor": ("施工单位", "承包单位", "contractor"),
    "species": ("树种", "物种", "品种", "species"),
    "declared_area": (
        "面积",
        "图斑面积",
        "种植面积",
        "造林面积",
        "planted_area",
        "area_mu",
        "area",
        "declared_area",
    ),
    "funding": ("资金来源", "经费来源", "funding", "funding_source"),
    "notes": HEADERS["notes"],
}

_LOOKUPS_BY_TABLE = {id(HEADERS): _lookup(HEADERS), id(PLOT_HEADERS): _lookup(PLOT_HEADERS)}


def match_headers(headers, table=HEADERS):
    """{field: original header} for the headers a file has (first match wins)."""
    lookup = _LOOKUPS_BY_TABLE[id(table)]
    found = {}
    for header in headers:
        field = lookup.get(_header_key(header))
        if field is not None and field not in found:
            found[field] = header
    return found


def area_unit_of(header):
    """The unit a declared-area header names: '面积(公顷)' -> 'ha'; mu by default."""
    text = str(header).lower()
    if "公顷" in text or "(ha" in text or "hectare" in text or text.endswith("_ha"):
        return "ha"
    if "平方米" in text or "m2" in text or "㎡" in text or "m²" in text:
        return "m2"
    return "mu"


def _value_key(value):
    return re.sub(r"[\s_\-—·.,，。:：()（）]+", "", str(value).strip().lower())


def _build_lookup(vocabulary):
    exact = {}
    phrases = []
    for code, words in vocabulary.items():
        exact[_value_key(code)] = code
        for word in words:
            exact.setdefault(_value_key(word), code)
            if not word.isascii() and len(word) >= 2:
                phrases.append((word, code))
    phrases.sort(key=lambda item: -len(item[0]))
    return exact, phrases


_LOOKUPS = {
    "patrol_type": _build_lookup(PATROL_TYPES),
    "finding": _build_lookup(FINDINGS),
    "action": _build_lookup(ACTIONS),
}
_NEGATION = re.compile(r"^(未见|未发现|没有|无)")


def code_for(value, vocabulary):
    """The canonical code for a word in ``vocabulary`` ("patrol_type", "finding",
    "action"), or None when the word is not known.

    Examples
    --------
    >>> code_for("复萌", "finding"), code_for("市级专班联合巡护", "patrol_type")
    ('spartina_regrowth', 'city_joint')
    >>> code_for("未见复萌", "finding")
    'clear'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    exact, phrases = _LOOKUPS[vocabulary]
    key = _value_key(text)
    if key in exact:
        return exact[key]
    if vocabulary == "finding" and _NEGATION.match(text):
        return "clear"
    for phrase, code in phrases:
        if phrase in text:
            return code
    return None


def map_vocabulary(series, vocabulary):
    """Vectorised :func:`code_for` over a Series (each distinct value looked up once)."""
    uniques = pd.unique(series.astype("object"))
    mapping = {value: code_for(value, vocabulary) for value in uniques}
    return series.astype("object").map(mapping)


def allowed_words(vocabulary):
    table = {"patrol_type": PATROL_TYPES, "finding": FINDINGS, "action": ACTIONS}[vocabulary]
    return ", ".join(f"{code} ({words[0]})" for code, words in table.items())

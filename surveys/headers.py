"""Which header of a patrol or plots file names which field.

Patrol files name their columns in many ways, in Chinese and English, with
units and brackets ('经度(°)'); each field's names are listed most specific
first, and a header is compared without case, spaces, units or brackets.
"""

import re

# Header names by canonical field (space-separated), most specific first;
# compared after header_key().
HEADERS = {
    field: tuple(names.split())
    for field, names in {
        "lon": "经度 东经 lon lng long longitude x x坐标 横坐标 easting",
        "lat": "纬度 北纬 lat latitude y y坐标 纵坐标 northing",
        "wkt": "wkt geometry geom the_geom 几何 shape 图形",
        "datetime": "日期时间 巡查时间 巡护时间 监测时间 发现时间 记录时间 观测时间 "
        "observed_at datetime timestamp date_time",
        "date": "日期 巡查日期 巡护日期 date day",
        "time": "时间 时刻 time when",
        "patrol_type": "巡查类型 巡护类型 巡查方式 巡护方式 类型 patrol_type patrol patroltype type",
        "team": "队伍 巡查队伍 巡护队伍 单位 巡查单位 巡护单位 team unit",
        "observer": "巡查人 巡护人 巡护员 记录人 调查人 observer recorder patroller",
        "finding": "发现 问题类型 发现情况 巡查结果 巡护结果 情况 finding result status",
        "cover_pct": "盖度 覆盖度 cover cover_pct coverage",
        "patch_area_m2": "斑块面积 面积 patch_area patch_area_m2 area_m2 area",
        "survival_pct": "成活率 survival survival_pct",
        "action": "处理 处置 处理措施 处置情况 处理情况 action",
        "notes": "备注 说明 描述 notes note remark remarks comment comments description desc",
        "name": "名称 name 标注 点名",
        "category": "category 类别 分类",
    }.items()
}

# Plot files: 面积 is the declared plot area there, not a patch's.
PLOT_HEADERS = {
    **{key: HEADERS[key] for key in ("lon", "lat", "wkt")},
    **{
        field: tuple(names.split())
        for field, names in {
            "plot_id": "图斑编号 地块编号 小班号 编号 图斑号 plot_id plot id code",
            "site": "保护区 保护小区 site site_id reserve",
            "township": "乡镇 所在乡镇 township town",
            "date": "除治日期 清除日期 除治时间 完成日期 种植日期 造林日期 种植时间 "
            "cleared_on planted_on date",
            "method": "除治方式 治理方式 除治方法 method",
            "contractor": "施工单位 承包单位 contractor",
            "species": "树种 物种 品种 species",
            "declared_area": "面积 图斑面积 种植面积 造林面积 planted_area area_mu area declared_area",
            "funding": "资金来源 经费来源 funding funding_source",
        }.items()
    },
    "notes": HEADERS["notes"],
}


def header_key(header) -> str:
    """A header compared without case, spaces, units or brackets.

    Examples
    --------
    >>> header_key(" 经度(°) "), header_key("Cover %")
    ('经度', 'cover')
    """
    key = str(header).strip().lower()
    key = re.sub(r"[（(\[【].*?[)）\]】]", "", key)
    key = re.sub(r"[\s\u3000:：°%％]+", "", key)
    return key


def _lookup(table):
    """{header key: (field, rank)}: a name's rank is its place in the field's list,
    most specific first."""
    lookup = {}
    for field, names in table.items():
        for rank, name in enumerate(names):
            lookup.setdefault(header_key(name), (field, rank))
    return lookup


_LOOKUPS_BY_TABLE = {id(HEADERS): _lookup(HEADERS), id(PLOT_HEADERS): _lookup(PLOT_HEADERS)}


def match_headers(headers, table: dict = HEADERS) -> dict:
    """{field: original header} for the headers a file has.

    Where several headers name one field, the most specific name wins (图斑编号
    over a GeoJSON feature's ``id``), then the first in the file.

    Examples
    --------
    >>> match_headers(["id", "图斑编号", "除治日期"], PLOT_HEADERS)
    {'plot_id': '图斑编号', 'date': '除治日期'}
    """
    lookup = _LOOKUPS_BY_TABLE[id(table)]
    best = {}
    for position, header in enumerate(headers):
        found = lookup.get(header_key(header))
        if found is None:
            continue
        field, rank = found
        if field not in best or (rank, position) < best[field][0]:
            best[field] = ((rank, position), header)
    order = sorted(best, key=lambda field: best[field][0][1])
    return {field: best[field][1] for field in order}


def area_unit_of(header) -> str:
    """The unit a declared-area header names: '面积(公顷)' -> 'ha'; mu by default.

    Examples
    --------
    >>> area_unit_of("面积(公顷)"), area_unit_of("面积(㎡)"), area_unit_of("面积")
    ('ha', 'm2', 'mu')
    """
    text = str(header).lower()
    if "公顷" in text or "(ha" in text or "hectare" in text or text.endswith("_ha"):
        return "ha"
    if "平方米" in text or "m2" in text or "㎡" in text or "m²" in text:
        return "m2"
    return "mu"

"""The monthly report's labels in Chinese and English (the words of codes come
from the one vocabulary, :func:`hailin.surveys.schema.word`)."""

from hailin.surveys.errors import ReportError

LABELS = {
    "title": {
        "zh": "福鼎市互花米草除治与红树林修复月报",
        "en": "Fuding Spartina clearance and mangrove restoration",
    },
    "month": {"zh": "{year}年{month}月", "en": "monthly report, {year}-{month:02d}"},
    "made": {"zh": "数据截至 {date}，由海林生成。", "en": "Data as of {date}, made by hailin."},
    "figures": {"zh": "一、本月主要数据", "en": "1. The month's figures"},
    "progress": {"zh": "二、工作进展", "en": "2. Progress"},
    "map": {"zh": "三、除治状态图", "en": "3. Clearance status map"},
    "recurrence": {"zh": "四、复萌与新发案件", "en": "4. Recurrence and new cases"},
    "effort": {"zh": "五、巡护工作量", "en": "5. Patrol effort"},
    "item": {"zh": "项目", "en": "Item"},
    "this_month": {"zh": "本月", "en": "This month"},
    "to_date": {"zh": "累计", "en": "To date"},
    "target": {"zh": "目标", "en": "Target"},
    "cleared_mu": {"zh": "除治面积（亩）", "en": "Cleared (mu)"},
    "planted_mu": {"zh": "种植面积（亩）", "en": "Planted (mu)"},
    "cases_opened": {"zh": "新增案件（处）", "en": "Cases opened"},
    "plots_re_cleared": {"zh": "再次清除图斑（个）", "en": "Plots re-cleared"},
    "open_cases": {"zh": "未处置案件（处）", "en": "Open cases"},
    "patrols": {"zh": "巡护次数", "en": "Patrols"},
    "person_times": {"zh": "巡护人次", "en": "Person-times"},
    "km": {"zh": "巡护里程（公里）", "en": "Km walked"},
    "mu": {"zh": "亩", "en": "mu"},
    "times": {"zh": "次", "en": "patrols"},
    "cumulative_cleared": {"zh": "累计除治面积", "en": "Cumulative cleared"},
    "chart_clearance": {
        "zh": "累计除治面积与目标",
        "en": "Cumulative clearance against the target",
    },
    "chart_planting": {"zh": "各年种植面积（亩）", "en": "Planted by year (mu)"},
    "chart_effort": {"zh": "本月各类巡护次数", "en": "Patrols this month by mode"},
    "map_title": {
        "zh": "除治图斑状态与本月新增案件",
        "en": "Clearance status and the month's new cases",
    },
    "new_cases_month": {"zh": "本月新增案件", "en": "New cases this month"},
    "new_cases_table": {"zh": "本月新增案件", "en": "Cases opened this month"},
    "open_cases_table": {"zh": "未处置案件", "en": "Open cases"},
    "none": {"zh": "无", "en": "none"},
    "figure": {"zh": "图", "en": "Figure"},
    "case": {"zh": "案件编号", "en": "Case"},
    "kind": {"zh": "类型", "en": "Kind"},
    "plot": {"zh": "图斑号", "en": "Plot"},
    "township": {"zh": "乡镇", "en": "Township"},
    "found": {"zh": "发现时间", "en": "Found on"},
    "area": {"zh": "面积（亩）", "en": "Area (mu)"},
    "days_open": {"zh": "持续天数", "en": "Days open"},
    "mode": {"zh": "巡护方式", "en": "Mode"},
    "patrol_days": {"zh": "巡护天数", "en": "Patrol days"},
    "records": {"zh": "记录数", "en": "Records"},
    "page_of": {"zh": "第 {} 页 共 {} 页", "en": "Page {} of {}"},
    "period": {"zh": "报告期：{first} 至 {last}", "en": "Period: {first} to {last}"},
    "issued": {"zh": "印发日期：{date}", "en": "Issued on {date}"},
    "issuer": {"zh": "编制单位：{office}", "en": "Issued by {office}"},
    "north": {"zh": "北", "en": "N"},
    "sites_legend": {"zh": "保护小区边界", "en": "Reserve boundary"},
}


def label(key: str, lang: str) -> str:
    """The report's label ``key`` in ``lang`` ("zh" or "en").

    Examples
    --------
    >>> label("patrols", "zh"), label("patrols", "en")
    ('巡护次数', 'Patrols')
    """
    try:
        return LABELS[key][lang]
    except KeyError:
        raise ReportError(f"the report has no label {key!r} in {lang!r}") from None

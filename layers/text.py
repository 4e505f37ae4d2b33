"""The labels of maps, in Chinese and English.

The words of codes (patrol types, findings, statuses, case kinds) are not here:
they come from the one vocabulary, :data:`hailin.surveys.schema.VOCABULARY`
(:func:`hailin.surveys.schema.word`).
"""

from hailin.layers.errors import LayerError
from hailin.surveys.schema import word

TEXT = {
    "sites": {"zh": "保护区范围", "en": "Reserve boundaries"},
    "site": {"zh": "保护区", "en": "Reserve"},
    "township": {"zh": "乡镇", "en": "Township"},
    "area": {"zh": "面积", "en": "Area"},
    "mu": {"zh": "亩", "en": "mu"},
    "ha": {"zh": "公顷", "en": "ha"},
    "legend": {"zh": "图例", "en": "Legend"},
    "plot": {"zh": "图斑", "en": "Plot"},
    "restoration_plot": {"zh": "种植地块", "en": "Plot"},
    "cleared_on": {"zh": "除治日期", "en": "Cleared on"},
    "method": {"zh": "除治方式", "en": "Method"},
    "contractor": {"zh": "施工单位", "en": "Contractor"},
    "status": {"zh": "状态", "en": "Status"},
    "history": {"zh": "复萌记录", "en": "Recurrence history"},
    "no_recurrence": {"zh": "除治后未见复萌", "en": "no regrowth since clearance"},
    "detections": {"zh": "发现次数", "en": "Findings"},
    "clearance_plots": {"zh": "除治图斑", "en": "Clearance plots"},
    "restoration_plots": {"zh": "种植地块", "en": "Restoration plots"},
    "planted_on": {"zh": "种植日期", "en": "Planted on"},
    "species": {"zh": "树种", "en": "Species"},
    "funding": {"zh": "资金来源", "en": "Funding"},
    "survival": {"zh": "成活率", "en": "Survival"},
    "not_checked": {"zh": "未检查", "en": "not checked"},
    "detections_layer": {"zh": "复萌发现点", "en": "Regrowth findings"},
    "patrol_records": {"zh": "巡查记录", "en": "Patrol records"},
    "patrol_count": {"zh": "巡查记录数", "en": "Patrol records"},
    "patrol_tracks": {"zh": "巡护轨迹", "en": "Patrol tracks"},
    "time": {"zh": "时间", "en": "Time"},
    "patrol_type": {"zh": "巡查类型", "en": "Patrol type"},
    "team": {"zh": "队伍", "en": "Team"},
    "observer": {"zh": "巡查员", "en": "Observer"},
    "cases": {"zh": "案件数", "en": "Cases"},
    "finding": {"zh": "发现", "en": "Finding"},
    "notes": {"zh": "备注", "en": "Notes"},
    "first_found": {"zh": "首次发现", "en": "First found"},
    "summary": {"zh": "工作进展", "en": "Progress"},
    "cleared": {"zh": "已除治", "en": "Cleared"},
    "planted": {"zh": "已种植", "en": "Planted"},
    "target": {"zh": "目标", "en": "target"},
    "open_cases": {"zh": "未处置案件", "en": "Open cases"},
    "cumulative_cleared": {"zh": "累计除治面积（亩）", "en": "Cumulative cleared (mu)"},
    "cumulative_planted": {"zh": "累计种植面积（亩）", "en": "Cumulative planted (mu)"},
    "month": {"zh": "月份", "en": "Month"},
    "year": {"zh": "年份", "en": "Year"},
    "all_periods": {"zh": "全部", "en": "all"},
    "clearance_title": {"zh": "互花米草除治进展", "en": "Spartina clearance progress"},
    "restoration_title": {"zh": "红树林种植进展", "en": "Mangrove restoration progress"},
    "overview_title": {"zh": "福鼎红树林保护区概览", "en": "Fuding mangrove reserves: overview"},
    "illustrative": {"zh": "示意范围，非官方边界", "en": "illustrative boundary, not official"},
    # Digital monitoring (rasters)
    "raster_layer": {"zh": "监测影像", "en": "Monitoring image"},
    "imagery_survival": {"zh": "成活率（影像估算）", "en": "Survival (imagery estimate)"},
    # Field values from files are shown as typed: an English map says so.
    "as_entered": {"zh": "（原文）", "en": "(as entered)"},
    "records_in_cell": {"zh": "{n} 条巡查记录", "en": "{n} patrol records"},
    "click_to_zoom": {"zh": "点击放大查看", "en": "click to zoom in"},
    "date": {"zh": "日期", "en": "Date"},
    "play": {"zh": "播放", "en": "Play"},
    "pause": {"zh": "暂停", "en": "Pause"},
    "previous": {"zh": "上一月", "en": "Previous month"},
    "next": {"zh": "下一月", "en": "Next month"},
    "show": {"zh": "展开", "en": "Show"},
    "hide": {"zh": "收起", "en": "Hide"},
    "as_of": {"zh": "截至", "en": "as of"},
    "planted_by_year": {"zh": "各年种植面积（亩）与成活率", "en": "Planted by year (mu), survival"},
    "cleared_by_month": {"zh": "各月除治面积（亩）", "en": "Cleared by month (mu)"},
    # The next inspections of a patrol plan (hailin plan)
    "next_inspections": {"zh": "下周巡查点", "en": "Next inspections"},
    "kind": {"zh": "类型", "en": "Kind"},
    "visit": {"zh": "巡查顺序", "en": "Visit"},
    "risk": {"zh": "复萌风险", "en": "Recurrence risk"},
    "reason": {"zh": "原因", "en": "Reasons"},
    # Verification tasks of suspected findings (hailin tasks)
    "tasks_layer": {"zh": "核查任务", "en": "Verification tasks"},
    "task": {"zh": "核查任务", "en": "Task"},
    "suspected_on": {"zh": "疑似发现", "en": "Suspected on"},
    "suspicions": {"zh": "疑似次数", "en": "Suspicions"},
    "closed": {"zh": "核查结果", "en": "Checked"},
}

# Labels that name a code: their words are the vocabulary's (surveys.schema).
_CODE_LABELS = {"new_patches": ("case_kind", "new_infestation")}


def text(key: str, lang: str) -> str:
    """The label ``key`` in ``lang`` ("zh" or "en").

    Parameters
    ----------
    key : str
        A key of :data:`TEXT`, or a label that names a vocabulary code.
    lang : {"zh", "en"}
        The language.

    Returns
    -------
    str

    Examples
    --------
    >>> text("legend", "zh"), text("new_patches", "en")
    ('图例', 'New infestations')
    """
    if lang not in ("zh", "en"):
        raise LayerError(f"lang should be 'zh' or 'en', got {lang!r}")
    if key in _CODE_LABELS:
        return word(*_CODE_LABELS[key], lang)
    return TEXT[key][lang]

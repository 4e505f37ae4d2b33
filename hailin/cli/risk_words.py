"""The sentences of `hailin risk` and `hailin plan`, in Chinese and English (the
words of codes — reasons, outcomes — come from the vocabulary)."""

TEXT: dict[str, dict[str, str]] = {
    "ranking": {
        "zh": "复萌风险排序（截至 {as_of}，未来 {weeks} 周）：{how}",
        "en": "Recurrence risk ranking (as of {as_of}, next {weeks} weeks): {how}",
    },
    "model": {
        "zh": "逻辑回归模型，基于截止日前 {days} 个时点、{rows} 行、{positives} 次发现拟合",
        "en": "logistic model fitted on {rows} rows at {days} days before it, {positives} with Spartina found",
    },
    "fallback": {
        "zh": "历史记录不足（{days} 个时点、{positives} 次发现；模型至少需要 {min_days} 个时点、"
        "{min_positives} 次发现），不拟合模型，改用最佳基线「{baseline}」排序",
        "en": "too little history ({days} days, {positives} findings; the model needs at least "
        "{min_days} days and {min_positives} findings): no model fitted, ranked by the best "
        "baseline, {baseline}",
    },
    "not_validated": {
        "zh": "截止日前最后三分之一的时点或其之前没有发现互花米草，无法检验模型，改用最佳基线「{baseline}」排序",
        "en": "no Spartina was found in the last third of the days before it, or before them: "
        "the model cannot be checked, so the best baseline ranks: {baseline}",
    },
    "baseline_better": {
        "zh": "截止日前最后 {days} 个时点的检验中，模型（AUC {model:.3f}）不如基线「{baseline}」"
        "（AUC {best:.3f}），改用该基线排序",
        "en": "on the last {days} days before it the model (AUC {model:.3f}) ranked worse than "
        "the baseline {baseline} (AUC {best:.3f}): ranked by that baseline",
    },
    "header": {"zh": "名次  图斑  风险  原因", "en": "rank  plot  risk  reasons"},
    "no_plots": {
        "zh": "截至该日没有已除治的图斑",
        "en": "no plot had been cleared by that day",
    },
    "fitted": {
        "zh": "截止日 {cutoff} 前拟合：{rows} 行、{positives} 次发现、{days} 个时点",
        "en": "fitted on the history before {cutoff}: {rows} rows, {positives} with Spartina "
        "found, {days} days",
    },
    "scored": {
        "zh": "截止日后检验：{days} 个时点、{rows} 行、{positives} 次发现互花米草",
        "en": "scored after it: {rows} rows at {days} days, {positives} with Spartina found",
    },
    "nothing_after": {
        "zh": "截止日后没有满 {weeks} 周的记录，无法检验",
        "en": "no record {weeks} weeks after the cut-off: nothing to score yet",
    },
    "scores_header": {
        "zh": "方法  AUC  前10%准确率  前20%准确率",
        "en": "method  AUC  precision@10%  precision@20%",
    },
    "model_name": {"zh": "模型", "en": "model"},
    "plan_written": {
        "zh": "{week} 巡查计划：{teams} 支队伍、{stops} 个巡查点、计划步行 {km:.1f} 公里；文件在 {folder}",
        "en": "plan for {week}: {teams} team(s), {stops} stop(s), {km:.1f} km to walk; files in {folder}",
    },
    "plan_team": {
        "zh": "  {team}：{days} 天、{stops} 个点、{km:.1f} 公里（每天上限 {budget_km:.1f} 公里）",
        "en": "  {team}: {days} day(s), {stops} stop(s), {km:.1f} km (at most {budget_km:.1f} km a day)",
    },
    "plan_left": {
        "zh": "  超出队伍范围或步行上限、未排入的点：{count} 个",
        "en": "  stops left out (outside every team's area or beyond the walking budgets): {count}",
    },
    "status": {
        "zh": "{week} 巡查计划执行情况（截至 {as_of}）：",
        "en": "plan for {week}, as of {as_of}:",
    },
    "effort": {
        "zh": "  {team}：计划 {planned} 个点、{km_planned:.1f} 公里；已巡查 {visited} 个点、轨迹 {km_walked:.1f} 公里",
        "en": "  {team}: planned {planned} stop(s), {km_planned:.1f} km; visited {visited}, "
        "tracks {km_walked:.1f} km",
    },
    "risk": {"zh": "风险", "en": "risk"},
    "outcomes": {"zh": "  {team}：", "en": "  {team}: "},
}


# The columns of a team's list (XLSX), in order.
COLUMNS: dict[str, list[str]] = {
    "zh": [
        "日期",
        "顺序",
        "编号",
        "类型",
        "风险",
        "原因",
        "经度",
        "纬度",
        "距上一点（公里）",
        "当日累计（公里）",
    ],
    "en": [
        "day",
        "order",
        "id",
        "kind",
        "risk",
        "reason",
        "longitude",
        "latitude",
        "leg (km)",
        "walked (km)",
    ],
}


def say(key: str, lang: str, **values) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in.

    Examples
    --------
    >>> say("no_plots", "zh")
    '截至该日没有已除治的图斑'
    """
    return TEXT[key][lang].format(**values)
